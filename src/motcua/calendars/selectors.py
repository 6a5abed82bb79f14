"""Reads of the working calendars, with a per-process cache of compiled calendars.

Compiling a calendar (thirty years of holidays) takes ~60 ms, so each process keeps the compiled
form and re-reads CalendarRevision at most every CALENDAR_CACHE_SECONDS: an operator's change is
seen by every process of every machine within that time, with one cheap query per interval.
"""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from motcua.calendars.engine import CalendarRules, Interval, Label, WorkingCalendar
from motcua.calendars.models import CalendarException, CalendarRevision, OpeningHours
from motcua.calendars.models import WorkingCalendar as WorkingCalendarModel
from motcua.core.errors import NotFound

NATIONAL_CODE = "VN"


@dataclass
class _Cache:
    revision: int = -1
    checked_at: float = 0.0
    calendars: dict[str, WorkingCalendar] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cache()


def calendar_revision() -> int:
    row = CalendarRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return int(row or 0)


def calendar_rules(*, code: str) -> CalendarRules:
    """The rules of a calendar as stored; NotFound if no such calendar."""
    calendar = WorkingCalendarModel.objects.filter(code=code).first()
    if calendar is None:
        if code == NATIONAL_CODE:
            # Before reference data is loaded the statutory calendar still works.
            return CalendarRules(code=NATIONAL_CODE)
        raise NotFound(_("There is no working calendar with the code %(code)s.") % {"code": code}, field="calendar")
    hours: dict[int, list[Interval]] = {}
    for row in OpeningHours.objects.filter(calendar=calendar):
        hours.setdefault(row.weekday, []).append(row.as_interval())
    days_off: dict[date, Label] = {}
    working_days: dict[date, Label] = {}
    # National exceptions first, then the calendar's own, which win on the same day.
    exceptions = CalendarException.objects.filter(Q(calendar__isnull=True) | Q(calendar=calendar))
    for exc in sorted(exceptions, key=lambda e: (e.calendar_id is not None, e.day)):
        label = Label(vi=exc.name_vi, en=exc.name_en or exc.name_vi, legal_basis=exc.legal_basis)
        days_off.pop(exc.day, None)
        working_days.pop(exc.day, None)
        (days_off if exc.kind == CalendarException.Kind.DAY_OFF else working_days)[exc.day] = label
    return CalendarRules(
        code=calendar.code,
        timezone=calendar.timezone,
        working_weekdays=frozenset(calendar.working_weekdays or [0, 1, 2, 3, 4]),
        weekly_hours={day: tuple(sorted(intervals)) for day, intervals in hours.items()}
        or CalendarRules().weekly_hours,
        days_off=days_off,
        working_days=working_days,
    )


def calendar_get(*, code: str = NATIONAL_CODE) -> WorkingCalendar:
    """The compiled calendar `code`, from the process cache when still current."""
    now = _time.monotonic()
    with _cache.lock:
        if now - _cache.checked_at >= settings.CALENDAR_CACHE_SECONDS:
            revision = calendar_revision()
            if revision != _cache.revision:
                _cache.calendars.clear()
                _cache.revision = revision
            _cache.checked_at = now
        compiled = _cache.calendars.get(code)
    if compiled is None:
        compiled = WorkingCalendar(calendar_rules(code=code))
        with _cache.lock:
            _cache.calendars[code] = compiled
    return compiled


def calendar_cache_clear() -> None:
    """Forget compiled calendars in this process (used after a change and by tests)."""
    with _cache.lock:
        _cache.calendars.clear()
        _cache.revision = -1
        _cache.checked_at = 0.0


def calendar_exceptions_list(*, year: int | None = None) -> list[CalendarException]:
    queryset = CalendarException.objects.select_related("calendar").order_by("day")
    if year is not None:
        queryset = queryset.filter(day__year=year)
    return list(queryset)
