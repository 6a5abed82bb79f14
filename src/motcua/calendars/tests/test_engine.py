"""The working-day calendar pinned on real dates (holidays 0.109 + the 2026 official decisions).

Each row names the weekday and the holiday in a comment, so that a reader can check it with a
paper calendar. The 2027 rows follow the statutory rules (Tết dates are decided each year).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import translation

from motcua.calendars.engine import (
    SATURDAY_MORNING,
    CalendarRules,
    DayKind,
    Interval,
    Label,
    OutOfRange,
    Shift,
    WorkingCalendar,
    group_consecutive,
)
from motcua.calendars.explain import explanation_lines

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SWAP_2026 = "Công văn 12729/VPCP-KGVX ngày 25/12/2025"
RULES = CalendarRules(
    days_off={date(2026, 1, 2): Label("Nghỉ Tết Dương lịch (hoán đổi)", "New Year (swapped)", SWAP_2026)},
    working_days={date(2026, 1, 10): Label("Làm bù cho ngày 02/01/2026", "Worked instead of 02/01", SWAP_2026)},
)
CAL = WorkingCalendar(RULES)


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


DUE_DAYS = [
    # (received, working days, cut-off, expected due, why counting moved, days not counted, what it pins)
    # Thu 01/01/2026 New Year; Fri 02/01 swapped off; Sat 03, Sun 04 → counted from Mon 05/01 07:30;
    # Mon 05, Tue 06, Wed 07 → due at the close of Wed 07/01.
    (
        at(2026, 1, 1),
        3,
        None,
        at(2026, 1, 7, 17, 0),
        Shift.NON_WORKING_DAY,
        "01/01 H, 02/01 O, 03/01 W, 04/01 W",
        "new year and the 2 January swap",
    ),
    # Wed 31/12/2025 09:00 + 1 → Thu 01/01 off, Fri 02/01 off (swap), Sat 03, Sun 04 → Mon 05/01 09:00.
    (
        at(2025, 12, 31),
        1,
        None,
        at(2026, 1, 5, 9, 0),
        Shift.NONE,
        "01/01 H, 02/01 O, 03/01 W, 04/01 W",
        "1 and 2 January skipped",
    ),
    # Thu 08/01/2026 09:00 + 2 → Fri 09/01, Sat 10/01 is worked (swap) → due Sat 10/01 09:00.
    (at(2026, 1, 8), 2, None, at(2026, 1, 10, 9, 0), Shift.NONE, "", "the working Saturday 10 January counts"),
    # Fri 13/02/2026 16:20 + 3 → Tết Bính Ngọ Mon 16–Fri 20/02 → Mon 23, Tue 24, Wed 25/02 16:20.
    (
        at(2026, 2, 13, 16, 20),
        3,
        None,
        at(2026, 2, 25, 16, 20),
        Shift.NONE,
        "14/02 W, 15/02 W, 16/02 H, 17/02 H, 18/02 H, 19/02 H, 20/02 H, 21/02 W, 22/02 W",
        "Tết 2026",
    ),
    # Fri 13/02/2026 16:20 with the 15:00 cut-off → counted from Mon 23/02 07:30 → close of Wed 25/02.
    (
        at(2026, 2, 13, 16, 20),
        3,
        time(15, 0),
        at(2026, 2, 25, 17, 0),
        Shift.AFTER_CUTOFF,
        "14/02 W, 15/02 W, 16/02 H, 17/02 H, 18/02 H, 19/02 H, 20/02 H, 21/02 W, 22/02 W",
        "Tết 2026 after the cut-off",
    ),
    # Wed 03/02/2027 10:00 + 2 → Tết Đinh Mùi Thu 04–Wed 10/02/2027 → Thu 11, Fri 12/02 10:00.
    (
        at(2027, 2, 3, 10, 0),
        2,
        None,
        at(2027, 2, 12, 10, 0),
        Shift.NONE,
        "04/02 H, 05/02 H, 06/02 H, 07/02 H, 08/02 H, 09/02 H, 10/02 H",
        "Tết 2027",
    ),
    # Wed 29/04/2026 10:00 + 1 → Thu 30/04 and Fri 01/05 off, weekend → Mon 04/05 10:00.
    (
        at(2026, 4, 29, 10, 0),
        1,
        None,
        at(2026, 5, 4, 10, 0),
        Shift.NONE,
        "30/04 H, 01/05 H, 02/05 W, 03/05 W",
        "30 April and 1 May 2026",
    ),
    # Fri 24/04/2026 10:00 + 1 → Mon 27/04 compensatory day for Giỗ Tổ (Sun 26/04) → Tue 28/04.
    (
        at(2026, 4, 24, 10, 0),
        1,
        None,
        at(2026, 4, 28, 10, 0),
        Shift.NONE,
        "25/04 W, 26/04 H, 27/04 H",
        "Hùng Kings, observed on Monday",
    ),
    # Fri 28/08/2026 09:00 + 2 → Mon 31/08 off (swapped with Sat 22/08), Tue 01/09 and Wed 02/09
    # National Day → Thu 03, Fri 04/09 09:00.
    (
        at(2026, 8, 28),
        2,
        None,
        at(2026, 9, 4, 9, 0),
        Shift.NONE,
        "29/08 W, 30/08 W, 31/08 H, 01/09 H, 02/09 H",
        "National Day 2026",
    ),
    # Fri 21/08/2026 09:00 + 1 → Sat 22/08/2026 is a make-up working day → due Sat 22/08 09:00.
    (at(2026, 8, 21), 1, None, at(2026, 8, 22, 9, 0), Shift.NONE, "", "a working Saturday (22 August 2026)"),
    # Mon 23/11/2026 09:00 + 1 → Tue 24/11 Ngày Văn hóa Việt Nam → Wed 25/11 09:00.
    (at(2026, 11, 23), 1, None, at(2026, 11, 25, 9, 0), Shift.NONE, "24/11 H", "24 November from 2026"),
    # Mon 02/03/2026 14:30, same-day procedure, cut-off 15:00 → due the same day at 17:00.
    (at(2026, 3, 2, 14, 30), 0, time(15, 0), at(2026, 3, 2, 17, 0), Shift.NONE, "", "same day before the cut-off"),
    # Mon 02/03/2026 15:30, same-day procedure, cut-off 15:00 → the next working day, Tue 03/03 17:00.
    (
        at(2026, 3, 2, 15, 30),
        0,
        time(15, 0),
        at(2026, 3, 3, 17, 0),
        Shift.AFTER_CUTOFF,
        "",
        "same day after the cut-off",
    ),
    # Fri 06/03/2026 15:00 exactly, cut-off 15:00 → counts from Mon 09/03: the cut-off is inclusive.
    (
        at(2026, 3, 6, 15, 0),
        0,
        time(15, 0),
        at(2026, 3, 9, 17, 0),
        Shift.AFTER_CUTOFF,
        "07/03 W, 08/03 W",
        "cut-off at 15:00 sharp, over a weekend",
    ),
    # Sat 07/03/2026 10:00 (not a working day) + 3 → counted from Mon 09/03 07:30 → close of Wed 11/03.
    (
        at(2026, 3, 7, 10, 0),
        3,
        None,
        at(2026, 3, 11, 17, 0),
        Shift.NON_WORKING_DAY,
        "07/03 W, 08/03 W",
        "received on a Saturday",
    ),
    # Mon 02/03/2026 06:45 before opening + 1 → counted from 07:30 → close of Mon 02/03.
    (at(2026, 3, 2, 6, 45), 1, None, at(2026, 3, 2, 17, 0), Shift.BEFORE_OPENING, "", "received before opening"),
    # Mon 02/03/2026 12:10 in the midday break + 2 → counted from 13:00 → Wed 04/03 13:00.
    (at(2026, 3, 2, 12, 10), 2, None, at(2026, 3, 4, 13, 0), Shift.BREAK, "", "received in the midday break"),
    # Mon 02/03/2026 18:00 after closing + 1 → counted from Tue 03/03 07:30 → close of Tue 03/03.
    (at(2026, 3, 2, 18, 0), 1, None, at(2026, 3, 3, 17, 0), Shift.AFTER_CLOSING, "", "received after closing"),
]


_KINDS = {"H": DayKind.HOLIDAY, "O": DayKind.DAY_OFF, "W": DayKind.WEEKEND}


def _skipped(spec: str, year: int) -> list[tuple[date, DayKind]]:
    """ "01/01 H, 02/01 O" → [(date(year, 1, 1), HOLIDAY), (date(year, 1, 2), DAY_OFF)]; a day before
    the receipt's month in the table belongs to the next year (31/12/2025 → 01/01/2026)."""
    result = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        day_month, kind = item.split()
        day, month = (int(x) for x in day_month.split("/"))
        result.append((date(year, month, day), _KINDS[kind]))
    return result


