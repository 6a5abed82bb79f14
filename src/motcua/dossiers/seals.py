"""The slips that carry the agency's seal: signed with the agency's key when they are downloaded.

Which slips (domain §2.4, the forms of Thông tư 03/2025/TT-VPCP; §12):
- the apology letter with a new appointment (Mẫu 04) and the notice of stopping (Mẫu 05) are
  letters of the agency to the applicant, signed by its head and sealed ("Ký, ghi rõ họ tên và
  đóng dấu" on the forms): they are sealed electronically with the agency's key, the agency being
  the signer, as ADR 0007 says (a document signed electronically by the competent person and
  agency has the value of the paper original, Nghị định 30/2020/NĐ-CP Art 5);
- the receipt, the guidance, the supplement request and the refusal slip are signed by hand by the
  officer who dealt with the applicant (and the applicant, for the receipt), and the process
  control slip by the officers who hand the dossier over: none of them carries the agency's seal,
  so none is signed here.

A slip is rendered on demand from what the dossier recorded (dossiers.slips), so it is sealed on
demand too: the seal certifies that the agency gives out this copy, its content being the act as
recorded, dated when the act happened; the stamp's signing time is when the copy was sealed.
An agency without a signing key gets the slip unsealed, to be printed and sealed on paper; an
agency whose key is registered but cannot be used gets the signing error (an operator must act),
never a quietly unsealed copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from motcua.documents.models import TemplateKind
from motcua.documents.pki import NoSigningKey, signing_key_for_agency
from motcua.documents.signing import pdf_sign, stamp_placement_for
from motcua.dossiers.models import Dossier
from motcua.dossiers.slips import _issuer, slip_render

__all__ = ["SEALED_KINDS", "SEAL_ROLE", "SlipPdf", "slip_pdf"]

SEALED_KINDS: Final = frozenset({TemplateKind.APOLOGY, TemplateKind.STOP})

# The second line of the stamp (before the agency's name): the agency itself signs, with its seal.
SEAL_ROLE: Final = "Con dấu điện tử"


@dataclass(frozen=True, slots=True)
class SlipPdf:
    pdf: bytes
    sealed: bool


def slip_pdf(*, dossier: Dossier, kind: str, number: int = 1, sealed: bool = True) -> SlipPdf:
    """The slip as a PDF (dossiers.slips.slip_render); with `sealed`, an apology or a stop notice is
    signed with the key of the agency that issues it (the handling agency), when it has one.

    Raises what slip_render raises (SlipNotAvailable, InvalidInput) and, for an agency whose key
    cannot be used, what signing raises (SigningKeyUnavailable, TimestampUnavailable)."""
    rendered = slip_render(dossier=dossier, kind=kind, number=number)
    if not sealed or kind not in SEALED_KINDS:
        return SlipPdf(pdf=rendered.pdf, sealed=False)
    agency = dossier.handling_agency  # the issuer of both (slips.slip_context)
    try:
        key = signing_key_for_agency(agency=agency)
    except NoSigningKey:
        return SlipPdf(pdf=rendered.pdf, sealed=False)
    issuer = _issuer(agency)
    signed = pdf_sign(
        pdf=rendered.pdf,
        key=key,
        signer_name=agency.name,
        signer_role=SEAL_ROLE,
        reason=f"Ban hành: {rendered.template.title}",
        location=issuer.place or issuer.name,
        placement=stamp_placement_for(rendered.signature_area),
    )
    return SlipPdf(pdf=signed, sealed=True)
