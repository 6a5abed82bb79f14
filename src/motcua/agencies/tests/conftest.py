"""Agencies need the administrative units; modules that only read share one load of both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.utils import translation
from pytest_django import DjangoDbBlocker

from motcua.agencies.services import LoadSummary, agencies_load
from motcua.geo.services import units_load


@pytest.fixture(scope="module")
def loaded_agencies(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[LoadSummary]:
    """Units and agencies loaded once per module, in a transaction rolled back afterwards.

    Each test's own transaction nests in it as a savepoint, so what a test writes is undone too.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        units_load()
        yield agencies_load()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """These tests pin the English source messages; the Vietnamese ones are checked in core's translation tests."""
    with translation.override("en"):
        yield
