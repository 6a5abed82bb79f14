"""Issue #4, "officers are warned before a step or dossier falls due": the deadline sweeper.

National calendar, hours 07:30–11:30 and 13:00–17:00 (8 working hours a day), March 2026:
Mon 2, Tue 3, Wed 4, Thu 5, Fri 6, (Sat 7, Sun 8 off), Mon 9. Procedure 1.001193 takes
1 working day: received Mon 2 March 09:00, due Tue 3 March 09:00.
"""

from __future__ import annotations

import io
import os
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings

from motcua.agencies.models import OfficerRole
from motcua.core.models import OutboxEvent
from motcua.dossiers import services, sweeper
from motcua.dossiers.events import DeadlineApproaching, DeadlineBreached
from motcua.dossiers.models import Dossier, Step
from motcua.dossiers.tests.conftest import MONDAY, SPECIALISTS_UNIT, World, at, received, with_specialist

pytestmark = pytest.mark.django_db

APPROACHING = DeadlineApproaching.event_type
BREACHED = DeadlineBreached.event_type


def deadline_events(dossier: Dossier) -> list[tuple[str, dict[str, object]]]:
    rows = OutboxEvent.objects.filter(
        aggregate_type="dossier", aggregate_id=str(dossier.uuid), event_type__in=[APPROACHING, BREACHED]
    ).order_by("aggregate_sequence")
    return [(row.event_type, row.payload) for row in rows]


def sweep(moment: datetime) -> sweeper.SweepReport:
    with time_machine.travel(moment, tick=False):
        return sweeper.deadlines_sweep()


@pytest.fixture
def dossier(world: World) -> Dossier:
    with time_machine.travel(MONDAY, tick=False):
        return received(world)


def test_it_is_due_the_next_working_day(dossier: Dossier) -> None:
    assert dossier.due_at == at(3, 3, 9)  # Tue 3 March 09:00


def test_it_warns_once_the_working_day_before(world: World, dossier: Dossier) -> None:
    report = sweep(MONDAY)

    assert report.as_dict() == {
        "dossiers_warned": 1,
        "dossiers_breached": 0,
        "steps_warned": 0,
        "steps_breached": 0,
        "lost": 0,
    }
    dossier.refresh_from_db()
    assert dossier.warned_at == MONDAY
    assert dossier.breached_at is None
    assert deadline_events(dossier) == [
        (
            APPROACHING,
            {
                "dossier_uuid": str(dossier.uuid),
                "dossier_code": dossier.code,
                "step_order": None,
                "due_at": "2026-03-03T02:00:00+00:00",
                "handling_agency_code": world.ward.code,
                "assignee_officer_id": None,
                "at": "2026-03-02T02:00:00+00:00",
            },
        )
    ]
    # Again, later the same day: nothing new.
    assert sweep(at(3, 2, 16)).published == 0
    assert len(deadline_events(dossier)) == 1


@pytest.mark.parametrize(
    ("due_at", "swept_at", "warned"),
    [
        # Due Wed 4 March 09:00: 8 working hours before is Tue 3 March 09:00.
        (at(3, 4, 9), at(3, 3, 8, 59), False),
        (at(3, 4, 9), at(3, 3, 9), True),
        # Due Wed 4 March 14:00: Tue 16:00 → Wed 14:00 is 1 + 5.5 = 6.5 working hours.
        (at(3, 4, 14), at(3, 3, 11), False),  # 0.5 + 4 + 4 + 1 = 9.5 h
        (at(3, 4, 14), at(3, 3, 16), True),
        # Due Mon 9 March 09:00: the weekend does not count, so the warning comes on Friday 09:00.
        (at(3, 9, 9), at(3, 6, 8, 59), False),
        (at(3, 9, 9), at(3, 6, 9), True),
        (at(3, 9, 9), at(3, 7, 10), True),  # Saturday: nothing worked since Friday evening
    ],
)
def test_the_warning_comes_one_working_day_before(
    dossier: Dossier, due_at: datetime, swept_at: datetime, warned: bool
) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(due_at=due_at)

    report = sweep(swept_at)

    assert report.dossiers_warned == int(warned)
    assert report.dossiers_breached == 0
    assert [event_type for event_type, _payload in deadline_events(dossier)] == [APPROACHING] * int(warned)


def test_past_due_it_reports_one_breach(dossier: Dossier) -> None:
    sweep(MONDAY)  # the warning

    report = sweep(at(3, 3, 10))  # Tue 10:00, an hour past due

    assert (report.dossiers_breached, report.dossiers_warned) == (1, 0)
    dossier.refresh_from_db()
    assert dossier.breached_at == at(3, 3, 10)
    assert [event_type for event_type, _payload in deadline_events(dossier)] == [APPROACHING, BREACHED]
    assert deadline_events(dossier)[1][1]["at"] == "2026-03-03T03:00:00+00:00"
    assert sweep(at(3, 4, 10)).published == 0
    assert len(deadline_events(dossier)) == 2


