"""Recompute the due moments of open dossiers, after a holiday decision or a calendar change.

A due moment is never edited by hand: it is recomputed from its stored inputs (receipt, the pinned
version's time limit and cut-off, the pauses) on the calendar as it now is (deadlines.compute).
A dossier whose due moment moves gets a `deadline_recomputed` history entry and event, and its
appointment moves with it unless the agency already gave a new one with an apology. Runs in
batches, each its own transaction with the rows locked, in a constant number of queries per batch.

Triggered by `calendars.events.CalendarChanged` (subscribed in dossiers.apps) and by the command
`motcua recompute-deadlines`. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dt_time

from django.db import transaction

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_calendar
from motcua.calendars.engine import WorkingCalendar
from motcua.calendars.selectors import calendar_cache_clear
from motcua.catalog.models import ChannelOption, ProcedureVersion
from motcua.core import clock
from motcua.core.bulk import update_rows
from motcua.dossiers import deadlines, history
from motcua.dossiers.history import SYSTEM, Actor
from motcua.dossiers.models import Apology, Dossier, Pause


@dataclass(frozen=True, slots=True)
class RecomputeReport:
    checked: int
    changed: int
    unknown_limit: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.checked} open dossiers checked, {self.changed} due moments moved, "
            f"{self.unknown_limit} without a known time limit, in {self.seconds:.1f} s"
        )


def open_dossier_ids() -> list[int]:
    return list(
        Dossier.objects.filter(received_at__isnull=False, finished_at__isnull=True, closed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def deadlines_recompute(*, batch_size: int = 1000, actor: Actor = SYSTEM, reason: str = "") -> RecomputeReport:
    """Recompute every open dossier's due moment on the current calendars."""
    started = time.monotonic()
    calendar_cache_clear()  # this process may hold a calendar compiled before the change
    calendars: dict[int, WorkingCalendar] = {}
    options: dict[tuple[int, str], ChannelOption | None] = {}
    cutoffs: dict[int, dt_time | None] = {}
    checked = changed = unknown = 0
    ids = open_dossier_ids()
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            # Only what the computation reads: a version row carries the whole published text (and
            # the portal record), which would be parsed again for every dossier of a batch.
            batch = list(
                Dossier.objects.select_for_update(of=("self",))
                .filter(pk__in=ids[start : start + batch_size])
                .defer("form_data", "summary")
                .order_by("pk")
            )
            # The pauses and apologies of the batch in one query each, as plain values: Django's
            # prefetch builds a related queryset per dossier and relation, which cost more than the
            # computation itself.
            batch_ids = [d.pk for d in batch]
            pauses: dict[int, list[deadlines.Pause]] = {}
            for dossier_id, started_at, ended_at in (
                Pause.objects.filter(dossier_id__in=batch_ids)
                .order_by("dossier_id", "started_at")
                .values_list("dossier_id", "started_at", "ended_at")
            ):
                pauses.setdefault(dossier_id, []).append(deadlines.Pause(started_at, ended_at))
            apologised = set(Apology.objects.filter(dossier_id__in=batch_ids).values_list("dossier_id", flat=True))
            moved: list[history.Change] = []
            for dossier in batch:
                checked += 1
                key = (dossier.procedure_version_id, dossier.channel)
                if key not in options:
                    options[key] = (
                        ChannelOption.objects.filter(version_id=dossier.procedure_version_id, channel=dossier.channel)
                        .order_by("order")
                        .first()
                    )
                if dossier.procedure_version_id not in cutoffs:
                    cutoffs[dossier.procedure_version_id] = (
                        ProcedureVersion.objects.filter(pk=dossier.procedure_version_id)
                        .values_list("same_day_cutoff", flat=True)
                        .get()
                    )
                option = options[key]
                if dossier.competent_agency_id not in calendars:
                    calendars[dossier.competent_agency_id] = agency_calendar(
                        agency=Agency.objects.get(pk=dossier.competent_agency_id)
                    )
                assert dossier.received_at is not None
                inputs = deadlines.DeadlineInputs(
                    received_at=dossier.received_at,
                    amount=option.time_limit_value if option else None,
                    unit=option.time_limit_unit if option else "",
                    cutoff=cutoffs[dossier.procedure_version_id],
                    pauses=tuple(pauses.get(dossier.pk, ())),
                )
                try:
                    due = deadlines.compute(calendars[dossier.competent_agency_id], inputs).due_at
                except deadlines.TimeLimitUnknown:
                    unknown += 1
                    continue
                if due == dossier.due_at:
                    continue
                old: datetime | None = dossier.due_at
                dossier.due_at = due
                dossier.warned_at = None  # the new due moment gets its own warning (sweeper.py)
                # The appointment follows the due moment, unless an apology gave a new one.
                if dossier.pk not in apologised:
                    dossier.appointment_at = due
                dossier.revision += 1
                moved.append(
                    history.Change(
                        dossier=dossier,
                        action="deadline_recomputed",
                        from_state=dossier.state,
                        to_state=dossier.state,
                        reason=reason,
                        data={"from": old.isoformat() if old else None, "to": due.isoformat() if due else None},
                    )
                )
            if moved:
                update_rows([c.dossier for c in moved], ["due_at", "appointment_at", "warned_at", "revision"])
                history.append_many(moved, at=clock.now(), actor=actor)
                changed += len(moved)
    return RecomputeReport(checked, changed, unknown, time.monotonic() - started)
