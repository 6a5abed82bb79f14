"""POST /api/v1/verify: upload or result code in, report and dossier out; errors as problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from pytest_django import Settings
from rest_framework.test import APIClient

from motcua.api.tests.test_dossiers_api import assert_matches
from motcua.core import clock
from motcua.documents.models import SigningKey
from motcua.documents.pki import signing_key_import
from motcua.documents.services import stored_file_create_generated
from motcua.documents.signing import pdf_sign
from motcua.documents.tests import samples
from motcua.documents.tests.signing_support import (
    DevPki,
    append_text_after_signing,
    dev_pki_build,
    flip_byte_in_first_stream,
    result_pdf,
)
from motcua.dossiers import services
from motcua.dossiers.models import ResultDocument
from motcua.dossiers.tests.conftest import MONDAY, World, build_world, with_specialist

pytestmark = pytest.mark.django_db

URL = "/api/v1/verify"


@pytest.fixture(scope="module")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return dev_pki_build(tmp_path_factory.mktemp("verify-api"))


@pytest.fixture(autouse=True)
def setup(settings: Settings, dev_pki: DevPki, tmp_path: Path) -> Iterator[None]:
    settings.SIGNING_PKI_DIR = dev_pki.directory
    settings.SIGNATURE_TRUST_DEV_CA = True
    settings.SIGNATURE_TRUST_ROOTS = []
    settings.TSA_URL = ""
    samples.use_tmp_storage(settings, tmp_path)
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def ward_key(world: World, dev_pki: DevPki) -> SigningKey:
    key, _created = signing_key_import(
        agency=world.ward,
        pkcs12_path=dev_pki.agency_key.pkcs12_path,
        passphrase_source=dev_pki.agency_key.passphrase_source,
    )
    return key


def sign(key: SigningKey, pdf: bytes | None = None) -> bytes:
    return pdf_sign(
        pdf=pdf or result_pdf(),
        key=key,
        signer_name="Leader",
        signer_role="Chủ tịch",
        reason="Ký kết quả",
        location="Phường Sài Gòn",
    )


@pytest.fixture
def issued(world: World, ward_key: SigningKey) -> tuple[ResultDocument, bytes]:
    """A birth certificate issued electronically: result KQ1 of a dossier, its signed PDF stored."""
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        (result,) = services.dossier_mark_result_ready(
            dossier=dossier, officer=world.leader, results=[{"name": "Giấy khai sinh"}]
        )
    signed = sign(ward_key)
    stored = stored_file_create_generated(content=signed, name=f"{result.code}.pdf")
    ResultDocument.objects.filter(pk=result.pk).update(file=stored, signed_at=clock.now(), signed_by=world.leader)
    result.refresh_from_db()
    return result, signed


def english_client() -> APIClient:
    """A client asking for English: the tests read the English source messages."""
    return APIClient(headers={"Accept-Language": "en"})


def upload(client: APIClient, data: bytes, name: str = "ket-qua.pdf") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "application/pdf")}, format="multipart")


def test_an_issued_result_is_valid_and_names_its_dossier(issued: tuple[ResultDocument, bytes]) -> None:
    result, signed = issued
    response = upload(english_client(), signed)
    assert response.status_code == 200, response.content
    body = response.json()
    assert_matches(body, "Verification")
    assert body["verdict"] == "valid" and body["valid"] is True and body["changed_after_signing"] is False
    assert body["summary"][0] == "The signature is valid and the document has not been changed since it was signed."
    (signature,) = body["signatures"]
    assert signature["signer_name"] == "Leader" and signature["level"] == "B-B" and signature["field"] == "Signature1"
    assert signature["certificate"]["common_name"] == "Ủy ban nhân dân phường Sài Gòn"
    assert signature["intact"] and signature["trusted"] and signature["covers_entire_file"]
    issued_at = body["result"].pop("issued_at")
    assert body["result"] == {
        "code": result.code,
        "name": "Giấy khai sinh",
        "dossier_code": result.dossier.code,
        "procedure_name": "Đăng ký khai sinh",
        "agency_name": "Ủy ban nhân dân phường Sài Gòn",
        "match": "issued_file",
    }
    assert datetime.fromisoformat(issued_at) == result.issued_at
    assert "applicant" not in str(body).lower() and "Nguyễn Văn An" not in str(body)


def test_a_result_changed_after_signing_still_names_its_dossier(issued: tuple[ResultDocument, bytes]) -> None:
    result, signed = issued
    body = upload(english_client(), append_text_after_signing(signed)).json()
    assert_matches(body, "Verification")
    assert body["verdict"] == "changed" and body["changed_after_signing"] is True and body["valid"] is False
    assert body["result"]["code"] == result.code and body["result"]["match"] == "signed_revision"


def test_a_tampered_result_is_invalid(issued: tuple[ResultDocument, bytes]) -> None:
    body = upload(english_client(), flip_byte_in_first_stream(issued[1])).json()
    assert body["verdict"] == "invalid" and body["signatures"][0]["intact"] is False
    assert body["result"] is None  # neither the file nor its signed revision is one we issued


def test_a_signed_pdf_not_issued_here_has_no_result(ward_key: SigningKey) -> None:
    body = upload(english_client(), sign(ward_key)).json()
    assert_matches(body, "Verification")
    assert body["verdict"] == "valid" and body["result"] is None


def test_by_result_code_the_stored_file_is_checked(issued: tuple[ResultDocument, bytes]) -> None:
    result, signed = issued
    response = english_client().post(URL, {"result_code": f" {result.code} "}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verdict"] == "valid" and body["result"]["match"] == "result_code"
    assert body["result"]["dossier_code"] == result.dossier.code and body["size"] == len(signed)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status, body
    assert_matches(body, "Problem")
    return body


def test_unknown_and_paper_only_result_codes(issued: tuple[ResultDocument, bytes]) -> None:
    client = english_client()
    body = problem(client.post(URL, {"result_code": "X-KQ9"}, format="json"), 404, "result_not_found")
    assert body["detail"] == "No result has the code X-KQ9."
    result = issued[0]
    ResultDocument.objects.filter(pk=result.pk).update(file=None)
    body = problem(client.post(URL, {"result_code": result.code}, format="json"), 422, "result_not_electronic")
    assert "paper only" in body["detail"]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"hello", 400, "not_a_pdf"),
        (b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n%%EOF", 400, "pdf_malformed"),
        (None, 422, "pdf_not_signed"),
    ],
    ids=["text", "damaged", "unsigned"],
)
def test_bad_uploads_are_problems(db: None, data: bytes | None, status: int, code: str) -> None:
    problem(upload(english_client(), result_pdf() if data is None else data), status, code)


def test_input_must_be_a_file_or_a_code(db: None) -> None:
    client = english_client()
    problem(client.post(URL, {}, format="json"), 400, "invalid_input")
    both = client.post(
        URL, {"file": SimpleUploadedFile("a.pdf", b"%PDF-", "application/pdf"), "result_code": "X"}, format="multipart"
    )
    assert "not both or neither" in problem(both, 400, "invalid_input")["detail"]
    empty = problem(upload(client, b""), 400, "invalid_input")
    assert "empty" in empty["detail"]


def test_a_file_over_the_limit_is_dropped_as_it_arrives(db: None, settings: Settings) -> None:
    settings.SIGNATURE_VERIFY_MAX_BYTES = 4096
    body = problem(upload(english_client(), b"%PDF-1.7\n" + b"0" * 10_000), 413, "file_too_large")
    assert body["detail"] == "The file is larger than 4 KB, the most that can be checked."


def test_the_endpoint_is_public_and_post_only(db: None) -> None:
    assert english_client().get(URL).status_code == 405
