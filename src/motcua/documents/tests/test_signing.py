"""Signing results with an agency's key: PAdES B-B (B-T with a timestamp authority), checked by us and by pdfsig."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pytest_django import Settings

from motcua.agencies.models import Agency
from motcua.core import clock
from motcua.documents.models import SigningKey
from motcua.documents.pki import (
    CertificateNotForSigning,
    InvalidKeyFile,
    NoSigningKey,
    SigningKeyUnavailable,
    dev_signing_certificate_issue,
    signing_key_for_agency,
    signing_key_import,
)
from motcua.documents.signing import (
    NotAPdf,
    PdfEncrypted,
    PdfMalformed,
    StampPlacement,
    TimestampUnavailable,
    pdf_sign,
)
from motcua.documents.tests.signing_support import (
    DevPki,
    encrypted_copy,
    pdfsig,
    pdftotext,
    result_pdf,
)
from motcua.documents.tsa_standin import tsa_running
from motcua.documents.verification import Changes, Verdict, pdf_verify

pytestmark = pytest.mark.django_db


def sign(key: SigningKey, pdf: bytes | None = None, **kwargs: object) -> bytes:
    arguments: dict[str, object] = {
        "signer_name": "Phạm Quốc Dũng",
        "signer_role": "Chủ tịch",
        "reason": "Ký kết quả",
        "location": "Phường Sài Gòn",
        **kwargs,
    }
    return pdf_sign(pdf=result_pdf() if pdf is None else pdf, key=key, **arguments)  # type: ignore[arg-type]


def test_it_signs_a_result_that_we_and_pdfsig_find_valid(
    signed_result: bytes, tmp_path: Path, trusting_nssdb: Path
) -> None:
    report = pdf_verify(pdf=signed_result)
    assert report.verdict == Verdict.VALID and not report.changed_after_signing
    (check,) = report.signatures
    assert (check.intact, check.valid, check.trusted, check.covers_entire_file) == (True, True, True, True)
    assert check.level == "B-B" and check.timestamp_at is None
    assert check.signer_name == "Phạm Quốc Dũng"
    assert check.certificate.common_name == "Ủy ban nhân dân phường Sài Gòn"
    assert check.reason == "Ký kết quả giải quyết thủ tục hành chính"
    assert check.signed_at is not None and abs(check.signed_at - clock.now()) < timedelta(minutes=1)

    out = pdfsig(signed_result, tmp_path, trusting_nssdb)
    assert "Signature is Valid." in out, out
    assert "Certificate is Trusted." in out, out
    assert "Total document signed" in out, out
    assert "ETSI.CAdES.detached" in out, out  # PAdES, not the legacy adbe.pkcs7.detached


def test_it_keeps_the_original_bytes_and_appends_the_signature(signed_result: bytes) -> None:
    original = result_pdf()
    assert signed_result.startswith(original) and len(signed_result) > len(original)


def test_the_stamp_names_signer_role_agency_and_time_on_the_last_page(signed_result: bytes, tmp_path: Path) -> None:
    text = pdftotext(signed_result, tmp_path)
    assert "Ký bởi: Phạm Quốc Dũng" in text
    assert "Chủ tịch, Ủy ban nhân dân phường Sài Gòn" in text
    # In Vietnam's time zone: a result signed at 06:30 in Hà Nội is dated that day, not the UTC day before.
    assert f"Ngày ký: {timezone.localtime(clock.now()):%d/%m/%Y} " in text
    reader = PdfFileReader(io.BytesIO(signed_result))
    page = reader.root["/Pages"]["/Kids"][-1].get_object()
    (widget,) = [a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    left, bottom, right, top = (float(v) for v in widget["/Rect"])
    width = float(page["/MediaBox"][2])
    assert right > width / 2 and bottom < 100, "bottom right of the page"
    assert (right - left, top - bottom) == (230, 58)


def test_a_given_box_and_page_are_used(signing_key: SigningKey) -> None:
    signed = sign(signing_key, placement=StampPlacement(page=0, box=(50, 700, 300, 760)))
    reader = PdfFileReader(io.BytesIO(signed))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    (widget,) = [a.get_object() for a in page["/Annots"]]
    assert [float(v) for v in widget["/Rect"]] == [50, 700, 300, 760]


def test_a_second_signature_keeps_the_first_valid(signed_result: bytes, signing_key: SigningKey) -> None:
    twice = sign(signing_key, signed_result, signer_name="Hoàng Thị Em", signer_role="Văn thư")
    report = pdf_verify(pdf=twice)
    assert report.verdict == Verdict.VALID
    first, second = report.signatures
    assert (first.field_name, second.field_name) == ("Signature1", "Signature2")
    assert not first.covers_entire_file and first.changes_after == Changes.FORM_FILLING and first.changes_allowed
    assert second.covers_entire_file and second.signer_name == "Hoàng Thị Em"
    assert report.known_sha256[1] == first.revision_sha256 != report.sha256


def test_with_a_timestamp_authority_the_signature_is_b_t(
    signing_key: SigningKey, dev_pki: DevPki, pki_settings: Settings, tmp_path: Path, trusting_nssdb: Path
) -> None:
    with tsa_running(tsa=dev_pki.tsa) as url:
        pki_settings.TSA_URL = url
        signed = sign(signing_key)
    report = pdf_verify(pdf=signed)
    assert report.verdict == Verdict.VALID
    (check,) = report.signatures
    assert check.level == "B-T" and check.timestamp_trusted is True
    assert check.timestamp_at is not None and abs(check.timestamp_at - clock.now()) < timedelta(minutes=1)
    out = pdfsig(signed, tmp_path, trusting_nssdb)
    assert "Signature is Valid." in out and "Certificate is Trusted." in out, out


def test_an_unreachable_timestamp_authority_stops_the_signing(signing_key: SigningKey, pki_settings: Settings) -> None:
    pki_settings.TSA_URL = "http://127.0.0.1:9/"  # discard port: nothing answers
    pki_settings.TSA_TIMEOUT_SECONDS = 2
    with pytest.raises(TimestampUnavailable):
        sign(signing_key)


@pytest.mark.parametrize(
    ("pdf", "error"),
    [
        (b"", NotAPdf),
        (b"hello, this is not a PDF", NotAPdf),
        (b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n%%EOF", PdfMalformed),
    ],
    ids=["empty", "text", "damaged"],
)
def test_it_refuses_what_is_not_a_readable_pdf(signing_key: SigningKey, pdf: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        sign(signing_key, pdf)


def test_it_refuses_an_encrypted_pdf(signing_key: SigningKey) -> None:
    with pytest.raises(PdfEncrypted):
        sign(signing_key, encrypted_copy(result_pdf(), user_password="mo-khoa"))


def test_it_refuses_a_missing_signer_and_a_missing_page(signing_key: SigningKey) -> None:
    with pytest.raises(Exception, match="name of the person") as caught:
        sign(signing_key, signer_name="  ")
    assert getattr(caught.value, "code", "") == "invalid_input"
    with pytest.raises(Exception, match="no page") as caught:
        sign(signing_key, placement=StampPlacement(page=5))
    assert getattr(caught.value, "field", "") == "placement"


def test_it_refuses_a_key_not_in_use_or_expired(signing_key: SigningKey) -> None:
    SigningKey.objects.filter(pk=signing_key.pk).update(is_active=False)
    signing_key.refresh_from_db()
    with pytest.raises(SigningKeyUnavailable):
        sign(signing_key)
    SigningKey.objects.filter(pk=signing_key.pk).update(is_active=True, valid_until=clock.now() - timedelta(days=1))
    signing_key.refresh_from_db()
    with pytest.raises(SigningKeyUnavailable):
        sign(signing_key)


def test_a_key_whose_passphrase_or_file_is_gone_is_unavailable(
    signing_key: SigningKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SigningKey.objects.filter(pk=signing_key.pk).update(passphrase_source="env:MOTCUA_TEST_NO_SUCH_VARIABLE")
    monkeypatch.delenv("MOTCUA_TEST_NO_SUCH_VARIABLE", raising=False)
    signing_key.refresh_from_db()
    # A key already opened in this process stays usable; a fresh file path must be opened again.
    copy = tmp_path / "copy.p12"
    copy.write_bytes(Path(signing_key.key_source).read_bytes())
    SigningKey.objects.filter(pk=signing_key.pk).update(key_source=str(copy))
    signing_key.refresh_from_db()
    with pytest.raises(SigningKeyUnavailable, match="MOTCUA_TEST_NO_SUCH_VARIABLE"):
        sign(signing_key)
    copy.unlink()
    with pytest.raises(SigningKeyUnavailable, match="cannot be found"):
        sign(signing_key)


def test_a_pkcs11_key_is_refused_clearly(signing_key: SigningKey) -> None:
    SigningKey.objects.filter(pk=signing_key.pk).update(backend=SigningKey.Backend.PKCS11, key_source="slot:0")
    signing_key.refresh_from_db()
    with pytest.raises(SigningKeyUnavailable, match="PKCS#11"):
        sign(signing_key)


# -- importing a real CA's key -----------------------------------------------------------------------------


def test_import_registers_the_certificate_once_and_refuses_bad_input(
    signing_agency: Agency, dev_pki: DevPki, pki_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = dev_signing_certificate_issue(root=dev_pki.root, agency_code="test-import", agency_name="Sở Tư pháp")
    passphrase = Path(files.passphrase_source.removeprefix("file:")).read_text().strip()
    monkeypatch.setenv("MOTCUA_TEST_P12_PASSPHRASE", passphrase)

    key, created = signing_key_import(
        agency=signing_agency, pkcs12_path=files.pkcs12_path, passphrase_source="env:MOTCUA_TEST_P12_PASSPHRASE"
    )
    assert created and key.subject.startswith("CN=Sở Tư pháp") and "motcua development root CA" in key.issuer
    assert key.passphrase_source == "env:MOTCUA_TEST_P12_PASSPHRASE" and key.chain_pem.count("BEGIN CERTIFICATE") == 1
    again, created = signing_key_import(
        agency=signing_agency, pkcs12_path=files.pkcs12_path, passphrase_source=files.passphrase_source
    )
    assert (again.pk, created, again.passphrase_source) == (key.pk, False, files.passphrase_source)
    assert SigningKey.objects.count() == 1

    other = Agency.objects.create(
        code="000.00.02.X79", name="Sở Tư pháp", name_folded="so tu phap", kind=signing_agency.kind, level="province"
    )
    with pytest.raises(Exception, match="another agency") as caught:
        signing_key_import(agency=other, pkcs12_path=files.pkcs12_path, passphrase_source=files.passphrase_source)
    assert getattr(caught.value, "code", "") == "conflict"

    monkeypatch.setenv("MOTCUA_TEST_P12_PASSPHRASE", "wrong")
    with pytest.raises(InvalidKeyFile):
        signing_key_import(
            agency=signing_agency, pkcs12_path=files.pkcs12_path, passphrase_source="env:MOTCUA_TEST_P12_PASSPHRASE"
        )
    with pytest.raises(InvalidKeyFile):
        signing_key_import(
            agency=signing_agency, pkcs12_path=dev_pki.root_pem, passphrase_source=files.passphrase_source
        )
    for source in ("plain-passphrase", "file:relative/path", "env:"):
        with pytest.raises(Exception, match="passphrase source") as caught:
            signing_key_import(agency=signing_agency, pkcs12_path=files.pkcs12_path, passphrase_source=source)
        assert getattr(caught.value, "field", "") == "passphrase_source"
    assert SigningKey.objects.count() == 1


def test_import_refuses_a_certificate_that_cannot_sign(
    signing_agency: Agency, dev_pki: DevPki, pki_settings: Settings, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    ca_file = tmp_path / "ca.p12"
    ca_file.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ca", dev_pki.root.private_key, dev_pki.root.certificate, None, serialization.NoEncryption()
        )
    )
    with pytest.raises(CertificateNotForSigning, match="certificate authority"):
        signing_key_import(agency=signing_agency, pkcs12_path=ca_file, passphrase_source="")
    assert not SigningKey.objects.exists()


def test_the_agency_signs_with_its_longest_lived_key_in_use(signing_key: SigningKey, signing_agency: Agency) -> None:
    assert signing_key_for_agency(agency=signing_agency) == signing_key
    SigningKey.objects.filter(pk=signing_key.pk).update(is_active=False)
    with pytest.raises(NoSigningKey):
        signing_key_for_agency(agency=signing_agency)