@pytest.mark.parametrize(
    ("received", "days", "cutoff", "expected", "shift", "skipped", "pins"), DUE_DAYS, ids=[r[-1] for r in DUE_DAYS]
)
def test_it_computes_and_explains_due_dates_in_working_days(
    received: datetime, days: int, cutoff: time | None, expected: datetime, shift: Shift, skipped: str, pins: str
) -> None:
    due = CAL.add_working_days(received, days, cutoff=cutoff)
    assert due.due_at == expected
    explanation = due.explanation
    assert explanation.shift is shift
    assert explanation.due_at == expected
    assert [(s.day, s.kind) for s in explanation.skipped] == _skipped(skipped, expected.year)
    # Every day counted between receipt and due date is a working day; every skipped one is named.
    assert all(s.label is not None for s in explanation.skipped if s.kind is not DayKind.WEEKEND)
    with translation.override("en"):
        lines = explanation_lines(explanation)
    assert lines[-1] == f"Due: {expected:%A %d/%m/%Y %H:%M}."
    assert len([line for line in lines if line.startswith("Not counted")]) == len(
        group_consecutive(explanation.skipped)
    )


DUE_HOURS = [
    # Mon 02/03/2026 10:00 + 8 h → 1.5 h to 11:30, 4 h to 17:00, 2.5 h from Tue 07:30 → Tue 10:00.
    (at(2026, 3, 2, 10, 0), 8, at(2026, 3, 3, 10, 0)),
    # Mon 02/03/2026 16:00 + 2 h → 1 h to 17:00, then Tue 07:30 + 1 h → 08:30.
    (at(2026, 3, 2, 16, 0), 2, at(2026, 3, 3, 8, 30)),
    # Fri 13/02/2026 16:00 + 4 h → 1 h on Friday, Tết Mon–Fri, then Mon 23/02 07:30 + 3 h → 10:30.
    (at(2026, 2, 13, 16, 0), 4, at(2026, 2, 23, 10, 30)),
    # Mon 02/03/2026 11:00 + 0.5 h → exactly 11:30 (the end of the morning interval).
    (at(2026, 3, 2, 11, 0), 0.5, at(2026, 3, 2, 11, 30)),
]


