"""Checking the signatures of a PDF: valid, who signed, when, and whether it changed after signing.

`pdf_verify(pdf=...)` reads untrusted bytes (an upload from anyone) and answers a SignatureReport;
`report_lines(report)` says it in plain words for the page, the API and `motcua verify-signature`.

Legal basis: an electronic result is valid when it carries the digital signature of the competent
agency and its integrity and authenticity can be checked (Nghị định 45/2020/NĐ-CP Art 14(3); Luật
Giao dịch điện tử 20/2023/QH15: a digital signature assures authenticity, integrity and
non-repudiation). So a signature counts as valid only when all three hold:
- intact: the signed bytes are those the signer hashed (one changed byte breaks it);
- trusted: the certificate chains to a trust root (SIGNATURE_TRUST_ROOTS, and the development CA
  when SIGNATURE_TRUST_DEV_CA is on), may sign, and is within its validity; an intact signature by
  any other certificate is reported as untrusted, never as valid;
- unchanged: nothing but validation data (document timestamps) was appended after the last
  signature, and what was appended after an earlier one is only further signatures or form filling
  (pyHanko's difference analysis).

Revocation is not checked online (no request leaves the server while a citizen waits); see ADR 0007.
"""

from __future__ import annotations

import enum
import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from motcua.core.errors import DomainError, InvalidInput
from motcua.documents.pki import trust_roots
from motcua.documents.signing import NotAPdf, PdfEncrypted, PdfMalformed

logger = logging.getLogger(__name__)


class FileTooLarge(InvalidInput):
    code = "file_too_large"
    status = 413


class FileEmpty(InvalidInput):
    code = "file_empty"


class NotSigned(DomainError):
    code = "pdf_not_signed"


class SignatureUnreadable(InvalidInput):
    code = "signature_unreadable"


class Verdict(enum.StrEnum):
    VALID = "valid"  # every signature intact, valid and trusted; nothing changed after signing
    UNTRUSTED = "untrusted"  # intact and unchanged, but a certificate is not trusted here
    CHANGED = "changed"  # signatures intact, but content was added after signing
    INVALID = "invalid"  # a signature does not match the document (altered) or is broken


class Changes(enum.StrEnum):
    """What was added to the document after a signature (pyHanko's modification levels)."""

    NONE = "none"
    SIGNATURES = "signatures"  # validation data or timestamps for signatures
    FORM_FILLING = "form_filling"  # further signatures, form fields filled
    ANNOTATIONS = "annotations"  # comments or drawings added on the pages
    OTHER = "other"  # anything else, including changed page content
    UNKNOWN = "unknown"


_CHANGES = {
    ModificationLevel.NONE: Changes.NONE,
    ModificationLevel.LTA_UPDATES: Changes.SIGNATURES,
    ModificationLevel.FORM_FILLING: Changes.FORM_FILLING,
    ModificationLevel.ANNOTATIONS: Changes.ANNOTATIONS,
    ModificationLevel.OTHER: Changes.OTHER,
}


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    subject: str
    common_name: str
    organisation: str
    issuer: str
    serial_number: str  # hexadecimal, as certificate viewers show it
    fingerprint_sha256: str
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    field_name: str
    # The person as the signing system wrote it (/Name); the certificate names the agency.
    signer_name: str
    certificate: CertificateInfo
    signed_at: datetime | None  # as the signer's system reported it
    timestamp_at: datetime | None  # from a timestamp authority (B-T), when present
    timestamp_trusted: bool | None
    level: str  # "B-B", "B-T", or "" for a signature that is not PAdES (adbe.pkcs7.detached)
    intact: bool
    valid: bool
    trusted: bool
    trust_problem: str  # "" or the ETSI EN 319 102-1 sub-indication, lower case (e.g. "expired")
    covers_entire_file: bool
    changes_after: Changes
    changes_allowed: bool
    revision_sha256: str  # SHA-256 of the document as it was when signed
    reason: str
    location: str

    @property
    def is_sound(self) -> bool:
        """The signature matches the bytes it covers and the signature value is right."""
        return self.intact and self.valid

    @property
    def is_trusted(self) -> bool:
        return self.is_sound and self.trusted and self.timestamp_trusted is not False


