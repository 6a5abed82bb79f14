"""Fixtures of the back-office tests: the dossier world of dossiers/tests/conftest.py."""

from __future__ import annotations

import pytest

from motcua.dossiers.tests.conftest import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()
