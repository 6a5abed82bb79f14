"""Fixtures of the API tests: the dossier world and officers' token clients."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from django.test import Client

from motcua.agencies.models import Officer
from motcua.api.auth import api_token_create
from motcua.dossiers.tests.conftest import World, build_world


def api_client(key: str | None = None) -> Client:
    """A test client asking for English (the source messages); with a token if `key` is given."""
    headers = {"Accept-Language": "en"}
    if key is not None:
        headers["Authorization"] = f"Token {key}"
    return Client(headers=headers)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def api() -> Callable[[Officer], Client]:
    """A test client authenticated with a new token of the officer."""

    @functools.cache
    def client_for(officer: Officer) -> Client:
        return api_client(api_token_create(officer=officer).key)

    return client_for
