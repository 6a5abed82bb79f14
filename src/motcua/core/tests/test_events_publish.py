"""publish(): the event shares the fate of the change's transaction, and delivery is enqueued after commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from motcua.core import events
from motcua.core.events import DomainEvent, NotInTransaction, publish
from motcua.core.models import DeliveryState, EventDelivery, OutboxEvent
from motcua.core.tests.support import ParcelReturned, Recorder, received

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _jobs() -> list[str]:
    return list(DBTaskResult.objects.values_list("task_path", flat=True))


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_publish_outside_a_transaction(recorder: Recorder) -> None:
    with pytest.raises(NotInTransaction):
        publish(received(), aggregate_type="parcel", aggregate_id="P-1")

    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_publishes_nothing(recorder: Recorder) -> None:
    with pytest.raises(Boom), transaction.atomic():
        publish(received(), aggregate_type="parcel", aggregate_id="P-1")
        raise Boom

    assert not OutboxEvent.objects.exists()
    assert not EventDelivery.objects.exists()
    assert _jobs() == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_has_its_event_one_delivery_per_handler_and_a_delivery_job(recorder: Recorder) -> None:
    with transaction.atomic():
        row = publish(received("P-7"), aggregate_type="parcel", aggregate_id="P-7")
        assert _jobs() == [], "the job is enqueued after the commit, not before"

    event = OutboxEvent.objects.get()
    assert event == row
    assert (event.event_type, event.aggregate_type, event.aggregate_id, event.aggregate_sequence) == (
        "tests.parcel_received",
        "parcel",
        "P-7",
        1,
    )
    assert event.payload == received("P-7").to_payload()
    deliveries = EventDelivery.objects.order_by("handler_name")
    assert [(d.handler_name, d.state, d.attempts) for d in deliveries] == [
        ("tests.audit", DeliveryState.PENDING, 0),
        ("tests.notify", DeliveryState.PENDING, 0),
    ]
    assert all(d.next_attempt_at == event.occurred_at for d in deliveries), "due at once"
    assert _jobs() == ["motcua.core.tasks.deliver_events"]


@pytest.mark.django_db(transaction=True)
def test_one_job_per_transaction_and_events_numbered_per_aggregate(recorder: Recorder) -> None:
    with transaction.atomic():
        publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")
        publish(ParcelReturned(parcel="P-1"), aggregate_type="parcel", aggregate_id="P-1")
        publish(received("P-2"), aggregate_type="parcel", aggregate_id="P-2")
    with transaction.atomic():
        publish(received("P-1", pieces=3), aggregate_type="parcel", aggregate_id="P-1")

    assert list(OutboxEvent.objects.order_by("id").values_list("aggregate_id", "aggregate_sequence")) == [
        ("P-1", 1),
        ("P-1", 2),
        ("P-2", 1),
        ("P-1", 3),
    ]
    assert len(_jobs()) == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_takes_its_events_and_its_job_with_it(recorder: Recorder) -> None:
    with transaction.atomic(), pytest.raises(Boom), transaction.atomic():
        publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")
        raise Boom
    assert not OutboxEvent.objects.exists()
    assert _jobs() == []

    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")
            raise Boom
        publish(received("P-2"), aggregate_type="parcel", aggregate_id="P-2")

    assert list(OutboxEvent.objects.values_list("aggregate_id", "aggregate_sequence")) == [("P-2", 1)]
    assert len(_jobs()) == 1, "the job registered in the rolled-back savepoint was registered again"


def test_the_job_is_registered_once_per_transaction(
    recorder: Recorder, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        for parcel in ("P-1", "P-2", "P-3"):
            publish(received(parcel), aggregate_type="parcel", aggregate_id=parcel)

    assert len(callbacks) == 1
    assert EventDelivery.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_an_event_nobody_subscribed_to_is_kept_and_needs_no_job(registry: None) -> None:
    with transaction.atomic():
        publish(received(), aggregate_type="parcel", aggregate_id="P-1")

    assert OutboxEvent.objects.count() == 1
    assert not EventDelivery.objects.exists()
    assert _jobs() == []


def test_events_are_append_only(recorder: Recorder) -> None:
    with transaction.atomic():
        row = publish(received(), aggregate_type="parcel", aggregate_id="P-1")

    with pytest.raises(TypeError, match="append-only"):
        OutboxEvent.objects.filter(id=row.id).update(event_type="tests.other")
    with pytest.raises(TypeError, match="append-only"):
        OutboxEvent.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        row.delete()
    row.aggregate_id = "P-2"
    with pytest.raises(TypeError, match="append-only"):
        row.save()


@dataclass(frozen=True, kw_only=True)
class Lossy(DomainEvent):
    event_type = "tests.lossy"
    parcel: str

    def to_payload(self) -> events.Payload:
        return {"parcel": self.parcel.upper()}


@pytest.mark.parametrize(
    ("aggregate_type", "aggregate_id"), [("", "P-1"), ("parcel", ""), ("parcel", "x" * 101), ("parcel", 7)]
)
def test_it_refuses_a_missing_or_oversized_aggregate(
    recorder: Recorder, aggregate_type: str, aggregate_id: Any
) -> None:
    with pytest.raises(ValueError, match="aggregate"), transaction.atomic():
        publish(received(), aggregate_type=aggregate_type, aggregate_id=aggregate_id)


def test_it_refuses_an_event_that_would_not_come_back_the_same(registry: None) -> None:
    with pytest.raises(ValueError, match="does not give the event back"), transaction.atomic():
        publish(Lossy(parcel="p-1"), aggregate_type="parcel", aggregate_id="P-1")


@pytest.mark.django_db
def test_publish_many_numbers_each_aggregate_after_what_it_already_has(recorder: Recorder) -> None:
    with transaction.atomic():
        publish(received("p-1"), aggregate_type="parcel", aggregate_id="p-1")
        rows = events.publish_many(
            [
                (received("p-1", pieces=3), "parcel", "p-1"),
                (received("p-2"), "parcel", "p-2"),
                (received("p-1", pieces=4), "parcel", "p-1"),
            ]
        )
    assert [(r.aggregate_id, r.aggregate_sequence) for r in rows] == [("p-1", 2), ("p-2", 1), ("p-1", 3)]
    # Two handlers are subscribed to ParcelReceived: two deliveries per event.
    assert EventDelivery.objects.filter(event__in=rows).count() == 3 * 2
