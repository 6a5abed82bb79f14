"""The OpenID Connect relying party behind the portal's sign-in: VNeID in production, the stand-in otherwise.

The adapter speaks plain OpenID Connect, so the provider is configuration (OIDC_* settings,
docs/operations/configuration.md), not code:

1. `sign_in_start` reads the provider's metadata (OpenID Connect Discovery 1.0), makes a fresh
   `state`, `nonce` and PKCE verifier (RFC 7636, method S256 only) and returns the authorization
   URL plus a `PendingSignIn` that the portal keeps in the session (`pending_save`).
2. The provider sends the browser back with `code` and `state`. `pending_take` finds the pending
   sign-in by its state and removes it (a state works once), `sign_in_finish` exchanges the code at
   the token endpoint (client_secret_basic or client_secret_post), checks the ID token as OpenID
   Connect Core 1.0 §3.1.3.7 requires (signature RS256/ES256 against the provider's JWKS, iss, aud,
   azp, exp, iat, nonce, at_hash) and turns its claims into `IdentityClaims` (motcua.citizens.claims).

Every refusal is a `SignInFailed` (motcua.citizens.errors) with the check that failed; nothing is
written before all checks pass. JOSE (JWKS parsing, signature verification) is done by joserfc, a
maintained implementation of RFC 7515/7517/7519, rather than by hand; the OpenID Connect steps are
written out here because they are few and each is a rule we must be able to point at.

Legal basis: Nghị định 69/2024/NĐ-CP (domain §3.7, §10.4): VNeID is the single account of citizens
for online procedures, at level 1 or level 2; the level comes from the `acr` claim
(OIDC_ACR_LEVELS).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Protocol, TypeGuard

from django.conf import settings
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, RSAKey

from motcua.citizens.claims import IdentityClaims, claims_map
from motcua.citizens.errors import SignInErrorCode, SignInFailed
from motcua.core import clock

logger = logging.getLogger(__name__)

# Asymmetric algorithms only: "none" and the HMAC family (which would let anyone holding the client
# secret forge a token) are refused whatever the provider advertises.
ALGORITHMS: Final = {"RS256": "RSA", "ES256": "EC"}
PENDING_MAX_AGE_SECONDS: Final = 600
_PENDING_SESSION_KEY: Final = "motcua.citizens.oidc.pending"
_PENDING_KEPT: Final = 5  # sign-ins started in other tabs of the same session
_METADATA_TTL_SECONDS: Final = 300
_MAX_RESPONSE_BYTES: Final = 1024 * 1024
# Claims of the protocol, never taken from the userinfo response over the ID token's own.
_PROTOCOL_CLAIMS: Final = frozenset({"iss", "aud", "azp", "exp", "iat", "nbf", "nonce", "acr", "amr", "auth_time"})


# --- configuration ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Our registration at the provider, from the OIDC_* settings."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    token_auth_method: str
    claims: Mapping[str, str]
    acr_levels: Mapping[str, int]
    use_userinfo: bool
    clock_skew_seconds: int


def relying_party(*, issuer: str) -> RelyingParty:
    """The relying party for `issuer`: OIDC_ISSUER, or the stand-in's URL the portal worked out."""
    if not issuer or not settings.OIDC_CLIENT_ID:
        raise SignInFailed(SignInErrorCode.NOT_CONFIGURED, log_detail="no OIDC issuer or client id")
    return RelyingParty(
        issuer=issuer,
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        scopes=tuple(settings.OIDC_SCOPES),
        token_auth_method=settings.OIDC_TOKEN_AUTH_METHOD,
        claims=settings.OIDC_CLAIMS,
        acr_levels=settings.OIDC_ACR_LEVELS,
        use_userinfo=settings.OIDC_USERINFO,
        clock_skew_seconds=settings.OIDC_CLOCK_SKEW_SECONDS,
    )


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    body: bytes
    content_type: str


class Transport(Protocol):
    """How the relying party reaches the provider's back channel (discovery, JWKS, token, userinfo)."""

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str], form: Mapping[str, str] | None = None
    ) -> Fetched: ...


