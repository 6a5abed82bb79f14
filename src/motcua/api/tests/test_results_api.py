"""/api/v1/dossiers/{code}/results/{result_code}/issue and /file: the wiring of the result service
(its rules are tested in motcua/dossiers/tests/test_results.py): the policy's 403 and 404, the
service's 409s as problem+json, the body against the OpenAPI schema, the file only for officers who
see the dossier or sign its results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from motcua.agencies.models import Officer
from motcua.api.auth import api_token_create
from motcua.api.tests.conftest import api_client
from motcua.api.tests.test_dossiers_api import _openapi, assert_matches, problem
from motcua.documents.models import StoredFile
from motcua.documents.tests.signing_support import DevPki, dev_pki_build
from motcua.documents.verification import Verdict, pdf_verify
from motcua.dossiers.models import Dossier, ResultDocument
from motcua.dossiers.tests.conftest import World, build_world
from motcua.dossiers.tests.results_support import result_ready, use_pki, ward_key

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return dev_pki_build(tmp_path_factory.mktemp("api-results-pki"))


@pytest.fixture(autouse=True)
def storage(settings: Settings, pki: DevPki, tmp_path: Path) -> Path:
    return use_pki(settings, pki, tmp_path)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def result(world: World) -> ResultDocument:
    return result_ready(world)


def client_of(officer: Officer) -> Client:
    return api_client(api_token_create(officer=officer).key)


def issue_url(result: ResultDocument, code: str = "") -> str:
    return f"/api/v1/dossiers/{result.dossier.code}/results/{code or result.code}/issue"


def file_url(result: ResultDocument, code: str = "") -> str:
    return f"/api/v1/dossiers/{result.dossier.code}/results/{code or result.code}/file"


def post(client: Client, url: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def test_the_schema_documents_both_endpoints() -> None:
    paths = _openapi()["paths"]
    issue = paths["/api/v1/dossiers/{code}/results/{result_code}/issue"]["post"]
    assert issue["operationId"] == "dossiers_results_issue"
    assert {"200", "400", "401", "403", "404", "409", "503"} <= set(issue["responses"])
    download = paths["/api/v1/dossiers/{code}/results/{result_code}/file"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]


def test_a_leader_issues_a_result_then_downloads_the_signed_pdf(
    world: World, pki: DevPki, result: ResultDocument
) -> None:
    ward_key(world.ward, pki)
    leader = client_of(world.leader)
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    response = post(leader, issue_url(result), {"validity": "Không thời hạn"}, **{"If-Match": f'"{revision}"'})
    assert response.status_code == 200, response.content
    body = response.json()
    assert_matches(body, "IssuedResult")
    result.refresh_from_db()
    assert result.file is not None
    assert (body["code"], body["signed_by"], body["sha256"]) == (result.code, "Leader", result.file.sha256)
    assert response["ETag"] == f'"{revision + 1}"'

    download = leader.get(body["file_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{result.code}.pdf"'
    assert pdf_verify(pdf=download.content).verdict == Verdict.VALID


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("unit_leader", 403, "role_not_allowed"),
        ("receiver", 403, "not_competent_agency"),
        ("specialist", 404, "not_found"),
        ("leader_b", 404, "not_found"),
    ],
)
def test_who_may_not_sign_is_refused(
    world: World, pki: DevPki, result: ResultDocument, who: str, status: int, code: str
) -> None:
    ward_key(world.ward, pki)
    problem(post(client_of(getattr(world, who)), issue_url(result)), status, code)
    assert not StoredFile.objects.exists()


def test_the_service_refusals_are_problems(world: World, pki: DevPki, result: ResultDocument) -> None:
    leader = client_of(world.leader)
    body = problem(post(leader, issue_url(result)), 409, "no_signing_key")
    assert "create-dev-ca" in body["detail"]
    assert not StoredFile.objects.exists()
    ward_key(world.ward, pki)
    problem(post(leader, issue_url(result), {"expected_revision": 0}), 409, "dossier_changed")
    problem(post(leader, issue_url(result), {"validity": "x" * 201}), 400, "invalid_input")
    problem(post(leader, issue_url(result, f"{result.dossier.code}-KQ7")), 404, "not_found")
    assert post(leader, issue_url(result)).status_code == 200
    problem(post(leader, issue_url(result)), 409, "result_already_issued")


def test_the_file_is_for_those_who_see_the_dossier_or_sign_its_results(
    world: World, pki: DevPki, result: ResultDocument
) -> None:
    problem(client_of(world.leader).get(file_url(result)), 404, "result_not_issued")
    ward_key(world.ward, pki)
    assert post(client_of(world.clerk), issue_url(result)).status_code == 200  # the clerk of the ward
    for insider in (world.leader, world.clerk, world.receiver):
        assert client_of(insider).get(file_url(result)).status_code == 200, insider
    for outsider in (world.specialist_b, world.leader_b, world.surveyor):
        problem(client_of(outsider).get(file_url(result)), 404, "not_found")
    assert api_client().get(file_url(result)).status_code == 401
