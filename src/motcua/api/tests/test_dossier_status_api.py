"""GET /api/v1/dossiers/{code}/status: the light status look-up, and the submission's query budget."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from motcua.agencies.models import Officer
from motcua.api.auth import api_token_create
from motcua.dossiers.models import Dossier, Submission
from motcua.dossiers.tests.conftest import World, build_world, received
from motcua.dossiers.tests.conftest import submit as submit_dossier


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def client_of(officer: Officer) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_create(officer=officer).key}"})


def test_the_status_of_a_dossier_in_one_query_after_authentication(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    dossier = received(world)
    client = client_of(world.leader)
    client.get(f"/api/v1/dossiers/{dossier.code}/status")  # the token's last use is written once a minute
    with django_assert_max_num_queries(2):  # the token (with its officer), the dossier
        response = client.get(f"/api/v1/dossiers/{dossier.code}/status")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == dossier.code
    assert (body["state"], body["status_code"], body["revision"]) == ("received", 2, dossier.revision)
    assert body["due_at"] is not None and body["appointment_at"] is not None
    assert response["ETag"] == f'"{dossier.revision}"'
    assert set(body) == {
        "uuid",
        "code",
        "url",
        "state",
        "state_label",
        "status_code",
        "revision",
        "due_at",
        "appointment_at",
        "is_late",
    }


def test_the_status_of_another_agencys_dossier_is_404(world: World) -> None:
    dossier = received(world)
    response = client_of(world.leader_b).get(f"/api/v1/dossiers/{dossier.code}/status")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert dossier.applicant_name not in response.content.decode()


def test_a_submission_reads_what_it_needs_once(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    """The hot path of the portal: token, key check, version, two agencies, their lineage (cached
    after the first submission), the dossier, its history entry, its event, the key record."""
    client = client_of(world.receiver)
    body = {
        "procedure_code": "1.001193",
        "channel": "online",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "079086012345"},
        "receiving_agency": world.centre.code,
        "competent_agency": world.ward.code,
    }

    def submit(key: str) -> int:
        return client.post(
            "/api/v1/dossiers", data=json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        ).status_code

    assert submit("warm-up") == 201
    # Version in force and agencies now come from the process caches (core.memo) after the first.
    with django_assert_max_num_queries(13):
        assert submit("second") == 201
    assert Dossier.objects.count() == 2


def test_an_asynchronous_submission_is_one_insert_after_authentication(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_of(world.receiver)
    body = {
        "procedure_code": "1.001193",
        "channel": "online",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "079086012345"},
        "receiving_agency": world.centre.code,
        "competent_agency": world.ward.code,
    }

    def submit(key: str) -> int:
        return client.post(
            "/api/v1/dossiers",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": key, "Prefer": "respond-async"},
        ).status_code

    assert submit("warm-up") == 202
    # The token; then in one transaction the submission and the idempotency key.
    with django_assert_max_num_queries(5):
        assert submit("second") == 202
    assert Submission.objects.count() == 2 and not Dossier.objects.exists()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_status_body_is_the_state_serializers_in_every_state(world: World, language: str) -> None:
    from rest_framework.test import APIRequestFactory

    from motcua.api.v1.dossier_serializers import DossierStateSerializer, dossier_state_body

    submitted = submit_dossier(world.centre, world.ward)
    late = received(world, id_number="079086012399")
    Dossier.objects.filter(pk=late.pk).update(is_late=True)
    request = APIRequestFactory().get("/api/v1/dossiers/x/status")
    with translation.override(language):
        for dossier in (Dossier.objects.get(pk=submitted.pk), Dossier.objects.get(pk=late.pk)):
            expected = DossierStateSerializer(dossier, context={"request": request}).data
            assert json.dumps(dossier_state_body(dossier, request)) == json.dumps(expected)
