"""Loading the units takes about a second; modules that only read share one load."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from pytest_django import DjangoDbBlocker

from motcua.geo.services import LoadSummary, units_load


@pytest.fixture(scope="module")
def loaded_units(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[LoadSummary]:
    """The package's units, loaded once per module inside a transaction rolled back afterwards.

    Each test's own transaction nests in it as a savepoint, so what a test writes is undone too.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield units_load()
        transaction.set_rollback(True)
