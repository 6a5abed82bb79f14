"""The officers' back office: login, work queues, the dossier page and its action forms."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import MONDAY, World, received_b, submit, with_specialist
from motcua.dossiers.workflow import State

pytestmark = pytest.mark.django_db

QUEUES = "/can-bo/"


def page(code: str) -> str:
    return f"/can-bo/ho-so/{code}/"


def act(code: str, action: str) -> str:
    return f"/can-bo/ho-so/{code}/thao-tac/{action}/"


class _Structure(HTMLParser):
    """The h1s, the form controls and the labels' targets of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.controls: list[dict[str, str]] = []
        self.labels: set[str] = set()
        self.forms: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.labels.add(a.get("for", ""))
        elif tag == "form":
            self.forms.append(a.get("action", ""))
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}:
            self.controls.append(a)


def structure(html: bytes) -> _Structure:
    parser = _Structure()
    parser.feed(html.decode())
    return parser


def assert_accessible(html: bytes) -> _Structure:
    s = structure(html)
    assert s.h1 == 1
    unlabelled = [c for c in s.controls if c.get("id", "") not in s.labels and not c.get("aria-label")]
    assert not unlabelled
    return s


def login(client: Client, officer: object) -> None:
    client.force_login(officer.user)  # type: ignore[attr-defined]


# -- access -------------------------------------------------------------------------------------------


def test_login_required(client: Client, world: World) -> None:
    response = client.get(QUEUES)
    assert response.status_code == 302
    assert response["Location"].startswith("/can-bo/dang-nhap/?next=")
    login_page = client.get(response["Location"])
    assert login_page.status_code == 200
    assert_accessible(login_page.content)


def test_login_form_logs_in(client: Client, world: World) -> None:
    user = world.receiver.user
    user.set_password("một mật khẩu dài")
    user.save()
    response = client.post("/can-bo/dang-nhap/", {"username": "receiver", "password": "một mật khẩu dài"})
    assert response.status_code == 302
    assert response["Location"] == QUEUES


def test_user_without_officer_gets_a_clear_403(client: Client, world: World) -> None:
    client.force_login(get_user_model().objects.create_user(username="citizen"))
    response = client.get(QUEUES)
    assert response.status_code == 403
    assert "Your account is not the account of an active officer." in response.content.decode() or (
        "không phải" in response.content.decode()
    )
    assert_accessible(response.content)


