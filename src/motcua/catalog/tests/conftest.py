from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """These tests pin the English source messages; the Vietnamese ones are checked in core's translation tests."""
    with translation.override("en"):
        yield
