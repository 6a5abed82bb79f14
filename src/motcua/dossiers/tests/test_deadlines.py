"""The due moment from its inputs: units, the legal default of a number without a unit, pauses."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from motcua.calendars.engine import CalendarRules, WorkingCalendar
from motcua.dossiers import deadlines
from motcua.dossiers.deadlines import DeadlineInputs, Pause, TimeLimitUnknown

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar(CalendarRules())


def at(d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(2026, 12, d, hh, mm, tzinfo=TZ)  # December 2026: no public holiday


def test_a_number_without_a_unit_counts_in_working_days_and_says_so() -> None:
    # Received Friday 4 December 2026 at 16:20, after the 15:00 cut-off: counted from Monday 7;
    # "1" with no unit is one working day (domain §2.6), so due at the end of Monday.
    bare = deadlines.compute(CAL, DeadlineInputs(at(4, 16, 20), Decimal(1), "", time(15)))
    stated = deadlines.compute(CAL, DeadlineInputs(at(4, 16, 20), Decimal(1), "working_days", time(15)))
    assert bare.due_at == stated.due_at
    assert bare.due_at is not None and bare.due_at.date() == at(7).date()
    assert bare.unit_by_default and not stated.unit_by_default
    with translation.override("en"):
        assert "without a unit" in bare.lines()[0]
        assert not any("without a unit" in line for line in stated.lines())


def test_a_stated_unit_is_never_replaced_by_the_default() -> None:
    calendar_days = deadlines.compute(CAL, DeadlineInputs(at(4, 9), Decimal(3), "days", None))
    working_days = deadlines.compute(CAL, DeadlineInputs(at(4, 9), Decimal(3), "", None))
    # Three calendar days from Friday end on Monday; three working days end on Wednesday.
    assert calendar_days.due_at is not None and working_days.due_at is not None
    assert calendar_days.due_at < working_days.due_at
    assert working_days.due_at.date() == at(9).date()


@pytest.mark.parametrize(("amount", "unit"), [(None, ""), (None, "working_days"), (Decimal(2), "fortnights")])
def test_no_number_or_an_unknown_unit_is_refused(amount: Decimal | None, unit: str) -> None:
    with pytest.raises(TimeLimitUnknown) as refused:
        deadlines.compute(CAL, DeadlineInputs(at(4), amount, unit, None))
    assert refused.value.code == "time_limit_unknown"


def test_the_default_unit_holds_while_the_clock_is_stopped_and_after() -> None:
    inputs = DeadlineInputs(at(1), Decimal(2), "", None, pauses=(Pause(at(2), None),))
    stopped = deadlines.compute(CAL, inputs)
    assert stopped.due_at is None and stopped.unit_by_default
    resumed = deadlines.compute(CAL, DeadlineInputs(at(1), Decimal(2), "", None, pauses=(Pause(at(2), at(3)),)))
    assert resumed.unit_by_default and resumed.extension is not None
