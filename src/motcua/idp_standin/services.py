"""The stand-in provider's writes: authorization codes, their one-time redemption, access tokens, ID tokens.

The rules are those of a real provider, because the portal's tests rely on them:
- a code lives one minute and is redeemed once; presenting it again revokes the access tokens
  issued for it (RFC 6749 §4.1.2, §10.5);
- the redeeming client, its redirect URI and the PKCE verifier must match what the code was issued
  for (RFC 6749 §4.1.3; RFC 7636 §4.6, S256 only); a code presented with a wrong verifier is burnt,
  so a verifier cannot be guessed by retrying;
- the ID token is RS256-signed and carries iss, sub, aud, exp, iat, auth_time, nonce, acr and at_hash
  (OpenID Connect Core 1.0 §2, §3.1.3.6).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any, Final

from django.db import transaction
from joserfc import jwt

from motcua.core import clock
from motcua.core.errors import InvalidInput
from motcua.idp_standin.identities import DemoIdentity
from motcua.idp_standin.keys import signing_key
from motcua.idp_standin.models import AccessToken, AuthorizationCode

CODE_LIFETIME: Final = timedelta(seconds=60)
TOKEN_LIFETIME: Final = timedelta(minutes=5)


class GrantRefused(InvalidInput):
    """The token request's grant is not valid: the OAuth error `invalid_grant` (RFC 6749 §5.2)."""

    code = "invalid_grant"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def code_issue(
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    nonce: str,
    code_challenge: str,
    identity: DemoIdentity,
    acr: str,
) -> str:
    """A new one-time authorization code for `identity`; only its hash is stored."""
    code = secrets.token_urlsafe(32)
    now = clock.now()
    AuthorizationCode.objects.create(
        code_hash=_hash(code),
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        code_challenge=code_challenge,
        identity_key=identity.key,
        acr=acr,
        issued_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    return code


def code_redeem(*, code: str, client_id: str, redirect_uri: str, code_verifier: str) -> AuthorizationCode:
    """Redeems the code once. Raises GrantRefused saying why (for the token endpoint's error_description).

    Every refusal after the code is found burns it (and a second presentation also revokes its
    tokens); these writes are committed before the refusal is raised.
    """
    refusal: str | None = None
    with transaction.atomic():
        now = clock.now()
        found = AuthorizationCode.objects.select_for_update().filter(code_hash=_hash(code)).first()
        if found is None:
            raise GrantRefused("unknown authorization code")
        if found.redeemed_at is not None:
            AccessToken.objects.filter(code=found, revoked_at__isnull=True).update(revoked_at=now)
            refusal = "authorization code already used; the tokens issued for it are revoked"
        elif found.expires_at <= now:
            refusal = "authorization code expired"
        elif found.client_id != client_id:
            refusal = "authorization code issued to another client"
        elif found.redirect_uri != redirect_uri:
            refusal = "redirect_uri differs from the authorization request's"
        elif not _pkce_matches(code_verifier, found.code_challenge):
            refusal = "PKCE verification failed"
        # Compare-and-set: of two concurrent redemptions only one updates the row.
        if found.redeemed_at is None:
            AuthorizationCode.objects.filter(pk=found.pk, redeemed_at__isnull=True).update(redeemed_at=now)
            found.redeemed_at = now
    if refusal is not None:
        raise GrantRefused(refusal)
    return found


def _pkce_matches(verifier: str, challenge: str) -> bool:
    # RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~].
    if not 43 <= len(verifier) <= 128 or not all(c.isascii() and (c.isalnum() or c in "-._~") for c in verifier):
        return False
    computed = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    return hmac.compare_digest(computed, challenge)


def access_token_issue(*, code: AuthorizationCode) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    AccessToken.objects.create(token_hash=_hash(token), code=code, issued_at=now, expires_at=now + TOKEN_LIFETIME)
    return token


def access_token_find(*, token: str) -> AuthorizationCode | None:
    """The code an access token was issued for, while the token is valid; None otherwise."""
    found = (
        AccessToken.objects.select_related("code")
        .filter(token_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    return found.code if found is not None else None


def id_token_sign(
    *,
    issuer: str,
    audience: str,
    identity: DemoIdentity,
    code: AuthorizationCode,
    access_token: str,
) -> str:
    """The RS256-signed ID token for a redeemed code, with the claims its scope releases."""
    now = clock.now()
    claims: dict[str, Any] = {
        **identity.claims(set(code.scope.split())),
        "iss": issuer,
        "sub": identity.subject,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + TOKEN_LIFETIME).timestamp()),
        "auth_time": int(code.issued_at.timestamp()),
        "acr": code.acr,
        "at_hash": _b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16]),
    }
    if code.nonce:
        claims["nonce"] = code.nonce
    key = signing_key()
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])
