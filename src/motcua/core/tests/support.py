"""Example events and recording handlers for the outbox tests (fixtures in conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from motcua.core.events import DomainEvent, PublishedEvent


@dataclass(frozen=True, kw_only=True)
class ParcelReceived(DomainEvent):
    event_type = "tests.parcel_received"
    parcel: str
    pieces: int
    fragile: bool
    received_on: date
    received_at: datetime
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class ParcelReturned(DomainEvent):
    event_type = "tests.parcel_returned"
    parcel: str


@dataclass
class Recorder:
    """Handlers that record each call; `fail` decides, per call, whether the handler raises."""

    calls: list[tuple[str, str, int, int]] = field(default_factory=list)  # handler, aggregate id, seq, attempt
    fail: Callable[[str, PublishedEvent[DomainEvent]], bool] = lambda name, published: False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, name: str) -> Callable[[PublishedEvent[DomainEvent]], None]:
        def handle(published: PublishedEvent[DomainEvent]) -> None:
            with self.lock:
                self.calls.append((name, published.aggregate_id, published.aggregate_sequence, published.attempt))
            if self.fail(name, published):
                raise RuntimeError(f"{name} could not handle {published.aggregate_id}#{published.aggregate_sequence}")

        return handle

    def of(self, name: str) -> list[tuple[str, int]]:
        return [(aggregate_id, sequence) for handler, aggregate_id, sequence, _attempt in self.calls if handler == name]


def received(parcel: str = "P-1", **changes: object) -> ParcelReceived:
    values: dict[str, object] = {
        "parcel": parcel,
        "pieces": 2,
        "fragile": True,
        "received_on": date(2026, 11, 24),
        "received_at": datetime.fromisoformat("2026-11-24T08:30:00+07:00"),
    }
    values.update(changes)
    return ParcelReceived(**values)  # type: ignore[arg-type]
