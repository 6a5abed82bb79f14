"""The stand-in is a real OpenID provider: discovery, keys, authorization, token, userinfo; 404 when disabled."""

from __future__ import annotations

import base64
import hashlib
import secrets
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet

from motcua.core import clock
from motcua.idp_standin import keys
from motcua.idp_standin.models import AccessToken, AuthorizationCode
from motcua.idp_standin.tests.conftest import remount

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enabled")]

VERIFIER = secrets.token_urlsafe(48)
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
REDIRECT = "http://testserver/dang-nhap/callback/"


def _params(**changes: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "motcua-portal",
        "redirect_uri": REDIRECT,
        "scope": "openid profile address business",
        "state": "the-state",
        "nonce": "the-nonce",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    } | changes


def _redirect(response) -> dict[str, str]:
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith(REDIRECT)
    return dict(parse_qsl(urlsplit(response["Location"]).query))


def _code(client: Client, identity: str = "nguyen-van-an", level: str = "2", **changes: str) -> str:
    response = client.post(
        "/idp/authorize", _params(**changes) | {"identity": identity, "level": level, "decision": "allow"}
    )
    return _redirect(response)["code"]


def _basic(client_id: str = "motcua-portal", secret: str | None = None) -> dict[str, str]:
    pair = f"{client_id}:{settings.IDP_STANDIN_CLIENT_SECRET if secret is None else secret}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def _token(client: Client, code: str, *, verifier: str = VERIFIER, headers: dict[str, str] | None = None, **form: str):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    return client.post("/idp/token", data | form, headers=_basic() if headers is None else headers)


def test_discovery_describes_the_provider(client: Client) -> None:
    document = client.get("/idp/.well-known/openid-configuration").json()

    assert document["issuer"] == "http://testserver/idp"
    assert document["token_endpoint"] == "http://testserver/idp/token"
    assert document["jwks_uri"] == "http://testserver/idp/jwks"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert client.get("/idp/")["Location"] == "http://testserver/idp/.well-known/openid-configuration"


def test_the_jwks_publishes_the_public_key_only(client: Client) -> None:
    (key,) = client.get("/idp/jwks").json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"] and "d" not in key and "p" not in key


def test_the_authorization_page_lists_the_identities_and_levels(client: Client) -> None:
    page = client.get("/idp/authorize", _params(), headers={"Accept-Language": "en"})
    text = page.content.decode()

    assert page.status_code == 200
    assert text.count('name="identity"') == 5 and text.count('name="level"') == 2
    assert "Nguyễn Văn An" in text and "0102345677" in text
    assert 'value="the-nonce"' in text


@pytest.mark.parametrize(
    "changes",
    [{"client_id": "someone-else"}, {"redirect_uri": "https://evil.example/cb"}, {"redirect_uri": "not a uri"}],
    ids=["unknown client", "redirect to another origin", "malformed redirect"],
)
def test_a_request_that_cannot_be_answered_safely_shows_an_error_page(client: Client, changes: dict[str, str]) -> None:
    response = client.get("/idp/authorize", _params(**changes))
    assert response.status_code == 400
    assert "Location" not in response


def test_registered_redirect_uris_replace_the_same_origin_rule(client: Client, settings: Any) -> None:
    settings.IDP_STANDIN_REDIRECT_URIS = ["https://portal.example.vn/dang-nhap/callback/"]
    assert client.get("/idp/authorize", _params()).status_code == 400
    assert (
        client.get("/idp/authorize", _params(redirect_uri="https://portal.example.vn/dang-nhap/callback/")).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain", "code_challenge": VERIFIER[:43]}, "invalid_request"),
    ],
    ids=["implicit flow", "no openid scope", "no PKCE", "plain PKCE"],
)
def test_protocol_errors_go_back_to_the_client(client: Client, changes: dict[str, str], error: str) -> None:
    values = _redirect(client.get("/idp/authorize", _params(**changes)))
    assert values == {"error": error, "state": "the-state", "iss": "http://testserver/idp"}
    assert not AuthorizationCode.objects.exists()


def test_choosing_no_identity_shows_the_page_again(client: Client) -> None:
    response = client.post("/idp/authorize", _params() | {"identity": "nobody", "level": "2", "decision": "allow"})
    assert response.status_code == 400
    assert not AuthorizationCode.objects.exists()


def test_the_token_endpoint_issues_a_signed_id_token(client: Client) -> None:
    response = _token(client, _code(client))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 300)
    jwks = KeySet.import_key_set(client.get("/idp/jwks").json())
    claims = jwt.decode(body["id_token"], jwks, algorithms=["RS256"]).claims
    assert (claims["iss"], claims["aud"], claims["nonce"]) == ("http://testserver/idp", "motcua-portal", "the-nonce")
    assert claims["acr"] == "urn:motcua:idp-standin:level:2"
    assert claims["personal_id"] == "001085012345"
    assert claims["address"]["formatted"] == "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert "phone_number" not in claims  # the phone scope was not asked for
    assert claims["exp"] - claims["iat"] == 300
    expected_at_hash = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert base64.urlsafe_b64decode(claims["at_hash"] + "==") == expected_at_hash


