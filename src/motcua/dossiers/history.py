"""The tamper-evident history of a dossier (issue #4 §5).

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON content
(sequence, time, action, states, actor, reason, data). The first entry chains to a genesis value
derived from the dossier's UUID, so entries cannot be moved between dossiers either. Changing,
deleting or reordering any entry breaks the chain from that entry on; `verify` reports where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Max, Q

from motcua.core.events import publish, publish_many
from motcua.dossiers.events import DossierChanged
from motcua.dossiers.models import Dossier, HistoryEntry


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: an officer (with the unit and role acted in), the applicant, or the system."""

    name: str
    role: str = ""
    unit: str = ""
    agency_code: str = ""
    officer_id: int | None = None


SYSTEM = Actor(name="system", role="system")


def _genesis(dossier: Dossier) -> str:
    return hashlib.sha256(f"motcua-dossier:{dossier.uuid}".encode()).hexdigest()


def _content(entry: HistoryEntry) -> str:
    return json.dumps(
        {
            "sequence": entry.sequence,
            "at": entry.at.astimezone(UTC).isoformat(),
            "action": entry.action,
            "from": entry.from_state,
            "to": entry.to_state,
            "actor": entry.actor,
            "role": entry.actor_role,
            "unit": entry.actor_unit,
            "agency": entry.actor_agency,
            "reason": entry.reason,
            "data": entry.data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _hash(previous: str, entry: HistoryEntry) -> str:
    return hashlib.sha256((previous + _content(entry)).encode("utf-8")).hexdigest()


def _entry(
    dossier: Dossier,
    *,
    after: HistoryEntry | None,
    at: datetime,
    action: str,
    from_state: str,
    to_state: str,
    actor: Actor,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> HistoryEntry:
    """An unsaved entry, hashed and chained to the dossier's last entry `after` (None: its first
    entry, chained to the genesis hash)."""
    previous_hash = after.hash if after is not None else _genesis(dossier)
    entry = HistoryEntry(
        dossier=dossier,
        sequence=after.sequence + 1 if after is not None else 1,
        at=at,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor.name,
        actor_role=actor.role,
        actor_unit=actor.unit,
        actor_agency=actor.agency_code,
        reason=reason,
        # A JSON round trip so that what is hashed is exactly what the database gives back.
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
        previous_hash=previous_hash,
    )
    entry.hash = _hash(previous_hash, entry)
    return entry


def _event(entry: HistoryEntry) -> tuple[DossierChanged, str, str]:
    """The domain event of an entry, with its aggregate: every history entry is also an event, in
    the same transaction (the outbox), so that no change is recorded without its event, nor an event
    sent for a change that rolled back."""
    dossier = entry.dossier
    event = DossierChanged(
        dossier_uuid=str(dossier.uuid),
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        action=str(entry.action),
        from_state=str(entry.from_state),
        to_state=str(entry.to_state),
        status_code=dossier.status_code,
        at=entry.at,
        history_sequence=entry.sequence,
        due_at=dossier.due_at,
        appointment_at=dossier.appointment_at,
        is_late=dossier.is_late,
    )
    return event, "dossier", str(dossier.uuid)


def append(
    dossier: Dossier,
    *,
    at: datetime,
    action: str,
    from_state: str,
    to_state: str,
    actor: Actor,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> HistoryEntry:
    """Append an entry. The caller holds the dossier's row lock, so sequences never collide.
    (A dossier just created: `open_many` writes its first entry without the look-up.)"""
    last = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").only("sequence", "hash").first()
    entry = _entry(
        dossier,
        after=last,
        at=at,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        reason=reason,
        data=data,
    )
    entry.save()
    event, aggregate_type, aggregate_id = _event(entry)
    publish(event, aggregate_type=aggregate_type, aggregate_id=aggregate_id)
    return entry


@dataclass(frozen=True, slots=True)
class Opening:
    """The first entry of a dossier just created (`open_many`): the dossier enters `to_state`."""

    dossier: Dossier
    at: datetime
    action: str
    to_state: str
    actor: Actor
    data: dict[str, Any] | None = None


def open_many(openings: Sequence[Opening]) -> list[HistoryEntry]:
    """The first entry of each of many dossiers just created in the caller's transaction, chained
    to each dossier's genesis hash, with their events: three INSERT statements whatever the number
    (entries, outbox events, deliveries), no look-up (a new dossier has no entry and no event yet;
    the unique constraints still guard both claims)."""
    if len({o.dossier.pk for o in openings}) != len(openings):
        raise ValueError("open_many takes one opening per dossier")
    entries = [
        _entry(
            o.dossier,
            after=None,
            at=o.at,
            action=o.action,
            from_state="",
            to_state=o.to_state,
            actor=o.actor,
            data=o.data,
        )
        for o in openings
    ]
    created = HistoryEntry.objects.bulk_create(entries, batch_size=500)
    publish_many([_event(e) for e in created], first_of_aggregates=True)
    return created


@dataclass(frozen=True, slots=True)
class Alteration:
    dossier_code: str
    sequence: int
    problem: str


def verify(dossier: Dossier) -> list[Alteration]:
    """Every place where the stored history of `dossier` differs from what was appended."""
    problems: list[Alteration] = []
    previous = _genesis(dossier)
    label = dossier.code or str(dossier.uuid)
    expected_sequence = 1
    for entry in HistoryEntry.objects.filter(dossier=dossier).order_by("sequence"):
        if entry.sequence != expected_sequence:
            problems.append(Alteration(label, entry.sequence, f"entry {expected_sequence} is missing"))
        if entry.previous_hash != previous:
            problems.append(Alteration(label, entry.sequence, "does not chain to the entry before it"))
        if _hash(entry.previous_hash, entry) != entry.hash:
            problems.append(Alteration(label, entry.sequence, "its content was changed after it was written"))
        previous = entry.hash
        expected_sequence = entry.sequence + 1
    return problems


@dataclass(frozen=True, slots=True)
class Change:
    """One entry for `append_many`: the same fields as `append` takes."""

    dossier: Dossier
    action: str
    from_state: str
    to_state: str
    reason: str = ""
    data: dict[str, Any] | None = None


def append_many(changes: Sequence[Change], *, at: datetime, actor: Actor) -> list[HistoryEntry]:
    """`append` for many dossiers at once (at most one change per dossier), in a constant number of
    queries; the caller holds the rows' locks. Used by bulk changes (recomputed due dates)."""
    if not changes:
        return []
    dossier_ids = [c.dossier.pk for c in changes]
    if len(set(dossier_ids)) != len(dossier_ids):
        raise ValueError("append_many takes at most one change per dossier")
    latest: dict[int, HistoryEntry] = {}
    for start in range(0, len(dossier_ids), 500):
        ids = dossier_ids[start : start + 500]
        last_sequences = (
            HistoryEntry.objects.filter(dossier_id__in=ids).values("dossier_id").annotate(last=Max("sequence"))
        )
        wanted = Q()
        for row in last_sequences:
            wanted |= Q(dossier_id=row["dossier_id"], sequence=row["last"])
        if wanted:
            for entry in HistoryEntry.objects.filter(wanted).only("dossier_id", "sequence", "hash"):
                latest[entry.dossier_id] = entry
    entries = [
        _entry(
            change.dossier,
            after=latest.get(change.dossier.pk),
            at=at,
            action=change.action,
            from_state=change.from_state,
            to_state=change.to_state,
            actor=actor,
            reason=change.reason,
            data=change.data,
        )
        for change in changes
    ]
    created = HistoryEntry.objects.bulk_create(entries, batch_size=500)
    publish_many([_event(e) for e in created])
    return created
