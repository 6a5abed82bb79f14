"""Citizen sign-in through the stand-in provider: the whole OpenID Connect flow with the test client.

The browser's side runs through `client`; the portal's back channel to the provider through
`ClientTransport` (conftest.py), so every request reaches the real stand-in endpoints. Messages are
checked in English (Accept-Language: en).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from motcua.citizens.models import Authorisation, Business, Citizen, SignIn
from motcua.citizens.oidc import Fetched
from motcua.core import clock
from motcua.portal.tests.html import find, parse, text_of
from motcua.portal.tests.sign_in.conftest import ClientTransport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standin")]

PENDING_KEY = "motcua.citizens.oidc.pending"


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


def _location(response) -> tuple[str, dict[str, str]]:
    assert response.status_code == 302, response.content[:500]
    parts = urlsplit(response["Location"])
    return parts.path, dict(parse_qsl(parts.query))


def start(client: Client, next_url: str = "/tai-khoan/") -> tuple[str, dict[str, str]]:
    response = client.get("/dang-nhap/", {"next": next_url})
    assert response["Location"].startswith("http://testserver/idp/authorize?")
    return _location(response)


def consent(
    client: Client, path: str, params: dict[str, str], *, identity: str = "nguyen-van-an", level: str = "2"
) -> tuple[str, dict[str, str]]:
    page = client.get(path, params)
    assert page.status_code == 200
    response = client.post(path, {**params, "identity": identity, "level": level, "decision": "allow"})
    assert response["Location"].startswith("http://testserver/dang-nhap/callback/?")
    return _location(response)


def sign_in(client: Client, identity: str = "nguyen-van-an", level: str = "2"):
    callback, values = consent(client, *start(client), identity=identity, level=level)
    return client.get(callback, values)


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_the_full_flow_signs_the_citizen_in(client: Client, transport: ClientTransport) -> None:
    path, params = start(client)
    assert (params["response_type"], params["code_challenge_method"], params["client_id"]) == (
        "code",
        "S256",
        "motcua-portal",
    )
    assert params["redirect_uri"] == "http://testserver/dang-nhap/callback/"
    page = client.get(path, params)
    assert text_of(page.content).count("Personal identification number") == 5

    callback, values = consent(client, path, params)
    assert set(values) == {"code", "state", "iss"} and values["state"] == params["state"]
    response = client.get(callback, values)

    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    assert _signed_in(client)
    citizen = Citizen.objects.get()
    assert (citizen.personal_id, citizen.full_name, citizen.assurance_level) == ("001085012345", "Nguyễn Văn An", 2)
    assert citizen.address == "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert (citizen.idp_issuer, citizen.phone) == ("http://testserver/idp", "0912345678")
    assert str(citizen.user.pk) == client.session[SESSION_KEY]
    assert not citizen.user.has_usable_password()
    assert Authorisation.objects.get().business == Business.objects.get(tax_code="0102345677")
    assert transport.requests == ["/idp/.well-known/openid-configuration", "/idp/token", "/idp/jwks"]

    account = client.get("/tai-khoan/")
    text = text_of(account.content)
    assert account.status_code == 200
    assert "You are signed in as Nguyễn Văn An." in text
    assert "Level 2" in text
    assert "Công ty TNHH Thương mại Hàng Bạc" in text and "0102345677" in text


def test_the_chosen_assurance_level_is_recorded(client: Client, transport: ClientTransport) -> None:
    sign_in(client, identity="pham-thi-hoa", level="1")

    citizen = Citizen.objects.get()
    assert (citizen.personal_id, citizen.assurance_level) == ("040178004321", 1)
    assert SignIn.objects.get().acr == "urn:motcua:idp-standin:level:1"
    assert "Level 1" in text_of(client.get("/tai-khoan/").content)


def _refused(response, status: int, sentence: str, client: Client) -> None:
    assert response.status_code == status
    text = text_of(response.content)
    assert "Sign-in did not succeed" in text and sentence in text
    retry = find(parse(response.content), "a", **{"class": "button"})
    assert retry and retry[0].attrs["href"].startswith("/dang-nhap/?next=")
    assert not _signed_in(client)
    assert not Citizen.objects.exists()


def test_a_callback_with_another_state_is_refused(client: Client, transport: ClientTransport) -> None:
    callback, values = consent(client, *start(client))
    response = client.get(callback, {**values, "state": "forged-state"})

    _refused(response, 400, "does not belong to this browser session", client)
    assert "/idp/token" not in transport.requests


def test_a_callback_cannot_be_replayed(client: Client, transport: ClientTransport) -> None:
    callback, values = consent(client, *start(client))
    client.get(callback, values)
    client.post("/dang-xuat/")

    replay = client.get(callback, values)

    assert replay.status_code == 400
    assert not _signed_in(client)


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(client: Client, transport: ClientTransport) -> None:
    path, params = start(client)
    session = client.session
    session[PENDING_KEY][params["state"]]["code_verifier"] = "x" * 43
    session.save()
    callback, values = consent(client, path, params)

    _refused(client.get(callback, values), 502, "could not complete the sign-in", client)


def test_a_code_used_twice_is_refused_and_its_tokens_revoked(client: Client, transport: ClientTransport) -> None:
    tokens: list[dict[str, Any]] = []

    def keep(path: str, fetched: Fetched) -> Fetched:
        if path.endswith("/token") and fetched.status == 200:
            tokens.append(json.loads(fetched.body))
        return fetched

    transport.edit = keep
    callback, values = consent(client, *start(client))
    client.get(callback, values)
    client.post("/dang-xuat/")
    # A second sign-in whose callback carries the first, already redeemed code.
    _path, second = start(client)
    response = client.get(callback, {**values, "state": second["state"]})

    assert response.status_code == 502
    assert not _signed_in(client)
    userinfo = Client().get("/idp/userinfo", headers={"Authorization": f"Bearer {tokens[0]['access_token']}"})
    assert userinfo.status_code == 401


def test_an_expired_id_token_is_refused(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # The provider's clock is an hour behind when it issues the tokens: they expired 55 minutes ago.
    late = ClientTransport(token_requested_at=clock.now() - timedelta(hours=1))
    monkeypatch.setattr("motcua.citizens.oidc.default_transport", lambda: late)
    callback, values = consent(client, *start(client))

    _refused(client.get(callback, values), 400, "has expired before it reached us", client)


def _with_id_token(change: Any) -> Any:
    def edit(path: str, fetched: Fetched) -> Fetched:
        if not path.endswith("/token") or fetched.status != 200:
            return fetched
        body = json.loads(fetched.body)
        body["id_token"] = change(body["id_token"])
        return Fetched(200, json.dumps(body).encode(), fetched.content_type)

    return edit


def test_an_id_token_with_a_tampered_signature_is_refused(client: Client, transport: ClientTransport) -> None:
    def flip(token: str) -> str:
        header, payload, signature = token.split(".")
        raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
        raw[10] ^= 0x01
        return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"

    transport.edit = _with_id_token(flip)
    callback, values = consent(client, *start(client))

    _refused(client.get(callback, values), 400, "failed a security check", client)


def test_an_id_token_for_another_client_is_refused(
    client: Client, transport: ClientTransport, standin_var_dir: Path
) -> None:
    # A token validly signed by the provider, but issued to another client (token substitution).
    key = RSAKey.import_key((standin_var_dir / "idp-standin" / "signing-key.pem").read_bytes())
    key.ensure_kid()

    def for_another_client(token: str) -> str:
        claims = jwt.decode(token, key).claims | {"aud": "another-client"}
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    transport.edit = _with_id_token(for_another_client)
    callback, values = consent(client, *start(client))

    _refused(client.get(callback, values), 400, "failed a security check", client)


def test_cancelling_at_the_provider_says_so(client: Client, transport: ClientTransport) -> None:
    path, params = start(client)
    callback, values = _location(client.post(path, {**params, "decision": "deny"}))
    assert values["error"] == "access_denied"

    _refused(client.get(callback, values), 400, "The sign-in was cancelled", client)


def test_only_a_local_next_address_is_followed(client: Client, transport: ClientTransport) -> None:
    callback, values = consent(client, *start(client, next_url="https://evil.example/steal"))
    assert client.get(callback, values)["Location"] == "/tai-khoan/"
    client.post("/dang-xuat/")

    callback, values = consent(client, *start(client, next_url="/dang-nhap/callback/?state=old"))
    assert client.get(callback, values)["Location"] == "/tai-khoan/"
    client.post("/dang-xuat/")

    callback, values = consent(client, *start(client, next_url="/thu-tuc/?q=khai+sinh"))
    assert client.get(callback, values)["Location"] == "/thu-tuc/?q=khai+sinh"


def test_the_client_secret_may_be_posted_and_the_userinfo_read(
    client: Client, transport: ClientTransport, settings: Any
) -> None:
    settings.OIDC_TOKEN_AUTH_METHOD = "client_secret_post"
    settings.OIDC_USERINFO = True

    assert sign_in(client, identity="tran-thi-bich-ngoc")["Location"] == "/tai-khoan/"
    assert Citizen.objects.get().personal_id == "079190001234"
    assert "/idp/userinfo" in transport.requests


def test_a_wrong_client_secret_is_a_clear_error(client: Client, transport: ClientTransport, settings: Any) -> None:
    settings.OIDC_CLIENT_SECRET = "not-the-secret"
    callback, values = consent(client, *start(client))

    _refused(client.get(callback, values), 502, "could not complete the sign-in", client)


def test_an_unknown_acr_is_refused(client: Client, transport: ClientTransport, settings: Any) -> None:
    settings.OIDC_ACR_LEVELS = {"urn:other": 2}
    callback, values = consent(client, *start(client))

    _refused(client.get(callback, values), 400, "did not say at which level", client)


def test_signing_out_needs_a_post(client: Client, transport: ClientTransport) -> None:
    sign_in(client)

    assert client.get("/dang-xuat/").status_code == 405
    assert _signed_in(client)
    response = client.post("/dang-xuat/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert not _signed_in(client)


def test_the_account_page_asks_to_sign_in_first(client: Client) -> None:
    response = client.get("/tai-khoan/")
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?next=%2Ftai-khoan%2F")


def test_pages_have_one_heading_and_a_language(client: Client, transport: ClientTransport) -> None:
    failed = client.get("/dang-nhap/callback/", {"state": "x", "code": "y"})
    sign_in(client)
    account = client.get("/tai-khoan/")
    for response in (failed, account):
        elements = parse(response.content)
        assert len(find(elements, "h1")) == 1
        assert find(elements, "html")[0].attrs["lang"] == "en"
    assert find(parse(account.content), "a", href="/tai-khoan/")  # the menu links the account


@pytest.mark.usefixtures("transport")
def test_without_a_provider_signing_in_is_unavailable(client: Client, settings: Any) -> None:
    settings.IDP_STANDIN_ENABLED = False
    response = client.get("/dang-nhap/")
    assert response.status_code == 503
    assert "Signing in is not available" in text_of(response.content)
