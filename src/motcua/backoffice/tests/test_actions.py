"""The action forms of the dossier page that change the state without a hand-over: mark incomplete,
refuse, request payment, payment done, withdraw and stop.

For each, the same five questions (one table row per action): a valid POST does the transition and
records it; an invalid POST changes nothing and says why next to the field; an officer who sees the
dossier but lacks the role gets 403; an officer of another agency gets 404; and a second POST on the
revision the first one changed gets the conflict message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.test import Client

from motcua.backoffice.tests.test_backoffice import act, assert_accessible, login, page
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, HistoryEntry
from motcua.dossiers.tests.conftest import MONDAY, World, submit, with_specialist
from motcua.dossiers.workflow import State

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def submitted(w: World) -> Dossier:
    return submit(w.centre, w.ward)


def in_process(w: World) -> Dossier:
    return with_specialist(w)


def awaiting_payment(w: World) -> Dossier:
    dossier = with_specialist(w)
    services.dossier_request_payment(
        dossier=dossier, officer=w.specialist, amount_vnd=8_000, description="Lệ phí đăng ký"
    )
    return Dossier.objects.get(pk=dossier.pk)


@dataclass(frozen=True)
class Invalid:
    fields: dict[str, str]
    message: str  # in English
    field: str  # the field the message must be attached to
    status: int = 400


@dataclass(frozen=True)
class Case:
    action: str
    prepare: Callable[[World], Dossier]
    actor: str  # the attribute of World that may do it
    valid: dict[str, str]
    target: State
    reason: str  # the history entry's reason
    data: dict[str, object]  # what the history entry's data must contain
    invalid: list[Invalid] = field(default_factory=list)
    no_role: str = ""  # sees the dossier, lacks the role
    other_agency: str = ""


CASES = [
    Case(
        action="mark_incomplete",
        prepare=submitted,
        actor="receiver",
        valid={"items": "Tờ khai đăng ký khai sinh: thiếu chữ ký của người yêu cầu\nGiấy chứng sinh: bản chụp mờ"},
        target=State.INCOMPLETE,
        reason="",
        data={
            "missing": [
                {"document": "Tờ khai đăng ký khai sinh", "reason": "thiếu chữ ký của người yêu cầu"},
                {"document": "Giấy chứng sinh", "reason": "bản chụp mờ"},
            ]
        },
        invalid=[
            Invalid({"items": ""}, "This field is required.", "items"),
            Invalid({"items": " \n \n"}, "This field is required.", "items"),
            Invalid({"items": "Giấy chứng sinh"}, "this line has no reason: Giấy chứng sinh", "items"),
            Invalid({"items": "Tờ khai: thiếu chữ ký\n: không rõ giấy tờ nào"}, "this line has no reason", "items"),
        ],
        no_role="returner",
        other_agency="receiver_b",
    ),
    Case(
        action="refuse",
        prepare=submitted,
        actor="receiver",
        valid={"legal_reason": "Người yêu cầu không thuộc diện đăng ký khai sinh tại phường (Điều 13 Luật Hộ tịch)."},
        target=State.REFUSED,
        reason="Người yêu cầu không thuộc diện đăng ký khai sinh tại phường (Điều 13 Luật Hộ tịch).",
        data={},
        invalid=[
            Invalid({"legal_reason": ""}, "This field is required.", "legal_reason"),
            # Refused by the service (a legal reason, not a word): its InvalidInput lands on the field.
            Invalid({"legal_reason": "Sai"}, "Give the legal reason for refusing the dossier.", "legal_reason"),
        ],
        no_role="returner",
        other_agency="receiver_b",
    ),
    Case(
        action="request_payment",
        prepare=in_process,
        actor="specialist",
        valid={"amount_vnd": "50000", "description": "Lệ phí cấp bản sao trích lục"},
        target=State.AWAITING_PAYMENT,
        reason="",
        data={"amount_vnd": 50_000, "description": "Lệ phí cấp bản sao trích lục"},
        invalid=[
            Invalid({"amount_vnd": "0", "description": "Lệ phí"}, "greater than or equal to 1", "amount_vnd"),
            Invalid({"amount_vnd": "-5000", "description": "Lệ phí"}, "greater than or equal to 1", "amount_vnd"),
            Invalid({"amount_vnd": "năm mươi nghìn", "description": "Lệ phí"}, "Enter a whole number.", "amount_vnd"),
            Invalid({"amount_vnd": "50000", "description": ""}, "This field is required.", "description"),
        ],
        no_role="leader",
        other_agency="specialist_b",
    ),
    Case(
        action="payment_done",
        prepare=awaiting_payment,
        actor="receiver",
        valid={"reference": "BL-2026-000123"},
        target=State.IN_PROCESS,
        reason="",
        data={"reference": "BL-2026-000123"},
        invalid=[
            Invalid({"reference": ""}, "This field is required.", "reference"),
            Invalid({"reference": "x" * 101}, "at most 100 characters", "reference"),
        ],
        no_role="leader",
        other_agency="receiver_b",
    ),
    Case(
        action="withdraw",
        prepare=in_process,
        actor="receiver",
        valid={"reason": "Người yêu cầu xin rút hồ sơ để bổ sung giấy tờ sau."},
        target=State.WITHDRAWN,
        reason="Người yêu cầu xin rút hồ sơ để bổ sung giấy tờ sau.",
        data={},
        invalid=[Invalid({"reason": ""}, "This field is required.", "reason")],
        no_role="returner",
        other_agency="receiver_b",
    ),
    Case(
        action="stop",
        prepare=in_process,
        actor="leader",
        valid={"reason": "Người yêu cầu đã chết trước khi có kết quả; không còn căn cứ giải quyết."},
        target=State.STOPPED,
        reason="Người yêu cầu đã chết trước khi có kết quả; không còn căn cứ giải quyết.",
        data={},
        invalid=[Invalid({"reason": "   "}, "This field is required.", "reason")],
        no_role="specialist",
        other_agency="leader_b",
    ),
]

INVALID = [pytest.param(case, bad, id=f"{case.action}-{i}") for case in CASES for i, bad in enumerate(case.invalid)]


def reference(dossier: Dossier) -> str:
    return dossier.code or str(dossier.uuid)


def form_data(case: Case, fields: dict[str, str], revision: int) -> dict[str, object]:
    return {f"{case.action}-{k}": v for k, v in fields.items()} | {f"{case.action}-expected_revision": revision}


def snapshot(dossier: Dossier) -> tuple[str, int, int]:
    after = Dossier.objects.get(pk=dossier.pk)
    return after.state, after.revision, HistoryEntry.objects.filter(dossier=dossier).count()


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_valid_post_does_the_transition_and_records_it(client: Client, world: World, case: Case) -> None:
    with time_machine.travel(MONDAY):
        dossier = case.prepare(world)
        officer = getattr(world, case.actor)
        login(client, officer)
        ref = reference(dossier)
        # The form is offered on the page, with the revision the officer sees.
        shown = client.get(page(ref), **EN)  # type: ignore[arg-type]
        assert f'action="{act(ref, case.action)}"' in shown.content.decode()
        assert f'name="{case.action}-expected_revision" value="{dossier.revision}"' in shown.content.decode()
        response = client.post(act(ref, case.action), form_data(case, case.valid, dossier.revision), **EN)  # type: ignore[arg-type]
    after = Dossier.objects.get(pk=dossier.pk)
    assert response.status_code == 302
    assert response["Location"] == page(reference(after))
    assert after.state == case.target
    assert after.revision == dossier.revision + 1
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None
    assert (entry.action, entry.from_state, entry.to_state) == (case.action, dossier.state, case.target)
    assert entry.reason == case.reason
    assert entry.data == entry.data | case.data
    assert entry.actor == officer.full_name
    with time_machine.travel(MONDAY):
        landed = client.get(response["Location"], **EN)  # type: ignore[arg-type]
    assert landed.status_code == 200
    assert "Done: " in landed.content.decode()
    assert str(after.get_state_display()) in landed.content.decode()


@pytest.mark.parametrize(("case", "bad"), INVALID)
def test_invalid_post_says_why_next_to_the_field_and_changes_nothing(
    client: Client, world: World, case: Case, bad: Invalid
) -> None:
    with time_machine.travel(MONDAY):
        dossier = case.prepare(world)
        before = snapshot(dossier)
        login(client, getattr(world, case.actor))
        ref = reference(dossier)
        response = client.post(act(ref, case.action), form_data(case, bad.fields, dossier.revision), **EN)  # type: ignore[arg-type]
    text = response.content.decode()
    assert response.status_code == bad.status
    assert "The action was not done" in text
    assert bad.message in text
    # The message sits next to its field, which points to it (aria-describedby), and the summary links to it.
    field_id = f"id_{case.action}-{bad.field}"
    assert f'id="{field_id}_error"' in text
    assert re.search(rf'aria-describedby="[^"]*\b{re.escape(field_id)}_error\b[^"]*"[^>]* id="{field_id}"', text)
    assert f'href="#{field_id}"' in text
    assert_accessible(response.content)
    assert snapshot(dossier) == before


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_officer_without_the_role_gets_403(client: Client, world: World, case: Case) -> None:
    with time_machine.travel(MONDAY):
        dossier = case.prepare(world)
        before = snapshot(dossier)
        login(client, getattr(world, case.no_role))
        ref = reference(dossier)
        assert client.get(page(ref)).status_code == 200  # sees the dossier…
        response = client.post(act(ref, case.action), form_data(case, case.valid, dossier.revision), **EN)  # type: ignore[arg-type]
    assert response.status_code == 403  # …but may not do this
    assert "Your roles do not allow you to" in response.content.decode()
    assert snapshot(dossier) == before


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_officer_of_another_agency_gets_404(client: Client, world: World, case: Case) -> None:
    with time_machine.travel(MONDAY):
        dossier = case.prepare(world)
        before = snapshot(dossier)
        login(client, getattr(world, case.other_agency))
        ref = reference(dossier)
        response = client.post(act(ref, case.action), form_data(case, case.valid, dossier.revision), **EN)  # type: ignore[arg-type]
    assert response.status_code == 404
    assert snapshot(dossier) == before


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_second_post_on_the_same_revision_gets_the_conflict(client: Client, world: World, case: Case) -> None:
    """Two officers (or a double click) acting on the revision they both saw: only the first counts."""
    with time_machine.travel(MONDAY):
        dossier = case.prepare(world)
        login(client, getattr(world, case.actor))
        ref = reference(dossier)
        seen = form_data(case, case.valid, dossier.revision)
        first = client.post(act(ref, case.action), seen, **EN)  # type: ignore[arg-type]
        assert first.status_code == 302
        after_first = snapshot(dossier)
        second = client.post(act(ref, case.action), seen, **EN)  # type: ignore[arg-type]
    assert second.status_code == 409
    assert (
        "Someone else changed this dossier in the meantime; reload it to see what changed." in second.content.decode()
    )
    assert_accessible(second.content)
    assert snapshot(dossier) == after_first
    assert HistoryEntry.objects.filter(dossier=dossier, action=case.action).count() == 1
