"""From the identity provider's claims to the facts we keep about a citizen.

VNeID's claim names are not public (domain §3.7, §10.4), so the names are configuration
(`OIDC_CLAIMS`, field -> claim; a dotted name such as `address.formatted` reads inside an object
claim); the defaults are the stand-in's (motcua.idp_standin). `claims_map` checks every value and
refuses the whole sign-in with a `SignInFailed(CLAIMS_INVALID)` that names the claim, rather than
store a wrong or half-read identity.

Purpose-bound processing (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, domain §13): only the fields
listed in CLAIM_FIELDS are read; every other claim is dropped here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from motcua.citizens.errors import SignInErrorCode, SignInFailed
from motcua.core import clock
from motcua.core.text import nfc
from motcua.identity.identifiers import InvalidIdentifier, parse_tax_code, validate_personal_id

# The Citizen facts a claim can fill, and the stand-in's claim for each (the default mapping).
DEFAULT_CLAIMS: Final[Mapping[str, str]] = {
    "personal_id": "personal_id",
    "full_name": "name",
    "birth_date": "birthdate",
    "gender": "gender",
    "address": "address.formatted",
    "commune_code": "address.commune_code",
    "phone": "phone_number",
    "email": "email",
    "businesses": "businesses",
}
CLAIM_FIELDS: Final = frozenset(DEFAULT_CLAIMS)
REQUIRED_FIELDS: Final = frozenset({"personal_id", "full_name"})

_GENDERS: Final = {"male": "male", "nam": "male", "female": "female", "nữ": "female", "nu": "female"}
_COMMUNE_CODE: Final = re.compile(r"[0-9]{5}", re.ASCII)
_PHONE: Final = re.compile(r"0[0-9]{9,10}", re.ASCII)
_MAX_LENGTHS: Final = {"full_name": 200, "business_name": 300, "address": 500, "email": 254}
_MAX_BUSINESSES: Final = 50


@dataclass(frozen=True, slots=True)
class BusinessClaim:
    """A business the person is the legal representative of, as the identity provider says."""

    tax_code: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class IdentityClaims:
    """A verified identity. None means "the provider did not say" (keep what we have)."""

    issuer: str
    subject: str
    acr: str
    assurance_level: int
    personal_id: str
    full_name: str
    birth_date: date | None
    gender: str | None
    address: str | None
    commune_code: str | None
    phone: str | None
    email: str | None
    businesses: tuple[BusinessClaim, ...] | None


def claims_map(
    *,
    claims: Mapping[str, Any],
    mapping: Mapping[str, str],
    issuer: str,
    subject: str,
    acr: str,
    assurance_level: int,
) -> IdentityClaims:
    """Reads and checks the mapped claims. Raises SignInFailed(CLAIMS_INVALID) naming the claim."""
    names = {**DEFAULT_CLAIMS, **mapping}
    raw = {field: _lookup(claims, names[field]) for field in CLAIM_FIELDS}

    full_name = _text(raw["full_name"], names["full_name"], field="full_name")
    birth_date = _birth_date(raw["birth_date"], names["birth_date"])
    gender = _gender(raw["gender"], names["gender"])
    personal_id_value = raw["personal_id"]
    if not isinstance(personal_id_value, str) or not personal_id_value.strip():
        raise _invalid(
            _("the claim “%(claim)s” (personal identification number) is missing.") % {"claim": names["personal_id"]}
        )
    try:
        # Legal basis: Nghị định 137/2015/NĐ-CP art. 13 (domain §10.1): the number must agree with the
        # date of birth and gender the provider gives for the same person.
        personal_id = validate_personal_id(personal_id_value, birth_date=birth_date, gender=gender).number
    except InvalidIdentifier as error:
        raise _invalid(str(error.message)) from error
    if full_name is None:
        raise _invalid(_("the claim “%(claim)s” (full name) is missing.") % {"claim": names["full_name"]})
    return IdentityClaims(
        issuer=issuer,
        subject=subject,
        acr=acr,
        assurance_level=assurance_level,
        personal_id=personal_id,
        full_name=full_name,
        birth_date=birth_date,
        gender=gender,
        address=_address(raw["address"], names["address"]),
        commune_code=_commune_code(raw["commune_code"], names["commune_code"]),
        phone=_phone(raw["phone"], names["phone"]),
        email=_email(raw["email"], names["email"]),
        businesses=_businesses(raw["businesses"], names["businesses"]),
    )


def _lookup(claims: Mapping[str, Any], name: str) -> Any:
    if not name:
        return None
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _invalid(detail: str) -> SignInFailed:
    return SignInFailed(SignInErrorCode.CLAIMS_INVALID, log_detail=detail, detail=detail)


def _text(value: Any, claim: str, *, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(_("the claim “%(claim)s” must be text.") % {"claim": claim})
    text = " ".join(nfc(value).split())
    limit = _MAX_LENGTHS.get(field)
    if limit is not None and len(text) > limit:
        raise _invalid(
            _("the claim “%(claim)s” is longer than %(limit)s characters.") % {"claim": claim, "limit": limit}
        )
    return text


def _birth_date(value: Any, claim: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(_("the claim “%(claim)s” must be a date.") % {"claim": claim})
    parsed: date | None = None
    # OpenID Connect Core §5.1 writes birthdate as YYYY-MM-DD; Vietnamese systems often write DD/MM/YYYY.
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a date, no time)
            break
        except ValueError:
            continue
    if parsed is None:
        raise _invalid(
            _("the claim “%(claim)s” is not a date in the form YYYY-MM-DD: “%(value)s”.")
            % {"claim": claim, "value": value[:40]}
        )
    if parsed > clock.today():
        raise _invalid(_("the date of birth %(value)s is in the future.") % {"value": parsed.isoformat()})
    return parsed


def _gender(value: Any, claim: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(_("the claim “%(claim)s” must be text.") % {"claim": claim})
    # OpenID Connect allows values other than male and female; we keep only what the personal
    # identification number can encode and store nothing for the rest.
    return _GENDERS.get(nfc(value).strip().casefold())


def _address(value: Any, claim: str) -> str | None:
    if isinstance(value, Mapping):  # an OpenID Connect address object mapped without ".formatted"
        value = value.get("formatted")
    return _text(value, claim, field="address")


def _commune_code(value: Any, claim: str) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is not None and text.isdigit() and len(text) <= 5:
        text = text.zfill(5)
    if text is None or _COMMUNE_CODE.fullmatch(text) is None:
        raise _invalid(_("the claim “%(claim)s” is not a 5-digit commune code.") % {"claim": claim})
    return text


def _phone(value: Any, claim: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(_("the claim “%(claim)s” must be text.") % {"claim": claim})
    number = "".join(value.split()).replace(".", "").replace("-", "")
    if number.startswith("+84"):
        number = "0" + number[3:]
    if _PHONE.fullmatch(number) is None:
        raise _invalid(
            _("the claim “%(claim)s” is not a Vietnamese phone number: “%(value)s”.")
            % {"claim": claim, "value": value[:40]}
        )
    return number


def _email(value: Any, claim: str) -> str | None:
    text = _text(value, claim, field="email")
    if not text:
        return text
    try:
        validate_email(text)
    except ValidationError as error:
        raise _invalid(
            _("the claim “%(claim)s” is not an e-mail address: “%(value)s”.") % {"claim": claim, "value": text[:60]}
        ) from error
    return text


def _businesses(value: Any, claim: str) -> tuple[BusinessClaim, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > _MAX_BUSINESSES:
        raise _invalid(_("the claim “%(claim)s” must be a list of businesses.") % {"claim": claim})
    found: dict[str, BusinessClaim] = {}
    for item in value:
        if not isinstance(item, Mapping):
            raise _invalid(_("the claim “%(claim)s” must be a list of businesses.") % {"claim": claim})
        tax_code_value = item.get("tax_code")
        if not isinstance(tax_code_value, str):
            raise _invalid(_("a business in the claim “%(claim)s” has no tax code.") % {"claim": claim})
        try:
            # Legal basis: Nghị định 126/2020/NĐ-CP art. 6 (domain §10.2): an enterprise's tax code.
            tax_code = parse_tax_code(tax_code_value, accept_personal_id=False).number
        except InvalidIdentifier as error:
            raise _invalid(str(error.message)) from error
        name = _text(item.get("name"), f"{claim}.name", field="business_name")
        if not name:
            raise _invalid(
                _("the business %(tax_code)s in the claim “%(claim)s” has no name.")
                % {"tax_code": tax_code, "claim": claim}
            )
        address = _text(item.get("address"), f"{claim}.address", field="address") or ""
        found[tax_code] = BusinessClaim(tax_code=tax_code, name=name, address=address)
    return tuple(found.values())
