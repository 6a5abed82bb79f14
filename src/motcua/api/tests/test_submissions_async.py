"""POST /api/v1/dossiers with `Prefer: respond-async`: checked at once, 202, the dossier made by the
intake worker (dossiers.intake), read back at /api/v1/submissions/{id}."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from motcua.api.auth import api_token_create
from motcua.api.models import IdempotencyKey
from motcua.api.tests.conftest import api_client
from motcua.api.tests.test_dossiers_api import (
    LIST,
    Api,
    _fields,
    assert_matches,
    detail,
    post,
    problem,
    submission,
)
from motcua.catalog.models import ProcedureVersion
from motcua.core.models import EventDelivery, OutboxEvent
from motcua.dossiers import history, intake, services
from motcua.dossiers.models import Dossier, HistoryEntry, Submission, SubmissionState
from motcua.dossiers.tests.conftest import MONDAY, World

pytestmark = pytest.mark.django_db

ASYNC = {"Prefer": "respond-async"}


def test_an_accepted_submission_answers_202_and_the_worker_creates_its_dossier(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY, tick=False):
        accepted = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC)
    assert accepted.status_code == 202, accepted.content
    assert accepted["Preference-Applied"] == "respond-async"
    body = accepted.json()
    assert_matches(body, "Submission")
    assert body["state"] == "accepted" and body["dossier"] is None and body["problem"] is None
    assert accepted["Location"] == body["url"] == f"http://testserver/api/v1/submissions/{body['id']}"
    assert not Dossier.objects.exists()  # nothing but the submission yet

    pending = client.get(accepted["Location"])
    assert pending.status_code == 200 and pending.json()["state"] == "accepted"

    # The worker runs a minute later: the dossier keeps the moment the applicant submitted.
    with time_machine.travel(MONDAY + timedelta(minutes=1), tick=False):
        report = intake.submissions_process()
    assert (report.created, report.refused, report.retried) == (1, 0, 0)
    dossier = Dossier.objects.get()
    assert dossier.submitted_at == MONDAY and dossier.state == "submitted"
    assert dossier.receiving_agency == world.centre and dossier.applicant_name == "Nguyễn Văn An"
    entry = HistoryEntry.objects.get(dossier=dossier)
    assert entry.action == "submit" and entry.actor_role == "receiving_officer"

    done = client.get(accepted["Location"]).json()
    assert_matches(done, "Submission")
    assert done["state"] == "created" and done["problem"] is None
    assert done["dossier"]["uuid"] == str(dossier.uuid)
    assert done["dossier"]["url"] == f"http://testserver{detail(str(dossier.uuid))}"
    assert client.get(done["dossier"]["url"]).status_code == 200
    # A second pass finds nothing to do: one submission, one dossier.
    assert intake.submissions_process().settled == 0
    assert Dossier.objects.count() == 1


def _accept(client: Client, world: World, count: int, *, start: int = 0) -> list[str]:
    ids = []
    for n in range(start, start + count):
        body = submission(world, applicant={"name": f"Người {n}", "id_number": f"0790860{n:05d}"})
        ids.append(post(client, LIST, body, **{"Idempotency-Key": f"k-{n}"}, **ASYNC).json()["id"])
    return ids


def test_a_batch_makes_each_dossier_of_its_own_submission_in_a_constant_number_of_statements(
    world: World, api: Api
) -> None:
    client = api(world.receiver)
    statements = []
    with time_machine.travel(MONDAY, tick=False):
        for start, count in ((0, 3), (3, 9)):
            _accept(client, world, count, start=start)
            with CaptureQueriesContext(connection) as captured:
                assert intake.submissions_process().created == count
            statements.append(len(captured))
    assert statements[0] == statements[1], statements  # 3 or 9 dossiers: the same statements
    assert Dossier.objects.count() == 12
    deliveries = set()
    for row in Submission.objects.select_related("dossier"):
        assert row.state == SubmissionState.CREATED and row.dossier is not None
        # Each submission names the dossier made from it, not a neighbour's.
        assert row.dossier.applicant_id_number == row.payload["applicant"]["id_number"]
        assert row.dossier.submitted_at == row.accepted_at
        assert history.verify(row.dossier) == []
        entry = HistoryEntry.objects.get(dossier=row.dossier)
        assert (entry.sequence, entry.action, entry.to_state) == (1, "submit", "submitted")
        event = OutboxEvent.objects.get(aggregate_id=str(row.dossier.uuid))
        assert event.aggregate_sequence == 1 and event.payload["history_sequence"] == 1
        deliveries.add(EventDelivery.objects.filter(event=event).count())
    # Every dossier's event goes to the same handlers (notifications, …), as the synchronous path's.
    assert len(deliveries) == 1 and deliveries.pop() > 0


def test_a_retry_replays_the_acceptance_and_makes_one_dossier(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        first = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC)
        retry = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC)
        intake.submissions_process()
        # Even without the preference, the same key names the same submission.
        late = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 202 and retry.status_code == 200 and late.status_code == 200
    assert retry.json() == first.json() == late.json() and retry["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    assert Dossier.objects.count() == 1


def test_bad_input_is_refused_at_once_and_nothing_is_kept(world: World, api: Api) -> None:
    client = api(world.receiver)
    key = {"Idempotency-Key": "k-1"}
    with time_machine.travel(MONDAY):
        bad = submission(world, procedure_code="9.999999", channel="fax", applicant={"name": "", "id_number": "1"})
        out = problem(post(client, LIST, bad, **key, **ASYNC), 400, "invalid_input")
        assert _fields(out) == {"procedure_code", "channel", "applicant.name"}
        outside = submission(world, competent_agency=world.ward_b.code)
        problem(post(client, LIST, outside, **key, **ASYNC), 400, "receipt_not_allowed")
        problem(post(api(world.specialist), LIST, submission(world), **key, **ASYNC), 403, "role_not_allowed")
        mail = submission(world, channel="postal")  # the test procedure is online and in person only
        problem(post(client, LIST, mail, **key, **ASYNC), 400, "invalid_input")
        # The key was not used up by the refusals.
        assert post(client, LIST, submission(world), **key, **ASYNC).status_code == 202
    assert Submission.objects.count() == 1 and not Dossier.objects.exists()


def test_a_submission_that_can_no_longer_be_made_is_refused_with_its_problem(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        accepted = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC).json()
        # Before the worker: the officer loses the receiving role.
        world.receiver.roles = ["specialist"]
        world.receiver.save()
        report = intake.submissions_process()
        got = client.get(accepted["url"]).json()
    assert (report.created, report.refused) == (0, 1)
    assert got["state"] == "refused" and got["dossier"] is None
    assert got["problem"]["code"] == "role_not_allowed" and got["problem"]["detail"]
    assert not Dossier.objects.exists()


def test_an_unexpected_error_is_retried_then_held_and_never_blocks_the_queue(
    world: World, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        first = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC).json()
        other = submission(world, applicant={"name": "Trần Thị Bình", "id_number": "079186000002"})
        second = post(client, LIST, other, **{"Idempotency-Key": "k-2"}, **ASYNC).json()
    real = services.dossiers_submit
    calls: list[int] = []

    def broken_for_an(new: Sequence[services.NewDossier]) -> list[Dossier]:
        # A bug that only An's submission meets: the batch fails, then each is made on its own.
        calls.append(len(new))
        if any(item.applicant.name == "Nguyễn Văn An" for item in new):
            raise RuntimeError("a bug")
        return real(new)

    monkeypatch.setattr(services, "dossiers_submit", broken_for_an)
    with time_machine.travel(MONDAY):
        reports = [intake.submissions_process() for _ in range(intake.MAX_ATTEMPTS)]
    assert reports[0].created == 1 and reports[0].retried == 1  # the other one went through at once
    assert calls[:3] == [2, 1, 1]  # the batch of two, then one by one
    assert [r.retried for r in reports[1:-1]] == [1] * (intake.MAX_ATTEMPTS - 2) and reports[-1].held == 1
    held = Submission.objects.get(uuid=first["id"])
    assert held.state == SubmissionState.FAILED and held.attempts == intake.MAX_ATTEMPTS
    assert client.get(first["url"]).json()["problem"]["code"] == "intake_failed"
    assert client.get(second["url"]).json()["state"] == "created"
    assert Dossier.objects.count() == 1


def test_only_the_client_that_submitted_reads_the_submission(world: World, api: Api) -> None:
    with time_machine.travel(MONDAY):
        accepted = post(api(world.receiver), LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC)
    url = accepted["Location"]
    portal = api_client(api_token_create(system_name="portal").key)
    for stranger in (api(world.receiver_b), portal):
        problem(stranger.get(url), 404, "not_found")
    problem(api(world.receiver).get("/api/v1/submissions/00000000-0000-0000-0000-000000000000"), 404, "not_found")
    assert api(world.receiver).get("/api/v1/submissions/not-a-uuid").status_code == 404
    assert api_client().get(url).status_code == 401


def test_a_system_submits_asynchronously_and_the_command_drains_the_queue(world: World) -> None:
    portal = api_client(api_token_create(system_name="portal").key)
    with time_machine.travel(MONDAY):
        for n in range(5):
            body = submission(world, applicant={"name": f"Người {n}", "id_number": f"07908600000{n}"})
            assert post(portal, LIST, body, **{"Idempotency-Key": f"k-{n}"}, **ASYNC).status_code == 202
        call_command("process-submissions", "--batch-size", "2", stdout=(out := _Out()))
    assert "5 dossiers created" in out.text
    assert Dossier.objects.count() == 5
    assert set(Submission.objects.values_list("state", flat=True)) == {SubmissionState.CREATED}
    # Citizens' submissions through a system are by the applicant, as in the synchronous path.
    assert set(HistoryEntry.objects.values_list("actor_role", flat=True)) == {"applicant"}


def test_a_procedure_abolished_before_the_worker_refuses_the_submission(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        accepted = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC).json()
    ProcedureVersion.objects.filter(procedure__code="1.001193").update(effective_to=MONDAY.date())
    with time_machine.travel(MONDAY + timedelta(days=1)):
        intake.submissions_process()
        got = client.get(accepted["url"]).json()
    assert got["state"] == "refused" and got["problem"]["code"] == "not_found"
    assert got["problem"]["field"] == "at"


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_a_retry_after_the_procedure_was_abolished_still_gets_the_first_answer(world: World, api: Api) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        first = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC)
    ProcedureVersion.objects.filter(procedure__code="1.001193").update(effective_to=MONDAY.date())
    with time_machine.travel(MONDAY + timedelta(days=1)):
        retry = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC)
        fresh = post(client, LIST, submission(world), **{"Idempotency-Key": "k-2"}, **ASYNC)
    assert retry.status_code == 200 and retry.json() == first.json()
    # A new key is a new submission: refused, since nothing is in force any more.
    assert _fields(problem(fresh, 400, "invalid_input")) == {"procedure_code"}
    assert Submission.objects.count() == 1


def test_an_operator_retries_a_held_submission_from_the_admin(
    world: World, api: Api, monkeypatch: pytest.MonkeyPatch, admin_client: Client
) -> None:
    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        held = post(client, LIST, submission(world), **{"Idempotency-Key": "k-1"}, **ASYNC).json()
    with monkeypatch.context() as broken:
        broken.setattr(services, "dossiers_submit", lambda _new: (_ for _ in ()).throw(RuntimeError("a bug")))
        with time_machine.travel(MONDAY):
            for _ in range(intake.MAX_ATTEMPTS):
                intake.submissions_process()
    row = Submission.objects.get(uuid=held["id"])
    assert row.state == SubmissionState.FAILED and row.problem is not None
    listing = admin_client.get(reverse("admin:dossiers_submission_changelist"), {"state": "failed"})
    assert held["id"] in listing.content.decode()
    assert admin_client.get(reverse("admin:dossiers_submission_add")).status_code == 403

    # The cause is fixed (the patch is gone); the operator puts it back in the queue.
    admin_client.post(
        reverse("admin:dossiers_submission_changelist"), {"action": "retry_now", "_selected_action": [row.pk]}
    )
    row.refresh_from_db()
    assert (row.state, row.attempts, row.problem) == (SubmissionState.ACCEPTED, 0, None)
    with time_machine.travel(MONDAY):
        assert intake.submissions_process().created == 1
    assert client.get(held["url"]).json()["state"] == "created"
    # A created submission is never put back.
    assert intake.submissions_retry(ids=[row.pk]) == 0


def test_the_submission_body_is_the_serializers_in_every_state(world: World, api: Api) -> None:
    from rest_framework.test import APIRequestFactory

    from motcua.api.v1.dossier_serializers import SubmissionSerializer, submission_body

    client = api(world.receiver)
    with time_machine.travel(MONDAY):
        ids = _accept(client, world, 4)
        intake.submissions_process(limit=1)  # the first one: created, the others still accepted
    Submission.objects.filter(uuid=ids[1]).update(
        state=SubmissionState.REFUSED, settled_at=MONDAY, problem={"code": "x", "detail": "Không.", "field": ""}
    )
    Submission.objects.filter(uuid=ids[2]).update(
        state=SubmissionState.FAILED, attempts=5, settled_at=MONDAY, problem={"code": "y", "detail": "z", "field": "f"}
    )
    request = APIRequestFactory().get("/api/v1/submissions/x")
    rows = list(Submission.objects.select_related("dossier").order_by("pk"))
    assert {row.state for row in rows} == set(SubmissionState.values)
    for row in rows:
        expected = SubmissionSerializer(row, context={"request": request}).data
        assert json.dumps(submission_body(row, request)) == json.dumps(expected)
