"""The stand-in OpenID provider's endpoints, under /idp/ (only while IDP_STANDIN_ENABLED).

- `/.well-known/openid-configuration`: the metadata (OpenID Connect Discovery 1.0 §3);
- `/jwks`: the public signing key;
- `/authorize`: a page listing the demo identities and the two assurance levels; on consent the
  browser goes back to the client with `code`, `state` and `iss` (RFC 9207);
- `/token`: the authorization code grant with PKCE and client authentication
  (client_secret_basic or client_secret_post, RFC 6749 §2.3.1);
- `/userinfo`: the claims for a bearer access token (OpenID Connect Core 1.0 §5.3).

The issuer is this server's own URL of the mount point, as the request reached it: the portal,
which by default finds the stand-in the same way, sees one consistent issuer. Not for production:
anyone can pick any identity.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.idp_standin import services
from motcua.idp_standin.identities import ACR_VALUES, SCOPE_CLAIMS, demo_identities, demo_identity
from motcua.idp_standin.keys import public_jwks

_CHALLENGE: Final = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)
_AUTHORIZE_PARAMS: Final = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)
_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}

View = Callable[..., HttpResponse]


def standin_enabled(view: View) -> View:
    """404 while the stand-in is disabled, even if its URLs are mounted (settings changed at run time)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.IDP_STANDIN_ENABLED:
            raise Http404("the identity provider stand-in is disabled")
        return view(request, *args, **kwargs)

    return wrapped


def issuer_of(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("idp_standin:issuer")).rstrip("/")


def _endpoint(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(f"idp_standin:{name}"))


@standin_enabled
@require_GET
def issuer_view(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(_endpoint(request, "discovery"))


@standin_enabled
@require_GET
def discovery_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "issuer": issuer_of(request),
            "authorization_endpoint": _endpoint(request, "authorize"),
            "token_endpoint": _endpoint(request, "token"),
            "userinfo_endpoint": _endpoint(request, "userinfo"),
            "jwks_uri": _endpoint(request, "jwks"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", *SCOPE_CLAIMS],
            "claims_supported": sorted(
                {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "at_hash"}
                | {claim for claims in SCOPE_CLAIMS.values() for claim in claims}
            ),
            "acr_values_supported": list(ACR_VALUES.values()),
            "authorization_response_iss_parameter_supported": True,
        }
    )


@standin_enabled
@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(public_jwks())


# --- authorization endpoint ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _AuthorizationRequest:
    params: dict[str, str]

    @property
    def redirect_uri(self) -> str:
        return self.params["redirect_uri"]


