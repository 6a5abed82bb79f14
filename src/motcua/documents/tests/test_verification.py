"""Verifying signed PDFs: tampering, later changes, untrusted or expired certificates, bad input.

Every verdict that matters is checked against pdfsig (poppler), a verifier that is not ours.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from pytest_django import Settings

from motcua.agencies.models import Agency
from motcua.core import clock
from motcua.documents.pki import signing_key_import
from motcua.documents.signing import NotAPdf, PdfEncrypted, PdfMalformed, pdf_sign
from motcua.documents.tests.signing_support import (
    DevPki,
    append_text_after_signing,
    encrypted_copy,
    flip_byte_in_first_stream,
    pdfsig,
    result_pdf,
    with_document_timestamp,
)
from motcua.documents.verification import (
    Changes,
    FileEmpty,
    FileTooLarge,
    NotSigned,
    SignatureUnreadable,
    Verdict,
    pdf_verify,
    report_lines,
)

pytestmark = pytest.mark.django_db


def test_one_changed_byte_fails_both_our_check_and_pdfsig(
    signed_result: bytes, tmp_path: Path, trusting_nssdb: Path
) -> None:
    tampered = flip_byte_in_first_stream(signed_result)
    assert len(tampered) == len(signed_result) and tampered != signed_result

    report = pdf_verify(pdf=tampered)
    assert report.verdict == Verdict.INVALID and report.changed_after_signing and not report.is_valid
    (check,) = report.signatures
    assert not check.intact

    out = pdfsig(tampered, tmp_path, trusting_nssdb)
    assert "Signature is Valid." not in out, out
    assert "Digest Mismatch" in out, out


def test_content_appended_after_signing_is_reported_as_a_change(
    signed_result: bytes, tmp_path: Path, trusting_nssdb: Path
) -> None:
    changed = append_text_after_signing(signed_result)
    assert changed.startswith(signed_result)

    report = pdf_verify(pdf=changed)
    assert report.verdict == Verdict.CHANGED and report.changed_after_signing
    (check,) = report.signatures
    assert check.intact and check.valid and check.trusted, "the signed revision itself is untouched"
    assert not check.covers_entire_file and check.changes_after == Changes.OTHER and not check.changes_allowed
    # The signed revision is the issued file: the API finds the dossier by its digest.
    assert check.revision_sha256 == report.known_sha256[1] != report.sha256

    out = pdfsig(changed, tmp_path, trusting_nssdb)
    assert "Signature is Valid." in out and "Not total document signed" in out, out


def test_a_document_timestamp_after_signing_is_not_a_change(signed_result: bytes, dev_pki: DevPki) -> None:
    stamped = with_document_timestamp(signed_result, dev_pki.tsa)
    report = pdf_verify(pdf=stamped)
    (check,) = report.signatures  # the document timestamp is not a signature of the result
    assert not check.covers_entire_file and check.changes_after == Changes.SIGNATURES
    assert report.verdict == Verdict.VALID and not report.changed_after_signing


def test_a_signature_by_an_impostor_authority_is_intact_but_never_valid(
    signing_agency: Agency, dev_pki: DevPki, pki_settings: Settings, tmp_path: Path, trusting_nssdb: Path
) -> None:
    # The stranger's root bears the same name as the trusted development root, but another key.
    stranger, _created = signing_key_import(
        agency=signing_agency,
        pkcs12_path=dev_pki.stranger_key.pkcs12_path,
        passphrase_source=dev_pki.stranger_key.passphrase_source,
    )
    signed = pdf_sign(pdf=result_pdf(), key=stranger, signer_name="Ai đó", signer_role="", reason="", location="")

    report = pdf_verify(pdf=signed)
    assert report.verdict == Verdict.UNTRUSTED and not report.is_valid and not report.changed_after_signing
    (check,) = report.signatures
    assert check.intact and check.valid and not check.trusted
    assert check.trust_problem == "certificate_chain_general_failure"

    out = pdfsig(signed, tmp_path, trusting_nssdb)
    assert "Signature is Valid." in out and "Certificate is Trusted." not in out, out


def test_the_development_ca_is_trusted_only_when_configured(
    signed_result: bytes, dev_pki: DevPki, pki_settings: Settings, tmp_path: Path, empty_nssdb: Path
) -> None:
    pki_settings.SIGNATURE_TRUST_DEV_CA = False
    report = pdf_verify(pdf=signed_result)
    assert report.verdict == Verdict.UNTRUSTED and report.signatures[0].trust_problem == "no_certificate_chain_found"
    out = pdfsig(signed_result, tmp_path, empty_nssdb)
    assert "Signature is Valid." in out and "Certificate is Trusted." not in out, out

    # A real CA's root is configured by file, as SIGNATURE_TRUST_ROOTS does.
    pki_settings.SIGNATURE_TRUST_ROOTS = [str(dev_pki.root_pem)]
    assert pdf_verify(pdf=signed_result).verdict == Verdict.VALID


def test_a_missing_trust_root_file_is_a_configuration_error(signed_result: bytes, pki_settings: Settings) -> None:
    pki_settings.SIGNATURE_TRUST_ROOTS = ["/nonexistent/root.pem"]
    with pytest.raises(ImproperlyConfigured, match="SIGNATURE_TRUST_ROOTS"):
        pdf_verify(pdf=signed_result)


def test_a_b_b_signature_is_untrusted_once_its_certificate_has_expired(signed_result: bytes) -> None:
    with time_machine.travel(clock.now() + timedelta(days=4 * 365)):
        report = pdf_verify(pdf=signed_result)
    (check,) = report.signatures
    assert report.verdict == Verdict.UNTRUSTED and check.intact and not check.trusted
    assert check.trust_problem == "out_of_bounds_no_poe"


@pytest.mark.parametrize(
    ("pdf", "error", "code"),
    [
        (b"", FileEmpty, "file_empty"),
        (b"PK\x03\x04 a zip archive", NotAPdf, "not_a_pdf"),
        (b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n%%EOF", PdfMalformed, "pdf_malformed"),
    ],
    ids=["empty", "zip", "damaged"],
)
def test_bad_files_get_a_clear_error(pdf: bytes, error: type[Exception], code: str, pki_settings: Settings) -> None:
    with pytest.raises(error) as caught:
        pdf_verify(pdf=pdf)
    assert getattr(caught.value, "code", "") == code


def test_an_unsigned_pdf_is_not_signed(pki_settings: Settings) -> None:
    with pytest.raises(NotSigned, match="no digital signature"):
        pdf_verify(pdf=result_pdf())


def test_a_pdf_that_needs_a_password_is_refused(pki_settings: Settings) -> None:
    with pytest.raises(PdfEncrypted):
        pdf_verify(pdf=encrypted_copy(result_pdf(), user_password="mo-khoa"))


def test_a_pdf_with_only_an_owner_password_is_read(pki_settings: Settings) -> None:
    # Opens without a password (printing restricted, say): readable, and here not signed.
    with pytest.raises(NotSigned):
        pdf_verify(pdf=encrypted_copy(result_pdf(), user_password=""))


def test_a_damaged_signature_is_reported(signed_result: bytes) -> None:
    contents = re.search(rb"/Contents <([0-9a-fA-F]+)>", signed_result)
    assert contents is not None
    start, end = contents.span(1)
    garbled = signed_result[:start] + b"0" * (end - start) + signed_result[end:]
    with pytest.raises(SignatureUnreadable):
        pdf_verify(pdf=garbled)


def test_a_file_over_the_limit_is_refused_before_reading(signed_result: bytes, pki_settings: Settings) -> None:
    pki_settings.SIGNATURE_VERIFY_MAX_BYTES = len(signed_result) - 1
    with pytest.raises(FileTooLarge) as caught:
        pdf_verify(pdf=signed_result)
    assert caught.value.status == 413


def test_the_report_in_words(signed_result: bytes, english: None) -> None:
    lines = report_lines(pdf_verify(pdf=signed_result))
    assert lines[0] == "The signature is valid and the document has not been changed since it was signed."
    assert lines[1] == "The document carries 1 signature."
    assert lines[2] == ("Signature 1: signed by Phạm Quốc Dũng with the certificate of Ủy ban nhân dân phường Sài Gòn.")
    assert lines[3].startswith("Signed at ") and lines[3].endswith(", as the signer's system reported it.")
    assert "Nothing was added after this signature." in lines
    assert lines[-1].startswith("Certificate serial number ")

    changed = report_lines(pdf_verify(pdf=append_text_after_signing(signed_result)))
    assert changed[0] == "The document was changed after it was signed: do not rely on it."
    assert "The content was changed after it." in changed
    tampered = report_lines(pdf_verify(pdf=flip_byte_in_first_stream(signed_result)))
    assert "The signed content does not match the signature: it was altered." in tampered
