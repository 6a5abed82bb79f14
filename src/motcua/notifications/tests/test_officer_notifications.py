"""Issue #4 item 2: officers are warned before a dossier or a step falls due, and told when it is
past due, in their inbox: the responsible officers, their leaders on a breach, nobody elsewhere.

The events come from the real deadline sweeper. Procedure 1.001193 takes 1 working day: received
Mon 2 March 2026 09:00, due Tue 3 March 09:00. A step with a 4-working-hour budget handed over at
09:00 is due Monday 14:30 (lunch 11:30–13:00); it is warned 2 working hours before, from 11:00.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine

from motcua.agencies.models import Officer, OfficerRole
from motcua.core.models import OutboxEvent
from motcua.dossiers import services, sweeper
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import MONDAY, SPECIALISTS_UNIT, World, at, received, received_b, with_specialist
from motcua.notifications.models import Audience, Channel, Kind, Notification
from motcua.notifications.tests.conftest import deliver, redeliver_all

pytestmark = pytest.mark.django_db


def sweep_and_deliver(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        sweeper.deadlines_sweep()
    report = deliver(moment)
    assert report.failed == report.retried == 0


def told(dossier: Dossier, kind: str, *, step: bool) -> set[str]:
    """The usernames of the officers told, for the dossier's own due moment or for a step."""
    events = {
        row.uuid: row.payload.get("step_order") is not None
        for row in OutboxEvent.objects.filter(aggregate_id=str(dossier.uuid))
    }
    rows = Notification.objects.filter(dossier=dossier, audience=Audience.OFFICER, kind=kind)
    rows = rows.select_related("officer__user")
    assert all(row.channel == Channel.INBOX and row.sent_at is not None for row in rows)
    return {row.officer.user.username for row in rows if row.officer and events[row.source_event_id] == step}


def test_a_dossier_still_at_the_counter_warns_its_receiving_officers(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = received(world)

    sweep_and_deliver(MONDAY)

    assert told(dossier, Kind.DEADLINE_APPROACHING, step=False) == {"receiver"}
    [row] = Notification.objects.filter(audience=Audience.OFFICER)
    assert dossier.code is not None and dossier.code in row.subject
    assert "09:00, 03/03/2026" in row.subject  # the due moment, in Vietnam's time
    assert "Nguyễn Văn An" in row.body and "Đăng ký khai sinh" in row.body


def test_an_assigned_step_warns_its_assignee_only(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)

    sweep_and_deliver(at(3, 2, 11))

    assert told(dossier, Kind.DEADLINE_APPROACHING, step=False) == {"specialist"}
    assert told(dossier, Kind.DEADLINE_APPROACHING, step=True) == {"specialist"}


def test_an_unassigned_step_warns_the_officers_of_its_unit_in_its_role(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = received(world)
        services.dossier_hand_over(
            dossier=dossier,
            officer=world.receiver,
            step_name="Thẩm định",
            role=OfficerRole.SPECIALIST,
            unit=SPECIALISTS_UNIT,
            budget=Decimal(4),
            agency=world.ward,
        )

    sweep_and_deliver(at(3, 2, 11))

    # Not the surveyor (another unit), the clerk (another role) nor the unit leader (no breach yet).
    assert told(dossier, Kind.DEADLINE_APPROACHING, step=True) == {"specialist", "colleague"}


def test_a_breach_also_reaches_the_unit_leader_and_for_the_dossier_the_agency_leader(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)

    sweep_and_deliver(at(3, 3, 10))

    assert told(dossier, Kind.DEADLINE_BREACHED, step=True) == {"specialist", "unit_leader"}
    assert told(dossier, Kind.DEADLINE_BREACHED, step=False) == {"specialist", "unit_leader", "leader"}
    # Nobody of the other province, nor the agency administrator, is told anything.
    others = {"receiver_b", "specialist_b", "leader_b", "administrator", "surveyor", "colleague"}
    assert not Notification.objects.filter(officer__user__username__in=others).exists()


def test_other_agencies_hear_nothing_of_a_dossier(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = received_b(world)

    sweep_and_deliver(at(3, 3, 10))

    # Hoàn Kiếm's specialists unit has no unit leader: the agency leader answers for the step.
    assert told(dossier, Kind.DEADLINE_BREACHED, step=True) == {"specialist_b", "leader_b"}
    assert told(dossier, Kind.DEADLINE_BREACHED, step=False) == {"specialist_b", "leader_b"}
    ward_79 = Officer.objects.filter(agency__code__endswith="X79")
    assert not Notification.objects.filter(officer__in=ward_79).exists()


def test_an_assignee_who_left_is_replaced_by_the_officers_of_the_unit(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = with_specialist(world)
    Officer.objects.filter(pk=world.specialist.pk).update(is_active=False)

    sweep_and_deliver(at(3, 2, 11))

    assert told(dossier, Kind.DEADLINE_APPROACHING, step=True) == {"colleague"}


def test_a_redelivered_warning_adds_nothing(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        with_specialist(world)
    sweep_and_deliver(at(3, 3, 10))
    count = Notification.objects.filter(audience=Audience.OFFICER).count()
    assert count == 5

    redeliver_all()
    report = deliver(at(3, 3, 11))

    assert report.delivered > 0
    assert Notification.objects.filter(audience=Audience.OFFICER).count() == count