class _Refused(Exception):
    """The request cannot be answered at the redirect URI: show an error page (RFC 6749 §4.1.2.1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _redirect_uri_allowed(request: HttpRequest, uri: str) -> bool:
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.fragment:
        return False
    if settings.IDP_STANDIN_REDIRECT_URIS:
        return uri in settings.IDP_STANDIN_REDIRECT_URIS
    # Default: clients on the stand-in's own origin only (the portal of the same server).
    return (parts.scheme, parts.netloc) == (request.scheme, request.get_host())


def _authorization_request(request: HttpRequest, source: Mapping[str, str]) -> _AuthorizationRequest:
    """Checks the client and its redirect URI; other errors are for `_protocol_error`."""
    params = {name: source.get(name, "") for name in _AUTHORIZE_PARAMS}
    if params["client_id"] != settings.IDP_STANDIN_CLIENT_ID:
        raise _Refused(_("The application asking you to sign in is not known to this identity provider."))
    if not _redirect_uri_allowed(request, params["redirect_uri"]):
        raise _Refused(_("The application asked to send you back to an address it is not allowed to use."))
    return _AuthorizationRequest(params=params)


def _protocol_error(auth: _AuthorizationRequest) -> str | None:
    params = auth.params
    if params["response_type"] != "code":
        return "unsupported_response_type"
    if "openid" not in params["scope"].split():
        return "invalid_scope"
    # PKCE is required of every client, and only with S256 (RFC 7636 §4.2; the plain method is refused).
    if params["code_challenge_method"] != "S256" or _CHALLENGE.fullmatch(params["code_challenge"]) is None:
        return "invalid_request"
    if len(params["state"]) > 500 or len(params["nonce"]) > 255:
        return "invalid_request"
    return None


def _back_to_client(auth: _AuthorizationRequest, request: HttpRequest, **values: str) -> HttpResponseRedirect:
    query = {**values, "iss": issuer_of(request)}
    if auth.params["state"]:
        query["state"] = auth.params["state"]
    separator = "&" if urllib.parse.urlsplit(auth.redirect_uri).query else "?"
    return HttpResponseRedirect(auth.redirect_uri + separator + urllib.parse.urlencode(query))


@standin_enabled
@require_http_methods(["GET", "POST"])
def authorize_view(request: HttpRequest) -> HttpResponse:
    source = request.GET if request.method == "GET" else request.POST
    try:
        auth = _authorization_request(request, source)
    except _Refused as refused:
        return render(request, "idp_standin/error.html", {"message": refused.message}, status=400)
    error = _protocol_error(auth)
    if error is not None:
        return _back_to_client(auth, request, error=error)

    context: dict[str, Any] = {
        "params": auth.params,
        "identities": demo_identities(),
        "levels": sorted(ACR_VALUES),
        "chosen_identity": source.get("identity", ""),
        "chosen_level": source.get("level", "2"),
    }
    if request.method == "GET":
        return render(request, "idp_standin/authorize.html", context)
    if source.get("decision") != "allow":
        return _back_to_client(auth, request, error="access_denied")
    identity = demo_identity(source.get("identity", ""))
    level = source.get("level", "")
    if identity is None or not level.isdigit() or int(level) not in ACR_VALUES:
        context["form_error"] = _("Choose one of the identities and an assurance level.")
        return render(request, "idp_standin/authorize.html", context, status=400)
    code = services.code_issue(
        client_id=auth.params["client_id"],
        redirect_uri=auth.redirect_uri,
        scope=auth.params["scope"],
        nonce=auth.params["nonce"],
        code_challenge=auth.params["code_challenge"],
        identity=identity,
        acr=ACR_VALUES[int(level)],
    )
    return _back_to_client(auth, request, code=code)


# --- token endpoint -----------------------------------------------------------------------------


def _oauth_error(error: str, description: str, *, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status, headers=_NO_STORE)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="motcua-idp-standin"'
    return response


def _client_credentials(request: HttpRequest) -> tuple[str, str] | str:
    """(client_id, client_secret), or the description of why they cannot be read."""
    header = request.headers.get("Authorization", "")
    posted = "client_secret" in request.POST
    if header:
        if posted:
            return "use one client authentication method, not two"
        scheme, _space, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return "unsupported authorization scheme"
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "malformed basic credentials"
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            return "malformed basic credentials"
        return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)
    if posted:
        return request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    return "client authentication required"


@csrf_exempt  # a back-channel endpoint called by the client's server, authenticated by its secret
@standin_enabled
@require_POST
def token_view(request: HttpRequest) -> JsonResponse:
    credentials = _client_credentials(request)
    if isinstance(credentials, str):
        return _oauth_error("invalid_client", credentials, status=401)
    client_id, secret = credentials
    valid_id = hmac.compare_digest(client_id.encode(), settings.IDP_STANDIN_CLIENT_ID.encode())
    valid_secret = hmac.compare_digest(secret.encode(), settings.IDP_STANDIN_CLIENT_SECRET.encode())
    if not (valid_id and valid_secret):
        return _oauth_error("invalid_client", "unknown client or wrong secret", status=401)
    if request.POST.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "only authorization_code is supported")
    try:
        code = services.code_redeem(
            code=request.POST.get("code", ""),
            client_id=client_id,
            redirect_uri=request.POST.get("redirect_uri", ""),
            code_verifier=request.POST.get("code_verifier", ""),
        )
    except services.GrantRefused as refused:
        return _oauth_error("invalid_grant", str(refused.message))
    identity = demo_identity(code.identity_key)
    if identity is None:  # the data file changed between authorization and token request
        return _oauth_error("invalid_grant", "the demo identity no longer exists")
    access_token = services.access_token_issue(code=code)
    id_token = services.id_token_sign(
        issuer=issuer_of(request), audience=client_id, identity=identity, code=code, access_token=access_token
    )
    return JsonResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(services.TOKEN_LIFETIME.total_seconds()),
            "id_token": id_token,
            "scope": code.scope,
        },
        headers=_NO_STORE,
    )


# --- userinfo endpoint --------------------------------------------------------------------------


@csrf_exempt  # authenticated by the bearer token, never by a cookie
@standin_enabled
@require_http_methods(["GET", "POST"])
def userinfo_view(request: HttpRequest) -> JsonResponse:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    code = services.access_token_find(token=token) if scheme.lower() == "bearer" and token else None
    identity = demo_identity(code.identity_key) if code is not None else None
    if code is None or identity is None:
        response = JsonResponse(
            {"error": "invalid_token", "error_description": "missing, unknown, expired or revoked access token"},
            status=401,
            headers=_NO_STORE,
        )
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return JsonResponse({"sub": identity.subject, **identity.claims(set(code.scope.split()))}, headers=_NO_STORE)
