"""The commands: create-dev-ca, import-signing-key, verify-signature (exit codes), tsa-standin."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from pytest_django import Settings

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel, Officer, OfficerRole
from motcua.documents.models import SigningKey
from motcua.documents.pki import DEV_ROOT_CERT, DEV_TSA_CERT, signing_key_for_agency
from motcua.documents.signing import pdf_sign
from motcua.documents.tests.signing_support import (
    DevPki,
    append_text_after_signing,
    flip_byte_in_first_stream,
    result_pdf,
)
from motcua.documents.verification import Verdict, pdf_verify

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_dev_ca_makes_a_root_and_a_working_key_per_agency_once(
    signing_agency: Agency, tmp_path: Path, pki_settings: Settings
) -> None:
    directory = tmp_path / "pki"
    pki_settings.SIGNING_PKI_DIR = directory
    out = run("create-dev-ca", "--agency", signing_agency.code, "--dir", str(directory))
    assert "Development root CA created" in out and "1 key(s) created, 0 kept" in out
    assert (directory / DEV_ROOT_CERT).exists() and (directory / DEV_TSA_CERT).exists()
    key = signing_key_for_agency(agency=signing_agency)
    p12 = Path(key.key_source)
    assert p12.is_relative_to(directory) and key.passphrase_source.startswith("file:")
    for secret in (p12, Path(key.passphrase_source.removeprefix("file:")), directory / "dev-root-ca.key.pem"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert key.subject == "CN=Ủy ban nhân dân phường Sài Gòn,O=Ủy ban nhân dân phường Sài Gòn,C=VN"

    again = run("create-dev-ca", "--agency", signing_agency.code, "--dir", str(directory))
    assert "Development root CA kept" in again and "0 key(s) created, 1 kept" in again
    assert SigningKey.objects.count() == 1

    # The key signs, and the new root (trusted through SIGNING_PKI_DIR) makes the signature valid.
    signed = pdf_sign(pdf=result_pdf(), key=key, signer_name="Lê Minh Châu", signer_role="", reason="", location="")
    assert pdf_verify(pdf=signed).verdict == Verdict.VALID


def test_create_dev_ca_defaults_to_the_agencies_with_officers(tmp_path: Path, pki_settings: Settings) -> None:
    with pytest.raises(CommandError, match="no agency has an active officer"):
        run("create-dev-ca", "--dir", str(tmp_path))
    with pytest.raises(CommandError, match=r"no agency with the code 999\.99\.99\.X99"):
        run("create-dev-ca", "--agency", "999.99.99.X99", "--dir", str(tmp_path))
    agency = Agency.objects.create(
        code="267.40.03.X79",
        name="Công an phường Sài Gòn",
        name_folded="cong an phuong sai gon",
        kind=AgencyKind.VERTICAL_AGENCY,
        level=AgencyLevel.COMMUNE,
    )
    user = get_user_model().objects.create_user(username="lanhdao", password=None)
    Officer.objects.create(user=user, agency=agency, full_name="Phạm Quốc Dũng", roles=[OfficerRole.AGENCY_LEADER])
    out = run("create-dev-ca", "--dir", str(tmp_path))
    assert "267.40.03.X79  Công an phường Sài Gòn" in out
    assert SigningKey.objects.get().agency == agency


def test_import_signing_key_registers_and_reports_errors(
    signing_agency: Agency, dev_pki: DevPki, pki_settings: Settings
) -> None:
    files = dev_pki.agency_key
    out = run(
        "import-signing-key",
        "--agency",
        signing_agency.code,
        "--pkcs12",
        str(files.pkcs12_path),
        "--passphrase-source",
        files.passphrase_source,
    )
    assert out.startswith("Registered: ") and "issuer  CN=motcua development root CA" in out
    with pytest.raises(CommandError, match="passphrase source"):
        run(
            "import-signing-key",
            "--agency",
            signing_agency.code,
            "--pkcs12",
            str(files.pkcs12_path),
            "--passphrase-source",
            "secret",
        )
    with pytest.raises(CommandError, match="cannot be read"):
        run(
            "import-signing-key",
            "--agency",
            signing_agency.code,
            "--pkcs12",
            "/nonexistent.p12",
            "--passphrase-source",
            files.passphrase_source,
        )
    assert SigningKey.objects.count() == 1


def test_verify_signature_exits_0_only_for_a_valid_unchanged_document(
    signed_result: bytes, tmp_path: Path, english: None
) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(signed_result)
    out = run("verify-signature", str(good))
    assert out.startswith("The signature is valid and the document has not been changed since it was signed.")
    assert "level B-B, intact=True, valid=True, trusted=True" in out

    for name, data in (
        ("tampered.pdf", flip_byte_in_first_stream(signed_result)),
        ("changed.pdf", append_text_after_signing(signed_result)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(SystemExit) as exited:
            run("verify-signature", str(path))
        assert exited.value.code == 1, name

    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(result_pdf())
    with pytest.raises(CommandError, match="no digital signature"):
        run("verify-signature", str(unsigned))
    with pytest.raises(CommandError, match="cannot be read"):
        run("verify-signature", str(tmp_path / "missing.pdf"))


def test_tsa_standin_needs_the_development_ca(tmp_path: Path, pki_settings: Settings) -> None:
    pki_settings.SIGNING_PKI_DIR = tmp_path / "empty"
    with pytest.raises(CommandError, match="create-dev-ca"):
        run("tsa-standin", "--port", "0")
