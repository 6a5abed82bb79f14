"""The deadline sweeper: warns officers before a dossier or a step falls due, and reports breaches.

Deadline state is stored like healthchecks' `alert_after` (style §3.5 item 5): `warned_at` and
`breached_at` on `Dossier` and `Step` are set once, by the sweeper, each with a compare-and-set
UPDATE (`filter(pk=…, warned_at__isnull=True, due_at=<as read>).update(warned_at=now)`). Only the
sweeper whose UPDATE changed the row publishes, in the same transaction and with the dossier row
locked (the outbox numbers the events of a dossier in order, core.events.publish). So running the
sweeper twice, or two sweepers at once, publishes each warning and each breach exactly once.

Rules:
- A dossier is *due soon* when at most `DEADLINE_WARNING_WORKING_HOURS_DOSSIER` working hours
  (default 8: one working day) are left before its due moment, counted with the working calendar
  of its competent agency (the calendar its due moment was computed with); a step, at most
  `DEADLINE_WARNING_WORKING_HOURS_STEP` (default 2), with the calendar of the step's agency.
- It is *past due* from its due moment on. A dossier found past due gets a breach, not a warning.
- Only open dossiers count: not closed, result not ready, and with a running clock. A dossier
  paused for a supplement has no due moment (`due_at` is None) and neither it nor its steps are
  warned while it stays paused.
- A due moment that moved after the sweeper read it (a supplement, a hand-over) is not claimed:
  the next sweep judges the new one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import transaction

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_calendar
from motcua.calendars.engine import OutOfRange, WorkingCalendar
from motcua.core import clock
from motcua.core.events import publish
from motcua.dossiers.events import DeadlineApproaching, DeadlineBreached, DeadlineEvent
from motcua.dossiers.models import Dossier, Step

logger = logging.getLogger(__name__)

__all__ = ["Candidate", "SweepReport", "candidates", "claim_and_publish", "deadlines_sweep", "warning_lead"]

DEFAULT_WARNING_WORKING_HOURS_DOSSIER = 8
DEFAULT_WARNING_WORKING_HOURS_STEP = 2
# The warning rule is in working time, which SQL cannot count: rows due within this calendar
# span are read in due order, then judged with their calendar. No working calendar closes longer
# (Tết is at most nine days off in a row), so no row due soon in working time is left out.
_HORIZON = timedelta(days=45)

Kind = Literal["warning", "breach"]


@dataclass
class SweepReport:
    """What one call of deadlines_sweep did."""

    dossiers_warned: int = 0
    dossiers_breached: int = 0
    steps_warned: int = 0
    steps_breached: int = 0
    lost: int = 0  # claimed first by another sweeper, or changed since it was read

    @property
    def published(self) -> int:
        return self.dossiers_warned + self.dossiers_breached + self.steps_warned + self.steps_breached

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in self.as_dict().items() if value) or (
            "nothing due"
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A due moment found due soon or past due, as read before the claim."""

    kind: Kind
    dossier_id: int
    step_id: int | None
    due_at: datetime


def warning_lead(*, step: bool) -> timedelta:
    """The working time before a due moment at which officers are warned (settings, or 8 h / 2 h)."""
    if step:
        hours = getattr(settings, "DEADLINE_WARNING_WORKING_HOURS_STEP", DEFAULT_WARNING_WORKING_HOURS_STEP)
    else:
        hours = getattr(settings, "DEADLINE_WARNING_WORKING_HOURS_DOSSIER", DEFAULT_WARNING_WORKING_HOURS_DOSSIER)
    return timedelta(hours=float(hours))


