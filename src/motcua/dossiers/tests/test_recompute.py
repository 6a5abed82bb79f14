"""Due moments follow a holiday decision taken after receipt (issue #4 §2)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from motcua.agencies.models import Agency, Officer
from motcua.calendars import services as calendar_services
from motcua.core.events import deliver_pending
from motcua.core.models import OutboxEvent
from motcua.dossiers import history, services
from motcua.dossiers.models import Dossier, HistoryEntry, Pause
from motcua.dossiers.recompute import deadlines_recompute
from motcua.dossiers.tests.test_journey_birth_registration import setting  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _receive(world: dict[str, object], name: str, id_number: str) -> Dossier:
    receiver, commune = world["receiver"], world["commune"]
    assert isinstance(receiver, Officer) and isinstance(commune, Agency)
    return services.dossier_receive_at_counter(
        procedure_code="1.001193",
        applicant=services.Applicant(name=name, id_number=id_number),
        officer=receiver,
        competent_agency=commune,
    )


def test_a_day_off_decided_after_receipt_moves_the_due_moment(setting: dict[str, object]) -> None:  # noqa: F811
    # Mon 07/12/2026 09:00, 1 working day → due Tue 08/12 09:00.
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=TZ)):
        dossier = _receive(setting, "Nguyễn Văn E", "079086000201")
        other = _receive(setting, "Nguyễn Văn F", "079086000202")
    assert dossier.due_at == datetime(2026, 12, 8, 9, tzinfo=TZ)
    with time_machine.travel(datetime(2026, 12, 7, 10, tzinfo=TZ)):
        specialist = setting["specialist"]
        assert isinstance(specialist, Officer)
        services.dossier_apologise(
            dossier=other,
            officer=specialist,
            reason="Chờ xác minh",
            explanation_to_head="Chậm do xác minh",
            new_appointment_at=datetime(2026, 12, 10, 9, tzinfo=TZ),
        )
        # The government gives Tue 08/12/2026 off; the operator records it.
        calendar_services.calendar_exception_save(
            calendar=None, day=date(2026, 12, 8), kind="day_off", name_vi="Nghỉ theo quyết định", actor="operator"
        )
        report = deadlines_recompute(reason="Quyết định nghỉ 08/12")
    assert (report.checked, report.changed) == (2, 2)
    dossier.refresh_from_db()
    other.refresh_from_db()
    # Tue is off: the working day after Mon 09:00 is Wed 09/12 09:00.
    assert dossier.due_at == datetime(2026, 12, 9, 9, tzinfo=TZ) and dossier.appointment_at == dossier.due_at
    # The apology's new appointment stays; the statutory due moment moves.
    assert other.due_at == dossier.due_at and other.appointment_at == datetime(2026, 12, 10, 9, tzinfo=TZ)
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None and entry.action == "deadline_recomputed" and entry.reason == "Quyết định nghỉ 08/12"
    assert history.verify(dossier) == [] and history.verify(other) == []
    with time_machine.travel(datetime(2026, 12, 7, 11, tzinfo=TZ)):
        assert deadlines_recompute().changed == 0


def test_a_calendar_change_triggers_the_recompute_through_its_event(setting: dict[str, object]) -> None:  # noqa: F811
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=TZ)):
        dossier = _receive(setting, "Trần Thị G", "079186000203")
        calendar_services.calendar_exception_save(
            calendar=None, day=date(2026, 12, 8), kind="day_off", name_vi="Nghỉ theo quyết định", actor="operator"
        )
    assert OutboxEvent.objects.filter(event_type="calendars.calendar_changed").exists()
    with time_machine.travel(datetime(2026, 12, 7, 9, 5, tzinfo=TZ)):
        deliver_pending(limit=100)
    dossier.refresh_from_db()
    assert dossier.due_at == datetime(2026, 12, 9, 9, tzinfo=TZ)


def test_the_batch_reads_the_pauses_as_the_dossier_does(setting: dict[str, object]) -> None:  # noqa: F811
    # The recompute reads a batch's pauses in one query; its due moments must be those that each
    # dossier's own pauses give (services.dossier_deadline), with several pauses and one still open.
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=TZ)):
        paused = _receive(setting, "Nguyễn Văn G", "079086000203")
        waiting = _receive(setting, "Nguyễn Văn H", "079086000204")
        plain = _receive(setting, "Nguyễn Văn I", "079086000205")
    # Created out of order: the later pause first.
    Pause.objects.create(
        dossier=paused, started_at=datetime(2026, 12, 9, 8, tzinfo=TZ), ended_at=datetime(2026, 12, 10, 8, tzinfo=TZ)
    )
    Pause.objects.create(
        dossier=paused, started_at=datetime(2026, 12, 7, 10, tzinfo=TZ), ended_at=datetime(2026, 12, 8, 10, tzinfo=TZ)
    )
    Pause.objects.create(dossier=waiting, started_at=datetime(2026, 12, 7, 10, tzinfo=TZ), ended_at=None)
    with time_machine.travel(datetime(2026, 12, 7, 11, tzinfo=TZ)):
        report = deadlines_recompute(batch_size=2)
    assert report.checked == 3
    for dossier in (paused, waiting, plain):
        dossier = Dossier.objects.get(pk=dossier.pk)
        assert dossier.due_at == services.dossier_deadline(dossier=dossier).due_at
    assert Dossier.objects.get(pk=paused.pk).due_at != Dossier.objects.get(pk=plain.pk).due_at