class UrllibTransport:
    """HTTP(S) with the standard library; a network failure is SignInFailed(PROVIDER_UNREACHABLE)."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout

    def request(
        self, method: str, url: str, *, headers: Mapping[str, str], form: Mapping[str, str] | None = None
    ) -> Fetched:
        if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
            raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail=f"not an HTTP URL: {url!r}")
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        all_headers = {"Accept": "application/json", **headers}
        if data is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310 (scheme checked above)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked above)
                return Fetched(response.status, response.read(_MAX_RESPONSE_BYTES), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            with error:
                return Fetched(error.code, error.read(_MAX_RESPONSE_BYTES), error.headers.get_content_type())
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SignInFailed(SignInErrorCode.PROVIDER_UNREACHABLE, log_detail=f"{method} {url}: {error}") from error


def default_transport() -> Transport:
    return UrllibTransport(timeout=settings.OIDC_HTTP_TIMEOUT_SECONDS)


def _json_object(fetched: Fetched, *, what: str) -> dict[str, Any]:
    try:
        value = json.loads(fetched.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise SignInFailed(
            SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail=f"{what}: HTTP {fetched.status}, not JSON"
        ) from error
    if not isinstance(value, dict):
        raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail=f"{what}: not a JSON object")
    return value


# --- provider metadata and keys ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    algorithms: tuple[str, ...]


@dataclass(slots=True)
class _Cache:
    metadata: dict[str, tuple[float, ProviderMetadata]] = field(default_factory=dict)
    keys: dict[str, tuple[float, list[RSAKey | ECKey]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cache()


def provider_cache_clear() -> None:
    """Forgets every provider's metadata and keys (tests; an operator rotating the provider)."""
    with _cache.lock:
        _cache.metadata.clear()
        _cache.keys.clear()


def discover(*, rp: RelyingParty, transport: Transport) -> ProviderMetadata:
    """The provider's metadata, kept for five minutes. The document must name our issuer exactly."""
    with _cache.lock:
        cached = _cache.metadata.get(rp.issuer)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    url = rp.issuer.rstrip("/") + "/.well-known/openid-configuration"
    fetched = transport.request("GET", url, headers={})
    if fetched.status != 200:
        raise SignInFailed(SignInErrorCode.PROVIDER_ERROR, log_detail=f"discovery {url}: HTTP {fetched.status}")
    document = _json_object(fetched, what="discovery")
    # OpenID Connect Discovery 1.0 §4.3: the issuer in the document must be identical to the one
    # used to find it, or a provider could speak for another.
    if document.get("issuer") != rp.issuer:
        raise SignInFailed(
            SignInErrorCode.PROVIDER_RESPONSE_INVALID,
            log_detail=f"discovery names issuer {document.get('issuer')!r}, expected {rp.issuer!r}",
        )
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail=f"discovery: bad {name}")
        endpoints[name] = value
    userinfo = document.get("userinfo_endpoint")
    methods = document.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail="provider does not support S256")
    advertised = document.get("id_token_signing_alg_values_supported")
    algorithms = tuple(a for a in ALGORITHMS if not isinstance(advertised, list) or a in advertised)
    if not algorithms:
        raise SignInFailed(
            SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail=f"no acceptable ID token algorithm in {advertised!r}"
        )
    metadata = ProviderMetadata(
        issuer=rp.issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"],
        jwks_uri=endpoints["jwks_uri"],
        userinfo_endpoint=userinfo if isinstance(userinfo, str) and userinfo else None,
        algorithms=algorithms,
    )
    with _cache.lock:
        _cache.metadata[rp.issuer] = (time.monotonic() + _METADATA_TTL_SECONDS, metadata)
    return metadata


