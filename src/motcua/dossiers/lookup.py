"""The public look-up of a dossier by its code and a second factor, without signing in.

The dossier code alone is not a secret: it is made of the agency's code, the date and a daily
sequence number (Thông tư 01/2018/TT-VPCP Art 19, domain §2.5), so anyone could walk through the
codes of a day. A second factor is therefore required, one of:

- the applicant's personal ID number or tax code, as on the dossier;
- the look-up code printed on the receipt (`lookup_secret`): 8 characters derived from the
  dossier's UUID with an HMAC under SECRET_KEY (django.utils.crypto.salted_hmac), written in
  Crockford's base 32 (no I, L, O, U; what a citizen types back is read leniently). Derived, so
  nothing is stored and every receipt ever printed carries it. 40 bits: with the look-up's
  throttling (portal.lookup) it cannot be guessed. Rotating SECRET_KEY changes every code; the
  previous key stays accepted while it is listed in SECRET_KEY_FALLBACKS.

Both comparisons are in constant time, and an unknown code costs the same comparisons as a known
one, so the answer's timing does not tell whether the code exists. The caller gets None in both
cases and must say the same thing for both.

What the answer shows (`PublicDossier`) is what the QR code and the receipt of a one-stop paper
are meant to let anyone look up (Thông tư 01/2023/TT-VPCP Art 26, domain §3.4): the state, the
dates, the procedure and the agencies. Nothing personal beyond the applicant's initials: no name,
no ID number, no address, no documents, no reasons (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15,
domain §13: whoever holds a receipt is not necessarily the applicant).
"""

from __future__ import annotations

import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.conf import settings
from django.utils.crypto import salted_hmac

from motcua.dossiers.models import Dossier
from motcua.dossiers.tracking import CitizenStatus, citizen_status

__all__ = [
    "SECRET_LENGTH",
    "PublicDossier",
    "applicant_initials",
    "dossier_lookup",
    "lookup_secret",
    "normalise_secret",
]

SECRET_LENGTH: Final = 8
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
# Characters a citizen may type for another one of the alphabet (Crockford's decoding rules).
_READ_AS: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SALT: Final = "motcua.dossiers.lookup_secret"
# Compared with the second factor when the code matches no dossier, so that an unknown code costs
# the same work as a known one.
_NOBODY: Final = uuid.UUID(int=0)


def _secret(dossier_uuid: uuid.UUID, key: str | bytes) -> str:
    digest = salted_hmac(_SALT, str(dossier_uuid), secret=key, algorithm="sha256").digest()
    number = int.from_bytes(digest[:5], "big")  # 40 bits, 8 characters of 5 bits
    return "".join(_ALPHABET[(number >> (5 * (SECRET_LENGTH - 1 - i))) & 31] for i in range(SECRET_LENGTH))


def lookup_secret(*, dossier: Dossier) -> str:
    """The look-up code of the dossier as the receipt prints it: "ABCD-EFGH"."""
    raw = _secret(dossier.uuid, settings.SECRET_KEY)
    return f"{raw[:4]}-{raw[4:]}"


def normalise_secret(value: str) -> str:
    """What the citizen typed, as the alphabet writes it: upper case, without spaces or dashes,
    O read as 0 and I or L as 1."""
    return re.sub(r"[\s\-.]", "", value).upper().translate(_READ_AS)


def _normalise_identifier(value: str) -> str:
    return re.sub(r"[\s.]", "", value)


def _matches(dossier_uuid: uuid.UUID, identifier: str, second_factor: str) -> bool:
    """Constant time: every comparison is made whatever the earlier ones found."""
    typed_secret = normalise_secret(second_factor).encode()
    typed_identifier = _normalise_identifier(second_factor).encode()
    found = hmac.compare_digest(typed_identifier, identifier.encode()) and bool(identifier)
    for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        found |= hmac.compare_digest(typed_secret, _secret(dossier_uuid, key).encode())
    return found


@dataclass(frozen=True, slots=True)
class PublicDossier:
    """What a look-up shows: no personal data beyond the initials (module docstring)."""

    code: str
    procedure_code: str
    procedure_name: str
    receiving_agency: str
    competent_agency: str
    status: CitizenStatus
    status_code: int
    applicant_initials: str
    submitted_at: datetime
    received_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    closed_at: datetime | None


def applicant_initials(name: str) -> str:
    """ "Nguyễn Văn An" → "N. V. A."; at most five initials, nothing else of the name."""
    initials = [word[0].upper() + "." for word in name.split() if word and word[0].isalnum()]
    return " ".join(initials[:5])


def dossier_lookup(*, code: str, second_factor: str) -> PublicDossier | None:
    """The public view of the dossier with this code, if `second_factor` is its applicant's
    personal ID number or tax code or its look-up code; None otherwise (unknown code or wrong
    factor alike). Only received dossiers have a code."""
    clean_code = code.strip()
    dossier = (
        Dossier.objects.select_related("procedure_version", "receiving_agency", "competent_agency")
        # Codes are written in capitals (numbering.py); a code typed in lower case is found too,
        # still through the unique index on the code.
        .filter(code__in={clean_code, clean_code.upper()})
        .first()
        if clean_code
        else None
    )
    factor = second_factor.strip()
    if dossier is None:
        _matches(_NOBODY, "", factor)
        return None
    if not factor or not _matches(dossier.uuid, dossier.applicant_id_number, factor):
        return None
    assert dossier.code is not None
    return PublicDossier(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_version.name,
        receiving_agency=dossier.receiving_agency.name,
        competent_agency=dossier.competent_agency.name,
        status=citizen_status(dossier),
        status_code=dossier.status_code,
        applicant_initials=applicant_initials(dossier.applicant_name),
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        appointment_at=dossier.appointment_at,
        finished_at=dossier.finished_at,
        returned_at=dossier.returned_at,
        closed_at=dossier.closed_at,
    )