def test_the_client_secret_may_be_posted(client: Client) -> None:
    code = _code(client)
    response = _token(
        client, code, headers={}, client_id="motcua-portal", client_secret=settings.IDP_STANDIN_CLIENT_SECRET
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "form", "status", "error"),
    [
        ({}, {}, 401, "invalid_client"),
        ("wrong secret", {}, 401, "invalid_client"),
        ("another client", {}, 401, "invalid_client"),
        ("basic", {"client_id": "motcua-portal", "client_secret": "x"}, 401, "invalid_client"),
        ({"Authorization": "Basic !!!"}, {}, 401, "invalid_client"),
        ("basic", {"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
    ids=["no client authentication", "wrong secret", "another client", "two methods", "malformed", "grant type"],
)
def test_client_authentication_and_grant_type_are_checked(
    client: Client, headers: Any, form: dict[str, str], status: int, error: str
) -> None:
    named = {"basic": _basic(), "wrong secret": _basic(secret="nope"), "another client": _basic("other")}
    code = _code(client)
    response = _token(client, code, headers=named[headers] if isinstance(headers, str) else headers, **form)

    assert (response.status_code, response.json()["error"]) == (status, error)
    # The code is still good: a refused client never touched it.
    assert AuthorizationCode.objects.get().redeemed_at is None


def test_a_wrong_pkce_verifier_is_refused_and_burns_the_code(client: Client) -> None:
    code = _code(client)
    wrong = _token(client, code, verifier=secrets.token_urlsafe(48))
    right_too_late = _token(client, code)

    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert wrong.json()["error_description"] == "PKCE verification failed"
    assert right_too_late.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_a_code_is_redeemed_once_and_reuse_revokes_its_tokens(client: Client) -> None:
    code = _code(client)
    first = _token(client, code)
    access_token = first.json()["access_token"]
    assert client.get("/idp/userinfo", headers={"Authorization": f"Bearer {access_token}"}).status_code == 200

    second = _token(client, code)

    assert (second.status_code, second.json()["error"]) == (400, "invalid_grant")
    assert "already used" in second.json()["error_description"]
    userinfo = client.get("/idp/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    assert userinfo.status_code == 401
    assert AccessToken.objects.get().revoked_at is not None


def test_a_code_expires_after_a_minute(client: Client) -> None:
    code = _code(client)
    with time_machine.travel(clock.now() + timedelta(seconds=61)):
        response = _token(client, code)
    assert response.json() == {"error": "invalid_grant", "error_description": "authorization code expired"}


def test_the_redirect_uri_must_be_the_authorization_requests(client: Client) -> None:
    code = _code(client)
    response = _token(client, code, redirect_uri="http://testserver/other/")
    assert response.json()["error"] == "invalid_grant"


def test_an_unknown_code_is_refused(client: Client) -> None:
    assert _token(client, "made-up").json()["error"] == "invalid_grant"


def test_userinfo_answers_for_a_valid_bearer_token_only(client: Client) -> None:
    access_token = _token(client, _code(client, identity="tran-thi-bich-ngoc")).json()["access_token"]

    info = client.get("/idp/userinfo", headers={"Authorization": f"Bearer {access_token}"}).json()
    assert (info["personal_id"], info["name"]) == ("079190001234", "Trần Thị Bích Ngọc")
    assert info["businesses"] == []
    refused = client.get("/idp/userinfo", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    with time_machine.travel(clock.now() + timedelta(minutes=6)):
        assert client.get("/idp/userinfo", headers={"Authorization": f"Bearer {access_token}"}).status_code == 401


def test_disabled_it_is_not_mounted(client: Client, settings: Any) -> None:
    settings.IDP_STANDIN_ENABLED = False
    remount()
    try:
        for path in ("/idp/.well-known/openid-configuration", "/idp/jwks", "/idp/authorize", "/idp/token"):
            assert client.get(path).status_code == 404, path
    finally:
        settings.IDP_STANDIN_ENABLED = True
        remount()


def test_disabled_after_start_up_its_endpoints_answer_404(client: Client, settings: Any) -> None:
    settings.IDP_STANDIN_ENABLED = False  # mounted, then switched off
    assert client.get("/idp/.well-known/openid-configuration").status_code == 404
    assert client.post("/idp/token", {}).status_code == 404
    assert client.get("/idp/authorize", _params()).status_code == 404


def test_the_signing_key_is_made_once_and_kept(var_dir: Path) -> None:
    key = keys.signing_key()
    path = var_dir / "idp-standin" / "signing-key.pem"

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys._loaded.clear()  # a new process reads the same file
    assert keys.signing_key().kid == key.kid
