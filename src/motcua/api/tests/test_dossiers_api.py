"""/api/v1/dossiers: authentication, scoping to the officer, roles, idempotent submission, actions,
conflicts, problem+json shapes and the OpenAPI schema.

Policies and selectors are tested in motcua/dossiers/tests; here, the wiring of every endpoint.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import translation
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from motcua.agencies.models import Officer, OfficerRole
from motcua.api.auth import api_token_create, api_token_revoke
from motcua.api.models import ApiToken, IdempotencyKey
from motcua.api.tests.conftest import api_client
from motcua.api.v1.dossier_serializers import API_ACTIONS
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, HistoryEntry
from motcua.dossiers.tests.conftest import (
    MONDAY,
    SPECIALISTS_UNIT,
    World,
    build_world,
    make_officer,
    received,
    received_b,
    submit,
    with_specialist,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/dossiers"


def detail(code: str) -> str:
    return f"{LIST}/{code}"


def action(code: str, name: str) -> str:
    return f"{LIST}/{code}/actions/{name}"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


Api = Callable[[Officer], Client]  # the `api` fixture (conftest.py)


def post(client: Client, url: str, body: dict[str, Any] | None = None, /, **headers: str) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", headers=headers)


def submission(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": "1.001193",
        "channel": "online",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "079086012345", "phone": "0903123456"},
        "receiving_agency": world.centre.code,
        "competent_agency": world.ward.code,
        "form_data": {"child": {"name": "Nguyễn Văn Bé", "born_on": "2026-02-20"}},
    }
    body.update(overrides)
    return body


# -- problem+json and the schema -----------------------------------------------------------------------


@functools.cache
def _openapi() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    loaded: dict[str, Any] = json.loads(json.dumps(schema, default=str))
    return loaded


def assert_matches(body: Any, component: str) -> None:
    """The body is valid against the OpenAPI component of that name (JSON Schema 2020-12, OAS 3.1)."""
    resource = Resource.from_contents(_openapi(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:openapi", resource)
    validator = Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{component}"}, registry=registry)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == f"https://motcua.gov.vn/problems/{code}"
    assert_matches(body, "Problem")
    return body


def _fields(body: dict[str, Any]) -> set[str]:
    return {e.get("field") or e.get("parameter") for e in body.get("errors", [])}


def test_the_schema_documents_every_endpoint_and_its_problems() -> None:
    paths = _openapi()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/dossiers"])
    assert set(paths["/api/v1/dossiers/{code}"]) == {"get"}
    for name in API_ACTIONS:
        operation = paths[f"/api/v1/dossiers/{{code}}/actions/{name}"]["post"]
        assert operation["operationId"] == f"dossiers_{name}"
        assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
        assert {"tokenAuth": []} in operation["security"]
    create = paths["/api/v1/dossiers"]["post"]
    assert {"200", "201", "400", "401", "403", "409"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in create["parameters"])
    assert not any("{action}" in path for path in paths)


# -- authentication ------------------------------------------------------------------------------------


def _every_endpoint(code: str) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("post", LIST),
        ("get", detail(code)),
        *[("post", action(code, name)) for name in API_ACTIONS],
        ("post", action(code, "approve_everything")),
    ]


def test_without_a_token_every_endpoint_answers_401(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    assert dossier.code is not None
    anonymous = api_client()
    for method, url in _every_endpoint(dossier.code):
        response = getattr(anonymous, method)(url)
        problem(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_revoked_or_inactive_token_answers_401(world: World) -> None:
    unknown = api_client("not-a-key")
    problem(unknown.get(LIST), 401, "authentication_failed")
    problem(api_client("a b").get(LIST), 401, "authentication_failed")

    revoked = api_token_create(officer=world.leader)
    api_token_revoke(token=revoked.token)
    problem(api_client(revoked.key).get(LIST), 401, "authentication_failed")

    inactive = api_token_create(officer=world.specialist)
    Officer.objects.filter(pk=world.specialist.pk).update(is_active=False)
    body = problem(api_client(inactive.key).get(LIST), 401, "authentication_failed")
    assert body["detail"] == "This token belongs to an officer who is no longer active."


def test_a_token_is_stored_hashed_and_records_its_last_use(world: World) -> None:
    new = api_token_create(officer=world.leader)
    token = ApiToken.objects.get(pk=new.token.pk)
    assert new.key not in (token.key_hash, token.prefix) and token.prefix == new.key[:8]
    assert token.last_used_at is None
    with time_machine.travel(MONDAY):
        assert api_client(new.key).get(LIST).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == MONDAY


def test_the_back_office_session_is_accepted(world: World) -> None:
    session = api_client()
    session.force_login(world.leader.user)
    assert session.get(LIST).status_code == 200
    stranger = get_user_model().objects.create_user(username="stranger", password=None)
    session.force_login(stranger)
    problem(session.get(LIST), 403, "officer_required")


def test_a_system_submits_but_does_not_read_or_act(world: World) -> None:
    portal = api_client(api_token_create(system_name="citizen-portal").key)
    with time_machine.travel(MONDAY):
        created = post(portal, LIST, submission(world), **{"Idempotency-Key": "portal-1"})
    assert created.status_code == 201, created.content
    assert created.json()["allowed_actions"] == []
    entry = HistoryEntry.objects.get(dossier__uuid=created.json()["uuid"])
    assert entry.actor == "Nguyễn Văn An" and entry.actor_role == "applicant"
    uuid = created.json()["uuid"]
    problem(portal.get(LIST), 403, "officer_required")
    problem(portal.get(detail(uuid)), 403, "officer_required")
    problem(post(portal, action(uuid, "receive")), 403, "officer_required")


def test_the_create_api_token_command_prints_the_key_once(world: World) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out, err = StringIO(), StringIO()
    call_command("create-api-token", "--officer", "leader", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert "not shown again" in err.getvalue() and key not in err.getvalue()
    assert api_client(key).get(LIST).status_code == 200
    call_command("create-api-token", "--system", "citizen-portal", stdout=out, stderr=err)
    assert ApiToken.objects.filter(system_name="citizen-portal").exists()
    with pytest.raises(CommandError, match="no active officer"):
        call_command("create-api-token", "--officer", "nobody", stdout=out, stderr=err)


# -- submission and idempotency ---------------------------------------------------------------------------


def test_a_receiving_officer_submits_a_dossier(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        response = post(api(world.receiver), LIST, submission(world), **{"Idempotency-Key": "k-1"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert_matches(body, "Dossier")
    assert response["Location"] == f"http://testserver{detail(body['uuid'])}"
    assert body["code"] is None and body["state"] == "submitted" and body["status_code"] == 1
    assert body["state_label"] == "Submitted, awaiting receipt"
    assert body["procedure"] == {"code": "1.001193", "version": 1, "name": "Đăng ký khai sinh"}
    assert body["agencies"]["receiving"]["code"] == world.centre.code
    assert body["agencies"]["competent"]["code"] == world.ward.code
    assert body["applicant"]["name"] == "Nguyễn Văn An" and body["form_data"]["child"]["name"] == "Nguyễn Văn Bé"
    assert body["deadline"] is None and body["steps"] == [] and body["results"] == []
    assert [h["action"] for h in body["history"]] == ["submit"]
    assert body["history"][0]["actor_role"] == OfficerRole.RECEIVING_OFFICER
    assert body["allowed_actions"] == ["receive", "mark_incomplete", "refuse", "withdraw"]


def test_a_retry_with_the_same_key_replays_the_first_answer_and_creates_nothing(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        first = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"})
    # Later, with the keys of the body in another order: the same request.
    with time_machine.travel(MONDAY + timedelta(minutes=5)):
        retry = post(client, LIST, dict(reversed(submission(world).items())), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        assert post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}).status_code == 201
        other = submission(world, applicant={"name": "Trần Thị B", "id_number": "001186000001"})
        body = problem(post(client, LIST, other, **{"Idempotency-Key": "k-1"}), 409, "idempotency_key_reused")
    assert _fields(body) == {"Idempotency-Key"}
    assert Dossier.objects.count() == 1


def test_keys_are_per_client(world: World, api: Api) -> None:
    second_receiver = make_officer("receiver_2", world.centre, "Bộ phận Một cửa", OfficerRole.RECEIVING_OFFICER)
    with time_machine.travel(MONDAY):
        assert post(api(world.receiver), LIST, submission(world), **{"Idempotency-Key": "k-1"}).status_code == 201
        assert post(api(second_receiver), LIST, submission(world), **{"Idempotency-Key": "k-1"}).status_code == 201
    assert Dossier.objects.count() == 2


def test_a_refused_submission_does_not_use_up_its_key(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        bad = submission(world, applicant={"name": "", "id_number": "079086012345"})
        body = problem(post(client, LIST, bad, **{"Idempotency-Key": "k-1"}), 400, "invalid_input")
        assert _fields(body) == {"applicant.name"}
        assert post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}).status_code == 201
    assert Dossier.objects.count() == 1


def test_a_submission_needs_an_idempotency_key(world: World, api: Api) -> None:
    body = problem(post(api(world.receiver), LIST, submission(world)), 400, "invalid_input")
    assert _fields(body) == {"Idempotency-Key"}
    body = problem(
        post(api(world.receiver), LIST, submission(world), **{"Idempotency-Key": "é" * 3}), 400, "invalid_input"
    )
    assert not Dossier.objects.exists()


def test_who_may_submit_for_whom(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        key = {"Idempotency-Key": "k-1"}
        problem(post(api(world.specialist), LIST, submission(world), **key), 403, "role_not_allowed")
        theirs = submission(world, receiving_agency=world.centre_b.code)
        problem(post(api(world.receiver), LIST, theirs, **key), 403, "not_your_agency")
        outside = submission(world, competent_agency=world.ward_b.code)
        body = problem(post(api(world.receiver), LIST, outside, **key), 400, "receipt_not_allowed")
        assert _fields(body) == {"receiving_agency"}
        # Non-geographical receipt: the Sài Gòn centre receives for Bến Thành, in the same province.
        elsewhere = submission(world, competent_agency=world.other_ward.code)
        assert post(api(world.receiver), LIST, elsewhere, **key).status_code == 201


def test_unknown_procedures_and_agencies_are_invalid_input(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        body = submission(world, procedure_code="9.999999", receiving_agency="999.99.99.X99", channel="fax")
        out = problem(post(api(world.receiver), LIST, body, **{"Idempotency-Key": "k-1"}), 400, "invalid_input")
    assert _fields(out) == {"procedure_code", "receiving_agency", "channel"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads with their own PostgreSQL connections")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_with_the_same_key_create_one_dossier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four clients send the same submission at once. The creation is slowed down so that the others
    find no stored key, insert theirs and wait on the unique index while the first is still running:
    the race the constraint settles, not the fast path of a late retry."""
    world = build_world()
    submit_slowly = services.dossier_submit

    def slow_submit(**kwargs: Any) -> Dossier:
        dossier = submit_slowly(**kwargs)
        time.sleep(0.5)
        return dossier

    monkeypatch.setattr(services, "dossier_submit", slow_submit)
    key = api_token_create(officer=world.receiver).key
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    lock = threading.Lock()
    answers: list[tuple[int, dict[str, Any]]] = []
    errors: list[BaseException] = []

    def submit_once() -> None:
        try:
            session = api_client(key)
            barrier.wait(timeout=30)
            with translation.override("en"):
                response = post(session, LIST, submission(world), **{"Idempotency-Key": "same-key"})
            with lock:
                answers.append((response.status_code, response.json()))
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit_once) for _ in range(threads_count)]
    with time_machine.travel(MONDAY):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(status for status, _ in answers) == [200] * (threads_count - 1) + [201]
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert Dossier.objects.count() == 1 and IdempotencyKey.objects.count() == 1