def signing_keys(*, metadata: ProviderMetadata, transport: Transport, refresh: bool = False) -> list[RSAKey | ECKey]:
    """The provider's public signing keys (RSA and EC), kept for five minutes unless `refresh`."""
    with _cache.lock:
        cached = _cache.keys.get(metadata.jwks_uri)
    if not refresh and cached is not None and cached[0] > time.monotonic():
        return cached[1]
    fetched = transport.request("GET", metadata.jwks_uri, headers={})
    if fetched.status != 200:
        raise SignInFailed(SignInErrorCode.PROVIDER_ERROR, log_detail=f"JWKS: HTTP {fetched.status}")
    document = _json_object(fetched, what="JWKS")
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail="JWKS has no key list")
    keys: list[RSAKey | ECKey] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") not in {"RSA", "EC"} or entry.get("use", "sig") != "sig":
            continue
        try:
            key = JWKRegistry.import_key(entry)
        except (JoseError, ValueError, TypeError) as error:
            logger.warning("JWKS %s: skipped a key that cannot be read: %s", metadata.jwks_uri, error)
            continue
        if isinstance(key, RSAKey | ECKey) and not key.is_private:
            keys.append(key)
    with _cache.lock:
        _cache.keys[metadata.jwks_uri] = (time.monotonic() + _METADATA_TTL_SECONDS, keys)
    return keys


# --- the pending sign-in ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What the portal remembers between sending the browser away and its return."""

    state: str
    nonce: str
    code_verifier: str
    issuer: str
    redirect_uri: str
    next_url: str
    started_at: float  # POSIX seconds

    @classmethod
    def from_session(cls, data: Any) -> PendingSignIn | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None


def pending_save(session: MutableMapping[str, Any], pending: PendingSignIn) -> None:
    kept = session.get(_PENDING_SESSION_KEY)
    entries = dict(kept) if isinstance(kept, dict) else {}
    entries[pending.state] = asdict(pending)
    # Oldest first (dicts keep insertion order): drop what is beyond the few recent sign-ins.
    while len(entries) > _PENDING_KEPT:
        entries.pop(next(iter(entries)))
    session[_PENDING_SESSION_KEY] = entries


def pending_take(session: MutableMapping[str, Any], state: str) -> PendingSignIn:
    """Removes and returns the pending sign-in of `state`: a state can be used once only.

    Raises SignInFailed(STATE_MISMATCH) when this session started no sign-in with this state (a
    forged or replayed callback, or another browser), SignInFailed(EXPIRED) when it is older than
    ten minutes.
    """
    kept = session.get(_PENDING_SESSION_KEY)
    entries = dict(kept) if isinstance(kept, dict) else {}
    # Compared by dictionary lookup on a value we generated; an attacker does not know any valid key.
    pending = PendingSignIn.from_session(entries.pop(state, None)) if state else None
    session[_PENDING_SESSION_KEY] = entries
    if pending is None:
        raise SignInFailed(SignInErrorCode.STATE_MISMATCH, log_detail="no pending sign-in for this state")
    if clock.now().timestamp() - pending.started_at > PENDING_MAX_AGE_SECONDS:
        raise SignInFailed(SignInErrorCode.EXPIRED, log_detail="pending sign-in older than the limit")
    return pending


def _random_token() -> str:
    return secrets.token_urlsafe(32)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 §4.2, method S256: BASE64URL(SHA256(ASCII(code_verifier)))."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def sign_in_start(
    *, rp: RelyingParty, transport: Transport, redirect_uri: str, next_url: str
) -> tuple[str, PendingSignIn]:
    """The provider's authorization URL for a new sign-in, and what to remember until the callback."""
    metadata = discover(rp=rp, transport=transport)
    pending = PendingSignIn(
        state=_random_token(),
        nonce=_random_token(),
        # 43 characters of the unreserved set, 256 bits of entropy (RFC 7636 §4.1).
        code_verifier=_random_token(),
        issuer=rp.issuer,
        redirect_uri=redirect_uri,
        next_url=next_url,
        started_at=clock.now().timestamp(),
    )
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(rp.scopes),
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": pkce_challenge(pending.code_verifier),
        "code_challenge_method": "S256",
    }
    parts = urllib.parse.urlsplit(metadata.authorization_endpoint)
    query = urllib.parse.parse_qsl(parts.query) + list(params.items())
    url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return url, pending


# --- the callback ---------------------------------------------------------------------------------