@pytest.mark.parametrize(("received", "hours", "expected"), DUE_HOURS)
def test_it_computes_due_moments_in_working_hours(received: datetime, hours: float, expected: datetime) -> None:
    assert CAL.add_working_hours(received, hours).due_at == expected


def test_it_explains_the_skipped_days_of_tet() -> None:
    explanation = CAL.add_working_days(at(2026, 2, 13, 16, 20), 3, cutoff=time(15)).explanation
    assert explanation.shift is Shift.AFTER_CUTOFF
    assert explanation.counted_from == at(2026, 2, 23, 7, 30)
    skipped = {s.day: s.kind for s in explanation.skipped}
    assert skipped[date(2026, 2, 14)] is DayKind.WEEKEND
    assert all(skipped[date(2026, 2, d)] is DayKind.HOLIDAY for d in range(16, 21))
    assert skipped[date(2026, 2, 22)] is DayKind.WEEKEND
    assert date(2026, 2, 23) not in skipped


def test_it_explains_the_swap_of_2_january_2026() -> None:
    explanation = CAL.add_working_days(at(2026, 1, 8), 2).explanation
    assert [s.day for s in explanation.extra_working_days] == [date(2026, 1, 10)]
    assert explanation.extra_working_days[0].label is not None
    assert explanation.extra_working_days[0].label.legal_basis == SWAP_2026
    off = CAL.add_working_days(at(2025, 12, 31), 1).explanation
    assert {s.day: s.kind for s in off.skipped}[date(2026, 1, 2)] is DayKind.DAY_OFF


def test_the_official_table_overrides_the_holidays_package() -> None:
    # Without the table, 2 January 2026 is an ordinary Friday and 10 January an ordinary Saturday.
    plain = WorkingCalendar(CalendarRules())
    assert plain.is_working_day(date(2026, 1, 2))
    assert not plain.is_working_day(date(2026, 1, 10))
    assert not CAL.is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 1, 10))


