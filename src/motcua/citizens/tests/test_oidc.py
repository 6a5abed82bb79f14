"""The relying party's own checks, against a provider simulated in memory with keys made here.

The full flow against a real provider (the stand-in) is tested in motcua.portal.tests.test_sign_in.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from motcua.citizens import oidc
from motcua.citizens.errors import SignInErrorCode, SignInFailed
from motcua.citizens.oidc import Fetched, PendingSignIn, RelyingParty
from motcua.citizens.tests.conftest import NOW

ISSUER = "https://idp.example.vn"
RP = RelyingParty(
    issuer=ISSUER,
    client_id="motcua-portal",
    client_secret="secret",
    scopes=("openid", "profile"),
    token_auth_method="client_secret_basic",
    claims={},
    acr_levels={"l1": 1, "l2": 2},
    use_userinfo=False,
    clock_skew_seconds=60,
)
METADATA = oidc.ProviderMetadata(
    issuer=ISSUER,
    authorization_endpoint=f"{ISSUER}/authorize",
    token_endpoint=f"{ISSUER}/token",
    jwks_uri=f"{ISSUER}/jwks",
    userinfo_endpoint=None,
    algorithms=("RS256", "ES256"),
)
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
ACCESS_TOKEN = "access-token-value"


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(NOW.timestamp())
    at_hash = base64.urlsafe_b64encode(hashlib.sha256(ACCESS_TOKEN.encode()).digest()[:16]).rstrip(b"=").decode()
    return {
        "iss": ISSUER,
        "sub": "subject-1",
        "aud": "motcua-portal",
        "iat": now,
        "exp": now + 300,
        "nonce": "the-nonce",
        "acr": "l2",
        "at_hash": at_hash,
    } | changes


def _token(key: Any = RSA, alg: str = "RS256", kid: str | None = "rsa-1", **changes: Any) -> str:
    header: dict[str, Any] = {"alg": alg}
    if kid is not None:
        header["kid"] = kid
    return jwt.encode(header, {k: v for k, v in _claims(**changes).items() if v is not None}, key, algorithms=[alg])


def _public(*keys: RSAKey | ECKey) -> list[RSAKey | ECKey]:
    return [type(k).import_key(k.as_dict(private=False)) for k in keys]


def _verify(token: str, keys: list[RSAKey | ECKey] | None = None, *, nonce: str = "the-nonce") -> dict[str, Any]:
    available = _public(RSA, EC) if keys is None else keys
    return oidc.verify_id_token(
        token=token, rp=RP, metadata=METADATA, keys=lambda _refresh: available, nonce=nonce, access_token=ACCESS_TOKEN
    )


@pytest.mark.usefixtures("frozen_clock")
def test_a_good_token_passes_with_rs256_and_es256() -> None:
    assert _verify(_token())["sub"] == "subject-1"
    assert _verify(_token(key=EC, alg="ES256", kid="ec-1"))["acr"] == "l2"


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


BAD_TOKENS: dict[str, tuple[Any, SignInErrorCode]] = {
    "tampered payload": (lambda: _tampered(_token()), SignInErrorCode.TOKEN_SIGNATURE_INVALID),
    "signed by another key": (
        lambda: _token(key=RSAKey.generate_key(2048), kid="rsa-1"),
        SignInErrorCode.TOKEN_SIGNATURE_INVALID,
    ),
    "HMAC with the client secret": (
        lambda: _token(key=OctKey.import_key("secret" * 6), alg="HS256", kid=None),
        SignInErrorCode.TOKEN_SIGNATURE_INVALID,
    ),
    "unsigned": (
        lambda: _token().rsplit(".", 1)[0].replace(_token().split(".")[0], "eyJhbGciOiJub25lIn0") + ".",
        SignInErrorCode.TOKEN_SIGNATURE_INVALID,
    ),
    "unknown key id": (lambda: _token(kid="rsa-9"), SignInErrorCode.TOKEN_SIGNATURE_INVALID),
    "not a JWT": (lambda: "not.a.token", SignInErrorCode.TOKEN_MALFORMED),
    "other issuer": (lambda: _token(iss="https://evil.example"), SignInErrorCode.TOKEN_ISSUER_MISMATCH),
    "other audience": (lambda: _token(aud="another-client"), SignInErrorCode.TOKEN_AUDIENCE_MISMATCH),
    "several audiences without azp": (
        lambda: _token(aud=["motcua-portal", "another-client"]),
        SignInErrorCode.TOKEN_AUDIENCE_MISMATCH,
    ),
    "azp of another client": (lambda: _token(azp="another-client"), SignInErrorCode.TOKEN_AUDIENCE_MISMATCH),
    "expired": (
        lambda: _token(exp=int(NOW.timestamp()) - 61, iat=int(NOW.timestamp()) - 400),
        SignInErrorCode.TOKEN_EXPIRED,
    ),
    "issued in the future": (lambda: _token(iat=int(NOW.timestamp()) + 120), SignInErrorCode.TOKEN_NOT_YET_VALID),
    "no exp": (lambda: _token(exp=None), SignInErrorCode.TOKEN_MALFORMED),
    "other nonce": (lambda: _token(nonce="replayed"), SignInErrorCode.TOKEN_NONCE_MISMATCH),
    "no nonce": (lambda: _token(nonce=None), SignInErrorCode.TOKEN_NONCE_MISMATCH),
    "no subject": (lambda: _token(sub=""), SignInErrorCode.TOKEN_MALFORMED),
    "at_hash of another token": (lambda: _token(at_hash="AAAAAAAAAAAAAAAAAAAAAA"), SignInErrorCode.TOKEN_MALFORMED),
}


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize(("make", "code"), BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_bad_token_is_refused_with_the_failed_check(make: Any, code: SignInErrorCode) -> None:
    with pytest.raises(SignInFailed) as refused:
        _verify(make())
    assert refused.value.error_code is code


def test_the_clock_skew_is_tolerated(frozen_clock: time_machine.Traveller) -> None:
    token = _token()
    frozen_clock.move_to(NOW + timedelta(seconds=300 + 59))
    assert _verify(token)["sub"] == "subject-1"


@pytest.mark.usefixtures("frozen_clock")
def test_an_unknown_key_id_refreshes_the_keys_once() -> None:
    calls: list[bool] = []

    def keys(refresh: bool) -> list[RSAKey | ECKey]:
        calls.append(refresh)
        return _public(RSA) if refresh else []

    claims = oidc.verify_id_token(token=_token(), rp=RP, metadata=METADATA, keys=keys, nonce="the-nonce")
    assert claims["sub"] == "subject-1"
    assert calls == [False, True]


# --- discovery, keys and the pending sign-in, with an in-memory provider ---------------------------


class FakeProvider:
    def __init__(self, documents: Mapping[str, Any]) -> None:
        self.documents = dict(documents)
        self.requests: list[str] = []

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str], form: Mapping[str, str] | None = None
    ) -> Fetched:
        self.requests.append(url)
        if url not in self.documents:
            return Fetched(404, b"{}", "application/json")
        return Fetched(200, json.dumps(self.documents[url]).encode(), "application/json")


DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize?ui=vi",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "id_token_signing_alg_values_supported": ["RS256", "HS256"],
    "code_challenge_methods_supported": ["S256"],
}


@pytest.fixture(autouse=True)
def _no_cached_provider() -> None:
    oidc.provider_cache_clear()


@pytest.mark.usefixtures("frozen_clock")
def test_sign_in_start_sends_pkce_state_and_nonce() -> None:
    provider = FakeProvider({f"{ISSUER}/.well-known/openid-configuration": DISCOVERY})
    url, pending = oidc.sign_in_start(rp=RP, transport=provider, redirect_uri="https://portal/cb", next_url="/x/")

    query = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    assert url.startswith(f"{ISSUER}/authorize?ui=vi&")
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == oidc.pkce_challenge(pending.code_verifier)
    assert (query["state"], query["nonce"]) == (pending.state, pending.nonce)
    assert pending.state != pending.nonce and len(pending.code_verifier) >= 43
    assert query["scope"] == "openid+profile"
    # The metadata is cached: a second sign-in does not fetch it again.
    oidc.sign_in_start(rp=RP, transport=provider, redirect_uri="https://portal/cb", next_url="/")
    assert len(provider.requests) == 1


def test_discovery_naming_another_issuer_is_refused() -> None:
    provider = FakeProvider(
        {f"{ISSUER}/.well-known/openid-configuration": DISCOVERY | {"issuer": "https://evil.example"}}
    )
    with pytest.raises(SignInFailed) as refused:
        oidc.discover(rp=RP, transport=provider)
    assert refused.value.error_code is SignInErrorCode.PROVIDER_RESPONSE_INVALID
    assert refused.value.status == 502


def test_discovery_without_s256_is_refused() -> None:
    provider = FakeProvider(
        {f"{ISSUER}/.well-known/openid-configuration": DISCOVERY | {"code_challenge_methods_supported": ["plain"]}}
    )
    with pytest.raises(SignInFailed):
        oidc.discover(rp=RP, transport=provider)


def test_a_provider_that_cannot_be_reached_is_said_so() -> None:
    transport = oidc.UrllibTransport(timeout=2)
    rp = RelyingParty(**{**{f: getattr(RP, f) for f in RP.__dataclass_fields__}, "issuer": "http://127.0.0.1:9"})
    with pytest.raises(SignInFailed) as refused:
        oidc.discover(rp=rp, transport=transport)
    assert refused.value.error_code is SignInErrorCode.PROVIDER_UNREACHABLE


def test_only_the_asymmetric_algorithms_are_kept_from_discovery() -> None:
    provider = FakeProvider({f"{ISSUER}/.well-known/openid-configuration": DISCOVERY})
    assert oidc.discover(rp=RP, transport=provider).algorithms == ("RS256",)


def _pending(state: str = "state-1", started_at: float | None = None) -> PendingSignIn:
    return PendingSignIn(
        state=state,
        nonce="n",
        code_verifier="v" * 43,
        issuer=ISSUER,
        redirect_uri="https://portal/cb",
        next_url="/",
        started_at=NOW.timestamp() if started_at is None else started_at,
    )


@pytest.mark.usefixtures("frozen_clock")
def test_a_pending_sign_in_can_be_taken_once() -> None:
    session: dict[str, Any] = {}
    oidc.pending_save(session, _pending())

    assert oidc.pending_take(session, "state-1").nonce == "n"
    with pytest.raises(SignInFailed) as refused:
        oidc.pending_take(session, "state-1")
    assert refused.value.error_code is SignInErrorCode.STATE_MISMATCH


@pytest.mark.usefixtures("frozen_clock")
def test_an_unknown_or_empty_state_is_refused() -> None:
    session: dict[str, Any] = {}
    oidc.pending_save(session, _pending())
    for state in ("state-2", ""):
        with pytest.raises(SignInFailed) as refused:
            oidc.pending_take(session, state)
        assert refused.value.error_code is SignInErrorCode.STATE_MISMATCH


@pytest.mark.usefixtures("frozen_clock")
def test_a_pending_sign_in_expires_after_ten_minutes() -> None:
    session: dict[str, Any] = {}
    oidc.pending_save(session, _pending(started_at=NOW.timestamp() - 601))
    with pytest.raises(SignInFailed) as refused:
        oidc.pending_take(session, "state-1")
    assert refused.value.error_code is SignInErrorCode.EXPIRED


@pytest.mark.usefixtures("frozen_clock")
def test_only_the_latest_pending_sign_ins_are_kept() -> None:
    session: dict[str, Any] = {}
    for n in range(7):
        oidc.pending_save(session, _pending(state=f"s{n}"))
    assert list(session["motcua.citizens.oidc.pending"]) == ["s2", "s3", "s4", "s5", "s6"]