def sign_in_finish(
    *, rp: RelyingParty, transport: Transport, pending: PendingSignIn, params: Mapping[str, str]
) -> IdentityClaims:
    """Completes the sign-in the provider sent back (`params` is the callback's query).

    Returns the verified identity; writes nothing. Raises SignInFailed with the failed check.
    """
    if pending.issuer != rp.issuer:
        raise SignInFailed(SignInErrorCode.STATE_MISMATCH, log_detail="sign-in started with another provider")
    error = params.get("error")
    if error:
        code = SignInErrorCode.ACCESS_DENIED if error == "access_denied" else SignInErrorCode.PROVIDER_ERROR
        raise SignInFailed(code, log_detail=f"provider error {error!r}: {params.get('error_description', '')[:200]!r}")
    metadata = discover(rp=rp, transport=transport)
    # RFC 9207: a provider that names itself in the response must name the issuer we started with.
    if "iss" in params and params["iss"] != metadata.issuer:
        raise SignInFailed(SignInErrorCode.TOKEN_ISSUER_MISMATCH, log_detail=f"callback iss {params['iss']!r}")
    code_value = params.get("code", "")
    if not code_value:
        raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail="callback without a code")

    tokens = _token_exchange(rp=rp, metadata=metadata, transport=transport, code=code_value, pending=pending)
    claims = verify_id_token(
        token=tokens["id_token"],
        rp=rp,
        metadata=metadata,
        keys=lambda refresh: signing_keys(metadata=metadata, transport=transport, refresh=refresh),
        nonce=pending.nonce,
        access_token=tokens["access_token"],
    )
    if rp.use_userinfo and metadata.userinfo_endpoint:
        extra = _userinfo(metadata=metadata, transport=transport, access_token=tokens["access_token"])
        if extra.get("sub") != claims["sub"]:
            # OpenID Connect Core §5.3.2: the userinfo response is about the ID token's subject or ignored.
            raise SignInFailed(SignInErrorCode.TOKEN_MALFORMED, log_detail="userinfo sub differs from the ID token's")
        claims = {**{k: v for k, v in extra.items() if k not in _PROTOCOL_CLAIMS}, **claims}

    acr = claims.get("acr")
    level = rp.acr_levels.get(acr) if isinstance(acr, str) else None
    if level is None:
        raise SignInFailed(SignInErrorCode.ASSURANCE_LEVEL_UNKNOWN, log_detail=f"acr {acr!r} is not in OIDC_ACR_LEVELS")
    assert isinstance(acr, str)
    return claims_map(
        claims=claims,
        mapping=rp.claims,
        issuer=metadata.issuer,
        subject=claims["sub"],
        acr=acr,
        assurance_level=level,
    )


def _token_exchange(
    *, rp: RelyingParty, metadata: ProviderMetadata, transport: Transport, code: str, pending: PendingSignIn
) -> dict[str, str]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": pending.redirect_uri,
        "code_verifier": pending.code_verifier,
    }
    headers: dict[str, str] = {}
    if rp.token_auth_method == "client_secret_post":  # noqa: S105 (a method name, not a secret)
        form |= {"client_id": rp.client_id, "client_secret": rp.client_secret}
    else:
        # RFC 6749 §2.3.1: both parts are form-urlencoded before being joined and base64-encoded.
        pair = f"{urllib.parse.quote_plus(rp.client_id)}:{urllib.parse.quote_plus(rp.client_secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    fetched = transport.request("POST", metadata.token_endpoint, headers=headers, form=form)
    body = _json_object(fetched, what="token response")
    if fetched.status != 200:
        raise SignInFailed(
            SignInErrorCode.PROVIDER_ERROR,
            log_detail=f"token endpoint HTTP {fetched.status}: {body.get('error')!r} {body.get('error_description')!r}",
        )
    id_token, access_token = body.get("id_token"), body.get("access_token")
    token_type = body.get("token_type")
    if not isinstance(id_token, str) or not isinstance(access_token, str) or not isinstance(token_type, str):
        raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail="token response lacks a token")
    if token_type.lower() != "bearer":
        raise SignInFailed(SignInErrorCode.PROVIDER_RESPONSE_INVALID, log_detail=f"token_type {token_type!r}")
    return {"id_token": id_token, "access_token": access_token}


