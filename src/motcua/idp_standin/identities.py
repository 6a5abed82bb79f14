"""The stand-in's demo identities (data/identities.json) and the claims it gives for them.

Each identity is checked when first read: the personal identification number against its date of
birth and gender (motcua.identity, Nghị định 137/2015/NĐ-CP art. 13, domain §10.1), the businesses'
tax codes (Nghị định 126/2020/NĐ-CP art. 6, domain §10.2), and the address against the post-2025
units (5-digit commune code, 2-digit province code; Quyết định 19/2025/QĐ-TTg, domain §10.3). A
broken data file stops the stand-in with ImproperlyConfigured rather than hand out a wrong identity.

Claim names are the stand-in's (the relying party's default OIDC_CLAIMS): the standard OpenID
Connect claims where one exists (name, birthdate, gender, address, phone_number, email) and three
of our own: `personal_id`, `address.commune_code`/`province_code`, `businesses`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final

from django.core.exceptions import ImproperlyConfigured

from motcua.identity.identifiers import InvalidIdentifier, parse_tax_code, validate_personal_id

DATA_FILE: Final = Path(__file__).resolve().parent / "data" / "identities.json"
# Values of `acr` for the two levels of Nghị định 69/2024/NĐ-CP (domain §10.4). Ours, not VNeID's:
# the relying party maps them with OIDC_ACR_LEVELS.
ACR_VALUES: Final = {1: "urn:motcua:idp-standin:level:1", 2: "urn:motcua:idp-standin:level:2"}
# Scope -> the claims it releases (OpenID Connect Core §5.4, plus our "business").
SCOPE_CLAIMS: Final = {
    "profile": ("name", "birthdate", "gender", "personal_id"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
    "email": ("email", "email_verified"),
    "business": ("businesses",),
}
_SUBJECT_NAMESPACE: Final = uuid.UUID("6f1c8a4e-2d4b-5b7e-9a53-6d6f74637561")
_KEY: Final = re.compile(r"[a-z0-9-]{1,64}", re.ASCII)


@dataclass(frozen=True, slots=True)
class DemoBusiness:
    tax_code: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    key: str
    personal_id: str
    name: str
    birthdate: date
    gender: str
    street_address: str
    commune_code: str
    commune: str
    province_code: str
    province: str
    phone_number: str
    email: str
    businesses: tuple[DemoBusiness, ...]

    @property
    def subject(self) -> str:
        """Stable per person and meaningless outside the stand-in, like a provider's `sub`."""
        return str(uuid.uuid5(_SUBJECT_NAMESPACE, self.personal_id))

    @property
    def formatted_address(self) -> str:
        return f"{self.street_address}, {self.commune}, {self.province}"

    def claims(self, scopes: set[str]) -> dict[str, Any]:
        """The identity claims released for `scopes` (without the protocol claims)."""
        everything: dict[str, Any] = {
            "name": self.name,
            "birthdate": self.birthdate.isoformat(),
            "gender": self.gender,
            "personal_id": self.personal_id,
            "address": {
                "formatted": self.formatted_address,
                "street_address": self.street_address,
                "locality": self.commune,
                "region": self.province,
                "country": "VN",
                "commune_code": self.commune_code,
                "province_code": self.province_code,
            },
            "phone_number": self.phone_number,
            "phone_number_verified": True,
            "email": self.email,
            "email_verified": True,
            "businesses": [{"tax_code": b.tax_code, "name": b.name, "address": b.address} for b in self.businesses],
        }
        released = {name for scope in scopes for name in SCOPE_CLAIMS.get(scope, ())}
        return {name: value for name, value in everything.items() if name in released}


@cache
def demo_identities() -> tuple[DemoIdentity, ...]:
    """Every demo identity, checked. Raises ImproperlyConfigured naming the identity at fault."""
    try:
        rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"{DATA_FILE} cannot be read: {error}") from error
    if not isinstance(rows, list) or not rows:
        raise ImproperlyConfigured(f"{DATA_FILE} must hold a non-empty list of identities")
    identities = tuple(_identity(row, index) for index, row in enumerate(rows))
    for attribute in ("key", "personal_id"):
        values = [getattr(identity, attribute) for identity in identities]
        if len(set(values)) != len(values):
            raise ImproperlyConfigured(f"{DATA_FILE}: two identities have the same {attribute}")
    return identities


def demo_identity(key: str) -> DemoIdentity | None:
    return next((identity for identity in demo_identities() if identity.key == key), None)


def _identity(row: Any, index: int) -> DemoIdentity:
    where = f"{DATA_FILE}, identity {index + 1}"
    try:
        address = row["address"]
        birthdate = date.fromisoformat(row["birthdate"])
        identity = DemoIdentity(
            key=row["key"],
            personal_id=row["personal_id"],
            name=row["name"],
            birthdate=birthdate,
            gender=row["gender"],
            street_address=address["street_address"],
            commune_code=address["commune_code"],
            commune=address["commune"],
            province_code=address["province_code"],
            province=address["province"],
            phone_number=row["phone_number"],
            email=row["email"],
            businesses=tuple(
                DemoBusiness(tax_code=b["tax_code"], name=b["name"], address=b["address"]) for b in row["businesses"]
            ),
        )
        validate_personal_id(identity.personal_id, birth_date=birthdate, gender=identity.gender)
        for business in identity.businesses:
            parse_tax_code(business.tax_code, accept_personal_id=False)
    except (KeyError, TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"{where}: {error!r}") from error
    except InvalidIdentifier as error:
        raise ImproperlyConfigured(f"{where}: {error.message}") from error
    if _KEY.fullmatch(identity.key) is None:
        raise ImproperlyConfigured(f"{where}: key must be lower-case letters, digits and hyphens")
    if not re.fullmatch(r"[0-9]{5}", identity.commune_code) or not re.fullmatch(r"[0-9]{2}", identity.province_code):
        raise ImproperlyConfigured(f"{where}: commune code must have 5 digits and province code 2")
    return identity
