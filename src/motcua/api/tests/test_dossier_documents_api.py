"""/api/v1/dossiers/{code}/documents: adding files to components (multipart), listing them, and
downloading one only as an officer who sees the dossier. The rules themselves are tested in
motcua/documents/tests and motcua/dossiers/tests/test_documents.py; here, the wiring."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import Settings

from motcua.agencies.models import Officer
from motcua.api.auth import api_token_create
from motcua.api.tests.conftest import api_client
from motcua.api.tests.test_dossiers_api import _openapi, assert_matches, problem
from motcua.documents.models import StoredFile
from motcua.documents.tests import samples
from motcua.dossiers import documents, services
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.tests.conftest import MONDAY, PROCEDURE, World, build_world, received_b, with_specialist

pytestmark = pytest.mark.django_db

FORM = "Tờ khai đăng ký khai sinh"


@pytest.fixture(autouse=True)
def storage_root(settings: Settings, tmp_path: Path) -> Path:
    return samples.use_tmp_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _monday() -> Iterator[None]:
    with time_machine.travel(MONDAY):
        yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@functools.cache
def _client_for(officer_pk: int) -> Client:
    return api_client(api_token_create(officer=Officer.objects.get(pk=officer_pk)).key)


def client_of(officer: Officer) -> Client:
    return _client_for(officer.pk)


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    yield
    _client_for.cache_clear()


def walk_in(w: World) -> Dossier:
    return services.dossier_receive_at_counter(
        procedure_code=PROCEDURE,
        applicant=services.Applicant(name="Lê Thị Cúc", id_number="079186000123"),
        officer=w.receiver,
        competent_agency=w.ward,
    )


def documents_url(dossier: Dossier) -> str:
    return f"/api/v1/dossiers/{dossier.code}/documents"


def upload(
    client: Client,
    dossier: Dossier,
    content: bytes,
    name: str = "to-khai.pdf",
    *,
    component: str = FORM,
    origin: str = "digitised",
    content_type: str = "application/pdf",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> Any:
    data: dict[str, Any] = {"component": component, "origin": origin, **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(documents_url(dossier), data=data, headers={"Accept-Language": "en", **(headers or {})})


def assert_nothing_stored(root: Path) -> None:
    assert not DossierDocument.objects.exists() and not StoredFile.objects.exists()
    assert samples.files_in(root) == []


# -- adding, listing, downloading --------------------------------------------------------------------------------


def test_the_counter_uploads_lists_and_downloads_a_digitised_component(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    counter = client_of(world.receiver)
    data = samples.pdf_bytes("To khai")

    response = upload(counter, dossier, data, "Tờ khai đã ký.pdf", headers={"If-Match": f'"{dossier.revision}"'})

    assert response.status_code == 201, response.content
    body = response.json()
    assert_matches(body, "DossierDocument")
    stored = StoredFile.objects.get()
    assert body["uuid"] == str(stored.uuid)
    assert {k: body[k] for k in ("component", "version", "is_latest", "origin", "name", "content_type", "size")} == {
        "component": FORM,
        "version": 1,
        "is_latest": True,
        "origin": "digitised",
        "name": "Tờ khai đã ký.pdf",
        "content_type": "application/pdf",
        "size": len(data),
    }
    assert body["sha256"] == stored.sha256 and body["added_by"] == world.receiver.full_name
    file_url = f"http://testserver{documents_url(dossier)}/{stored.uuid}/file"
    assert body["file_url"] == response["Location"] == file_url
    dossier.refresh_from_db()
    assert response["ETag"] == f'"{dossier.revision}"'

    listed = counter.get(documents_url(dossier))
    assert listed.status_code == 200
    assert_matches(listed.json(), "DossierDocumentList")
    assert listed.json()["documents"] == [body]
    assert listed.json()["digitisation"] == {
        "components": 1,
        "uploaded_components": 0,
        "digitised_components": 1,
        "reused_components": 0,
        "results": 0,
        "electronic_results": 0,
    }

    download = counter.get(file_url, headers={"Accept": "text/html"})
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Length"] == str(len(data))
    assert download["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('Tờ khai đã ký.pdf')}"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"


def test_a_second_upload_adds_a_version_and_keeps_the_first(world: World) -> None:
    dossier = walk_in(world)
    counter = client_of(world.receiver)
    assert upload(counter, dossier, samples.jpeg_bytes(), "scan.jpg", content_type="image/jpeg").status_code == 201
    assert upload(counter, dossier, samples.pdf_bytes(), "scan.pdf").status_code == 201
    listed = counter.get(documents_url(dossier)).json()["documents"]
    assert [(d["version"], d["is_latest"], d["content_type"]) for d in listed] == [
        (1, False, "image/jpeg"),
        (2, True, "application/pdf"),
    ]
    first = counter.get(listed[0]["file_url"])
    assert b"".join(first.streaming_content) == samples.jpeg_bytes()  # type: ignore[attr-defined]


# -- refusals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        pytest.param(samples.elf_bytes, "giay-khai-sinh.pdf", "file_type_mismatch", id="ELF named .pdf"),
        pytest.param(samples.pe_bytes, "giay-khai-sinh.pdf", "file_type_mismatch", id="PE named .pdf"),
        pytest.param(samples.docx_bytes, "giay-khai-sinh.pdf", "file_type_mismatch", id="docx named .pdf"),
        pytest.param(lambda: samples.pdf_bytes()[:-30], "to-khai.pdf", "pdf_malformed", id="truncated PDF"),
        pytest.param(samples.encrypted_pdf_bytes, "to-khai.pdf", "pdf_encrypted", id="encrypted PDF"),
        pytest.param(lambda: b"", "to-khai.pdf", "file_empty", id="empty"),
        pytest.param(samples.gif_bytes, "anh.gif", "file_type_not_allowed", id="GIF"),
        pytest.param(lambda: samples.png_bytes()[:-20], "anh.png", "image_malformed", id="truncated PNG"),
    ],
)
def test_a_refused_file_answers_400_with_its_code_and_stores_nothing(
    world: World, storage_root: Path, content: Any, name: str, code: str
) -> None:
    dossier = walk_in(world)
    revision = dossier.revision
    response = upload(client_of(world.receiver), dossier, content(), name, content_type="application/octet-stream")
    body = problem(response, 400, code)
    assert f"“{name}”" in body["detail"]
    assert body["errors"] == [{"field": "file", "message": body["detail"]}]
    assert_nothing_stored(storage_root)
    dossier.refresh_from_db()
    assert dossier.revision == revision


def test_an_oversized_upload_is_dropped_as_it_arrives(world: World, storage_root: Path, settings: Settings) -> None:
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 2048
    dossier = walk_in(world)
    # Refused by the upload handler while the request is read: the service never sees the file.
    with mock.patch.object(documents, "dossier_document_add", side_effect=AssertionError("reached the service")):
        response = upload(client_of(world.receiver), dossier, samples.pdf_bytes(pages=12))
    body = problem(response, 400, "file_too_large")
    assert body["detail"].startswith("“to-khai.pdf” is larger than the limit of 2.0")
    assert_nothing_stored(storage_root)


def test_missing_fields_and_bad_origins_are_invalid_input(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    counter = client_of(world.receiver)
    missing = problem(
        counter.post(documents_url(dossier), data={"component": FORM, "origin": "uploaded"}), 400, "invalid_input"
    )
    assert {e["field"] for e in missing["errors"]} == {"file"}
    bad = problem(upload(counter, dossier, samples.pdf_bytes(), origin="scanned"), 400, "invalid_input")
    assert {e["field"] for e in bad["errors"]} == {"origin"}
    reused = problem(upload(counter, dossier, samples.pdf_bytes(), origin="reused"), 400, "source_reference_required")
    assert reused["errors"][0]["field"] == "source_reference"
    json_body = counter.post(documents_url(dossier), data="{}", content_type="application/json")
    problem(json_body, 415, "unsupported_media_type")
    assert_nothing_stored(storage_root)


def test_a_stale_revision_or_a_closed_dossier_answers_409(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    counter = client_of(world.receiver)
    stale = upload(counter, dossier, samples.pdf_bytes(), headers={"If-Match": f'"{dossier.revision - 1}"'})
    problem(stale, 409, "dossier_changed")
    services.dossier_hand_over(
        dossier=dossier,
        officer=world.receiver,
        step_name="Thẩm định",
        role="specialist",
        unit=world.specialist.unit,
        budget=Decimal(4),
        agency=world.ward,
        assignee=world.specialist,
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    services.dossier_mark_result_ready(dossier=dossier, officer=world.leader, results=[{"name": "Giấy khai sinh"}])
    closed = upload(client_of(world.leader), dossier, samples.pdf_bytes())
    problem(closed, 409, "documents_closed")
    assert_nothing_stored(storage_root)


# -- who may add and read -----------------------------------------------------------------------------------------


def test_only_officers_who_hold_the_dossier_add_files(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    # Another agency, or the same agency away from the dossier's desk: the dossier does not exist for them.
    problem(upload(client_of(world.specialist_b), dossier, samples.pdf_bytes()), 404, "not_found")
    problem(upload(client_of(world.surveyor), dossier, samples.pdf_bytes()), 404, "not_found")
    # The agency administrator sees it but handles no dossier.
    refused = problem(upload(client_of(world.administrator), dossier, samples.pdf_bytes()), 403, "role_not_allowed")
    assert "add files" in refused["detail"]
    problem(upload(api_client(), dossier, samples.pdf_bytes()), 401, "not_authenticated")
    portal = api_client(api_token_create(system_name="citizen-portal").key)
    problem(upload(portal, dossier, samples.pdf_bytes()), 403, "officer_required")
    assert_nothing_stored(storage_root)


def test_files_are_served_only_to_officers_who_see_the_dossier(world: World) -> None:
    ours = with_specialist(world)
    theirs = received_b(world)
    assert upload(client_of(world.specialist), ours, samples.pdf_bytes(), origin="uploaded").status_code == 201
    stored = StoredFile.objects.get()
    url = f"{documents_url(ours)}/{stored.uuid}/file"

    assert client_of(world.specialist).get(url).status_code == 200
    assert client_of(world.leader).get(url).status_code == 200
    # Agency B: the same answer as for a dossier that does not exist, whatever the file.
    hidden = problem(client_of(world.leader_b).get(url), 404, "not_found")
    unknown = problem(
        client_of(world.leader_b).get(f"/api/v1/dossiers/{ours.code}X/documents/{stored.uuid}/file"), 404, "not_found"
    )
    assert hidden["detail"].replace(str(ours.code), "") == unknown["detail"].replace(f"{ours.code}X", "")
    problem(client_of(world.leader_b).get(f"{documents_url(ours)}"), 404, "not_found")
    # A file of another dossier, asked through one the officer sees: not found either.
    foreign = upload(client_of(world.specialist_b), theirs, samples.pdf_bytes("B"), origin="uploaded")
    assert foreign.status_code == 201
    problem(client_of(world.specialist).get(f"{documents_url(ours)}/{foreign.json()['uuid']}/file"), 404, "not_found")
    problem(client_of(world.specialist).get(f"{documents_url(ours)}/not-a-uuid/file"), 404, "not_found")
    # No token: 401; a system: 403.
    problem(api_client().get(url), 401, "not_authenticated")
    problem(api_client(api_token_create(system_name="portal").key).get(url), 403, "officer_required")


def test_a_tampered_file_is_not_served(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    counter = client_of(world.receiver)
    assert upload(counter, dossier, samples.pdf_bytes()).status_code == 201
    stored = StoredFile.objects.get()
    path = storage_root / stored.storage_name
    tampered = bytearray(path.read_bytes())
    tampered[12] ^= 1
    path.write_bytes(bytes(tampered))
    response = counter.get(f"{documents_url(dossier)}/{stored.uuid}/file", headers={"Accept": "application/pdf"})
    problem(response, 500, "file_corrupted")


def test_the_schema_documents_the_document_endpoints() -> None:
    paths = _openapi()["paths"]
    documents = paths["/api/v1/dossiers/{code}/documents"]
    assert documents["post"]["operationId"] == "dossiers_documents_create"
    assert "multipart/form-data" in documents["post"]["requestBody"]["content"]
    assert {"201", "400", "401", "403", "404", "409"} <= set(documents["post"]["responses"])
    assert {"200", "401", "403", "404"} <= set(documents["get"]["responses"])
    download = paths["/api/v1/dossiers/{code}/documents/{file_uuid}/file"]["get"]
    assert "application/octet-stream" in download["responses"]["200"]["content"]
    assert {"401", "403", "404", "500"} <= set(download["responses"])
