"""Fixtures of the sign-in tests: the stand-in provider mounted and a back channel through the test client.

The portal reaches the provider's back channel (discovery, JWKS, token, userinfo) through a
`Transport`. `ClientTransport` sends those requests to the stand-in in the same process with a
cookie-less django.test.Client, so the tests go through the real provider endpoints over WSGI;
`edit` lets a test change what the provider answered (a tampered token), `token_requested_at`
moves the clock for the token request only (a provider whose tokens are already stale).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import clear_url_caches
from pytest_django import Settings

from motcua.citizens import oidc
from motcua.citizens.oidc import Fetched


def remount() -> None:
    """Re-reads the root URLconf, which mounts /idp/ only while IDP_STANDIN_ENABLED."""
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture(scope="session")
def standin_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One VAR_DIR for the session, so the stand-in's RSA key is generated once."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture
def standin(settings: Settings, standin_var_dir: Path) -> Iterator[None]:
    enabled_before = settings.IDP_STANDIN_ENABLED
    settings.IDP_STANDIN_ENABLED = True
    settings.VAR_DIR = standin_var_dir
    remount()
    oidc.provider_cache_clear()
    yield
    settings.IDP_STANDIN_ENABLED = enabled_before
    remount()
    oidc.provider_cache_clear()


class ClientTransport:
    def __init__(
        self,
        *,
        edit: Callable[[str, Fetched], Fetched] | None = None,
        token_requested_at: datetime | None = None,
    ) -> None:
        self.edit = edit
        self.token_requested_at = token_requested_at
        self.requests: list[str] = []

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str], form: Mapping[str, str] | None = None
    ) -> Fetched:
        parts = urlsplit(url)
        assert parts.netloc == "testserver", url
        self.requests.append(parts.path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        # The same language as the browser's side: a nested request through the test client leaves its
        # language active in the thread, in which the portal's page is then rendered.
        client = Client(headers={"Accept-Language": "en"})
        if parts.path.endswith("/token") and self.token_requested_at is not None:
            with time_machine.travel(self.token_requested_at, tick=False):
                response = self._send(client, method, path, headers, form)
        else:
            response = self._send(client, method, path, headers, form)
        fetched = Fetched(
            response.status_code, response.content, response.headers.get("Content-Type", "").split(";")[0]
        )
        return self.edit(parts.path, fetched) if self.edit is not None else fetched

    @staticmethod
    def _send(client: Client, method: str, path: str, headers: Mapping[str, str], form: Mapping[str, str] | None):
        if method == "GET":
            return client.get(path, headers=dict(headers))
        return client.post(
            path, data=urlencode(form or {}), content_type="application/x-www-form-urlencoded", headers=dict(headers)
        )


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> ClientTransport:
    """The portal's back channel goes to the stand-in through the test client."""
    back_channel = ClientTransport()
    monkeypatch.setattr(oidc, "default_transport", lambda: back_channel)
    return back_channel
