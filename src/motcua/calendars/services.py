"""Writes to the working calendars. Every change is audited and bumps the calendar revision, so that
every process recompiles its calendars (selectors.calendar_get) and due dates can be recomputed."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from motcua.calendars.events import CalendarChanged
from motcua.calendars.models import (
    CalendarChange,
    CalendarException,
    CalendarRevision,
    OpeningHours,
    WorkingCalendar,
)
from motcua.calendars.selectors import calendar_cache_clear
from motcua.core.counts import Counts
from motcua.core.errors import InvalidInput
from motcua.core.events import publish

OFFICIAL_DECISIONS = Path(__file__).resolve().parent / "data" / "official-decisions.json"


# What calendars_load_reference did (calendars and exceptions together).
LoadSummary = Counts


def _bump_revision(*, calendar_code: str, action: str, summary: str, actor: str) -> None:
    CalendarChange.objects.create(calendar_code=calendar_code, action=action, summary=summary, actor=actor)
    # Locked: the revision is the calendar's aggregate sequence and its events go out in order.
    row = CalendarRevision.objects.select_for_update().filter(pk=1).first()
    if row is None:
        row = CalendarRevision.objects.create(pk=1, revision=0)
    CalendarRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    publish(
        CalendarChanged(revision=row.revision + 1, calendar_code=calendar_code, action=action, summary=summary),
        aggregate_type="calendar",
        aggregate_id="revision",
    )
    transaction.on_commit(calendar_cache_clear)


def calendar_changed(*, calendar_code: str, action: str, summary: str, actor: str) -> None:
    """Record a change made through the admin's forms and make every process see it."""
    with transaction.atomic():
        _bump_revision(calendar_code=calendar_code, action=action, summary=summary, actor=actor)


def calendar_exception_save(
    *,
    calendar: WorkingCalendar | None,
    day: date,
    kind: str,
    name_vi: str,
    name_en: str = "",
    legal_basis: str = "",
    swapped_with: date | None = None,
    actor: str,
) -> CalendarException:
    """Create or replace the exception of `calendar` (None: national) on `day`."""
    if kind not in CalendarException.Kind.values:
        raise InvalidInput(_("Unknown kind of day: %(kind)s") % {"kind": kind}, field="kind")
    if not name_vi.strip():
        raise InvalidInput(_("Give the name of the day in Vietnamese."), field="name_vi")
    with transaction.atomic():
        exception, created = CalendarException.objects.update_or_create(
            calendar=calendar,
            day=day,
            defaults={
                "kind": kind,
                "name_vi": name_vi.strip(),
                "name_en": name_en.strip(),
                "legal_basis": legal_basis.strip(),
                "swapped_with": swapped_with,
            },
        )
        _bump_revision(
            calendar_code=calendar.code if calendar else "",
            action="exception_created" if created else "exception_updated",
            summary=f"{day.isoformat()} {kind} {name_vi} ({legal_basis})",
            actor=actor,
        )
    return exception


def calendar_exception_delete(*, exception: CalendarException, actor: str) -> None:
    with transaction.atomic():
        summary = f"{exception.day.isoformat()} {exception.kind} {exception.name_vi}"
        code = exception.calendar.code if exception.calendar else ""
        exception.delete()
        _bump_revision(calendar_code=code, action="exception_deleted", summary=summary, actor=actor)


def _parse_hours(raw: dict[str, list[list[str]]]) -> list[tuple[int, time, time]]:
    rows: list[tuple[int, time, time]] = []
    for weekday, intervals in raw.items():
        for opens, closes in intervals:
            rows.append((int(weekday), time.fromisoformat(opens), time.fromisoformat(closes)))
    return sorted(rows)


def calendars_load_reference(*, path: Path = OFFICIAL_DECISIONS, actor: str = "load-reference-data") -> LoadSummary:
    """Load the calendars and the official decisions shipped with the product. Idempotent."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    created = updated = unchanged = 0
    with transaction.atomic():
        changed = False
        for item in data["calendars"]:
            calendar, was_created = WorkingCalendar.objects.get_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "timezone": item["timezone"],
                    "working_weekdays": item["working_weekdays"],
                    "is_national": item["is_national"],
                },
            )
            if was_created:
                created += 1
                changed = True
                OpeningHours.objects.bulk_create(
                    OpeningHours(calendar=calendar, weekday=w, opens_at=o, closes_at=c)
                    for w, o, c in _parse_hours(item["hours"])
                )
            else:
                # An operator may have changed the hours or the name since: never overwrite them.
                unchanged += 1
        for item in data["exceptions"]:
            day = date.fromisoformat(item["day"])
            values = {
                "kind": item["kind"],
                "name_vi": item["name_vi"],
                "name_en": item.get("name_en", ""),
                "legal_basis": item.get("legal_basis", ""),
                "swapped_with": date.fromisoformat(item["swapped_with"]) if item.get("swapped_with") else None,
            }
            existing = CalendarException.objects.filter(calendar__isnull=True, day=day).first()
            if existing is None:
                CalendarException.objects.create(calendar=None, day=day, **values)
                created += 1
                changed = True
            else:
                # Kept as the operator left it: the shipped file only fills in what is missing.
                unchanged += 1
        if changed:
            _bump_revision(calendar_code="", action="reference_loaded", summary=str(path.name), actor=actor)
    return LoadSummary(created=created, updated=updated, unchanged=unchanged)
