"""The one source of "now", so that tests can freeze it (time-machine) and code never builds naive datetimes.

`recorded_at(moment)` makes every service called inside it record `moment` as "now": for loading
what happened earlier (the demo's history, a migration from a legacy one-stop system), never for
ordinary requests. It is a context variable, so it holds for the current thread or task only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_recorded_at: ContextVar[datetime | None] = ContextVar("motcua_clock_recorded_at", default=None)


def now() -> datetime:
    moment = _recorded_at.get()
    return moment if moment is not None else timezone.now()


def today() -> date:
    """Today in the deployment's zone (TIME_ZONE, Asia/Ho_Chi_Minh), not the UTC date.

    Between 00:00 and 07:00 in Vietnam the UTC date is still yesterday; legal dates (effective
    dates, the day a dossier is received) are Vietnamese dates.
    """
    return timezone.localdate(now())


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    if moment.tzinfo is None:
        raise ValueError("the recorded moment must be timezone-aware")
    token = _recorded_at.set(moment)
    try:
        yield
    finally:
        _recorded_at.reset(token)
