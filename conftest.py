"""Project-wide test fixtures."""

from __future__ import annotations

import pytest
from pytest_django import Settings


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Settings) -> None:
    """Pages link static files; without DEBUG the manifest storage would need `collectstatic` first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """A test's rows are rolled back after it, without signals: no cached agency or version outlives it."""
    from motcua.core.memo import process_caches_clear

    process_caches_clear()
