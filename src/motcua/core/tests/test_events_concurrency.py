"""Several workers at once, on PostgreSQL: threads with their own connections, real commits.

On SQLite the same compare-and-set is covered sequentially (test_events_delivery: a second worker
runs while the first is inside the handler); the in-memory test database is one connection.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, connections, transaction

from motcua.core import events
from motcua.core.events import DeliveryReport, DomainEvent, PublishedEvent, publish
from motcua.core.models import DeliveryState, EventDelivery, OutboxEvent
from motcua.core.tests.support import ParcelReceived, Recorder, received

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"),
]


def _in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in `count` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_workers_deliver_each_delivery_once_and_in_order(recorder: Recorder) -> None:
    original_fail = recorder.fail

    def slow(name: str, published: PublishedEvent[DomainEvent]) -> bool:
        time.sleep(0.002)  # widen the windows between read, claim and finish
        return original_fail(name, published)

    recorder.fail = slow
    for sequence in range(4):
        for parcel in range(10):
            with transaction.atomic():
                publish(
                    received(f"P-{parcel}", pieces=sequence + 1), aggregate_type="parcel", aggregate_id=f"P-{parcel}"
                )

    reports = _in_threads(4, lambda i: events.deliver_until_idle(batch_size=5))

    assert all(isinstance(report, DeliveryReport) for report in reports), reports
    delivered = [report.delivered for report in reports if isinstance(report, DeliveryReport)]
    assert sum(delivered) == 80
    assert sum(1 for count in delivered if count) >= 2, f"the workers did not overlap: {delivered}"
    deliveries = Counter((name, parcel, sequence) for name, parcel, sequence, _attempt in recorder.calls)
    assert len(deliveries) == 80
    assert set(deliveries.values()) == {1}, "no delivery ran twice"
    for handler_name in ("tests.audit", "tests.notify"):
        for parcel in range(10):
            assert [seq for p, seq in recorder.of(handler_name) if p == f"P-{parcel}"] == [1, 2, 3, 4]
    assert set(EventDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


def test_two_workers_racing_for_the_same_delivery_run_it_once(registry: None) -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        with lock:
            calls.append(published.aggregate_id)

    events.subscribe(ParcelReceived, "tests.audit", handler)
    for round_ in range(15):
        with transaction.atomic():
            publish(received(f"R-{round_}"), aggregate_type="parcel", aggregate_id=f"R-{round_}")

        reports = _in_threads(2, lambda i: events.deliver_pending())

        assert sorted(r.claimed for r in reports if isinstance(r, DeliveryReport)) == [0, 1], reports
    assert Counter(calls) == {f"R-{round_}": 1 for round_ in range(15)}


def test_concurrent_publishers_for_one_aggregate_cannot_both_commit(registry: None) -> None:
    events.subscribe(ParcelReceived, "tests.audit", lambda published: None)
    first_published, second_trying = threading.Event(), threading.Event()

    def first(index: int) -> str:
        with transaction.atomic():
            publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")
            first_published.set()
            second_trying.wait(10)
            time.sleep(0.3)  # the second now waits on the unique (aggregate, sequence) index
        return "committed"

    def second(index: int) -> str:
        first_published.wait(10)
        try:
            with transaction.atomic():
                second_trying.set()
                publish(received("P-1", pieces=9), aggregate_type="parcel", aggregate_id="P-1")
        except IntegrityError:
            return "refused"
        return "committed"

    results = _in_threads(2, lambda i: (first, second)[i](i))

    assert results == ["committed", "refused"]
    assert list(OutboxEvent.objects.values_list("aggregate_sequence", "payload__pieces")) == [(1, 2)]
