"""Why a sign-in through the identity provider did not complete.

Every refusal is a `SignInFailed` whose `code` (a `SignInErrorCode`) names the check that failed;
the portal shows `message` in the citizen's language with a way to start again, and the technical
detail (what the provider sent) goes to the log, never to the page.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class SignInErrorCode(StrEnum):
    # Stable codes; ruff S105 mistakes the TOKEN_* names for passwords.
    NOT_CONFIGURED = "sign_in_not_configured"
    STATE_MISMATCH = "sign_in_state_mismatch"
    EXPIRED = "sign_in_expired"
    ACCESS_DENIED = "sign_in_access_denied"
    PROVIDER_ERROR = "sign_in_provider_error"
    PROVIDER_UNREACHABLE = "sign_in_provider_unreachable"
    PROVIDER_RESPONSE_INVALID = "sign_in_provider_response_invalid"
    TOKEN_SIGNATURE_INVALID = "sign_in_token_signature_invalid"  # noqa: S105
    TOKEN_ISSUER_MISMATCH = "sign_in_token_issuer_mismatch"  # noqa: S105
    TOKEN_AUDIENCE_MISMATCH = "sign_in_token_audience_mismatch"  # noqa: S105
    TOKEN_EXPIRED = "sign_in_token_expired"  # noqa: S105
    TOKEN_NOT_YET_VALID = "sign_in_token_not_yet_valid"  # noqa: S105
    TOKEN_NONCE_MISMATCH = "sign_in_token_nonce_mismatch"  # noqa: S105
    TOKEN_MALFORMED = "sign_in_token_malformed"  # noqa: S105
    ASSURANCE_LEVEL_UNKNOWN = "sign_in_assurance_level_unknown"
    CLAIMS_INVALID = "sign_in_claims_invalid"
    ACCOUNT_CONFLICT = "sign_in_account_conflict"


# The failed checks of the ID token share one sentence; the citizen cannot fix any of them, and
# the log has the detail for the operator.
_TOKEN_REFUSED = _(
    "The answer of the identity provider failed a security check, so you have not been signed in. "
    "Start the sign-in again; if this keeps happening, contact the site's support."
)

MESSAGES: dict[SignInErrorCode, StrOrPromise] = {
    SignInErrorCode.NOT_CONFIGURED: _("Signing in is not available on this site at the moment."),
    SignInErrorCode.STATE_MISMATCH: _(
        "This sign-in does not belong to this browser session, or it was already completed. "
        "Start the sign-in again from this site."
    ),
    SignInErrorCode.EXPIRED: _("The sign-in took too long and has expired. Start it again."),
    SignInErrorCode.ACCESS_DENIED: _("The sign-in was cancelled at the identity provider; you are not signed in."),
    SignInErrorCode.PROVIDER_ERROR: _(
        "The identity provider could not complete the sign-in. Start it again in a moment."
    ),
    SignInErrorCode.PROVIDER_UNREACHABLE: _(
        "The identity provider cannot be reached at the moment. Try again in a few minutes."
    ),
    SignInErrorCode.PROVIDER_RESPONSE_INVALID: _(
        "The identity provider sent an answer that could not be understood, so you have not been signed in."
    ),
    SignInErrorCode.TOKEN_SIGNATURE_INVALID: _TOKEN_REFUSED,
    SignInErrorCode.TOKEN_ISSUER_MISMATCH: _TOKEN_REFUSED,
    SignInErrorCode.TOKEN_AUDIENCE_MISMATCH: _TOKEN_REFUSED,
    SignInErrorCode.TOKEN_EXPIRED: _(
        "The identity provider's confirmation of who you are has expired before it reached us. "
        "Start the sign-in again; if this keeps happening, check your device's clock."
    ),
    SignInErrorCode.TOKEN_NOT_YET_VALID: _TOKEN_REFUSED,
    SignInErrorCode.TOKEN_NONCE_MISMATCH: _TOKEN_REFUSED,
    SignInErrorCode.TOKEN_MALFORMED: _TOKEN_REFUSED,
    SignInErrorCode.ASSURANCE_LEVEL_UNKNOWN: _(
        "The identity provider did not say at which level it identified you, so you have not been signed in."
    ),
    SignInErrorCode.CLAIMS_INVALID: _(
        "The identity provider sent information about you that cannot be accepted: %(detail)s"
    ),
    SignInErrorCode.ACCOUNT_CONFLICT: _(
        "Your account at the identity provider is already linked to another personal identification number "
        "here. Contact the site's support; nothing has been changed."
    ),
}

# Failures on the provider's side (or the network) answer 502; the rest are a bad request.
_PROVIDER_SIDE = {
    SignInErrorCode.PROVIDER_ERROR,
    SignInErrorCode.PROVIDER_UNREACHABLE,
    SignInErrorCode.PROVIDER_RESPONSE_INVALID,
}


class SignInFailed(DomainError):
    """A sign-in was refused. `code` is a SignInErrorCode value; `log_detail` is for the log only."""

    code = "sign_in_failed"

    def __init__(self, code: SignInErrorCode, *, log_detail: str = "", **params: Any) -> None:
        template = MESSAGES[code]
        super().__init__(_interpolated(template, params), **params)
        self.code = code.value
        self.error_code = code
        self.log_detail = log_detail
        if code is SignInErrorCode.NOT_CONFIGURED:
            self.status = 503
        elif code in _PROVIDER_SIDE:
            self.status = 502
        else:
            self.status = 400


def _interpolated(template: StrOrPromise, params: dict[str, Any]) -> StrOrPromise:
    if not params:
        return template
    # Rendered in the language active when the error is built: the portal builds it in the request.
    return str(template) % params
