"""Events of the working calendars (core.events outbox).

`CalendarChanged` tells the contexts that store due moments (dossiers) to recompute them: a day off
added by a government decision moves every due moment after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CalendarChanged(DomainEvent):
    event_type = "calendars.calendar_changed"

    revision: int
    calendar_code: str
    action: str
    summary: str
