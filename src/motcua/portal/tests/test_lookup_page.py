"""/tra-cuu/: the public look-up by dossier code and a second factor, the same answer for an unknown
code and a wrong factor, throttled guessing, and nothing personal beyond initials."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from pytest_django import Settings

from motcua.dossiers.lookup import lookup_secret
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.applicant_support import AN_ID, BINH_ID, received
from motcua.dossiers.tests.conftest import MONDAY, World, build_world
from motcua.portal import lookup
from motcua.portal.tests.html import find, parse, text_of

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

URL = "/tra-cuu/"
NOT_FOUND = "No dossier matches this code and this ID number or look-up code."


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossier(db: None) -> Iterator[Dossier]:
    with time_machine.travel(MONDAY, tick=False):
        world: World = build_world()
        yield received(world, name="Nguyễn Văn An", id_number=AN_ID)


def look_up(code: str, second_factor: str, *, client: Client | None = None, address: str = "203.0.113.7") -> Response:
    return (client or Client(HTTP_ACCEPT_LANGUAGE="en")).post(
        URL, {"code": code, "second_factor": second_factor}, REMOTE_ADDR=address
    )


def test_the_page_is_public_and_accessible(db: None) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL)

    assert response.status_code == 200
    elements = parse(response.content)
    labels = {label.attrs["for"] for label in find(elements, "label")}
    assert {"id_code", "id_second_factor"} <= labels
    forms = [f for f in find(elements, "form") if f.attrs.get("action") == URL]
    assert forms and forms[0].attrs["method"] == "post"  # an ID number never goes into the address


def test_the_applicants_id_number_or_the_receipt_secret_opens_it(dossier: Dossier) -> None:
    assert dossier.code is not None

    by_id = look_up(dossier.code, AN_ID)
    by_secret = look_up(dossier.code, lookup_secret(dossier=dossier).lower())

    for response in (by_id, by_secret):
        assert response.status_code == 200
        text = text_of(response.content)
        assert f"Dossier {dossier.code}" in text and "Received" in text
        assert "Appointment to return the result" in text and "Ủy ban nhân dân phường Sài Gòn" in text
        # Nothing personal beyond the initials (domain §13).
        assert "N. V. A." in text
        assert "Nguyễn Văn An" not in text and AN_ID not in response.content.decode()


def test_a_wrong_factor_and_an_unknown_code_get_the_same_answer(dossier: Dossier) -> None:
    assert dossier.code is not None

    wrong = look_up(dossier.code, BINH_ID)
    unknown = look_up("000.00.00.X00-260302-9999", AN_ID)

    assert wrong.status_code == unknown.status_code == 404
    assert NOT_FOUND in text_of(wrong.content) and NOT_FOUND in text_of(unknown.content)
    assert "Ủy ban nhân dân" not in text_of(wrong.content)


def test_guessing_from_one_address_is_stopped_even_with_the_right_answer(dossier: Dossier) -> None:
    assert dossier.code is not None
    for n in range(lookup.MAX_FAILURES_PER_CLIENT):
        assert look_up(dossier.code, f"0790860{n:05d}").status_code == 404

    stopped = look_up(dossier.code, AN_ID)
    elsewhere = look_up(dossier.code, AN_ID, address="198.51.100.20")

    assert stopped.status_code == 429
    assert "Too many unsuccessful look-ups." in text_of(stopped.content)
    assert "N. V. A." not in text_of(stopped.content)
    assert elsewhere.status_code == 200


def test_guessing_one_dossier_from_many_addresses_is_stopped(dossier: Dossier) -> None:
    assert dossier.code is not None
    for n in range(lookup.MAX_FAILURES_PER_CODE):
        address = f"192.0.2.{n + 1}"
        assert look_up(dossier.code, f"XXXX-{n:04d}", address=address).status_code == 404

    assert look_up(dossier.code, AN_ID, address="192.0.2.200").status_code == 429


def test_empty_fields_are_explained_and_not_counted(db: None) -> None:
    response = look_up("", "")

    assert response.status_code == 400
    text = text_of(response.content)
    assert "Type the dossier code." in text and "Type the ID number of the applicant or the look-up code." in text
    assert cache.get(lookup._key("client", "203.0.113.7")) is None


def _redis_up() -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


_LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "motcua"}
# What CACHE_URL=db and CACHE_URL=redis://… configure (config.env.parse_cache_url, tested there).
_SHARED = {
    "db": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "motcua_cache"},
    "redis://127.0.0.1:6379/15": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    },
}


@pytest.mark.parametrize("cache_url", list(_SHARED))
def test_a_shared_cache_stops_guessing_across_server_processes(
    dossier: Dossier, settings: Settings, cache_url: str
) -> None:
    """With CACHE_URL=db or redis://, the failures counted by one process stop another: each
    request here is served as if by another process (a new cache connection each time)."""
    if cache_url.startswith("redis") and not _redis_up():
        pytest.skip("no Redis server on 127.0.0.1:6379 (the machine's service is not running)")
    from django.core.cache import caches
    from django.core.management import call_command

    settings.CACHES = {"default": _SHARED[cache_url]}
    call_command("createcachetable", verbosity=0)
    caches["default"].clear()
    assert dossier.code is not None
    try:
        for n in range(lookup.MAX_FAILURES_PER_CLIENT):
            del caches["default"]  # the next request opens its own connection, as another process would
            assert look_up(dossier.code, f"0790860{n:05d}").status_code == 404
        del caches["default"]
        assert look_up(dossier.code, AN_ID).status_code == 429
        assert caches["default"].__class__.__name__ in {"DatabaseCache", "RedisCache"}
    finally:
        caches["default"].clear()
        settings.CACHES = {"default": _LOCMEM}  # before the fixtures' own clean-up


def test_the_deploy_check_warns_about_a_per_process_cache() -> None:
    from django.test import override_settings

    from motcua.portal.checks import shared_cache

    with override_settings(CACHES={"default": _LOCMEM}):
        assert [w.id for w in shared_cache()] == ["portal.W001"]
    for shared in _SHARED.values():
        with override_settings(CACHES={"default": shared}):
            assert shared_cache() == []