def _userinfo(*, metadata: ProviderMetadata, transport: Transport, access_token: str) -> dict[str, Any]:
    assert metadata.userinfo_endpoint is not None
    fetched = transport.request("GET", metadata.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
    if fetched.status != 200:
        raise SignInFailed(SignInErrorCode.PROVIDER_ERROR, log_detail=f"userinfo HTTP {fetched.status}")
    return _json_object(fetched, what="userinfo")


def verify_id_token(
    *,
    token: str,
    rp: RelyingParty,
    metadata: ProviderMetadata,
    keys: Callable[[bool], list[RSAKey | ECKey]],
    nonce: str,
    access_token: str | None = None,
) -> dict[str, Any]:
    """The ID token's claims, once every check of OpenID Connect Core 1.0 §3.1.3.7 has passed.

    `keys(refresh)` gives the provider's keys; a key id we do not know triggers one refresh (the
    provider rotated its keys). Raises SignInFailed naming the failed check.
    """
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError) as error:
        raise SignInFailed(SignInErrorCode.TOKEN_MALFORMED, log_detail=f"ID token: {error}") from error
    algorithm = header.get("alg")
    if algorithm not in metadata.algorithms:
        raise SignInFailed(SignInErrorCode.TOKEN_SIGNATURE_INVALID, log_detail=f"ID token alg {algorithm!r} refused")
    key = _key_for(header, keys)
    try:
        claims = jwt.decode(token, key, algorithms=[algorithm]).claims
    except (JoseError, ValueError) as error:
        raise SignInFailed(SignInErrorCode.TOKEN_SIGNATURE_INVALID, log_detail=f"ID token: {error}") from error

    if claims.get("iss") != metadata.issuer:
        raise SignInFailed(SignInErrorCode.TOKEN_ISSUER_MISMATCH, log_detail=f"iss {claims.get('iss')!r}")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or rp.client_id not in audiences:
        raise SignInFailed(SignInErrorCode.TOKEN_AUDIENCE_MISMATCH, log_detail=f"aud {audience!r}")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != rp.client_id:
        raise SignInFailed(SignInErrorCode.TOKEN_AUDIENCE_MISMATCH, log_detail=f"azp {azp!r} with aud {audience!r}")

    now = clock.now().timestamp()
    skew = rp.clock_skew_seconds
    expires, issued = claims.get("exp"), claims.get("iat")
    if not _is_number(expires) or not _is_number(issued):
        raise SignInFailed(SignInErrorCode.TOKEN_MALFORMED, log_detail="exp or iat missing")
    if now >= expires + skew:
        raise SignInFailed(SignInErrorCode.TOKEN_EXPIRED, log_detail=f"exp {expires}, now {now:.0f}")
    not_before = claims.get("nbf")
    if issued > now + skew or (_is_number(not_before) and not_before > now + skew):
        raise SignInFailed(SignInErrorCode.TOKEN_NOT_YET_VALID, log_detail=f"iat {issued}, now {now:.0f}")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
        raise SignInFailed(SignInErrorCode.TOKEN_NONCE_MISMATCH, log_detail="nonce differs")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInFailed(SignInErrorCode.TOKEN_MALFORMED, log_detail="sub missing or too long")
    at_hash = claims.get("at_hash")
    if at_hash is not None and access_token is not None:
        # §3.1.3.8: the left half of the hash of the access token, with the hash of the signing alg.
        expected = _b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16])
        if not isinstance(at_hash, str) or not hmac.compare_digest(at_hash, expected):
            raise SignInFailed(SignInErrorCode.TOKEN_MALFORMED, log_detail="at_hash differs")
    return dict(claims)


def _key_for(header: Mapping[str, Any], keys: Callable[[bool], list[RSAKey | ECKey]]) -> RSAKey | ECKey:
    key_type = ALGORITHMS[str(header["alg"])]
    kid = header.get("kid")
    for refresh in (False, True):
        candidates = [k for k in keys(refresh) if k.key_type == key_type]
        if kid is not None:
            candidates = [k for k in candidates if k.kid == kid]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise SignInFailed(SignInErrorCode.TOKEN_SIGNATURE_INVALID, log_detail="ID token names no single key")
    raise SignInFailed(SignInErrorCode.TOKEN_SIGNATURE_INVALID, log_detail=f"no {key_type} key with kid {kid!r}")


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