def test_a_dossier_found_past_due_unwarned_gets_the_breach_only(dossier: Dossier) -> None:
    report = sweep(at(3, 5, 10))

    assert (report.dossiers_warned, report.dossiers_breached) == (0, 1)
    assert [event_type for event_type, _payload in deadline_events(dossier)] == [BREACHED]
    dossier.refresh_from_db()
    assert dossier.warned_at is None


def test_a_dossier_paused_for_a_supplement_is_never_warned(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)
    with time_machine.travel(at(3, 2, 9, 30), tick=False):
        services.dossier_request_supplement(
            dossier=dossier, officer=world.specialist, items=[{"document": "Giấy chứng sinh", "reason": "mờ"}]
        )
    dossier.refresh_from_db()
    assert dossier.due_at is None

    for moment in (at(3, 2, 10), at(3, 2, 16), at(3, 3, 10), at(3, 10, 10)):
        assert sweep(moment).published == 0
    assert deadline_events(dossier) == []
    assert Step.objects.filter(dossier=dossier, warned_at__isnull=False).count() == 0


def test_a_finished_dossier_is_not_warned(world: World, dossier: Dossier) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(finished_at=MONDAY)

    assert sweep(at(3, 3, 10)).published == 0
    assert deadline_events(dossier) == []


def test_a_step_is_warned_two_working_hours_before_its_due_moment(world: World) -> None:
    # Handed over Mon 09:00 with 4 working hours: due Mon 14:30 (09:00–11:30, then 13:00–14:30).
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)
    step = Step.objects.get(dossier=dossier)
    assert step.due_at == at(3, 2, 14, 30)
    Dossier.objects.filter(pk=dossier.pk).update(warned_at=MONDAY)  # the dossier's own warning is not the point

    assert sweep(at(3, 2, 10, 59)).steps_warned == 0  # 0.5 + 1.5 h + 1 min
    report = sweep(at(3, 2, 11))  # 11:00–11:30 and 13:00–14:30: 2 working hours

    assert (report.steps_warned, report.dossiers_warned) == (1, 0)
    step.refresh_from_db()
    assert step.warned_at == at(3, 2, 11)
    assert deadline_events(dossier) == [
        (
            APPROACHING,
            {
                "dossier_uuid": str(dossier.uuid),
                "dossier_code": dossier.code,
                "step_order": 1,
                "due_at": "2026-03-02T07:30:00+00:00",
                "handling_agency_code": world.ward.code,
                "assignee_officer_id": world.specialist.pk,
                "at": "2026-03-02T04:00:00+00:00",
            },
        )
    ]
    assert sweep(at(3, 2, 13)).published == 0

    report = sweep(at(3, 2, 15))
    assert (report.steps_breached, report.steps_warned) == (1, 0)
    assert [event_type for event_type, _payload in deadline_events(dossier)] == [APPROACHING, BREACHED]


def test_the_dossier_warning_names_the_current_assignee(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)

    sweep(MONDAY)

    dossier_events = [payload for _type, payload in deadline_events(dossier) if payload["step_order"] is None]
    assert [payload["assignee_officer_id"] for payload in dossier_events] == [world.specialist.pk]


def test_a_completed_step_is_not_warned(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)
        services.dossier_hand_over(
            dossier=dossier,
            officer=world.specialist,
            step_name="Trình ký",
            role=OfficerRole.SPECIALIST,
            unit=SPECIALISTS_UNIT,
            budget=Decimal(40),
            agency=world.ward,
        )

    sweep(at(3, 2, 15))  # past the first step's due moment

    steps = {payload["step_order"] for _type, payload in deadline_events(dossier)}
    assert 1 not in steps


@override_settings(DEADLINE_WARNING_WORKING_HOURS_STEP=1, DEADLINE_WARNING_WORKING_HOURS_DOSSIER=2)
def test_the_lead_times_are_settings(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)

    # The step is due Mon 14:30, the dossier Tue 09:00.
    assert sweep(at(3, 2, 11)).published == 0  # the step: 2 h left; the dossier: 6 h
    report = sweep(at(3, 2, 13, 30))  # the step: 1 h left; the dossier: 5 h
    assert (report.steps_warned, report.dossiers_warned) == (1, 0)
    report = sweep(at(3, 2, 16))  # the dossier: 1 + 1.5 = 2.5 h left
    assert (report.steps_breached, report.dossiers_warned) == (1, 0)
    assert sweep(at(3, 2, 16, 30)).dossiers_warned == 1  # 0.5 + 1.5 = 2 h left
    assert len(deadline_events(dossier)) == 3


