"""Domain events as data: the JSON payload, its round trip, and the rules on event classes and handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from motcua.core import events
from motcua.core.events import DomainEvent, retry_delay
from motcua.core.tests.support import ParcelReceived, ParcelReturned, received


def test_the_payload_is_plain_json_with_iso_dates() -> None:
    payload = received(note=None).to_payload()

    assert payload == {
        "parcel": "P-1",
        "pieces": 2,
        "fragile": True,
        "received_on": "2026-11-24",
        "received_at": "2026-11-24T08:30:00+07:00",
        "note": None,
    }
    assert json.loads(json.dumps(payload)) == payload


def test_it_reads_back_the_event_it_wrote() -> None:
    event = received(note="left at the counter")

    assert ParcelReceived.from_payload(json.loads(json.dumps(event.to_payload()))) == event


def test_a_missing_field_with_a_default_takes_it_and_an_unknown_key_is_ignored() -> None:
    # An event stored before `note` existed, read by code that no longer knows `courier`.
    stored = {k: v for k, v in received().to_payload().items() if k != "note"} | {"courier": "VNPost"}

    assert ParcelReceived.from_payload(stored) == received(note=None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pieces", True),  # a bool is not an int here
        ("pieces", "2"),
        ("fragile", 1),
        ("received_on", datetime.fromisoformat("2026-11-24T08:30:00+07:00")),  # a datetime is not a date
        ("received_at", datetime(2026, 11, 24, 8, 30)),  # noqa: DTZ001 (the point: naive is refused)
        ("parcel", None),
    ],
)
def test_it_refuses_a_value_of_the_wrong_type(field: str, value: object) -> None:
    with pytest.raises(TypeError, match=f"ParcelReceived.{field}"):
        changes: dict[str, Any] = {field: value}
        received(**changes).to_payload()


def test_it_refuses_a_malformed_stored_payload() -> None:
    payload = received().to_payload()

    with pytest.raises(TypeError, match="received_at"):
        ParcelReceived.from_payload(payload | {"received_at": "2026-11-24T08:30:00"})  # naive
    with pytest.raises(TypeError, match="pieces"):
        ParcelReceived.from_payload(payload | {"pieces": "two"})
    with pytest.raises(TypeError):
        ParcelReceived.from_payload({"parcel": "P-1"})  # required fields missing


@dataclass(frozen=True, kw_only=True)
class FeePaid(DomainEvent):
    event_type = "tests.fee_paid"
    amount: Decimal


class NotADataclass(DomainEvent):  # its field would not be a dataclass field
    event_type = "tests.not_a_dataclass"
    parcel: str


@dataclass(frozen=True, kw_only=True)
class BadName(DomainEvent):
    event_type = "ParcelReceived"


@dataclass(frozen=True, kw_only=True)
class SameNameAsParcelReceived(DomainEvent):
    event_type = "tests.parcel_received"


def _noop(published: events.PublishedEvent[DomainEvent]) -> None:
    pass


@pytest.mark.parametrize(
    ("event_class", "message"),
    [
        (FeePaid, "is not a payload type"),
        (NotADataclass, "must be a frozen dataclass"),
        (BadName, "event_type must look like"),
        (DomainEvent, "not a DomainEvent subclass"),
    ],
)
def test_it_refuses_event_classes_it_could_not_store(
    registry: None, event_class: type[DomainEvent], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        events.subscribe(event_class, "tests.noop", _noop)


def test_two_classes_cannot_share_an_event_type(registry: None) -> None:
    events.subscribe(ParcelReceived, "tests.noop", _noop)

    with pytest.raises(ValueError, match="used by both"):
        events.subscribe(SameNameAsParcelReceived, "tests.noop", _noop)


def test_a_handler_name_is_stable_and_taken_once_per_event_type(registry: None) -> None:
    events.subscribe(ParcelReceived, "tests.noop", _noop)
    events.subscribe(ParcelReceived, "tests.noop", _noop)  # again, as a second ready() would: fine
    events.subscribe(ParcelReturned, "tests.noop", _noop)  # one name for several event types: fine

    with pytest.raises(ValueError, match="already subscribed"):
        events.subscribe(ParcelReceived, "tests.noop", lambda published: None)
    with pytest.raises(ValueError, match="must look like"):
        events.subscribe(ParcelReceived, "Send SMS", _noop)
    assert events.handler_names() == ["tests.noop"]

    events.unsubscribe(ParcelReceived, "tests.noop")
    events.unsubscribe(ParcelReturned, "tests.noop")
    assert events.handler_names() == []


def test_the_retry_delays_grow_then_stay_at_one_hour() -> None:
    assert [retry_delay(attempt) for attempt in range(1, 8)] == [
        timedelta(seconds=10),
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