# -- reading -------------------------------------------------------------------------------------------


def test_the_detail_shows_state_dates_deadline_steps_history_and_the_officers_actions(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        response = api(world.specialist).get(detail(str(dossier.code)))
        # The same dossier, seen by its agency leader: other actions.
        leader_view = api(world.leader).get(detail(str(dossier.code))).json()
    assert response.status_code == 200
    assert response["ETag"] == f'"{dossier.revision}"'
    body = response.json()
    assert_matches(body, "Dossier")
    assert body["code"] == dossier.code and body["state"] == "in_process" and body["status_code"] == 4
    assert body["revision"] == dossier.revision
    assert body["received_at"] is not None and body["due_at"] is not None
    assert body["deadline"]["due_at"] == body["due_at"]
    assert body["deadline"]["lines"][-1].startswith("Due: ")
    assert [(s["order"], s["unit"], s["assignee"]["username"]) for s in body["steps"]] == [
        (1, SPECIALISTS_UNIT, "specialist")
    ]
    assert [h["action"] for h in body["history"]] == ["submit", "receive", "start_processing", "hand_over"]
    assert body["allowed_actions"] == ["hand_over", "request_supplement", "request_payment", "apologise"]
    assert leader_view["allowed_actions"] == [
        "hand_over",
        "request_supplement",
        "stop",
        "apologise",
        "mark_result_ready",
    ]


def test_a_submitted_dossier_is_read_by_its_uuid(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = submit(world.centre, world.ward)
    assert api(world.receiver).get(detail(str(dossier.uuid))).json()["uuid"] == str(dossier.uuid)


def test_another_agencys_dossier_is_not_found_exactly_like_a_missing_one(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        ours = with_specialist(world)
    hidden = problem(api(world.leader_b).get(detail(str(ours.code))), 404, "not_found")
    missing = problem(api(world.leader_b).get(detail("267.40.01.X79-260302-9999")), 404, "not_found")
    assert hidden["detail"].replace(str(ours.code), "X") == missing["detail"].replace("267.40.01.X79-260302-9999", "X")
    assert set(hidden) == set(missing) == {"type", "title", "status", "detail", "code", "errors"}
    # Same agency, other unit: not found either.
    problem(api(world.surveyor).get(detail(str(ours.code))), 404, "not_found")


def test_lists_show_only_the_officers_dossiers(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        ours = with_specialist(world)
        theirs = received_b(world)
        mine = api(world.specialist).get(LIST).json()
        assert_matches(mine, "DossierPage")
        assert [d["code"] for d in mine["results"]] == [ours.code]
        assert [d["code"] for d in api(world.leader_b).get(LIST).json()["results"]] == [theirs.code]
        assert api(world.leader_b).get(LIST, {"q": "Nguyễn Văn An"}).json()["count"] == 0
        assert api(world.leader_b).get(LIST, {"agency": world.ward.code}).json()["count"] == 0
        assert api(world.surveyor).get(LIST).json()["count"] == 0


def test_the_list_filters_queues_and_searches(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        an = with_specialist(world)
        submitted = submit(world.centre, world.ward, name="Đặng Thị Đào", id_number="001186000006")
        leader = api(world.leader)

        def codes(**params: Any) -> list[str | None]:
            response = leader.get(LIST, params)
            assert response.status_code == 200, response.content
            return [d["code"] if d["code"] else d["uuid"] for d in response.json()["results"]]

        assert codes(status="", state="", agency="", overdue="", queue="", q="") == [an.code, str(submitted.uuid)]
        assert codes(status=4) == [an.code]
        assert codes(status=1) == [str(submitted.uuid)]
        assert codes(state="submitted") == [str(submitted.uuid)]
        assert codes(q="dang thi dao") == [str(submitted.uuid)]
        assert codes(q="079086") == [an.code]
        assert codes(queue="waiting_supplement") == []
        assert codes(overdue="false") == [an.code, str(submitted.uuid)]
        assert codes(queue="mine") == []
        assert api(world.specialist).get(LIST, {"queue": "mine"}).json()["count"] == 1
    assert an.due_at is not None
    with time_machine.travel(an.due_at + timedelta(minutes=1)):
        assert codes(overdue="true") == [an.code]
        assert codes(queue="overdue") == [an.code]


def test_invalid_list_parameters_are_named(world: World, api: Api) -> None:
    body = problem(
        api(world.leader).get(LIST, {"status": "11", "queue": "all", "overdue": "maybe"}), 400, "invalid_input"
    )
    assert _fields(body) == {"status", "queue", "overdue"}
    assert all("parameter" in e for e in body["errors"])


# -- acting: scope, roles, problems ----------------------------------------------------------------------

_BODIES: dict[str, dict[str, Any]] = {
    "receive": {},
    "mark_incomplete": {"missing": [{"document": "Giấy chứng sinh", "reason": "Thiếu bản chính"}]},
    "refuse": {"legal_reason": "Không thuộc thẩm quyền theo Luật Hộ tịch 2014, Điều 13"},
    "hand_over": {"step_name": "Ký", "role": "agency_leader", "unit": "Lãnh đạo UBND", "budget": "2"},
    "request_supplement": {"items": [{"document": "Giấy chứng sinh", "reason": "Bản chụp mờ"}]},
    "supplement": {"documents": ["Giấy chứng sinh (bản chính)"]},
    "request_payment": {"amount_vnd": 8000, "description": "Lệ phí hộ tịch"},
    "payment_done": {"reference": "PAY-0001"},
    "withdraw": {"reason": "Người nộp xin rút hồ sơ"},
    "stop": {"reason": "Người yêu cầu đã chết"},
    "apologise": {
        "reason": "Lãnh đạo đi công tác",
        "explanation_to_head": "Chậm do lãnh đạo vắng",
        "new_appointment_at": "2026-03-10T10:00:00+07:00",
    },
    "mark_result_ready": {"results": [{"name": "Giấy khai sinh", "result_type_code": "KQ.G15.000031"}]},
    "return_result": {},
}


def test_every_action_has_a_body_here() -> None:
    assert set(_BODIES) == set(API_ACTIONS)


def test_officers_of_another_agency_get_404_on_every_action(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        submitted = submit(world.centre, world.ward)
        at_step = with_specialist(world)
        for dossier in (submitted, at_step):
            reference = dossier.code or str(dossier.uuid)
            for outsider in (world.receiver_b, world.specialist_b, world.leader_b):
                for name in API_ACTIONS:
                    problem(post(api(outsider), action(reference, name), _BODIES[name]), 404, "not_found")
    for dossier in (submitted, at_step):
        assert Dossier.objects.get(pk=dossier.pk).revision == dossier.revision


def test_an_unknown_action_is_404(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    body = problem(post(api(world.leader), action(str(dossier.code), "approve_everything")), 404, "unknown_action")
    assert "receive, mark_incomplete" in body["detail"]


def test_a_specialist_cannot_receive(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        submitted = submit(world.centre, world.ward)
        at_step = with_specialist(world)
    # A submission is not on a specialist's desk at all...
    problem(post(api(world.specialist), action(str(submitted.uuid), "receive")), 404, "not_found")
    # ...and on one that is, receiving is not a specialist's job (refused before the state is checked).
    body = problem(post(api(world.specialist), action(str(at_step.code), "receive")), 403, "role_not_allowed")
    assert body["detail"].startswith("Your roles do not allow you to receive the dossier")
    problem(post(api(world.leader), action(str(submitted.uuid), "receive")), 403, "role_not_allowed")


def test_a_returning_officer_cannot_request_a_supplement(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        url = action(str(dossier.code), "request_supplement")
        problem(post(api(world.returner), url, _BODIES["request_supplement"]), 403, "role_not_allowed")
    assert Dossier.objects.get(pk=dossier.pk).revision == dossier.revision


def test_the_counter_cannot_hand_over_a_dossier_already_at_a_step(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        body = problem(
            post(api(world.receiver), action(str(dossier.code), "hand_over"), _BODIES["hand_over"]), 403, "not_assigned"
        )
    assert SPECIALISTS_UNIT in body["detail"]


def test_an_action_the_state_does_not_allow_is_a_conflict(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        problem(post(api(world.returner), action(str(dossier.code), "return_result")), 409, "transition_not_allowed")


def test_invalid_action_input_is_named(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        url = action(str(dossier.code), "hand_over")
        specialist = api(world.specialist)
        body = problem(post(specialist, url, {"role": "pope", "budget": "0"}), 400, "invalid_input")
        assert _fields(body) == {"step_name", "role", "unit", "budget"}
        body = problem(post(specialist, url, {**_BODIES["hand_over"], "assignee": "leader_b"}), 400, "invalid_input")
        assert _fields(body) == {"assignee"}
        body = problem(
            post(specialist, url, {**_BODIES["hand_over"], "agency": world.ward_b.code}), 400, "invalid_input"
        )
        assert _fields(body) == {"agency"}
        body = problem(
            post(specialist, action(str(dossier.code), "request_supplement"), {"items": []}), 400, "invalid_input"
        )
        assert _fields(body) == {"items"}
    assert Dossier.objects.get(pk=dossier.pk).revision == dossier.revision


# -- acting: revisions and conflicts -----------------------------------------------------------------------


def test_two_actions_on_the_same_revision_one_succeeds_the_other_is_told_it_changed(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        seen = {**_BODIES["request_supplement"], "expected_revision": dossier.revision}
        first = post(api(world.specialist), action(str(dossier.code), "request_supplement"), seen)
        seen = {**_BODIES["request_payment"], "expected_revision": dossier.revision}
        second = post(api(world.colleague), action(str(dossier.code), "request_payment"), seen)
    assert first.status_code == 200, first.content
    body = problem(second, 409, "dossier_changed")
    assert body["detail"].startswith("Someone else changed this dossier")


def test_if_match_carries_the_revision(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = submit(world.centre, world.ward)
        url = action(str(dossier.uuid), "receive")
        receiver = api(world.receiver)
        etag = receiver.get(detail(str(dossier.uuid)))["ETag"]
        problem(post(receiver, url, **{"If-Match": '"99"'}), 409, "dossier_changed")
        problem(post(receiver, url, **{"If-Match": "soon"}), 400, "invalid_input")
        problem(post(receiver, url, {"expected_revision": 1}, **{"If-Match": etag}), 400, "invalid_input")
        response = post(receiver, url, **{"If-Match": etag})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "received" and response["ETag"] == f'"{response.json()["revision"]}"'


def test_a_withdrawal_on_a_stale_revision_is_refused(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        stale = {**_BODIES["withdraw"], "expected_revision": dossier.revision - 1}
        problem(post(api(world.receiver), action(str(dossier.code), "withdraw"), stale), 409, "dossier_changed")
        fresh = {**_BODIES["withdraw"], "expected_revision": dossier.revision}
        response = post(api(world.receiver), action(str(dossier.code), "withdraw"), fresh)
    assert response.status_code == 200 and response.json()["status_code"] == 7


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads with their own PostgreSQL connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_actions_on_the_same_revision_exactly_one_wins() -> None:
    world = build_world()
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    officers = [world.specialist, world.colleague, world.unit_leader, world.leader]
    keys = {officer.pk: api_token_create(officer=officer).key for officer in officers}
    barrier = threading.Barrier(len(officers))
    lock = threading.Lock()
    statuses: list[int] = []
    errors: list[BaseException] = []

    def request_supplement(officer: Officer) -> None:
        try:
            session = api_client(keys[officer.pk])
            body = {**_BODIES["request_supplement"], "expected_revision": dossier.revision}
            barrier.wait(timeout=30)
            with translation.override("en"):
                response = post(session, action(str(dossier.code), "request_supplement"), body)
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request_supplement, args=(officer,)) for officer in officers]
    with time_machine.travel(MONDAY + timedelta(hours=1)):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(statuses) == [200] + [409] * (len(officers) - 1)
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.revision == dossier.revision + 1 and after.supplement_requests == 1


# -- acting: every action reaches its service ---------------------------------------------------------------


def _act(client: Client, dossier_ref: str, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = post(client, action(dossier_ref, name), _BODIES[name] if body is None else body)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    assert_matches(data, "ActionResult")
    return data


def test_a_dossier_walked_from_submission_to_return_through_the_api(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        created = post(api(world.receiver), LIST, submission(world), **{"Idempotency-Key": "walk"}).json()
        uuid = created["uuid"]
        state = _act(api(world.receiver), uuid, "receive", {"expected_revision": created["revision"]})
        code = state["code"]
        assert state["status_code"] == 2 and code.startswith(f"{world.centre.code}-260302-")
        assert state["allowed_actions"] == ["hand_over", "withdraw"]
        state = _act(
            api(world.receiver),
            code,
            "hand_over",
            {
                "step_name": "Thẩm định",
                "role": "specialist",
                "unit": SPECIALISTS_UNIT,
                "budget": "4",
                "agency": world.ward.code,
                "assignee": "specialist",
                "expected_revision": state["revision"],
            },
        )
        assert state["status_code"] == 4 and state["visible"] is True
    with time_machine.travel(MONDAY + timedelta(hours=1)):
        state = _act(api(world.specialist), code, "request_supplement")
        assert state["status_code"] == 5 and state["due_at"] is None
    with time_machine.travel(MONDAY + timedelta(hours=3)):
        state = _act(api(world.receiver), code, "supplement")
        assert state["status_code"] == 4 and state["due_at"] is not None
        state = _act(
            api(world.specialist),
            code,
            "hand_over",
            {**_BODIES["hand_over"], "assignee": "leader", "expected_revision": state["revision"]},
        )
        # Handed over to the leader: it left the specialist's desk.
        assert state["visible"] is False and state["allowed_actions"] == []
        problem(api(world.specialist).get(detail(code)), 404, "not_found")
        state = _act(api(world.leader), code, "mark_result_ready")
        assert state["status_code"] == 9
        state = _act(api(world.returner), code, "return_result")
        assert state["status_code"] == 10 and state["allowed_actions"] == []
    final = api(world.leader).get(detail(code)).json()
    assert [h["action"] for h in final["history"]] == [
        "submit",
        "receive",
        "start_processing",
        "hand_over",
        "request_supplement",
        "supplement",
        "hand_over",
        "mark_result_ready",
        "return_result",
    ]
    assert final["history"][5]["actor"] == "Receiver" and final["history"][5]["actor_role"] == "receiving_officer"
    assert [r["code"] for r in final["results"]] == [f"{code}-KQ1"]
    assert [s["outcome"] for s in final["steps"]] == ["early", "early"]


def test_intake_marks_incomplete_or_refuses(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        incomplete = submit(world.centre, world.ward)
        refused = submit(world.centre, world.ward)
        assert _act(api(world.receiver), str(incomplete.uuid), "mark_incomplete")["state"] == "incomplete"
        state = _act(api(world.receiver), str(refused.uuid), "refuse")
    assert state["status_code"] == 3 and state["allowed_actions"] == []
    again = post(api(world.receiver), action(str(refused.uuid), "refuse"), _BODIES["refuse"])
    problem(again, 409, "transition_not_allowed")


def test_payment_is_requested_then_recorded(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        assert _act(api(world.specialist), str(dossier.code), "request_payment")["status_code"] == 6
        state = _act(api(world.returner), str(dossier.code), "payment_done")
    assert state["status_code"] == 4
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None and entry.data == {"reference": "PAY-0001"} and entry.actor_role == "returning_officer"


def test_withdrawal_and_stop_close_the_dossier(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        withdrawn = received(world)
        stopped = with_specialist(world)
        assert _act(api(world.receiver), str(withdrawn.code), "withdraw")["status_code"] == 7
        assert _act(api(world.leader), str(stopped.code), "stop")["status_code"] == 8
    assert Dossier.objects.get(pk=stopped.pk).closed_at is not None


def test_an_apology_moves_the_appointment_and_makes_the_dossier_late(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        state = _act(api(world.specialist), str(dossier.code), "apologise")
    assert state["is_late"] is True and state["appointment_at"] == "2026-03-10T10:00:00+07:00"
    assert state["due_at"] != state["appointment_at"]
