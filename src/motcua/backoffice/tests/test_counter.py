"""The counter screen (Tiếp nhận hồ sơ trực tiếp, /can-bo/quay/): a receiving officer finds the
procedure, enters the applicant and the documents received, and records one of three outcomes."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.agencies.models import Agency, Officer, OfficerRole
from motcua.backoffice.tests.test_backoffice import QUEUES, assert_accessible, login, page
from motcua.catalog.selectors import version_in_force
from motcua.catalog.tests import factories
from motcua.dossiers.models import Dossier, HistoryEntry
from motcua.dossiers.tests.conftest import COUNTER_UNIT, MONDAY, PROCEDURE, World, at, make_officer
from motcua.dossiers.workflow import State

pytestmark = pytest.mark.django_db

COUNTER = "/can-bo/quay/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def post(client: Client, data: dict[str, Any]) -> Any:
    with time_machine.travel(MONDAY):
        return client.post(COUNTER, data, **EN)  # type: ignore[arg-type]


def shown_key(html: bytes) -> str:
    match = re.search(r'name="shown" value="([^"]*)"', html.decode())
    assert match is not None
    return unescape(match.group(1))


def find(client: Client, q: str, **entries: str) -> tuple[Any, str]:
    """Press "Find the procedure" (what Enter does): the page, and the key of what it shows."""
    response = post(client, {"procedure_q": q, "find": "1", **entries})
    return response, shown_key(response.content)


def doc_pk(name: str, code: str = PROCEDURE) -> int:
    with time_machine.travel(MONDAY):
        version = version_in_force(code=code)
    return next(d.pk for d in version.documents.all() if d.name == name)


TOKHAI = "Tờ khai đăng ký khai sinh"


def entries(world: World, **overrides: str) -> dict[str, str]:
    """Everything a complete walk-in birth registration needs, as the officer types it."""
    pk = doc_pk(TOKHAI)
    data = {
        "procedure_q": PROCEDURE,
        "competent_agency": world.ward.code,
        "channel": "in_person",
        "applicant_kind": "citizen",
        "applicant_name": "Nguyễn Thị Hoa",
        "applicant_id_number": " 079186012345 ",
        "applicant_phone": "090 123.4567",
        "applicant_email": "hoa@example.invalid",
        "applicant_address": "12 Lê Lợi, phường Sài Gòn",
        "summary": "Đăng ký khai sinh cho con gái",
        f"doc-{pk}-received": "on",
        f"doc-{pk}-originals": "1",
        f"doc-{pk}-copies": "0",
    }
    return data | overrides


def intake_key(html: bytes) -> str:
    match = re.search(r'name="intake_key" value="([0-9a-f]{32})"', html.decode())
    assert match is not None
    return match.group(1)


def record(client: Client, data: dict[str, str], outcome: str) -> Any:
    """Find the procedure with the entries, then press the outcome on the page shown."""
    found, key = find(client, data["procedure_q"], **{k: v for k, v in data.items() if k != "procedure_q"})
    return post(client, data | {"shown": key, "outcome": outcome, "intake_key": intake_key(found.content)})


def value_of(html: bytes, name: str) -> str:
    match = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', html.decode())
    assert match is not None, name
    tag = match.group(0)
    if tag.startswith("<textarea"):
        rest = html.decode()[match.end() :]
        return unescape(rest[: rest.index("</textarea>")].strip())
    found = re.search(r'value="([^"]*)"', tag)
    return unescape(found.group(1)) if found else ""


def is_checked(html: bytes, name: str) -> bool:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html.decode())
    assert match is not None, name
    return " checked" in match.group(0)


def province_receiver(world: World) -> Officer:
    return make_officer("province_receiver", world.province_centre, COUNTER_UNIT, OfficerRole.RECEIVING_OFFICER)


# -- who may use it -------------------------------------------------------------------------------------


def test_linked_from_the_queues_for_receiving_officers_only(client: Client, world: World) -> None:
    login(client, world.receiver)
    assert f'href="{COUNTER}"' in client.get(QUEUES).content.decode()
    login(client, world.specialist)
    assert f'href="{COUNTER}"' not in client.get(QUEUES).content.decode()


@pytest.mark.parametrize("who", ["specialist", "returner", "leader"])
def test_an_officer_who_is_not_a_receiving_officer_gets_403(client: Client, world: World, who: str) -> None:
    login(client, getattr(world, who))
    assert client.get(COUNTER, **EN).status_code == 403  # type: ignore[arg-type]
    response = post(client, entries(world) | {"outcome": "complete"})
    assert response.status_code == 403
    assert "Only a one-stop receiving officer may enter a submission." in response.content.decode()
    assert not Dossier.objects.exists()


def test_anonymous_is_sent_to_the_login(client: Client, world: World) -> None:
    response = client.get(COUNTER)
    assert response.status_code == 302
    assert response["Location"].startswith("/can-bo/dang-nhap/")


# -- finding the procedure -----------------------------------------------------------------------------------


def test_the_page_is_accessible_and_enter_only_finds(client: Client, world: World) -> None:
    login(client, world.receiver)
    with time_machine.travel(MONDAY):
        empty = client.get(COUNTER, **EN)  # type: ignore[arg-type]
    assert empty.status_code == 200
    assert_accessible(empty.content)
    assert 'aria-current="page">Receive a dossier at the counter' in empty.content.decode()
    found, key = find(client, PROCEDURE)
    assert key == f"{PROCEDURE}|1|"
    assert_accessible(found.content)
    form = found.content.decode().split('class="counter"', 1)[1]
    # The first button of the form is the one Enter presses: it finds, and records nothing.
    first = re.search(r"<button[^>]*>", form)
    assert first is not None and 'name="find"' in first.group(0)
    assert "Đăng ký khai sinh" in form
    # The checklist comes from the procedure version, with the quantity asked for.
    assert f'name="doc-{doc_pk(TOKHAI)}-received"' in form
    assert "1 bản chính" in form
    assert value_of(found.content, f"doc-{doc_pk(TOKHAI)}-originals") == "1"


def test_find_by_words_lists_only_procedures_the_counter_receives(client: Client, world: World) -> None:
    with time_machine.travel(at(1, 5, 9)):
        factories.procedure("1.000894", "Đăng ký kết hôn")
        factories.procedure("2.001111", "Đăng ký hoạt động của văn phòng công chứng", levels=["central"])
    login(client, world.receiver)
    listed, key = find(client, "dang ky", applicant_name="Trần Văn Bình")
    text = listed.content.decode()
    assert key == ""  # several found: none shown until one is picked
    assert 'name="pick" value="1.001193"' in text and 'name="pick" value="1.000894"' in text
    assert "2.001111" not in text  # decided at ministry level: not for a commune centre
    assert value_of(listed.content, "applicant_name") == "Trần Văn Bình"
    assert_accessible(listed.content)
    picked = post(
        client, {"procedure_q": "dang ky", "pick": "1.000894", "find": "1", "applicant_name": "Trần Văn Bình"}
    )
    assert shown_key(picked.content) == "1.000894|1|"
    assert value_of(picked.content, "procedure_q") == "1.000894"
    assert value_of(picked.content, "applicant_name") == "Trần Văn Bình"
    # The code of a procedure the counter does not receive says why.
    refused, key = find(client, "2.001111")
    assert refused.status_code == 400
    assert key == ""
    assert "does not receive dossiers of procedure 2.001111" in refused.content.decode()


def test_unknown_procedure_is_said_next_to_the_field_and_keeps_the_entries(client: Client, world: World) -> None:
    login(client, world.receiver)
    data = entries(world, procedure_q="9.999999")
    response = post(client, data | {"shown": f"{PROCEDURE}|1|", "outcome": "complete"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is no procedure with the code 9.999999." in text
    assert 'id="id_procedure_q_error"' in text
    assert 'href="#id_procedure_q"' in text
    assert value_of(response.content, "procedure_q") == "9.999999"
    assert value_of(response.content, "applicant_name") == "Nguyễn Thị Hoa"
    assert value_of(response.content, "applicant_id_number") == " 079186012345 "
    assert value_of(response.content, "summary") == "Đăng ký khai sinh cho con gái"
    assert not Dossier.objects.exists()
    words, _key = find(client, "thủ tục không có")
    assert words.status_code == 400
    assert "No procedure in force that your counter receives matches “thủ tục không có”." in words.content.decode()


# -- the three outcomes ----------------------------------------------------------------------------------


def test_complete_in_person_receives_with_code_and_appointment(client: Client, world: World) -> None:
    login(client, world.receiver)
    response = record(client, entries(world), "complete")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert response["Location"] == page(dossier.code or "")
    assert dossier.state == State.RECEIVED
    assert dossier.code is not None and dossier.code.startswith(world.centre.code + "-260302-")
    assert dossier.appointment_at is not None and dossier.due_at == dossier.appointment_at
    assert (dossier.channel, dossier.receiving_agency, dossier.competent_agency) == (
        "in_person",
        world.centre,
        world.ward,
    )
    assert (dossier.applicant_name, dossier.applicant_id_number, dossier.applicant_phone) == (
        "Nguyễn Thị Hoa",
        "079186012345",
        "0901234567",
    )
    assert dossier.applicant_email == "hoa@example.invalid"
    assert dossier.summary == "Đăng ký khai sinh cho con gái"
    assert dossier.form_data == {
        "case": "",
        "documents_received": [{"name": TOKHAI, "originals": 1, "copies": 0}],
        "intake_key": dossier.form_data["intake_key"],
    }
    actions = list(HistoryEntry.objects.filter(dossier=dossier).order_by("sequence").values_list("action", "actor"))
    assert actions == [("submit", "Receiver"), ("receive", "Receiver")]
    with time_machine.travel(MONDAY):
        landed = client.get(response["Location"], **EN)  # type: ignore[arg-type]
    text = landed.content.decode()
    assert f"Dossier {dossier.code} received; appointment to return the result: " in text
    assert f'href="/can-bo/ho-so/{dossier.code}/phieu/receipt/"' in text
    assert "Print the receipt" in text


def test_complete_by_post(client: Client, world: World) -> None:
    channels = factories.content()["channels"]
    postal = {**channels[0], "channel": "postal", "time_limit_value": "1", "time_limit_text": "1 ngày làm việc"}
    with time_machine.travel(at(1, 5, 9)):
        factories.procedure("1.000894", "Đăng ký kết hôn", channels=[*channels, postal])
    login(client, world.receiver)
    pk = doc_pk(TOKHAI, "1.000894")
    data = entries(world, procedure_q="1.000894", channel="postal") | {f"doc-{pk}-received": "on"}
    found, _key = find(client, "1.000894")
    assert 'value="postal"' in found.content.decode() and "Public postal service (1 ngày làm việc)" in (
        found.content.decode()
    )
    response = record(client, data, "complete")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert (dossier.state, dossier.channel, dossier.procedure_code) == (State.RECEIVED, "postal", "1.000894")
    assert [e.action for e in HistoryEntry.objects.filter(dossier=dossier).order_by("sequence")] == [
        "submit",
        "receive",
    ]


def test_incomplete_gives_guidance_per_missing_document(client: Client, world: World) -> None:
    pk = doc_pk(TOKHAI)
    login(client, world.receiver)
    data = entries(world) | {f"doc-{pk}-received": ""}
    response = record(client, data, "incomplete")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert dossier.state == State.INCOMPLETE and dossier.code is None
    assert response["Location"] == page(str(dossier.uuid))
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None and entry.action == "mark_incomplete"
    assert entry.data == {"missing": [{"document": TOKHAI, "reason": "Not in the dossier."}]}
    # A note next to a document brought but wrong is guidance too, in the officer's words.
    second = record(
        client,
        entries(world, applicant_name="Lê Văn Tâm") | {f"doc-{pk}-guidance": "Thiếu chữ ký của người yêu cầu"},
        "incomplete",
    )
    assert second.status_code == 302
    later = Dossier.objects.get(applicant_name="Lê Văn Tâm")
    last = HistoryEntry.objects.filter(dossier=later).order_by("-sequence").first()
    assert last is not None
    assert last.data["missing"] == [{"document": TOKHAI, "reason": "Thiếu chữ ký của người yêu cầu"}]
    assert later.form_data["documents_received"] == [{"name": TOKHAI, "originals": 1, "copies": 0}]
    with time_machine.travel(MONDAY):
        landed = client.get(response["Location"], **EN)  # type: ignore[arg-type]
    text = landed.content.decode()
    assert "Recorded as incomplete" in text
    assert "What the applicant must complete" in text and "Not in the dossier." in text
    assert f'href="/can-bo/ho-so/{dossier.uuid}/phieu/guidance/"' in text


def test_incomplete_needs_something_missing(client: Client, world: World) -> None:
    login(client, world.receiver)
    response = record(client, entries(world), "incomplete")
    assert response.status_code == 400
    assert "Nothing is listed as missing" in response.content.decode()
    assert not Dossier.objects.exists()


def test_ineligible_refuses_with_the_legal_reason(client: Client, world: World) -> None:
    login(client, world.receiver)
    reason = "Trẻ đã được đăng ký khai sinh tại Ủy ban nhân dân phường Bến Thành (Điều 13 Luật Hộ tịch 2014)."
    missing = record(client, entries(world), "ineligible")
    assert missing.status_code == 400
    assert 'id="id_legal_reason_error"' in missing.content.decode()
    assert "Give the legal reason for refusing the dossier." in missing.content.decode()
    assert not Dossier.objects.exists()
    response = record(client, entries(world, legal_reason=reason), "ineligible")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert (dossier.state, dossier.status_code, dossier.code) == (State.REFUSED, 3, None)
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None and (entry.action, entry.reason) == ("refuse", reason)
    with time_machine.travel(MONDAY):
        landed = client.get(response["Location"], **EN)  # type: ignore[arg-type]
    assert f'href="/can-bo/ho-so/{dossier.uuid}/phieu/refusal/"' in landed.content.decode()


# -- validation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"applicant_id_number": "07918601234"}, "applicant_id_number", "must have exactly 12 digits; it has 11"),
        ({"applicant_id_number": "999186012345"}, "applicant_id_number", "starts with 999"),
        ({"applicant_name": "  "}, "applicant_name", "This field is required."),
        ({"applicant_phone": "090-ABC"}, "applicant_phone", "Write the phone number with 8 to 15 digits"),
        ({"applicant_email": "hoa@"}, "applicant_email", "Enter a valid email address."),
        ({"applicant_kind": "business", "applicant_id_number": "0100112438"}, "applicant_id_number", "tax code"),
        ({"competent_agency": ""}, "competent_agency", "This field is required."),
        ({"competent_agency": "999.99.99.X99"}, "competent_agency", "No agency with code 999.99.99.X99."),
        ({"channel": "online"}, "channel", "Select a valid choice."),
        ({"doc-PK-received": ""}, "doc-PK-received", "Required for a complete dossier"),
        ({"doc-PK-originals": "0"}, "doc-PK-originals", "at least one original or one copy"),
        ({"doc-PK-copies": "hai"}, "doc-PK-copies", "Enter a whole number."),
    ],
)
def test_invalid_entries_are_said_next_to_the_field_and_kept(
    client: Client, world: World, overrides: dict[str, str], field: str, message: str
) -> None:
    pk = str(doc_pk(TOKHAI))
    overrides = {k.replace("PK", pk): v for k, v in overrides.items()}
    field = field.replace("PK", pk)
    login(client, world.receiver)
    data = entries(world) | overrides
    response = record(client, data, "complete")
    html = response.content
    text = html.decode()
    assert response.status_code == 400
    assert message in text
    assert "Nothing was recorded: correct the entries below" in text
    assert f'id="id_{field}_error"' in text
    assert f'href="#id_{field}"' in text
    assert_accessible(html)
    # Everything typed is still there.
    for name in ("applicant_name", "applicant_id_number", "applicant_address", "summary"):
        if name not in overrides:
            assert value_of(html, name) == data[name]
    assert is_checked(html, f"doc-{pk}-received") == bool(data[f"doc-{pk}-received"])
    assert not Dossier.objects.exists()


def test_business_with_a_tax_code(client: Client, world: World) -> None:
    login(client, world.receiver)
    data = entries(
        world, applicant_kind="business", applicant_name="Công ty TNHH Hoa Sen", applicant_id_number="0100112437"
    )
    response = record(client, data, "complete")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert (dossier.applicant_kind, dossier.applicant_id_number) == ("business", "0100112437")


def test_nothing_is_recorded_without_an_outcome(client: Client, world: World) -> None:
    login(client, world.receiver)
    _page, key = find(client, PROCEDURE)
    response = post(client, entries(world) | {"shown": key, "find": "1"})
    assert response.status_code == 200
    assert "Nothing was recorded" not in response.content.decode()
    assert not Dossier.objects.exists()


def test_an_outcome_on_a_checklist_no_longer_shown_records_nothing(client: Client, world: World) -> None:
    with time_machine.travel(at(1, 5, 9)):
        factories.procedure("1.000894", "Đăng ký kết hôn")
    login(client, world.receiver)
    # The officer typed another procedure but pressed an outcome before finding it.
    response = post(
        client, entries(world, procedure_q="1.000894") | {"shown": f"{PROCEDURE}|1|", "outcome": "complete"}
    )
    assert response.status_code == 409
    assert "Nothing was recorded: the procedure, its version or the case changed" in response.content.decode()
    assert shown_key(response.content) == "1.000894|1|"
    assert not Dossier.objects.exists()
    # An outcome with no procedure at all.
    bare = post(client, {"applicant_name": "Lê Văn Tâm", "outcome": "complete"})
    assert bare.status_code == 400
    assert "Find the procedure first" in bare.content.decode()
    assert value_of(bare.content, "applicant_name") == "Lê Văn Tâm"


def test_an_amendment_in_force_since_the_checklist_was_shown_records_nothing(client: Client, world: World) -> None:
    login(client, world.receiver)
    _page, key = find(client, PROCEDURE)
    assert key == f"{PROCEDURE}|1|"
    documents = [*factories.content()["documents"]]
    documents.append({**documents[0], "name": "Giấy chứng sinh"})
    channels = factories.content()["channels"]
    for channel in channels:
        channel["time_limit_value"] = "1"
    with time_machine.travel(MONDAY.replace(hour=8)):
        factories.procedure(PROCEDURE, "Đăng ký khai sinh", channels=channels, documents=documents)
    response = post(client, entries(world) | {"shown": key, "outcome": "complete"})
    assert response.status_code == 409
    assert shown_key(response.content) == f"{PROCEDURE}|2|"
    assert "Giấy chứng sinh" in response.content.decode()
    assert not Dossier.objects.exists()


# -- cases -----------------------------------------------------------------------------------------------


def _with_cases() -> None:
    general = factories.content()["documents"][0]
    documents = [
        general,
        {**general, "case_name": "Trẻ sinh tại cơ sở y tế", "name": "Giấy chứng sinh"},
        {**general, "case_name": "Trẻ bị bỏ rơi", "name": "Biên bản xác nhận trẻ bị bỏ rơi"},
    ]
    with time_machine.travel(at(1, 5, 9)):
        factories.procedure("1.000656", "Đăng ký khai sinh cho trẻ", documents=documents)


def test_the_checklist_follows_the_case(client: Client, world: World) -> None:
    _with_cases()
    login(client, world.receiver)
    found, key = find(client, "1.000656")
    text = found.content.decode()
    assert 'name="case" value="1"' in text and 'name="case" value="2"' in text
    assert "Giấy chứng sinh" not in text  # no case chosen: only the documents of every case
    data = entries(world, procedure_q="1.000656")
    general = doc_pk(TOKHAI, "1.000656")
    data |= {f"doc-{general}-received": "on", f"doc-{general}-originals": "1"}
    no_case = post(client, data | {"shown": key, "outcome": "complete"})
    assert no_case.status_code == 400
    assert 'id="id_case_error"' in no_case.content.decode()
    shown = post(client, data | {"case": "2", "find": "1"})
    key = shown_key(shown.content)
    assert key == "1.000656|1|Trẻ bị bỏ rơi"
    assert "Biên bản xác nhận trẻ bị bỏ rơi" in shown.content.decode()
    assert "Giấy chứng sinh" not in shown.content.decode()
    # The case's own required document is now asked for…
    incomplete = post(client, data | {"case": "2", "shown": key, "outcome": "complete"})
    assert incomplete.status_code == 400
    assert "Required for a complete dossier" in incomplete.content.decode()
    # …and with it the dossier is complete.
    own = doc_pk("Biên bản xác nhận trẻ bị bỏ rơi", "1.000656")
    done = post(client, data | {"case": "2", "shown": key, "outcome": "complete", f"doc-{own}-received": "on"})
    assert done.status_code == 302, done.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert dossier.form_data["case"] == "Trẻ bị bỏ rơi"
    assert [d["name"] for d in dossier.form_data["documents_received"]] == [TOKHAI, "Biên bản xác nhận trẻ bị bỏ rơi"]


# -- non-geographical receipt (Nghị định 118/2025/NĐ-CP) -------------------------------------------------------


def test_a_commune_centre_receives_for_another_commune_of_its_province(client: Client, world: World) -> None:
    login(client, world.receiver)
    found, _key = find(client, PROCEDURE)
    assert f'value="{world.other_ward.code}"' in found.content.decode()
    assert world.ward_b.code not in found.content.decode()
    response = record(client, entries(world, competent_agency=world.other_ward.code), "complete")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert (dossier.receiving_agency, dossier.competent_agency, dossier.handling_agency) == (
        world.centre,
        world.other_ward,
        world.other_ward,
    )


@pytest.mark.parametrize(("competent", "allowed"), [("ward", True), ("other_ward", True), ("ward_b", False)])
def test_the_provincial_centre_receives_for_its_province_only(
    client: Client, world: World, competent: str, allowed: bool
) -> None:
    officer = province_receiver(world)
    agency: Agency = getattr(world, competent)
    login(client, officer)
    response = record(client, entries(world, competent_agency=agency.code), "complete")
    if allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        dossier = Dossier.objects.get()
        assert (dossier.receiving_agency, dossier.competent_agency) == (world.province_centre, agency)
        assert dossier.code is not None and dossier.code.startswith(world.province_centre.code)
    else:
        assert response.status_code == 400
        text = response.content.decode()
        assert "receives dossiers only for agencies of its own province" in text
        assert 'id="id_competent_agency_error"' in text
        assert value_of(response.content, "applicant_name") == "Nguyễn Thị Hoa"
        assert not Dossier.objects.exists()


# -- speed ------------------------------------------------------------------------------------------------


def test_the_queries_do_not_grow_with_the_documents(client: Client, world: World) -> None:
    general = factories.content()["documents"][0]
    many = [{**general, "name": f"Giấy tờ số {n}"} for n in range(1, 26)]
    with time_machine.travel(at(1, 5, 9)):
        factories.procedure("1.000894", "Đăng ký kết hôn", documents=many)
    login(client, world.receiver)
    find(client, PROCEDURE)  # warm the calendar and session caches
    with CaptureQueriesContext(connection) as one:
        small, _key = find(client, PROCEDURE)
    with CaptureQueriesContext(connection) as twenty_five:
        large, _key = find(client, "1.000894")
    assert "Giấy tờ số 25" in large.content.decode()
    assert len(twenty_five) == len(one), [q["sql"] for q in twenty_five.captured_queries]
    assert len(one) <= 20
    assert small.status_code == large.status_code == 200


def test_entries_about_the_procedure_survive_a_procedure_not_found(client: Client, world: World) -> None:
    login(client, world.receiver)
    reason = "Không thuộc thẩm quyền của Ủy ban nhân dân phường (Điều 13 Luật Hộ tịch 2014)."
    lost = post(client, entries(world, procedure_q="9.999999", legal_reason=reason) | {"find": "1"})
    assert lost.status_code == 400
    assert value_of(lost.content, "legal_reason") == reason
    assert value_of(lost.content, "competent_agency") == world.ward.code
    back = post(client, entries(world, legal_reason=reason) | {"find": "1"})
    assert value_of(back.content, "legal_reason") == reason
    assert f'<option value="{world.ward.code}" selected>' in back.content.decode()


def test_the_same_form_sent_twice_records_one_dossier(client: Client, world: World) -> None:
    """A double click on "Receive", or the back button and "Receive" again: one dossier."""
    login(client, world.receiver)
    found, key = find(client, PROCEDURE)
    data = entries(world) | {"shown": key, "outcome": "complete", "intake_key": intake_key(found.content)}
    first = post(client, data)
    again = post(client, data | {"applicant_name": "Nguyễn Thị Hoà"})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    dossier = Dossier.objects.get()
    assert dossier.applicant_name == "Nguyễn Thị Hoa"
    assert HistoryEntry.objects.filter(dossier=dossier).count() == 2
    with time_machine.travel(MONDAY):
        landed = client.get(again["Location"], **EN)  # type: ignore[arg-type]
    assert "This form had already been recorded" in landed.content.decode()
    # A new visit to the counter is a new form: the next applicant gets their own dossier.
    with time_machine.travel(MONDAY):
        fresh = client.get(COUNTER)
    assert intake_key(fresh.content) != data["intake_key"]
    next_one = record(client, entries(world, applicant_name="Lê Văn Tâm"), "complete")
    assert next_one.status_code == 302
    assert Dossier.objects.count() == 2
