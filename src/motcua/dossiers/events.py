"""Domain events of dossiers, published through the outbox (core.events, ADR 0006).

One event per change: consumers (notifications now; service-quality indicators and the
synchronisation with the National Public Service Portal later) need the dossier, the action, the
states and the national status code, and read the rest through the selectors when they need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from motcua.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class DossierChanged(DomainEvent):
    """A dossier was submitted, received, handed over, paused, resumed, apologised for, finished…"""

    event_type = "dossiers.dossier_changed"

    dossier_uuid: str
    dossier_code: str | None
    procedure_code: str
    action: str
    from_state: str
    to_state: str
    status_code: int
    at: datetime
    history_sequence: int
    due_at: datetime | None = None
    appointment_at: datetime | None = None
    is_late: bool = False


@dataclass(frozen=True, kw_only=True)
class DeadlineEvent(DomainEvent):
    """What the deadline sweeper (sweeper.py) found about a dossier's due moment or one of its steps'.

    `step_order` is None for the dossier's own (statutory) due moment. `assignee_officer_id` is the
    step's assignee, or for the dossier the assignee of its current step, if any.
    """

    dossier_uuid: str
    dossier_code: str | None
    step_order: int | None
    due_at: datetime
    handling_agency_code: str
    assignee_officer_id: int | None
    at: datetime


@dataclass(frozen=True, kw_only=True)
class DeadlineApproaching(DeadlineEvent):
    """A dossier or a step falls due within the warning lead time (working time)."""

    event_type = "dossiers.deadline_approaching"


@dataclass(frozen=True, kw_only=True)
class DeadlineBreached(DeadlineEvent):
    """A dossier or a step was found past its due moment while still open."""

    event_type = "dossiers.deadline_breached"