@dataclass(frozen=True, slots=True)
class SignatureReport:
    sha256: str
    size: int
    signatures: tuple[SignatureCheck, ...]

    @property
    def changed_after_signing(self) -> bool:
        """A signed byte differs; or something beyond validation data (document timestamps, PAdES
        B-LTA) was added after the last signature; or what was added after an earlier one is more
        than the later signatures and form filling that the document allows."""
        if any(not s.intact for s in self.signatures):
            return True
        if self.signatures[-1].changes_after not in (Changes.NONE, Changes.SIGNATURES):
            return True
        return any(not s.changes_allowed for s in self.signatures)

    @property
    def verdict(self) -> Verdict:
        if any(not s.is_sound for s in self.signatures):
            return Verdict.INVALID
        if self.changed_after_signing:
            return Verdict.CHANGED
        if any(not s.is_trusted for s in self.signatures):
            return Verdict.UNTRUSTED
        return Verdict.VALID

    @property
    def is_valid(self) -> bool:
        return self.verdict == Verdict.VALID

    @property
    def known_sha256(self) -> tuple[str, ...]:
        """Digests under which this document may have been issued: the file, then each signed revision."""
        digests = [self.sha256]
        for check in reversed(self.signatures):
            if check.revision_sha256 and check.revision_sha256 not in digests:
                digests.append(check.revision_sha256)
        return tuple(digests)


# -- reading --------------------------------------------------------------------------------------------------


def file_too_large() -> FileTooLarge:
    """The refusal of a file over SIGNATURE_VERIFY_MAX_BYTES (also for uploads dropped while arriving)."""
    limit: int = settings.SIGNATURE_VERIFY_MAX_BYTES
    if limit >= 1024 * 1024:
        size = _("%(size)s MB") % {"size": f"{limit / 1024 / 1024:.3g}"}
    else:
        size = _("%(size)s KB") % {"size": f"{limit / 1024:.3g}"}
    return FileTooLarge(
        _("The file is larger than %(size)s, the most that can be checked.") % {"size": size}, field="file"
    )


def _reader(pdf: bytes) -> PdfFileReader:
    if len(pdf) > settings.SIGNATURE_VERIFY_MAX_BYTES:
        raise file_too_large()
    if not pdf:
        raise FileEmpty(_("The file is empty."), field="file")
    if pdf.lstrip()[:5] != b"%PDF-":
        raise NotAPdf(_("This file is not a PDF document."), field="file")
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        # A PDF with only an owner password (printing or copying restricted) opens with an empty
        # user password; one that needs a password to open cannot be checked here.
        if reader.encrypted and reader.decrypt(b"").status == AuthStatus.FAILED:
            raise PdfEncrypted(
                _("This PDF document is protected by a password; upload a copy without it."), field="file"
            )
        reader.root  # noqa: B018 (parses the trailer and catalogue now, so that damage is reported here)
    except DomainError:
        raise
    except Exception as exc:
        # The bytes come from anyone: the PDF parser may fail in many ways, each one means "damaged".
        logger.info("unreadable PDF: %s", exc)
        raise PdfMalformed(_("This PDF document is damaged and cannot be read."), field="file") from exc
    return reader


def _embedded_signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    try:
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:  # untrusted bytes, see _reader
        logger.info("unreadable signature: %s", exc)
        raise SignatureUnreadable(
            _("A signature in this document is damaged and cannot be read."), field="file"
        ) from exc
    if not signatures:
        raise NotSigned(_("This PDF document carries no digital signature."), field="file")
    return signatures


