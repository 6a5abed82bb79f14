"""Citizen sign-in: /dang-nhap/ (start), /dang-nhap/callback/, /dang-xuat/ (POST) and /tai-khoan/.

Thin views over motcua.citizens: the OpenID Connect steps are in citizens.oidc, the account is
written by citizens.services.citizen_sign_in_from_claims and read by citizens.selectors. Every
refusal is a SignInFailed and becomes a page in the citizen's language with a way to start again,
never a server error; what exactly failed goes to the log.

The provider is OIDC_ISSUER; when it is empty and the stand-in is enabled, the stand-in mounted on
this same server, at the origin the browser used (so that the stand-in's issuer, computed the same
way, matches).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from motcua.citizens import oidc
from motcua.citizens.errors import SignInFailed
from motcua.citizens.selectors import citizen_for_user, principals_for
from motcua.citizens.services import citizen_sign_in_from_claims

logger = logging.getLogger(__name__)

_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _issuer(request: HttpRequest) -> str:
    if settings.OIDC_ISSUER:
        return str(settings.OIDC_ISSUER)
    if settings.IDP_STANDIN_ENABLED:
        try:
            return request.build_absolute_uri(reverse("idp_standin:issuer")).rstrip("/")
        except NoReverseMatch:  # enabled after start-up: the stand-in's URLs are not mounted
            return ""
    return ""


def _redirect_uri(request: HttpRequest) -> str:
    return str(settings.OIDC_REDIRECT_URI) or request.build_absolute_uri(reverse("portal:sign_in_callback"))


def _next_url(request: HttpRequest, value: str) -> str:
    """Where to go after signing in: a path on this site only (no open redirect), else the account page."""
    sign_in_path = reverse("portal:sign_in")
    if (
        value
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        # Not back into the sign-in itself (e.g. the menu's link on a failed callback's page).
        and not value.startswith(sign_in_path)
    ):
        return value
    return reverse("portal:account")


def _failed(request: HttpRequest, failure: SignInFailed, *, next_url: str) -> HttpResponse:
    logger.warning("citizen sign-in refused: %s %s", failure.code, failure.log_detail)
    retry_url = reverse("portal:sign_in") + "?" + urlencode({"next": next_url})
    return render(
        request,
        "portal/auth/sign_in_failed.html",
        {"message": str(failure.message), "code": failure.code, "retry_url": retry_url},
        status=failure.status,
    )


@never_cache
@require_GET
def sign_in_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, request.GET.get("next", ""))
    try:
        rp = oidc.relying_party(issuer=_issuer(request))
        url, pending = oidc.sign_in_start(
            rp=rp, transport=oidc.default_transport(), redirect_uri=_redirect_uri(request), next_url=next_url
        )
    except SignInFailed as failure:
        return _failed(request, failure, next_url=next_url)
    oidc.pending_save(request.session, pending)
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def sign_in_callback_view(request: HttpRequest) -> HttpResponse:
    next_url = reverse("portal:account")
    try:
        pending = oidc.pending_take(request.session, request.GET.get("state", ""))
        next_url = pending.next_url
        rp = oidc.relying_party(issuer=_issuer(request))
        claims = oidc.sign_in_finish(
            rp=rp, transport=oidc.default_transport(), pending=pending, params=request.GET.dict()
        )
        citizen = citizen_sign_in_from_claims(claims=claims)
    except SignInFailed as failure:
        return _failed(request, failure, next_url=next_url)
    # login() gives the session a new key (no session fixation) and drops another user's data.
    login(request, citizen.user, backend=_BACKEND)
    return HttpResponseRedirect(next_url)


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("portal:home"))


@never_cache
@require_GET
def account_view(request: HttpRequest) -> HttpResponse:
    citizen = citizen_for_user(user_id=request.user.pk if request.user.is_authenticated else None)
    if citizen is None:
        return HttpResponseRedirect(reverse("portal:sign_in") + "?" + urlencode({"next": request.get_full_path()}))
    last_sign_in = citizen.sign_ins.first()
    return render(
        request,
        "portal/auth/account.html",
        {"citizen": citizen, "principals": principals_for(citizen=citizen), "last_sign_in": last_sign_in},
    )
