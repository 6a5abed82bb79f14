"""/xac-minh/: the public check of an electronic result, by upload or by result code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import Settings

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
from motcua.portal.tests.html import find, parse, text_of

pytestmark = pytest.mark.django_db

URL = "/xac-minh/"


@pytest.fixture(scope="module")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return dev_pki_build(tmp_path_factory.mktemp("verify-page"))


@pytest.fixture(autouse=True)
def setup(settings: Settings, dev_pki: DevPki, tmp_path: Path) -> Iterator[None]:
    settings.SIGNING_PKI_DIR = dev_pki.directory
    settings.SIGNATURE_TRUST_DEV_CA = True
    settings.SIGNATURE_TRUST_ROOTS = []
    settings.TSA_URL = ""
    samples.use_tmp_storage(settings, tmp_path)
    yield


@pytest.fixture
def en() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def issued(db: None, dev_pki: DevPki) -> tuple[ResultDocument, bytes]:
    world: World = build_world()
    key: SigningKey = signing_key_import(
        agency=world.ward,
        pkcs12_path=dev_pki.agency_key.pkcs12_path,
        passphrase_source=dev_pki.agency_key.passphrase_source,
    )[0]
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        (result,) = services.dossier_mark_result_ready(
            dossier=dossier, officer=world.leader, results=[{"name": "Giấy khai sinh"}]
        )
    signed = pdf_sign(pdf=result_pdf(), key=key, signer_name="Leader", signer_role="", reason="", location="")
    stored = stored_file_create_generated(content=signed, name=f"{result.code}.pdf")
    ResultDocument.objects.filter(pk=result.pk).update(file=stored, signed_at=clock.now(), signed_by=world.leader)
    result.refresh_from_db()
    return result, signed


def post_file(client: Client, data: bytes) -> Any:
    return client.post(URL, {"file": SimpleUploadedFile("ket-qua.pdf", data, "application/pdf"), "result_code": ""})


def test_the_page_is_vietnamese_first_and_accessible(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    elements = parse(response.content)
    assert find(elements, "html")[0].attrs["lang"] == "vi"
    assert len(find(elements, "h1")) == 1
    (form,) = [f for f in find(elements, "form") if f.attrs.get("enctype") == "multipart/form-data"]
    assert form.attrs["method"] == "post" and form.attrs["action"] == URL
    for control_id in ("id_file", "id_result_code"):
        assert find(elements, "label", **{"for": control_id}), control_id
    assert find(elements, "input", id="id_file")[0].attrs["accept"] == ".pdf,application/pdf"


def test_an_issued_result_is_valid_with_its_dossier(en: Client, issued: tuple[ResultDocument, bytes]) -> None:
    result, signed = issued
    response = post_file(en, signed)
    assert response.status_code == 200
    text = text_of(response.content)
    assert "Valid signature" in text
    assert "The signature is valid and the document has not been changed since it was signed." in text
    assert f"Giấy khai sinh ({result.code})" in text and f"Dossier code{result.dossier.code}" in text
    assert "This file is exactly the one the agency issued." in text
    assert "Nguyễn Văn An" not in text  # the applicant is not shown to whoever holds the file


def test_changed_and_tampered_results_are_flagged(en: Client, issued: tuple[ResultDocument, bytes]) -> None:
    signed = issued[1]
    changed = text_of(post_file(en, append_text_after_signing(signed)).content)
    assert "Changed after signing" in changed and "with something added after it was signed" in changed
    tampered = text_of(post_file(en, flip_byte_in_first_stream(signed)).content)
    assert "Invalid signature" in tampered and "not among the results issued through this portal" in tampered


def test_by_result_code(en: Client, issued: tuple[ResultDocument, bytes]) -> None:
    result = issued[0]
    response = en.post(URL, {"result_code": result.code})
    assert response.status_code == 200
    assert "Valid signature" in text_of(response.content)
    response = en.post(URL, {"result_code": "X-KQ9"})
    assert response.status_code == 404
    assert "No result has the code X-KQ9." in text_of(response.content)
    ResultDocument.objects.filter(pk=result.pk).update(file=None)
    response = en.post(URL, {"result_code": result.code})
    assert response.status_code == 422 and "issued on paper only" in text_of(response.content)


def test_bad_input_is_explained_next_to_the_form(en: Client, settings: Settings) -> None:
    response = en.post(URL, {"result_code": ""})
    assert response.status_code == 400
    text = text_of(response.content)
    assert "The document could not be checked" in text and "one of the two" in text
    response = post_file(en, b"just text")
    assert response.status_code == 400 and "This file is not a PDF document." in text_of(response.content)
    response = post_file(en, result_pdf())
    assert response.status_code == 422 and "carries no digital signature" in text_of(response.content)
    settings.SIGNATURE_VERIFY_MAX_BYTES = 2048
    response = post_file(en, b"%PDF-1.7\n" + b"0" * 5000)
    assert response.status_code == 413 and "larger than 2 KB" in text_of(response.content)


def test_the_form_is_protected_against_cross_site_posts(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"result_code": "X"}).status_code == 403
