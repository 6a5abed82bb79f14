"""Issue #4, "done when": officers of agency A can neither see nor act on agency B's dossiers, through
the pages or the API, on every endpoint that names a dossier.

The endpoints are not listed by hand: every URL pattern of the API and the back office with a
`code` parameter is found in the URL configuration, so an endpoint added later is covered too.
Each is called with GET and POST by officers of the other province (token for the API, session for
the pages) and must answer 404 (or 405 where the method does not exist), exactly as for a dossier
that does not exist. The insiders' answers on the same URLs show that the URLs are real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from motcua.agencies.models import Officer
from motcua.api.auth import api_token_create
from motcua.dossiers.tests.conftest import World, build_world, with_specialist

_UUID = "00000000-0000-4000-8000-000000000000"
PLACEHOLDERS = {"kind": "receipt", "action": "stop", "uuid": _UUID, "file_uuid": _UUID, "result_code": "KQ1"}


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "api/v1/dossiers/<str:code>/slips/<str:kind>"
    name: str

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def url(self, code: str) -> str:
        path = self.route
        for key, value in {"code": code, **PLACEHOLDERS}.items():
            for converter in ("str", "uuid", "slug", "path"):
                path = path.replace(f"<{converter}:{key}>", value)
        assert "<" not in path, f"no value for a parameter of {self.route}"
        return "/" + path


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route, pattern.name or ""


def dossier_endpoints() -> list[Endpoint]:
    return [
        Endpoint(route, name)
        for route, name in _walk(get_resolver().url_patterns)
        if "dossiers/<str:code>" in route or "ho-so/<str:code>" in route
    ]


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def _api(officer: Officer) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_create(officer=officer).key}", "Accept-Language": "en"})


def _pages(officer: Officer) -> Client:
    client = Client()
    client.force_login(officer.user)
    return client


def test_the_endpoints_are_found() -> None:
    routes = {e.route for e in dossier_endpoints()}
    assert "api/v1/dossiers/<str:code>" in routes
    assert "api/v1/dossiers/<str:code>/slips/<str:kind>" in routes
    assert "can-bo/ho-so/<str:code>/" in routes
    assert "can-bo/ho-so/<str:code>/phieu/<str:kind>/" in routes
    assert sum(1 for r in routes if "/actions/" in r) >= 10


def test_officers_of_another_agency_get_404_on_every_endpoint(world: World) -> None:
    dossier = with_specialist(world)
    code = str(dossier.code)
    outsiders = (world.receiver_b, world.specialist_b, world.leader_b)
    endpoints = dossier_endpoints()
    with translation.override("en"):
        for endpoint in endpoints:
            url = endpoint.url(code)
            for outsider in outsiders:
                client = _api(outsider) if endpoint.is_api else _pages(outsider)
                for method in ("get", "post"):
                    if method == "get":
                        response = client.get(url)
                    elif endpoint.is_api:
                        response = client.post(url, data=json.dumps({}), content_type="application/json")
                    else:
                        response = client.post(url, {})
                    assert response.status_code in (404, 405), (
                        method,
                        url,
                        outsider.user.username,
                        response.status_code,
                    )
                    # The answer to a 404 echoes at most the code asked for: nothing of the dossier.
                    for secret in (dossier.applicant_name, dossier.applicant_id_number, world.ward.name):
                        assert secret.encode() not in response.content, (method, url, secret)

        # The same URLs are real: the agency's leader reads what can be read.
        leader_api, leader_pages = _api(world.leader), _pages(world.leader)
        readable = 0
        for endpoint in endpoints:
            if "uuid" in endpoint.route or "result_code" in endpoint.route:  # the dossier has neither
                continue
            client = leader_api if endpoint.is_api else leader_pages
            status = client.get(endpoint.url(code)).status_code
            assert status != 404 or "/actions/" in endpoint.route, (endpoint.route, status)
            readable += status == 200
        assert readable >= 4
