"""The results block of the dossier page: the form to sign and issue a result (leaders and clerks of
the competent agency), the signed PDF (only for those who see the dossier or sign its results), and
the sealed slips. The rules are tested in dossiers/tests/test_results.py; here, the wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from motcua.agencies.models import Officer
from motcua.documents.models import StoredFile
from motcua.documents.tests.signing_support import DevPki, dev_pki_build
from motcua.documents.verification import Verdict, pdf_verify
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, ResultDocument
from motcua.dossiers.tests.conftest import World, with_specialist
from motcua.dossiers.tests.results_support import result_ready, use_pki, ward_key

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return dev_pki_build(tmp_path_factory.mktemp("backoffice-results-pki"))


@pytest.fixture(autouse=True)
def storage(settings: Settings, pki: DevPki, tmp_path: Path) -> Path:
    return use_pki(settings, pki, tmp_path)


@pytest.fixture
def result(world: World) -> ResultDocument:
    return result_ready(world)


def client_of(officer: Officer) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(officer.user)
    return client


def page(result: ResultDocument) -> str:
    return f"/can-bo/ho-so/{result.dossier.code}/"


def issue_url(result: ResultDocument) -> str:
    return f"/can-bo/ho-so/{result.dossier.code}/ket-qua/{result.code}/ban-hanh/"


def file_url(result: ResultDocument) -> str:
    return f"/can-bo/ho-so/{result.dossier.code}/ket-qua/{result.code}/tep/"


def post_issue(client: Client, result: ResultDocument, **data: object) -> Any:
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    return client.post(
        issue_url(result), {"details": "", "validity": "Không thời hạn", "expected_revision": revision, **data}
    )


def test_a_leader_signs_from_the_dossier_page_then_opens_the_signed_pdf(
    world: World, pki: DevPki, result: ResultDocument
) -> None:
    ward_key(world.ward, pki)
    leader = client_of(world.leader)
    shown = leader.get(page(result))
    assert shown.status_code == 200
    assert issue_url(result).encode() in shown.content
    assert b"Sign with the agency's key and issue" in shown.content

    response = post_issue(leader, result)
    assert response.status_code == 302 and response["Location"] == page(result)
    result.refresh_from_db()
    assert result.file is not None and result.signed_by == world.leader

    after = leader.get(page(result))
    assert f"The result {result.code} was signed and issued".encode() in after.content
    assert file_url(result).encode() in after.content and issue_url(result).encode() not in after.content
    assert b"Sign and issue a result" in after.content  # the history names the act

    download = leader.get(file_url(result))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert pdf_verify(pdf=download.content).verdict == Verdict.VALID


def test_an_officer_who_does_not_sign_sees_no_form_and_is_refused(
    world: World, pki: DevPki, result: ResultDocument
) -> None:
    ward_key(world.ward, pki)
    unit_leader = client_of(world.unit_leader)
    shown = unit_leader.get(page(result))
    assert shown.status_code == 200 and issue_url(result).encode() not in shown.content
    response = post_issue(unit_leader, result)
    assert response.status_code == 403
    assert b"agency leader" in response.content.lower()
    assert not StoredFile.objects.exists()


def test_a_clerk_of_the_competent_agency_sees_and_issues_a_result_awaiting_issue(
    world: World, pki: DevPki, result: ResultDocument
) -> None:
    ward_key(world.ward, pki)
    clerk = client_of(world.clerk)
    assert clerk.get(page(result)).status_code == 200  # results awaiting issue wait at the clerk's desk
    response = post_issue(clerk, result)
    assert response.status_code == 302 and response["Location"] == page(result)
    result.refresh_from_db()
    assert result.signed_by == world.clerk
    assert clerk.get(file_url(result)).status_code == 200


def test_a_refusal_comes_back_to_the_page_as_a_message_and_nothing_is_stored(
    world: World, result: ResultDocument
) -> None:
    leader = client_of(world.leader)
    response = post_issue(leader, result)  # the ward has no signing key
    assert response.status_code == 302
    shown = leader.get(page(result))
    assert f"The result {result.code} was not issued".encode() in shown.content
    assert b"motcua create-dev-ca" in shown.content
    assert not StoredFile.objects.exists()
    invalid = post_issue(leader, result, validity="x" * 201)
    assert invalid.status_code == 302
    assert b"Validity period or scope" in leader.get(page(result)).content


def test_the_signed_pdf_is_only_for_those_who_see_the_dossier_or_sign_it(
    world: World, pki: DevPki, result: ResultDocument
) -> None:
    assert client_of(world.leader).get(file_url(result)).status_code == 404  # not issued yet
    ward_key(world.ward, pki)
    post_issue(client_of(world.leader), result)
    assert client_of(world.receiver).get(file_url(result)).status_code == 200  # the counter hands it over
    for outsider in (world.specialist, world.surveyor, world.leader_b, world.specialist_b):
        assert client_of(outsider).get(file_url(result)).status_code == 404, outsider
        assert post_issue(client_of(outsider), result).status_code == 404
    anonymous = Client().get(file_url(result))
    assert anonymous.status_code == 302 and "dang-nhap" in anonymous["Location"]
    other = f"/can-bo/ho-so/{result.dossier.code}/ket-qua/{result.dossier.code}-KQ9/tep/"
    assert client_of(world.leader).get(other).status_code == 404


def test_the_stop_notice_is_linked_from_the_page_and_comes_sealed(world: World, pki: DevPki) -> None:
    ward_key(world.ward, pki)
    dossier = with_specialist(world)
    services.dossier_stop(dossier=dossier, officer=world.leader, reason="Người yêu cầu đề nghị dừng")
    leader = client_of(world.leader)
    url = f"/can-bo/ho-so/{dossier.code}/phieu/stop/"
    assert url.encode() in leader.get(f"/can-bo/ho-so/{dossier.code}/").content
    slip = leader.get(url)
    assert slip.status_code == 200
    report = pdf_verify(pdf=slip.content)
    assert report.verdict == Verdict.VALID
    assert report.signatures[0].signer_name == "Ủy ban nhân dân phường Sài Gòn"