def deadlines_sweep(
    *, now: datetime | None = None, limit: int = 500, stop: Callable[[], bool] | None = None
) -> SweepReport:
    """Warn about the due moments that are near and report those passed, each exactly once.

    Reads up to `limit` rows of each kind (dossier warnings, dossier breaches, step warnings, step
    breaches) in due order, then claims and publishes each in its own transaction. `now` fixes the
    moment judged and recorded (tests); `stop` is checked before each claim (graceful shutdown).
    Call it in autocommit mode.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    at = now if now is not None else clock.now()
    report = SweepReport()
    for candidate in candidates(now=at, limit=limit):
        if stop is not None and stop():
            break
        if not claim_and_publish(candidate, now=at):
            report.lost += 1
            continue
        counter = {
            ("warning", False): "dossiers_warned",
            ("breach", False): "dossiers_breached",
            ("warning", True): "steps_warned",
            ("breach", True): "steps_breached",
        }[(candidate.kind, candidate.step_id is not None)]
        setattr(report, counter, getattr(report, counter) + 1)
    if report.published or report.lost:
        logger.info("Deadline sweep: %s", report)
    return report


def candidates(*, now: datetime, limit: int) -> list[Candidate]:
    """The due moments to claim at `now`: breaches first, then warnings, each in due order."""
    calendars: dict[int, WorkingCalendar] = {}

    def due_soon(agency: Agency, due_at: datetime, lead: timedelta) -> bool:
        calendar = calendars.get(agency.pk)
        if calendar is None:
            calendar = calendars[agency.pk] = agency_calendar(agency=agency)
        try:
            return calendar.working_time_between(now, due_at) <= lead
        except OutOfRange:
            logger.warning("No working calendar for %s around %s: not warned", agency.code, due_at)
            return False

    # The conditions of the partial index dossiers_open_due, so that the planner can use it.
    open_dossiers = Dossier.objects.filter(closed_at__isnull=True, due_at__isnull=False, finished_at__isnull=True)
    open_steps = Step.objects.filter(
        completed_at__isnull=True,
        dossier__closed_at__isnull=True,
        dossier__due_at__isnull=False,
        dossier__finished_at__isnull=True,
    )
    found: list[Candidate] = []
    for dossier_id, dossier_due in (
        open_dossiers.filter(breached_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "due_at")[:limit]
    ):
        if dossier_due is not None:  # excluded by the query
            found.append(Candidate("breach", dossier_id, None, dossier_due))
    for step_id, dossier_id, due_at in (
        open_steps.filter(breached_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "dossier_id", "due_at")[:limit]
    ):
        found.append(Candidate("breach", dossier_id, step_id, due_at))

    lead = warning_lead(step=False)
    for dossier in (
        open_dossiers.filter(
            warned_at__isnull=True, breached_at__isnull=True, due_at__gt=now, due_at__lte=now + _HORIZON
        )
        .select_related("competent_agency")
        .only("pk", "due_at", "competent_agency")
        .order_by("due_at", "pk")[:limit]
    ):
        assert dossier.due_at is not None
        if due_soon(dossier.competent_agency, dossier.due_at, lead):
            found.append(Candidate("warning", dossier.pk, None, dossier.due_at))
    lead = warning_lead(step=True)
    for step in (
        open_steps.filter(warned_at__isnull=True, breached_at__isnull=True, due_at__gt=now, due_at__lte=now + _HORIZON)
        .select_related("agency")
        .only("pk", "dossier_id", "due_at", "agency")
        .order_by("due_at", "pk")[:limit]
    ):
        if due_soon(step.agency, step.due_at, lead):
            found.append(Candidate("warning", step.dossier_id, step.pk, step.due_at))
    return found


def claim_and_publish(candidate: Candidate, *, now: datetime) -> bool:
    """Claim `candidate` with a compare-and-set and, if this call won, publish its event.

    Returns False when another sweeper claimed it first, or when its due moment changed (or the
    dossier closed, finished or paused) since it was read.
    """
    field = "warned_at" if candidate.kind == "warning" else "breached_at"
    unclaimed = {f"{field}__isnull": True, "due_at": candidate.due_at}
    if candidate.kind == "warning":
        unclaimed["breached_at__isnull"] = True
    with transaction.atomic():
        # Lock the dossier before publishing: the outbox numbers a dossier's events in order.
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("handling_agency")
            .filter(pk=candidate.dossier_id, closed_at__isnull=True, due_at__isnull=False, finished_at__isnull=True)
            .first()
        )
        if dossier is None:
            return False
        if candidate.step_id is None:
            claimed = Dossier.objects.filter(pk=dossier.pk, **unclaimed).update(**{field: now})
            step_order = None
            assignee_id = (
                dossier.steps.filter(completed_at__isnull=True)
                .order_by("-order")
                .values_list("assignee_id", flat=True)
                .first()
            )
        else:
            claimed = Step.objects.filter(
                pk=candidate.step_id, dossier=dossier, completed_at__isnull=True, **unclaimed
            ).update(**{field: now})
            step_order, assignee_id = Step.objects.values_list("order", "assignee_id").get(pk=candidate.step_id)
        if not claimed:
            return False
        event_class: type[DeadlineEvent] = DeadlineApproaching if candidate.kind == "warning" else DeadlineBreached
        publish(
            event_class(
                dossier_uuid=str(dossier.uuid),
                dossier_code=dossier.code,
                step_order=step_order,
                due_at=candidate.due_at,
                handling_agency_code=dossier.handling_agency.code,
                assignee_officer_id=assignee_id,
                at=now,
            ),
            aggregate_type="dossier",
            aggregate_id=str(dossier.uuid),
        )
    return True
