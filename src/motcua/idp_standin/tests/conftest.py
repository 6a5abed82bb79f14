"""The stand-in mounted (as with DEBUG), with its signing key in a VAR_DIR of the test session."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import clear_url_caches
from pytest_django import Settings


def remount() -> None:
    """Re-reads the root URLconf, which mounts /idp/ only while IDP_STANDIN_ENABLED."""
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture
def enabled(settings: Settings, var_dir: Path) -> Iterator[None]:
    before = settings.IDP_STANDIN_ENABLED
    settings.IDP_STANDIN_ENABLED = True
    settings.VAR_DIR = var_dir
    remount()
    yield
    settings.IDP_STANDIN_ENABLED = before
    remount()