def test_a_second_sweep_reading_the_same_rows_publishes_nothing(dossier: Dossier) -> None:
    moment = at(3, 2, 10)
    first = sweeper.candidates(now=moment, limit=500)
    second = sweeper.candidates(now=moment, limit=500)  # another sweeper, same read
    assert first == second and len(first) == 1

    with time_machine.travel(moment, tick=False):
        assert [sweeper.claim_and_publish(c, now=moment) for c in first] == [True]
        assert [sweeper.claim_and_publish(c, now=moment) for c in second] == [False]

    assert len(deadline_events(dossier)) == 1


def test_two_interleaved_sweeps_publish_once(world: World, dossier: Dossier, monkeypatch: pytest.MonkeyPatch) -> None:
    with time_machine.travel(MONDAY, tick=False):
        other = with_specialist(world, name="Lê Thị Cúc", id_number="079186000002")
    read = sweeper.candidates
    inner: list[sweeper.SweepReport] = []
    started: list[bool] = []

    def read_then_another_sweeper_runs(*, now: datetime, limit: int) -> list[sweeper.Candidate]:
        found = read(now=now, limit=limit)
        if not started:
            # The other sweeper runs entirely between our read and our claims.
            started.append(True)
            inner.append(sweeper.deadlines_sweep(now=now, limit=limit))
        return found

    monkeypatch.setattr(sweeper, "candidates", read_then_another_sweeper_runs)
    outer = sweep(at(3, 2, 11))

    assert inner[0].published == 3  # both dossiers and the step
    assert (outer.published, outer.lost) == (0, 3)
    assert len(deadline_events(dossier)) == 1
    assert len(deadline_events(other)) == 2


def test_a_due_moment_changed_since_the_read_is_not_claimed(dossier: Dossier) -> None:
    moment = at(3, 2, 10)
    [candidate] = sweeper.candidates(now=moment, limit=500)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=at(3, 10, 9))  # e.g. moved by a supplement

    with time_machine.travel(moment, tick=False):
        assert sweeper.claim_and_publish(candidate, now=moment) is False
        assert sweeper.deadlines_sweep(now=moment).published == 0
    assert deadline_events(dossier) == []


def test_the_limit_bounds_each_kind(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        for number in range(3):
            received(world, name=f"Người {number}", id_number=f"07908600000{number}")

    assert sweeper.deadlines_sweep(now=at(3, 2, 10), limit=2).dossiers_warned == 2
    assert sweeper.deadlines_sweep(now=at(3, 2, 10), limit=2).dossiers_warned == 1


# -- the command -----------------------------------------------------------------------------------


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_the_command_sweeps_once(dossier: Dossier) -> None:
    out = io.StringIO()
    with time_machine.travel(at(3, 2, 10), tick=False):
        call_command("sweep-deadlines", stdout=out)
        call_command("sweep-deadlines", stdout=out)

    assert out.getvalue() == "Deadlines: 1 dossiers warned.\nDeadlines: nothing due.\n"


@pytest.mark.django_db(transaction=True)  # the loop closes the connection if it is in a transaction
def test_the_looping_command_stops_on_sigterm(
    dossier: Dossier, signal_handlers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweeps: list[sweeper.SweepReport] = []
    real = sweeper.deadlines_sweep

    def sweep_then_sigterm(**kwargs: object) -> sweeper.SweepReport:
        report = real(now=at(3, 2, 10))
        sweeps.append(report)
        os.kill(os.getpid(), signal.SIGTERM)
        return report

    monkeypatch.setattr(sweeper, "deadlines_sweep", sweep_then_sigterm)
    out, err = io.StringIO(), io.StringIO()

    call_command("sweep-deadlines", "--loop", "--interval", "0.01", stdout=out, stderr=err)

    assert len(sweeps) == 1
    assert "Deadlines: 1 dossiers warned." in out.getvalue()
    assert out.getvalue().endswith("Stopped.\n")
    assert "stopping after the claim in hand" in err.getvalue()


# -- several sweepers at once, on PostgreSQL ------------------------------------------------------------


def _in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_concurrent_sweepers_publish_each_event_once(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossiers = [with_specialist(world, name=f"Người {n}", id_number=f"07908600001{n}") for n in range(5)]

    reports = _in_threads(4, lambda i: sweeper.deadlines_sweep(now=at(3, 2, 11)))

    assert all(isinstance(report, sweeper.SweepReport) for report in reports), reports
    published = sum(report.published for report in reports if isinstance(report, sweeper.SweepReport))
    assert published == 10  # each dossier and its step, once
    for dossier in dossiers:
        assert sorted(str(payload["step_order"]) for _type, payload in deadline_events(dossier)) == ["1", "None"]