def test_other_agency_gets_404_and_does_not_see_it_in_queues(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        mine = with_specialist(world)
        theirs = received_b(world)
    login(client, world.leader)
    assert client.get(page(theirs.code or "")).status_code == 404
    listing = client.get(QUEUES).content.decode()
    assert str(mine.code) in listing
    assert (theirs.code or "") not in listing
    assert client.post(act(theirs.code or "", "stop"), {"stop-reason": "x"}).status_code == 404


# -- queues -------------------------------------------------------------------------------------------


def test_queues_tabs_search_and_overdue_mark(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        first = with_specialist(world, name="Lê Thị Hoa", id_number="079186000111")
        second = with_specialist(world, name="Phạm Văn Nam", id_number="079086000222")
    login(client, world.specialist)
    with time_machine.travel(MONDAY.replace(day=20)):
        mine = client.get(QUEUES + "?queue=mine", HTTP_ACCEPT_LANGUAGE="en")
        body = mine.content.decode()
        one, two = str(first.code), str(second.code)
        assert one in body and two in body
        assert 'aria-current="page">The open step is assigned to me' in body
        assert "Overdue" in body
        assert_accessible(mine.content)
        found = client.get(QUEUES + "?q=hoa").content.decode()
        assert one in found and two not in found
        by_id = client.get(QUEUES + "?q=079086000222").content.decode()
        assert two in by_id and one not in by_id
        assert client.get(QUEUES + "?queue=waiting_supplement").content.decode().count("/can-bo/ho-so/") == 0
        assert client.get(QUEUES + "?queue=galaxy").status_code == 400


# -- the dossier page and its actions -------------------------------------------------------------------


def test_receiving_officer_receives_a_submitted_dossier(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = submit(world.centre, world.ward)
        login(client, world.receiver)
        reference = str(dossier.uuid)
        detail = client.get(page(reference), HTTP_ACCEPT_LANGUAGE="en")
        assert detail.status_code == 200
        s = assert_accessible(detail.content)
        assert act(reference, "receive") in s.forms
        response = client.post(
            act(reference, "receive"), {"receive-expected_revision": dossier.revision}, HTTP_ACCEPT_LANGUAGE="en"
        )
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    assert response.status_code == 302
    assert response["Location"] == page(dossier.code or "")
    with time_machine.travel(MONDAY):
        after = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = after.content.decode()
    assert "Done: receive the dossier" in text or "Done: " in text
    assert "Received" in text
    assert "How the due moment was computed" in text


def test_stale_revision_shows_the_conflict_and_changes_nothing(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        login(client, world.specialist)
        stale = dossier.revision - 1
        response = client.post(
            act(dossier.code or "", "request_supplement"),
            {"request_supplement-expected_revision": stale, "request_supplement-items": "Tờ khai: thiếu chữ ký"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 409
    assert "Someone else changed this dossier in the meantime" in response.content.decode()
    assert_accessible(response.content)
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.state, after.revision) == (dossier.state, dossier.revision)


def test_conflict_message_in_vietnamese_by_default(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        login(client, world.specialist)
        response = client.post(act(dossier.code or "", "stop"), {"stop-expected_revision": 0, "stop-reason": "x"})
    # The specialist may not stop a dossier: a forged POST is refused before the service is asked.
    assert response.status_code == 403
    with time_machine.travel(MONDAY):
        response = client.post(
            act(dossier.code or "", "request_supplement"),
            {"request_supplement-expected_revision": 0, "request_supplement-items": "Tờ khai: thiếu chữ ký"},
        )
    assert response.status_code == 409
    assert "Someone else changed this dossier" not in response.content.decode()


def test_invalid_form_is_shown_with_its_errors(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        login(client, world.specialist)
        response = client.post(
            act(dossier.code or "", "request_supplement"),
            {"request_supplement-expected_revision": dossier.revision, "request_supplement-items": "no colon"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert "this line has no reason" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).revision == dossier.revision


def test_role_not_allowed_sees_no_form_and_a_forged_post_gets_403(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        login(client, world.specialist)
        s = structure(client.get(page(dossier.code or "")).content)
        assert act(dossier.code or "", "request_supplement") in s.forms
        assert act(dossier.code or "", "return_result") not in s.forms
        assert act(dossier.code or "", "stop") not in s.forms
        response = client.post(
            act(dossier.code or "", "stop"),
            {"stop-expected_revision": dossier.revision, "stop-reason": "forged"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 403
    assert "Your roles do not allow you to" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).state == dossier.state


def test_unknown_action_is_404(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    login(client, world.leader)
    assert client.post(act(dossier.code or "", "teleport"), {}).status_code == 404


def test_a_whole_journey_through_the_forms(client: Client, world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)
        code = dossier.code or ""
        login(client, world.specialist)

        def post(action: str, **fields: object) -> None:
            revision = Dossier.objects.get(pk=dossier.pk).revision
            data = {f"{action}-{k}": v for k, v in fields.items()} | {f"{action}-expected_revision": revision}
            response = client.post(act(code, action), data, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 302, response.content.decode()[:3000]

        post("request_supplement", items="Tờ khai: thiếu chữ ký")
        assert Dossier.objects.get(pk=dossier.pk).state == State.SUPPLEMENT_REQUESTED
        login(client, world.receiver)
        post("supplement", documents="Tờ khai có chữ ký")
        login(client, world.specialist)
        post(
            "hand_over",
            step_name="Phê duyệt",
            role="agency_leader",
            unit="Lãnh đạo UBND",
            budget="2",
            budget_unit="working_hours",
            agency="",
            assignee="leader",
        )
        login(client, world.leader)
        post("mark_result_ready", results="Giấy khai sinh")
        login(client, world.returner)
        post("return_result")
        history = _history_text(client.get(page(code), HTTP_ACCEPT_LANGUAGE="en").content)
    assert Dossier.objects.get(pk=dossier.pk).state == State.RETURNED
    # Every entry under its label, never the raw action name; the first one has no "from" state.
    assert history[0].startswith("Submit the dossier (Submitted, awaiting receipt) · Nguyễn Văn An")
    assert "Request a supplement (In process → Supplement requested) · Specialist, Tư pháp - hộ tịch" in history
    assert "Hand the dossier over: Phê duyệt (Lãnh đạo UBND) · Specialist, Tư pháp - hộ tịch" in history
    assert any(line.startswith("Return the result (") for line in history)
    raw = {"submit", "receive", "request_supplement", "supplement", "hand_over", "mark_result_ready", "return_result"}
    assert not [line for line in history if line.split(" ")[0] in raw or "( →" in line]


def _history_text(html: bytes) -> list[str]:
    """The lines of the history timeline, each without its time and with spaces collapsed."""
    body = html.decode().split('id="history-title"', 1)[1].split("</ol>", 1)[0]
    items = [re.sub(r"<[^>]+>", "", item) for item in body.split("<li>")[1:]]
    return [" ".join(unescape(item).split()).split(" · ", 1)[1] for item in items]


# -- languages and structure ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_in_both_languages(client: Client, world: World, language: str) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        login(client, world.leader)
        headers = {} if language == "vi" else {"HTTP_ACCEPT_LANGUAGE": "en"}
        queues = client.get(QUEUES, **headers)  # type: ignore[arg-type]
        detail = client.get(page(dossier.code or ""), **headers)  # type: ignore[arg-type]
    for response in (queues, detail):
        assert response.status_code == 200
        s = assert_accessible(response.content)
        assert s.lang == language
    english = "Work queues" in queues.content.decode()
    assert english == (language == "en")
    if language == "vi":
        assert "Hàng đợi công việc" in queues.content.decode()
        assert "Phiếu kiểm soát quá trình" in detail.content.decode()
    else:
        assert "Process control slip" in detail.content.decode()