def _certificate_info(certificate: asn1_x509.Certificate) -> CertificateInfo:
    parsed = x509.load_der_x509_certificate(certificate.dump())

    def attribute(oid: x509.ObjectIdentifier) -> str:
        values = parsed.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    return CertificateInfo(
        subject=parsed.subject.rfc4514_string(),
        common_name=attribute(NameOID.COMMON_NAME),
        organisation=attribute(NameOID.ORGANIZATION_NAME),
        issuer=parsed.issuer.rfc4514_string(),
        serial_number=format(parsed.serial_number, "x"),
        fingerprint_sha256=certificate.sha256.hex(),
        valid_from=parsed.not_valid_before_utc,
        valid_until=parsed.not_valid_after_utc,
    )


def _text(value: generic.PdfObject | None) -> str:
    return str(value) if isinstance(value, generic.TextStringObject | generic.ByteStringObject) else ""


def _revision_sha256(pdf: bytes, signature: EmbeddedPdfSignature) -> str:
    # /ByteRange [0 a b c]: the signed revision ends at b + c.
    byte_range = signature.sig_object.get("/ByteRange")
    if not isinstance(byte_range, generic.ArrayObject) or len(byte_range) != 4:
        return ""
    try:
        end = int(byte_range[2]) + int(byte_range[3])
    except (TypeError, ValueError):
        return ""
    return hashlib.sha256(pdf[:end]).hexdigest() if 0 < end <= len(pdf) else ""


def _validation_context(roots: list[asn1_x509.Certificate]) -> ValidationContext:
    # No fetching of CRLs or OCSP answers while a citizen waits; see ADR 0007.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


# A signing certificate allows digitalSignature or nonRepudiation (either one), as pki checks on import.
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


def _check(pdf: bytes, signature: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate]) -> SignatureCheck:
    status: PdfSignatureStatus = validate_pdf_signature(
        signature, signer_validation_context=_validation_context(roots), key_usage_settings=_KEY_USAGE
    )
    sig_object = signature.sig_object
    certificate = _certificate_info(status.signing_cert)
    timestamp = status.timestamp_validity
    pades = str(sig_object.get("/SubFilter", "")) == "/ETSI.CAdES.detached"
    level = ("B-T" if timestamp is not None else "B-B") if pades else ""
    changes = _CHANGES.get(status.modification_level, Changes.UNKNOWN) if status.modification_level else Changes.UNKNOWN
    problem = status.trust_problem_indic
    if problem is None and not status.trusted:
        problem_name = "no_certificate_chain_found"
    else:
        problem_name = problem.name.lower() if isinstance(problem, enum.Enum) else ""
    return SignatureCheck(
        field_name=signature.field_name,
        signer_name=_text(sig_object.get("/Name")) or certificate.common_name,
        certificate=certificate,
        signed_at=status.signer_reported_dt,
        timestamp_at=timestamp.timestamp if timestamp is not None else None,
        timestamp_trusted=(timestamp.intact and timestamp.valid and timestamp.trusted) if timestamp else None,
        level=level,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        trust_problem=problem_name,
        covers_entire_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        changes_after=Changes.NONE if status.coverage == SignatureCoverageLevel.ENTIRE_FILE else changes,
        changes_allowed=bool(status.docmdp_ok),
        revision_sha256=_revision_sha256(pdf, signature),
        reason=_text(sig_object.get("/Reason")),
        location=_text(sig_object.get("/Location")),
    )


def pdf_verify(*, pdf: bytes) -> SignatureReport:
    """Check every signature of `pdf`.

    Raises FileTooLarge (over SIGNATURE_VERIFY_MAX_BYTES), FileEmpty, NotAPdf, PdfMalformed (damaged),
    PdfEncrypted (needs a password to open), NotSigned (no signature) and SignatureUnreadable.
    """
    reader = _reader(pdf)
    signatures = _embedded_signatures(reader)
    roots = [asn1_x509.Certificate.load(r.public_bytes(serialization.Encoding.DER)) for r in trust_roots()]
    checks: list[SignatureCheck] = []
    for signature in signatures:
        try:
            checks.append(_check(pdf, signature, roots))
        except DomainError:
            raise
        except Exception as exc:  # untrusted bytes, see _reader
            logger.info("signature %s cannot be validated: %s", signature.field_name, exc)
            raise SignatureUnreadable(
                _("The signature “%(field)s” is damaged and cannot be checked.") % {"field": signature.field_name},
                field="file",
            ) from exc
    return SignatureReport(sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), signatures=tuple(checks))


