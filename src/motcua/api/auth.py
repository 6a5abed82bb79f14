"""Who is calling the API: an officer (token or back-office session) or a system (token).

`Authorization: Token <key>`. The key is 43 URL-safe characters of randomness (256 bits); only its
SHA-256 is stored (a fast hash is enough for a random key, unlike a password), so a copy of the
database gives no usable key. A revoked token, a token of an inactive officer or user, and an
unknown key all answer 401. `last_used_at` is written at most once a minute per token.

Session authentication (the back office, later) is accepted too; it identifies an officer through
the user's `officer` record. Views take the caller from `caller_of(request)`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from motcua.agencies.models import Officer
from motcua.api.models import ApiToken
from motcua.core import clock

KEYWORD = "Token"
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class SystemUser(AnonymousUser):
    """`request.user` for a system's token: authenticated, but no person and no officer."""

    def __init__(self, name: str) -> None:
        self.system_name = name

    @property
    def is_anonymous(self) -> bool:  # type: ignore[override]
        return False

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def __str__(self) -> str:
        return f"system:{self.system_name}"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewToken:
    token: ApiToken
    key: str  # shown once


@transaction.atomic
def api_token_create(*, officer: Officer | None = None, system_name: str = "") -> NewToken:
    """A new token for an officer or a system (exactly one of them); the key is returned only here."""
    if (officer is None) == (not system_name.strip()):
        raise ValueError("a token belongs to an officer or to a system, not both or neither")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        key_hash=_hash(key),
        prefix=key[:8],
        officer=officer,
        system_name=system_name.strip(),
        created_at=clock.now(),
    )
    return NewToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token as “Authorization: Token <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from exc
        # A slice, not .first(): the hash is unique, ordering by the primary key would cost for nothing.
        token = next(
            iter(
                ApiToken.objects.select_related("officer__user", "officer__agency").filter(
                    key_hash=_hash(key), revoked_at__isnull=True
                )[:1]
            ),
            None,
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        user: Any
        if token.officer is not None:
            if not (token.officer.is_active and token.officer.user.is_active):
                raise exceptions.AuthenticationFailed(_("This token belongs to an officer who is no longer active."))
            user = token.officer.user
        else:
            user = SystemUser(token.system_name)
        now = clock.now()
        if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "motcua.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; a key is created with `motcua create-api-token`.",
        }


AUTHENTICATION_CLASSES: list[type[BaseAuthentication]] = [ApiTokenAuthentication, SessionAuthentication]


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated client: an officer, or a system (`officer` None)."""

    officer: Officer | None
    system_name: str = ""

    @property
    def client_id(self) -> str:
        """Stable per client: scopes idempotency keys."""
        if self.officer is not None:
            return f"officer:{self.officer.pk}"
        return f"system:{self.system_name}"


class OfficerRequired(exceptions.PermissionDenied):
    default_code = "officer_required"


def caller_of(request: Request) -> Caller:
    """The caller of an authenticated request. Raises NotAuthenticated (401) or, for a session user
    who is not an active officer, PermissionDenied (403)."""
    user = request.user
    if not user or not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    if isinstance(user, SystemUser):
        return Caller(officer=None, system_name=user.system_name)
    token = request.auth
    officer = (
        token.officer
        if isinstance(token, ApiToken)
        else Officer.objects.select_related("agency").filter(user_id=user.pk, is_active=True).first()
    )
    if officer is None:
        raise OfficerRequired(_("Only officers may use this part of the API."))
    return Caller(officer=officer)


def officer_of(request: Request) -> Officer:
    """The officer calling. Raises NotAuthenticated (401) or OfficerRequired (403) for a system."""
    caller = caller_of(request)
    if caller.officer is None:
        raise OfficerRequired(_("Only officers may use this part of the API, not systems."))
    return caller.officer