def test_a_counter_open_on_saturday_morning_does_not_make_saturday_a_working_day() -> None:
    rules = CalendarRules(weekly_hours={**dict.fromkeys(range(5), RULES.weekly_hours[0]), 5: SATURDAY_MORNING})
    counter = WorkingCalendar(rules)
    saturday = date(2026, 3, 7)
    assert counter.opening_hours(saturday) == SATURDAY_MORNING
    assert not counter.is_working_day(saturday)
    # Received at the open Saturday counter: counted from Monday.
    start = counter.counting_start(at(2026, 3, 7, 9, 0))
    assert start.shift is Shift.NON_WORKING_DAY
    assert start.counted_from == at(2026, 3, 9, 7, 30)


def test_it_counts_working_time_between_two_moments() -> None:
    # Fri 13/02/2026 16:00 → Mon 23/02/2026 08:30: 1 h on Friday, nothing during Tết, 1 h on Monday.
    assert CAL.working_time_between(at(2026, 2, 13, 16, 0), at(2026, 2, 23, 8, 30)) == timedelta(hours=2)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 27)) == 5
    assert CAL.working_time_between(at(2026, 3, 3), at(2026, 3, 2)) == -timedelta(hours=8)


def test_it_gives_the_next_working_moment() -> None:
    assert CAL.next_working_moment(at(2026, 2, 15, 10, 0)) == at(2026, 2, 23, 7, 30)
    assert CAL.next_working_moment(at(2026, 3, 2, 10, 0)) == at(2026, 3, 2, 10, 0)


def test_the_year_2026_has_the_published_number_of_working_days() -> None:
    # 249 by the package alone (ecosystem.md §3); the 2 January swap keeps the count (−1 + 1).
    assert CAL.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 249


def test_bulk_due_dates_match_numpy_busday_offset() -> None:
    starts = np.arange(np.datetime64("2025-12-01"), np.datetime64("2027-03-01"))
    offsets = np.arange(starts.size) % 17
    weekmask, closed = CAL.numpy_holidays()
    expected = np.busday_offset(starts, offsets, roll="forward", weekmask=weekmask, holidays=closed)
    assert (CAL.bulk_add_working_days(starts, offsets) == expected).all()


def test_bulk_and_single_agree_on_working_start_days() -> None:
    starts = np.arange(np.datetime64("2026-01-01"), np.datetime64("2026-12-01"))
    bulk = CAL.bulk_add_working_days(starts, 5)
    compared = 0
    for start, due in zip(starts.tolist(), bulk.tolist(), strict=True):
        if CAL.is_working_day(start):
            assert CAL.nth_working_day(start, 5) == due
            compared += 1
    assert compared == 226  # 249 working days in 2026 less the 23 weekdays of December
    # On a non-working start the bulk form rolls forward first (numpy's convention), while
    # nth_working_day counts the first working day as the first: Thu 01/01/2026 + 5.
    assert CAL.bulk_add_working_days(np.array(["2026-01-01"], dtype="datetime64[D]"), 5)[0] == np.datetime64(
        "2026-01-10"
    )
    assert CAL.nth_working_day(date(2026, 1, 1), 5) == date(2026, 1, 9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: CAL.add_working_days(datetime(2026, 3, 2, 9, 0), 1), "timezone-aware"),  # noqa: DTZ001
        (lambda: CAL.add_working_days(at(2026, 3, 2), -1), "negative"),
        (lambda: CAL.add_working_days(at(2099, 3, 2), 1), "outside"),
        (lambda: Interval.parse("17:00", "07:30"), "invalid working interval"),
        (lambda: Interval.parse("7h30", "11:30"), "HH:MM"),
    ],
)
def test_it_refuses_bad_input_clearly(call: object, message: str) -> None:
    with pytest.raises((ValueError, OutOfRange), match=message):
        call()  # type: ignore[operator]


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day() -> None:
    # Thu 22/01/2026 + 25 days = Mon 16/02/2026 (Tết) → the next working day Mon 23/02, at the close.
    assert CAL.add_calendar_days(at(2026, 1, 22), 25).due_at == at(2026, 2, 23, 17, 0)
    # Sat 31/01/2026 + 1 month = Sat 28/02/2026 → Mon 02/03/2026.
    assert CAL.add_months(at(2026, 1, 31), 1).due_at == at(2026, 3, 2, 17, 0)