# -- in words ---------------------------------------------------------------------------------------------------


def _moment(value: datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def verdict_text(verdict: Verdict) -> str:
    return {
        Verdict.VALID: _("The signature is valid and the document has not been changed since it was signed."),
        Verdict.UNTRUSTED: _(
            "The document has not been changed since it was signed, but the signing certificate was not "
            "issued by an authority trusted here: it cannot be confirmed who signed it."
        ),
        Verdict.CHANGED: _("The document was changed after it was signed: do not rely on it."),
        Verdict.INVALID: _(
            "The signature does not match the document: the document was altered after signing, "
            "or the signature is damaged. Do not rely on it."
        ),
    }[verdict]


def trust_problem_text(problem: str) -> str:
    texts = {
        "no_certificate_chain_found": _("the certificate was not issued by an authority trusted here"),
        "expired": _("the certificate has expired"),
        # A B-B signature checked after its certificate expired: nothing proves it was made before.
        "out_of_bounds_no_poe": _(
            "the certificate has expired, and no timestamp proves that the signature was made before"
        ),
        "certificate_chain_general_failure": _(
            "the certificate names a trusted authority but was not issued by it (a forged chain)"
        ),
        "not_yet_valid": _("the certificate was not yet valid"),
        "revoked": _("the certificate has been revoked"),
        "revoked_no_poe": _("the certificate has been revoked"),
        "chain_constraints_failure": _("the certificate may not be used for signing"),
        "crypto_constraints_failure": _("the signature uses an algorithm that is no longer accepted"),
    }
    return texts.get(problem, _("the certificate could not be validated (%(code)s)") % {"code": problem or "?"})


def changes_text(changes: Changes) -> str:
    return {
        Changes.NONE: _("Nothing was added after this signature."),
        Changes.SIGNATURES: _("Only validation data for the signatures was added after it."),
        Changes.FORM_FILLING: _("Only further signatures or form entries were added after it."),
        Changes.ANNOTATIONS: _("Comments or drawings were added on the pages after it."),
        Changes.OTHER: _("The content was changed after it."),
        Changes.UNKNOWN: _("Content was added after it and could not be analysed."),
    }[changes]


def report_lines(report: SignatureReport) -> list[str]:
    """The report in plain sentences, the verdict first (in the active language)."""
    lines = [verdict_text(report.verdict)]
    lines.append(
        ngettext(
            "The document carries %(count)d signature.",
            "The document carries %(count)d signatures.",
            len(report.signatures),
        )
        % {"count": len(report.signatures)}
    )
    for number, check in enumerate(report.signatures, start=1):
        who = check.certificate.organisation or check.certificate.common_name
        lines.append(
            _("Signature %(number)d: signed by %(name)s with the certificate of %(holder)s.")
            % {"number": number, "name": check.signer_name, "holder": who}
        )
        if check.timestamp_at is not None:
            lines.append(
                _("Signed at %(time)s, confirmed by a timestamp authority.") % {"time": _moment(check.timestamp_at)}
            )
        elif check.signed_at is not None:
            lines.append(
                _("Signed at %(time)s, as the signer's system reported it.") % {"time": _moment(check.signed_at)}
            )
        if not check.intact:
            lines.append(_("The signed content does not match the signature: it was altered."))
        elif not check.valid:
            lines.append(_("The signature value is wrong: the signature is damaged or forged."))
        elif not check.trusted:
            lines.append(_("Not trusted: %(reason)s.") % {"reason": trust_problem_text(check.trust_problem)})
        elif check.timestamp_trusted is False:
            lines.append(_("The timestamp could not be confirmed."))
        if check.is_sound:
            lines.append(changes_text(check.changes_after))
        lines.append(
            _("Certificate serial number %(serial)s, issued by %(issuer)s.")
            % {"serial": check.certificate.serial_number, "issuer": check.certificate.issuer}
        )
    return lines
