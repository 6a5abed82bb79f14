"""Working-day arithmetic: pure, deterministic and fast.

Legal basis of the rules implemented here (domain §2.6, §11):
- Time limits are counted in working days (*ngày làm việc*) unless the procedure states hours, days
  or months (Nghị định 63/2010/NĐ-CP Art 8(2)(đ); QĐ 766 field `DonViTinh`).
- Public holidays: Bộ luật Lao động 45/2019/QH14 Art 112 (Tết Dương lịch, 5 days of Tết Âm lịch,
  30/4, 1/5, 2 days of Quốc khánh, Giỗ Tổ Hùng Vương; 24/11 Ngày Văn hóa Việt Nam from 2026 by
  Resolution 80-NQ/TW), with compensatory days off when a holiday falls on a weekly rest day
  (Art 111(3)). The `holidays` package supplies these; each year's official decisions that it does
  not know (swapped working Saturdays, extra days off) come from `CalendarRules.days_off` and
  `CalendarRules.working_days`, which override it.
- The clock starts at the receipt of a complete dossier; a same-day procedure received after the
  afternoon cut-off (15:00 for civil status) is counted from the next working day (domain §2.6 [V: S29]).
- Working hours per organisation (e.g. 07:30–11:30 and 13:00–17:00); some counters also open on
  Saturday morning for reception, which does not make Saturday a working day for time limits
  (public servants work Monday to Friday, domain §11 [U]: configurable through `working_weekdays`).

Conventions:
- "n working days after an instant" is the same clock time on the n-th following working day, so
  a dossier received on Monday 09:00 with 3 working days is due on Thursday 09:00. When counting
  starts at the opening of a day (the receipt came outside working hours), the due moment is the
  closing time of the day before, which is the same point in working time and what people expect
  ("due by the end of Wednesday").
- A time limit of 0 working days means "within the day": due at the closing time of the day
  counting starts on.
- Calendar days and months end, when the last day is not a working day, at the end of the next
  working day (Bộ luật Dân sự 2015 Art 148(5) [U: to be confirmed for administrative time limits]).

Everything here runs on a `WorkingCalendar` compiled once from `CalendarRules`; the compiled form
keeps the working days as a sorted array of ordinals, so a due date is a binary search and an index
(about 3 µs), and a million of them are a NumPy `searchsorted` (bench/calendar_due_dates.py).
An explanation (which days were skipped and why) is built only when asked for.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

DAY_SECONDS = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class DayKind(enum.StrEnum):
    WORKING = "working"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # public holiday, including its compensatory day off
    DAY_OFF = "day_off"  # an extra day off decided for the year (e.g. swapped with a Saturday)
    WORKING_WEEKEND = "working_weekend"  # a weekend day worked instead of a day off


class Shift(enum.StrEnum):
    """Why counting did not start at the moment of receipt."""

    NONE = "none"
    BEFORE_OPENING = "before_opening"
    BREAK = "break"
    AFTER_CLOSING = "after_closing"
    AFTER_CUTOFF = "after_cutoff"
    NON_WORKING_DAY = "non_working_day"


class Unit(enum.StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


@dataclass(frozen=True, slots=True)
class Label:
    """A day's name in both languages: Vietnamese first, English for the English pages."""

    vi: str
    en: str
    legal_basis: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """Opening interval of a day in seconds after local midnight, [start, end)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= DAY_SECONDS:
            raise ValueError(f"invalid working interval {self.start}..{self.end}")

    @classmethod
    def parse(cls, start: str, end: str) -> Interval:
        return cls(_parse_hhmm(start), _parse_hhmm(end))


def _parse_hhmm(value: str) -> int:
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"time must be HH:MM, not {value!r}")
    seconds = int(hours) * 3600 + int(minutes) * 60
    if seconds > DAY_SECONDS or int(minutes) >= 60:
        raise ValueError(f"time must be between 00:00 and 24:00, not {value!r}")
    return seconds


OFFICE_HOURS: tuple[Interval, ...] = (Interval.parse("07:30", "11:30"), Interval.parse("13:00", "17:00"))
SATURDAY_MORNING: tuple[Interval, ...] = (Interval.parse("07:30", "11:30"),)


@dataclass(frozen=True)
class CalendarRules:
    """Everything that defines a working calendar; built from the database by the selectors."""

    code: str = "VN"
    timezone: str = "Asia/Ho_Chi_Minh"
    # Monday=0 ... Sunday=6. The days that count for time limits.
    working_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    # Opening hours per weekday. A weekday outside working_weekdays may have hours (a counter open
    # on Saturday morning for reception) without counting for time limits.
    weekly_hours: Mapping[int, tuple[Interval, ...]] = field(
        default_factory=lambda: dict.fromkeys(range(5), OFFICE_HOURS)
    )
    # Official decisions of the year that the holidays package does not know, which override it.
    days_off: Mapping[date, Label] = field(default_factory=dict)
    working_days: Mapping[date, Label] = field(default_factory=dict)
    use_statutory_holidays: bool = True
    first_year: int = 2015
    last_year: int = 2045


@dataclass(frozen=True, slots=True)
class DayStatus:
    day: date
    kind: DayKind
    label: Label | None = None

    @property
    def is_working(self) -> bool:
        return self.kind in (DayKind.WORKING, DayKind.WORKING_WEEKEND)


@dataclass(frozen=True, slots=True)
class Start:
    """Where counting starts for a receipt, and why it moved if it did."""

    received_at: datetime
    counted_from: datetime
    shift: Shift
    received_day: DayStatus


class OutOfRange(ValueError):
    """A date outside the years the calendar was compiled for."""


class WorkingCalendar:
    """A compiled calendar. Immutable; build a new one when the rules change."""

    def __init__(self, rules: CalendarRules) -> None:
        self.rules = rules
        self.tz = ZoneInfo(rules.timezone)
        first = date(rules.first_year, 1, 1)
        last = date(rules.last_year, 12, 31)
        self._first_ordinal = first.toordinal()
        self._last_ordinal = last.toordinal()

        statutory: dict[date, Label] = {}
        statutory_workdays: dict[date, Label] = {}
        if rules.use_statutory_holidays:
            years = range(rules.first_year, rules.last_year + 1)
            vi = holidays.country_holidays("VN", years=years, language="vi")
            en = holidays.country_holidays("VN", years=years, language="en_US")
            for day, name_vi in vi.items():
                statutory[day] = Label(
                    vi=name_vi, en=en.get(day, name_vi), legal_basis="Bộ luật Lao động 2019 Điều 112"
                )
            for day in getattr(vi, "weekend_workdays", ()):
                if first <= day <= last:
                    statutory_workdays[day] = Label(vi="Ngày làm bù", en="Make-up working day")

        self._specials: dict[int, DayStatus] = {}
        for day, label in statutory.items():
            self._specials[day.toordinal()] = DayStatus(day, DayKind.HOLIDAY, label)
        for day, label in statutory_workdays.items():
            self._specials[day.toordinal()] = DayStatus(day, DayKind.WORKING_WEEKEND, label)
        # The table of official decisions wins over the package.
        for day, label in rules.days_off.items():
            self._specials[day.toordinal()] = DayStatus(day, DayKind.DAY_OFF, label)
        for day, label in rules.working_days.items():
            kind = DayKind.WORKING if day.weekday() in rules.working_weekdays else DayKind.WORKING_WEEKEND
            self._specials[day.toordinal()] = DayStatus(day, kind, label)

        default_hours = next(
            (rules.weekly_hours[d] for d in sorted(rules.working_weekdays) if rules.weekly_hours.get(d)),
            OFFICE_HOURS,
        )
        self._weekday_hours: tuple[tuple[Interval, ...], ...] = tuple(
            tuple(sorted(rules.weekly_hours.get(d, ()))) for d in range(7)
        )
        self._default_hours = tuple(sorted(default_hours))
        workdays: list[int] = []
        for ordinal in range(self._first_ordinal, self._last_ordinal + 1):
            if self._is_working_ordinal(ordinal):
                workdays.append(ordinal)
        self._workdays = workdays
        # Days since 1970-01-01, the representation of numpy datetime64[D].
        self._workdays_np: NDArray[np.int64] = np.asarray(workdays, dtype=np.int64) - _EPOCH_ORDINAL

    # -- days ---------------------------------------------------------------------------------
    def _is_working_ordinal(self, ordinal: int) -> bool:
        special = self._specials.get(ordinal)
        if special is not None:
            return special.is_working
        return (ordinal - 1) % 7 in self.rules.working_weekdays  # date.fromordinal(1) is a Monday

    def _check(self, ordinal: int) -> None:
        if not self._first_ordinal <= ordinal <= self._last_ordinal:
            raise OutOfRange(
                f"{date.fromordinal(ordinal)} is outside the calendar's years "
                f"{self.rules.first_year}–{self.rules.last_year}"
            )

    def day_status(self, day: date) -> DayStatus:
        ordinal = day.toordinal()
        special = self._specials.get(ordinal)
        if special is not None:
            return special
        if day.weekday() in self.rules.working_weekdays:
            return DayStatus(day, DayKind.WORKING)
        return DayStatus(day, DayKind.WEEKEND)

    def is_working_day(self, day: date) -> bool:
        ordinal = day.toordinal()
        self._check(ordinal)
        return self._is_working_ordinal(ordinal)

    def working_hours(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of a day: empty on a day that does not count."""
        ordinal = day.toordinal()
        if not self._is_working_ordinal(ordinal):
            return ()
        return self._weekday_hours[day.weekday()] or self._default_hours

    def opening_hours(self, day: date) -> tuple[Interval, ...]:
        """When a counter is open: the working hours, or the reception hours of a non-working weekday."""
        status = self.day_status(day)
        if status.kind in (DayKind.HOLIDAY, DayKind.DAY_OFF):
            return ()
        return self.working_hours(day) or self._weekday_hours[day.weekday()]

    def _hours_of_ordinal(self, ordinal: int) -> tuple[Interval, ...]:
        return self._weekday_hours[(ordinal - 1) % 7] or self._default_hours

    def _rank(self, ordinal: int) -> int:
        """Index of the first working day on or after `ordinal`."""
        self._check(ordinal)
        return bisect.bisect_left(self._workdays, ordinal)

    def _workday_at(self, index: int) -> int:
        if index >= len(self._workdays):
            raise OutOfRange(f"the result falls after the calendar's last year {self.rules.last_year}")
        return self._workdays[index]

    def nth_working_day(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n ≥ 1), or `day` rolled forward to a working day for n = 0."""
        index = self._rank(day.toordinal())
        if self._workdays[index] == day.toordinal() or n == 0:
            return date.fromordinal(self._workday_at(index + n))
        return date.fromordinal(self._workday_at(index + n - 1))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d ≤ end (negative when end is before start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return bisect.bisect_right(self._workdays, end.toordinal()) - bisect.bisect_right(
            self._workdays, start.toordinal()
        )

    def days(self, start: date, end: date) -> list[DayStatus]:
        """The status of every day from start to end inclusive."""
        return [self.day_status(date.fromordinal(o)) for o in range(start.toordinal(), end.toordinal() + 1)]

    # -- instants -------------------------------------------------------------------------------
    def _local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        return instant.astimezone(self.tz)

    def _at(self, ordinal: int, seconds: int) -> datetime:
        day = date.fromordinal(ordinal)
        if seconds >= DAY_SECONDS:
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz)
        return datetime.combine(day, time(seconds // 3600, seconds % 3600 // 60, seconds % 60), tzinfo=self.tz)

    def counting_start(self, received_at: datetime, *, cutoff: time | None = None) -> Start:
        """The moment the statutory clock starts for a receipt at `received_at`."""
        local = self._local(received_at)
        ordinal = local.toordinal()
        self._check(ordinal)
        status = self.day_status(local.date())
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        if status.is_working:
            hours = self._hours_of_ordinal(ordinal)
            if cutoff is not None and local.time() >= cutoff:
                shift = Shift.AFTER_CUTOFF
            elif seconds < hours[0].start:
                return Start(received_at, self._at(ordinal, hours[0].start), Shift.BEFORE_OPENING, status)
            else:
                for interval in hours:
                    if interval.start <= seconds < interval.end:
                        return Start(received_at, local.replace(microsecond=0), Shift.NONE, status)
                    if seconds < interval.start:
                        return Start(received_at, self._at(ordinal, interval.start), Shift.BREAK, status)
                shift = Shift.AFTER_CLOSING
            index = bisect.bisect_right(self._workdays, ordinal)
        else:
            shift = Shift.NON_WORKING_DAY
            index = bisect.bisect_left(self._workdays, ordinal)
        next_day = self._workday_at(index)
        return Start(received_at, self._at(next_day, self._hours_of_ordinal(next_day)[0].start), shift, status)

    def next_working_moment(self, instant: datetime) -> datetime:
        return self.counting_start(instant).counted_from

    def add_working_days(self, received_at: datetime, days: int, *, cutoff: time | None = None) -> DueDate:
        """Due moment of a time limit of `days` working days for a receipt at `received_at`."""
        if days < 0:
            raise ValueError("a time limit cannot be negative")
        start = self.counting_start(received_at, cutoff=cutoff)
        counted_from = start.counted_from
        ordinal = counted_from.toordinal()
        seconds = counted_from.hour * 3600 + counted_from.minute * 60 + counted_from.second
        index = bisect.bisect_left(self._workdays, ordinal)
        hours = self._hours_of_ordinal(ordinal)
        if days == 0:
            due = self._at(ordinal, hours[-1].end)
        elif seconds <= hours[0].start:
            # Counting starts at the opening of the day: due at the closing of the n-th day counted.
            target = self._workday_at(index + days - 1)
            due = self._at(target, self._hours_of_ordinal(target)[-1].end)
        else:
            target = self._workday_at(index + days)
            due = self._at(target, _clamp(seconds, self._hours_of_ordinal(target)))
        return DueDate(self, start, Unit.WORKING_DAYS, days, due)

    def add_working_hours(self, received_at: datetime, hours: float, *, cutoff: time | None = None) -> DueDate:
        """Due moment of a time limit of `hours` working hours (fractions allowed, to the second)."""
        if hours < 0:
            raise ValueError("a time limit cannot be negative")
        start = self.counting_start(received_at, cutoff=cutoff)
        remaining = round(hours * 3600)
        ordinal = start.counted_from.toordinal()
        cf = start.counted_from
        position = cf.hour * 3600 + cf.minute * 60 + cf.second
        index = bisect.bisect_left(self._workdays, ordinal)
        while True:
            for interval in self._hours_of_ordinal(ordinal):
                if interval.end <= position:
                    continue
                begin = max(position, interval.start)
                available = interval.end - begin
                if remaining <= available:
                    due = self._at(ordinal, begin + remaining)
                    return DueDate(self, start, Unit.WORKING_HOURS, hours, due)
                remaining -= available
            index += 1
            ordinal = self._workday_at(index)
            position = 0

    def add_calendar_days(self, received_at: datetime, days: int) -> DueDate:
        """Due moment of `days` calendar days; a last day that is not worked moves to the next working day."""
        start = Start(
            received_at,
            self._local(received_at),
            Shift.NONE,
            self.day_status(self._local(received_at).date()),
        )
        last = start.counted_from.toordinal() + days
        target = self._workday_at(self._rank(last))
        return DueDate(self, start, Unit.CALENDAR_DAYS, days, self._at(target, self._hours_of_ordinal(target)[-1].end))

    def add_months(self, received_at: datetime, months: int) -> DueDate:
        """Due moment of `months` months: the same day number (or the month's last day), then as for days."""
        local = self._local(received_at)
        month_index = local.month - 1 + months
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day = min(local.day, _days_in_month(year, month))
        start = Start(received_at, local, Shift.NONE, self.day_status(local.date()))
        target = self._workday_at(self._rank(date(year, month, day).toordinal()))
        return DueDate(self, start, Unit.MONTHS, months, self._at(target, self._hours_of_ordinal(target)[-1].end))

    def add(self, received_at: datetime, amount: float, unit: Unit, *, cutoff: time | None = None) -> DueDate:
        if unit is Unit.WORKING_DAYS:
            if amount != int(amount):
                raise ValueError("working days must be a whole number")
            return self.add_working_days(received_at, int(amount), cutoff=cutoff)
        if unit is Unit.WORKING_HOURS:
            return self.add_working_hours(received_at, amount, cutoff=cutoff)
        if amount != int(amount):
            raise ValueError(f"{unit.value} must be a whole number")
        if unit is Unit.CALENDAR_DAYS:
            return self.add_calendar_days(received_at, int(amount))
        return self.add_months(received_at, int(amount))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (negative if end is before start)."""
        if end < start:
            return -self.working_time_between(end, start)
        a, b = self._local(start), self._local(end)
        total = 0
        for ordinal in range(a.toordinal(), b.toordinal() + 1):
            self._check(ordinal)
            if not self._is_working_ordinal(ordinal):
                continue
            low = a.hour * 3600 + a.minute * 60 + a.second if ordinal == a.toordinal() else 0
            high = b.hour * 3600 + b.minute * 60 + b.second if ordinal == b.toordinal() else DAY_SECONDS
            for interval in self._hours_of_ordinal(ordinal):
                total += max(0, min(high, interval.end) - max(low, interval.start))
        return timedelta(seconds=total)

    # -- bulk -----------------------------------------------------------------------------------
    def bulk_add_working_days(
        self, days: NDArray[np.datetime64], offsets: NDArray[np.int64] | int
    ) -> NDArray[np.datetime64]:
        """Day-level due dates for many start days at once, rolling a non-working start forward.

        The same semantics as `numpy.busday_offset(days, offsets, roll="forward")` given this
        calendar's holidays and working weekends; used to recompute due dates in bulk after a
        holiday change.
        """
        numbers = days.astype("datetime64[D]").astype(np.int64)
        if numbers.size and (numbers.min() < self._workdays_np[0] - 7 or numbers.max() > self._workdays_np[-1]):
            raise OutOfRange("a start day is outside the calendar's years")
        index = np.searchsorted(self._workdays_np, numbers, side="left") + offsets
        if index.size and int(index.max()) >= self._workdays_np.size:
            raise OutOfRange(f"a result falls after the calendar's last year {self.rules.last_year}")
        result: NDArray[np.datetime64] = self._workdays_np[index].astype("datetime64[D]")
        return result

    def numpy_holidays(self) -> tuple[str, NDArray[np.datetime64]]:
        """A (weekmask, holidays) pair that makes numpy's busday functions agree with this calendar.

        numpy cannot express a worked Saturday with a weekly mask, so the mask opens every day and
        every non-working day becomes a holiday. Used by the benchmark to compare like with like.
        """
        closed = [
            o - _EPOCH_ORDINAL
            for o in range(self._first_ordinal, self._last_ordinal + 1)
            if not self._is_working_ordinal(o)
        ]
        return "1111111", np.asarray(closed, dtype=np.int64).astype("datetime64[D]")


def _clamp(seconds: int, hours: tuple[Interval, ...]) -> int:
    """The latest working moment of a day that is not after `seconds` (the same clock time, or earlier)."""
    best = hours[0].start
    for interval in hours:
        if seconds < interval.start:
            return best
        if seconds <= interval.end:
            return seconds
        best = interval.end
    return best


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


@dataclass(frozen=True)
class DueDate:
    """The result of a due-date computation; `explanation` is built on first access."""

    calendar: WorkingCalendar
    start: Start
    unit: Unit
    amount: float
    due_at: datetime

    @cached_property
    def explanation(self) -> Explanation:
        first = self.start.received_at.astimezone(self.calendar.tz).date()
        last = self.due_at.date()
        skipped: list[DayStatus] = []
        extra_working_days: list[DayStatus] = []
        for status in self.calendar.days(first, last):
            if not status.is_working:
                skipped.append(status)
            elif status.kind is DayKind.WORKING_WEEKEND or (status.label is not None):
                extra_working_days.append(status)
        return Explanation(
            received_at=self.start.received_at.astimezone(self.calendar.tz),
            counted_from=self.start.counted_from,
            shift=self.start.shift,
            received_day=self.start.received_day,
            unit=self.unit,
            amount=self.amount,
            due_at=self.due_at,
            skipped=tuple(skipped),
            extra_working_days=tuple(extra_working_days),
        )


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a due date is what it is, as data; motcua.calendars.explain renders it in words."""

    received_at: datetime
    counted_from: datetime
    shift: Shift
    received_day: DayStatus
    unit: Unit
    amount: float
    due_at: datetime
    skipped: tuple[DayStatus, ...]
    extra_working_days: tuple[DayStatus, ...]


def group_consecutive(days: Iterable[DayStatus]) -> list[list[DayStatus]]:
    """Runs of consecutive days with the same kind and name, for a readable explanation."""
    groups: list[list[DayStatus]] = []
    for status in days:
        if groups:
            previous = groups[-1][-1]
            same = previous.kind == status.kind and (status.kind is DayKind.WEEKEND or previous.label == status.label)
            if same and previous.day + timedelta(days=1) == status.day:
                groups[-1].append(status)
                continue
        groups.append([status])
    return groups
