"""Issue #4, "done when": a dossier of 1.001193 walked from receipt to return, every due moment
checked against working days computed by hand (national calendar 2026, Tết 16–20 February)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import translation

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel, Officer
from motcua.calendars import services as calendar_services
from motcua.calendars.selectors import calendar_cache_clear
from motcua.catalog.tests import factories
from motcua.core.models import OutboxEvent
from motcua.dossiers import history, services
from motcua.dossiers.models import HistoryEntry, Step
from motcua.dossiers.workflow import State

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def _agency(code: str, name: str, kind: str, level: str, parent: Agency | None = None) -> Agency:
    return Agency.objects.create(code=code, name=name, name_folded=name.lower(), kind=kind, level=level, parent=parent)


def _officer(username: str, agency: Agency, unit: str, role: str) -> Officer:
    user = get_user_model().objects.create_user(username=username, password="x")
    return Officer.objects.create(user=user, agency=agency, unit=unit, full_name=username.title(), roles=[role])


@pytest.fixture
def setting() -> dict[str, object]:
    calendar_services.calendars_load_reference()
    calendar_cache_clear()
    # 1.001193 as an operator completed it: 1 working day, the 15:00 cut-off the record states.
    channels = factories.content()["channels"]
    for channel in channels:
        channel["time_limit_value"] = "1"
        channel["time_limit_text"] = "1 ngày làm việc; sau 15 giờ trả trong ngày làm việc tiếp theo"
    with time_machine.travel(at(1, 5, 9)):
        factories.procedure("1.001193", "Đăng ký khai sinh", channels=channels, same_day_cutoff="15:00")
    commune = _agency(
        "267.40.00.X79", "Ủy ban nhân dân phường Sài Gòn", AgencyKind.COMMUNE_PEOPLES_COMMITTEE, AgencyLevel.COMMUNE
    )
    centre = _agency(
        "267.40.01.X79",
        "Trung tâm Phục vụ hành chính công phường Sài Gòn",
        AgencyKind.COMMUNE_SERVICE_CENTRE,
        AgencyLevel.COMMUNE,
        commune,
    )
    return {
        "commune": commune,
        "centre": centre,
        "receiver": _officer("receiver", centre, "Bộ phận Một cửa", "receiving_officer"),
        "specialist": _officer("specialist", commune, "Tư pháp - hộ tịch", "specialist"),
        "leader": _officer("leader", commune, "Lãnh đạo UBND", "agency_leader"),
        "returner": _officer("returner", centre, "Bộ phận Một cửa", "returning_officer"),
    }


def test_a_birth_registration_from_receipt_to_return(setting: dict[str, object]) -> None:
    commune, centre = setting["commune"], setting["centre"]
    receiver, specialist = setting["receiver"], setting["specialist"]
    leader, returner = setting["leader"], setting["returner"]
    assert isinstance(commune, Agency) and isinstance(centre, Agency)
    assert isinstance(receiver, Officer) and isinstance(specialist, Officer)
    assert isinstance(leader, Officer) and isinstance(returner, Officer)
    applicant = services.Applicant(name="Nguyễn Văn An", id_number="079086012345", phone="0903123456")

    # Thu 12/02/2026 16:20, at the counter: after the 15:00 cut-off → counted from Fri 13/02 07:30;
    # 1 working day → due at the close of Fri 13/02.
    with time_machine.travel(at(2, 12, 16, 20)):
        dossier = services.dossier_receive_at_counter(
            procedure_code="1.001193", applicant=applicant, officer=receiver, competent_agency=commune
        )
    assert dossier.code == "267.40.01.X79-260212-0001"
    assert dossier.state == State.RECEIVED and dossier.status_code == 2
    assert dossier.due_at == at(2, 13, 17) and dossier.appointment_at == at(2, 13, 17)

    # Fri 13/02 08:00: hand-over 1 to the civil-status officer, 4 working hours → 08:00–11:30 and
    # 13:00–13:30 → step due Fri 13/02 13:30.
    with time_machine.travel(at(2, 13, 8)):
        step1 = services.dossier_hand_over(
            dossier=dossier,
            officer=receiver,
            step_name="Thẩm định, trình ký",
            role="specialist",
            unit="Tư pháp - hộ tịch",
            budget=Decimal(4),
            assignee=specialist,
        )
    assert step1.due_at == at(2, 13, 13, 30)
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROCESS and dossier.status_code == 4

    # Fri 13/02 10:00: a supplement is requested; the clock stops (status 5).
    with time_machine.travel(at(2, 13, 10)):
        services.dossier_request_supplement(
            dossier=dossier,
            officer=specialist,
            items=[{"document": "Giấy chứng sinh", "reason": "Bản chụp không đọc được số hiệu"}],
        )
    dossier.refresh_from_db()
    assert dossier.status_code == 5 and dossier.due_at is None and not dossier.is_late

    # Mon 23/02 09:00 (after Tết): the applicant supplements. The clock stood still for Fri 10:00–
    # 11:30 and 13:00–17:00 (5.5 h), nothing over the weekend and Tết, Mon 07:30–09:00 (1.5 h):
    # 7 working hours. Due: Fri 13/02 17:00 + 7 h → Mon 23/02 07:30–11:30 (4 h) + 13:00–16:00 (3 h).
    with time_machine.travel(at(2, 23, 9)):
        services.dossier_supplement(dossier=dossier, documents=["Giấy chứng sinh (bản chính)"])
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROCESS
    assert dossier.due_at == at(2, 23, 16) and dossier.appointment_at == at(2, 23, 16)
    # The open step got its time back too: Fri 13:30 + 7 h → Mon 23/02 11:00.
    step1.refresh_from_db()
    assert step1.due_at == at(2, 23, 11)
    with translation.override("en"):
        lines = services.dossier_deadline(dossier=dossier).lines()
    assert any("after the afternoon cut-off" in line for line in lines)
    assert any("Monday 16/02/2026" in line and "Lunar New Year" in line for line in lines)
    assert any("7 working hours" in line for line in lines)
    assert lines[-1] == "Due: Monday 23/02/2026 16:00."

    # Mon 23/02 10:30: hand-over 2 to the leader, 2 working hours → 10:30–11:30, 13:00–14:00.
    with time_machine.travel(at(2, 23, 10, 30)):
        step2 = services.dossier_hand_over(
            dossier=dossier,
            officer=specialist,
            step_name="Ký Giấy khai sinh",
            role="agency_leader",
            unit="Lãnh đạo UBND",
            budget=Decimal(2),
            assignee=leader,
        )
    step1.refresh_from_db()
    assert step1.outcome == Step.Outcome.ON_TIME  # 30 minutes before its due moment
    assert step2.due_at == at(2, 23, 14)

    # Mon 23/02 15:00: the leader is away; before the due moment (16:00) the agency apologises
    # with a new appointment, Tue 24/02 10:00. The dossier counts as late whatever the new date.
    with time_machine.travel(at(2, 23, 15)):
        apology = services.dossier_apologise(
            dossier=dossier,
            officer=specialist,
            reason="Lãnh đạo đi công tác đột xuất",
            explanation_to_head="Chậm do lãnh đạo vắng; đã xin lỗi công dân",
            new_appointment_at=at(2, 24, 10),
        )
    dossier.refresh_from_db()
    assert apology.previous_appointment_at == at(2, 23, 16)
    assert dossier.appointment_at == at(2, 24, 10) and dossier.due_at == at(2, 23, 16) and dossier.is_late

    # Tue 24/02 09:00: the result is ready (status 9): Giấy khai sinh, numbered <code>-KQ1.
    with time_machine.travel(at(2, 24, 9)):
        results = services.dossier_mark_result_ready(
            dossier=dossier, officer=leader, results=[{"name": "Giấy khai sinh", "result_type_code": "KQ.G15.000031"}]
        )
    assert [r.code for r in results] == ["267.40.01.X79-260212-0001-KQ1"]
    step2.refresh_from_db()
    assert step2.outcome == Step.Outcome.LATE
    # Tue 24/02 10:00: returned (status 10), at the new appointment.
    with time_machine.travel(at(2, 24, 10)):
        services.dossier_return_result(dossier=dossier, officer=returner)
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and dossier.status_code == 10 and dossier.is_late

    actions = list(HistoryEntry.objects.filter(dossier=dossier).values_list("action", flat=True))
    assert actions == [
        "submit",
        "receive",
        "start_processing",
        "hand_over",
        "request_supplement",
        "supplement",
        "hand_over",
        "apologise",
        "mark_result_ready",
        "return_result",
    ]
    assert history.verify(dossier) == []
    # Each change published its event in the same transaction (the outbox), in order.
    events = OutboxEvent.objects.filter(aggregate_type="dossier", aggregate_id=str(dossier.uuid))
    published = list(events.order_by("aggregate_sequence").values_list("payload", flat=True))
    assert [e["action"] for e in published] == actions
    assert published[-1]["status_code"] == 10 and published[-1]["is_late"] is True


def test_an_altered_history_entry_is_detected(setting: dict[str, object]) -> None:
    receiver, commune = setting["receiver"], setting["commune"]
    assert isinstance(receiver, Officer) and isinstance(commune, Agency)
    with time_machine.travel(at(3, 2, 9)):
        dossier = services.dossier_receive_at_counter(
            procedure_code="1.001193",
            applicant=services.Applicant(name="Trần Thị B", id_number="001186000001"),
            officer=receiver,
            competent_agency=commune,
        )
    assert history.verify(dossier) == []
    HistoryEntry.objects.filter(dossier=dossier, sequence=1).update(actor="Someone else")
    problems = history.verify(dossier)
    assert [(p.sequence, p.problem) for p in problems] == [(1, "its content was changed after it was written")]
    HistoryEntry.objects.filter(dossier=dossier, sequence=1).delete()
    assert any("missing" in p.problem for p in history.verify(dossier))


def test_two_officers_acting_on_the_same_revision_one_gets_a_conflict(setting: dict[str, object]) -> None:
    receiver, commune, specialist = setting["receiver"], setting["commune"], setting["specialist"]
    assert isinstance(receiver, Officer) and isinstance(commune, Agency) and isinstance(specialist, Officer)
    with time_machine.travel(at(3, 2, 9)):
        dossier = services.dossier_receive_at_counter(
            procedure_code="1.001193",
            applicant=services.Applicant(name="Lê Văn C", id_number="001086000002"),
            officer=receiver,
            competent_agency=commune,
        )
        seen = dossier.revision
        services.dossier_hand_over(
            dossier=dossier,
            officer=receiver,
            step_name="Thẩm định",
            role="specialist",
            unit="Tư pháp",
            budget=Decimal(4),
            expected_revision=seen,
        )
        with pytest.raises(services.DossierChanged):
            services.dossier_hand_over(
                dossier=dossier,
                officer=specialist,
                step_name="Thẩm định",
                role="specialist",
                unit="Tư pháp",
                budget=Decimal(4),
                expected_revision=seen,
            )
        with pytest.raises(services.TransitionNotAllowed):
            services.dossier_return_result(dossier=dossier, officer=receiver)
    assert Step.objects.filter(dossier=dossier).count() == 1


def test_the_verify_history_command_reports_alterations(setting: dict[str, object]) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    receiver, commune = setting["receiver"], setting["commune"]
    assert isinstance(receiver, Officer) and isinstance(commune, Agency)
    with time_machine.travel(at(3, 2, 9)):
        dossier = services.dossier_receive_at_counter(
            procedure_code="1.001193",
            applicant=services.Applicant(name="Phạm D", id_number="001086000003"),
            officer=receiver,
            competent_agency=commune,
        )
    out = StringIO()
    call_command("verify-history", stdout=out)
    assert "The history of 1 dossier(s) is intact." in out.getvalue()
    HistoryEntry.objects.filter(dossier=dossier, sequence=2).update(reason="edited later")
    out = StringIO()
    with pytest.raises(CommandError, match="1 alteration"):
        call_command("verify-history", str(dossier.code), stdout=out)
    assert f"{dossier.code}: entry 2 its content was changed after it was written" in out.getvalue()
