"""deliver_pending(): claims, retries with backoff, failure, order per aggregate, and leases of dead workers."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from motcua.core import clock, events
from motcua.core.events import PublishedEvent, deliver_pending, publish, retry_failed_deliveries
from motcua.core.models import DeliveryState, EventDelivery, OutboxEvent
from motcua.core.tests.support import ParcelReceived, Recorder, received

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


def _publish(parcel: str, **changes: object) -> OutboxEvent:
    with transaction.atomic():
        return publish(received(parcel, **changes), aggregate_type="parcel", aggregate_id=parcel)


def _delivery(handler_name: str, parcel: str, sequence: int = 1) -> EventDelivery:
    return EventDelivery.objects.get(handler_name=handler_name, aggregate_id=parcel, aggregate_sequence=sequence)


def _states() -> dict[tuple[str, str, int], str]:
    return {
        (d.handler_name, d.aggregate_id, d.aggregate_sequence): d.state
        for d in EventDelivery.objects.order_by("handler_name", "aggregate_id", "aggregate_sequence")
    }


def test_it_delivers_each_event_to_each_handler_once_and_records_it(registry: None) -> None:
    seen: list[PublishedEvent[ParcelReceived]] = []
    events.subscribe(ParcelReceived, "tests.audit", seen.append)
    row = _publish("P-1", note="at the counter")
    now = clock.now()

    report = deliver_pending(now=now)

    assert (report.delivered, report.claimed) == (1, 1)
    [published] = seen
    assert published == PublishedEvent(
        event=received("P-1", note="at the counter"),
        event_id=row.uuid,
        aggregate_type="parcel",
        aggregate_id="P-1",
        aggregate_sequence=1,
        occurred_at=row.occurred_at,
        attempt=1,
    )
    delivery = _delivery("tests.audit", "P-1")
    assert (delivery.state, delivery.attempts, delivery.delivered_at, delivery.last_attempt_at) == (
        DeliveryState.DELIVERED,
        1,
        now,
        now,
    )
    assert (delivery.lease_until, delivery.lease_token, delivery.last_error) == (None, None, "")

    assert deliver_pending(now=now + SECOND).claimed == 0
    assert len(seen) == 1


def test_a_failing_handler_is_retried_with_backoff_then_marked_failed(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder.fail = lambda name, published: name == "tests.notify"
    _publish("P-1")
    start = clock.now()

    first = deliver_pending(now=start, max_attempts=4)

    assert (first.delivered, first.retried) == (1, 1)  # tests.audit is not held back by tests.notify
    notify = _delivery("tests.notify", "P-1")
    assert (notify.state, notify.attempts, notify.next_attempt_at) == (DeliveryState.PENDING, 1, start + 10 * SECOND)
    assert "RuntimeError: tests.notify could not handle P-1#1" in notify.last_error
    assert "Traceback" in notify.last_error

    assert deliver_pending(now=start + 9 * SECOND, max_attempts=4).claimed == 0, "not before its backoff"
    assert deliver_pending(now=start + 10 * SECOND, max_attempts=4).retried == 1
    assert _delivery("tests.notify", "P-1").next_attempt_at == start + 40 * SECOND
    assert deliver_pending(now=start + 40 * SECOND, max_attempts=4).retried == 1
    assert _delivery("tests.notify", "P-1").next_attempt_at == start + 160 * SECOND
    with caplog.at_level(logging.ERROR, logger="motcua.core.events"):
        last = deliver_pending(now=start + 160 * SECOND, max_attempts=4)

    assert (last.failed, last.claimed) == (1, 1)
    notify = _delivery("tests.notify", "P-1")
    assert (notify.state, notify.attempts, notify.delivered_at) == (DeliveryState.FAILED, 4, None)
    assert "could not handle P-1#1" in notify.last_error
    assert "failed for good after 4 attempts" in caplog.text
    assert deliver_pending(now=start + timedelta(days=1), max_attempts=4).claimed == 0
    assert [attempt for name, _a, _s, attempt in recorder.calls if name == "tests.notify"] == [1, 2, 3, 4]


def test_the_number_of_attempts_comes_from_the_settings(recorder: Recorder, settings: Settings) -> None:
    settings.EVENTS_MAX_ATTEMPTS = 2
    recorder.fail = lambda name, published: True
    _publish("P-1")
    start = clock.now()

    deliver_pending(now=start)
    report = deliver_pending(now=start + 10 * SECOND)

    assert report.failed == 2
    assert set(_states().values()) == {DeliveryState.FAILED}


def test_retry_now_gives_a_failed_delivery_a_fresh_series_of_attempts(
    recorder: Recorder, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    recorder.fail = lambda name, published: name == "tests.notify"
    _publish("P-1")
    start = clock.now()
    deliver_pending(now=start, max_attempts=1)
    failed, delivered = _delivery("tests.notify", "P-1"), _delivery("tests.audit", "P-1")
    assert (failed.state, delivered.state) == (DeliveryState.FAILED, DeliveryState.DELIVERED)

    recorder.fail = lambda name, published: False  # the handler was fixed
    with django_capture_on_commit_callbacks() as callbacks:
        count = retry_failed_deliveries(delivery_ids=[failed.id, delivered.id], now=start + 60 * SECOND)

    assert count == 1, "a delivered delivery is left alone"
    assert len(callbacks) == 1, "a delivery job is enqueued"
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.next_attempt_at) == (DeliveryState.PENDING, 0, start + 60 * SECOND)
    assert deliver_pending(now=start + 60 * SECOND).delivered == 1
    assert _delivery("tests.notify", "P-1").state == DeliveryState.DELIVERED


# --- Order per aggregate ---------------------------------------------------------------------


def test_a_handler_gets_the_events_of_an_aggregate_in_the_order_they_were_published(recorder: Recorder) -> None:
    for pieces in (1, 2, 3):
        _publish("P-1", pieces=pieces)
        _publish("P-2", pieces=pieces)

    report = events.deliver_until_idle()

    assert report.delivered == 12
    for handler_name in ("tests.audit", "tests.notify"):
        calls = recorder.of(handler_name)
        assert [seq for parcel, seq in calls if parcel == "P-1"] == [1, 2, 3]
        assert [seq for parcel, seq in calls if parcel == "P-2"] == [1, 2, 3]


def test_an_undelivered_event_holds_back_the_later_events_of_its_aggregate_for_that_handler_only(
    recorder: Recorder,
) -> None:
    recorder.fail = lambda name, published: name == "tests.audit" and published.aggregate_id == "P-1"
    _publish("P-1", pieces=1)
    _publish("P-1", pieces=2)
    _publish("P-2")
    start = clock.now()

    for _ in range(3):  # as many passes as one likes: P-1#2 must wait for P-1#1
        deliver_pending(now=start)

    assert _states() == {
        ("tests.audit", "P-1", 1): DeliveryState.PENDING,  # failed once, retry in 10 s
        ("tests.audit", "P-1", 2): DeliveryState.PENDING,  # held back
        ("tests.audit", "P-2", 1): DeliveryState.DELIVERED,  # another aggregate: not held back
        ("tests.notify", "P-1", 1): DeliveryState.DELIVERED,  # another handler: not held back
        ("tests.notify", "P-1", 2): DeliveryState.DELIVERED,
        ("tests.notify", "P-2", 1): DeliveryState.DELIVERED,
    }
    assert _delivery("tests.audit", "P-1", 2).attempts == 0, "never tried while P-1#1 was undelivered"

    recorder.fail = lambda name, published: False
    deliver_pending(now=start + 10 * SECOND)
    deliver_pending(now=start + 10 * SECOND)

    assert set(_states().values()) == {DeliveryState.DELIVERED}
    assert recorder.of("tests.audit") == [("P-1", 1), ("P-2", 1), ("P-1", 1), ("P-1", 2)]


def test_a_failed_event_holds_back_its_aggregate_until_it_is_retried(recorder: Recorder) -> None:
    recorder.fail = lambda name, published: name == "tests.audit" and published.aggregate_sequence == 1
    _publish("P-1", pieces=1)
    _publish("P-1", pieces=2)
    start = clock.now()

    deliver_pending(now=start, max_attempts=1)
    deliver_pending(now=start + timedelta(days=30), max_attempts=1)

    assert _delivery("tests.audit", "P-1", 1).state == DeliveryState.FAILED
    assert _delivery("tests.audit", "P-1", 2).state == DeliveryState.PENDING

    recorder.fail = lambda name, published: False
    retry_failed_deliveries(delivery_ids=[_delivery("tests.audit", "P-1", 1).id])
    events.deliver_until_idle()

    assert [seq for parcel, seq in recorder.of("tests.audit")] == [1, 1, 2]


def test_held_back_deliveries_do_not_starve_other_aggregates(recorder: Recorder) -> None:
    recorder.fail = lambda name, published: published.aggregate_id == "P-1"
    for pieces in range(1, 6):
        _publish("P-1", pieces=pieces)
    _publish("P-2")
    start = clock.now()
    deliver_pending(now=start, max_attempts=1, limit=2)  # P-1#1 fails for both handlers
    recorder.calls.clear()

    report = deliver_pending(now=start, limit=2)

    assert report.delivered == 2
    assert sorted(recorder.calls) == [("tests.audit", "P-2", 1, 1), ("tests.notify", "P-2", 1, 1)]


def test_a_handler_that_is_no_longer_subscribed_is_an_error_like_any_other(recorder: Recorder) -> None:
    _publish("P-1")
    events.unsubscribe(ParcelReceived, "tests.notify")

    report = deliver_pending(now=clock.now())

    assert (report.delivered, report.retried) == (1, 1)
    assert (
        "No handler 'tests.notify' is subscribed to 'tests.parcel_received'"
        in _delivery("tests.notify", "P-1").last_error
    )


# --- Claims and leases -----------------------------------------------------------------------


def test_a_claimed_delivery_is_not_claimed_again_by_a_second_worker(registry: None) -> None:
    # Compare-and-set, sequentially: a second worker runs while the first is inside the handler.
    calls: list[int] = []
    second_worker: list[events.DeliveryReport] = []

    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        calls.append(published.attempt)
        second_worker.append(deliver_pending(now=clock.now()))

    events.subscribe(ParcelReceived, "tests.audit", handler)
    _publish("P-1")

    report = deliver_pending(now=clock.now())

    assert (report.delivered, calls) == (1, [1])
    assert second_worker[0].claimed == 0
    assert _delivery("tests.audit", "P-1").state == DeliveryState.DELIVERED


class WorkerKilled(BaseException):
    """Stands for the worker process dying in the middle of a handler (SIGKILL, OOM, power cut)."""


def test_a_delivery_whose_worker_died_is_taken_back_when_its_lease_expires(registry: None) -> None:
    calls: list[int] = []

    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        calls.append(published.attempt)
        if published.attempt == 1:
            raise WorkerKilled

    events.subscribe(ParcelReceived, "tests.audit", handler)
    _publish("P-1")
    start = clock.now()
    with pytest.raises(WorkerKilled):
        deliver_pending(now=start, lease=timedelta(minutes=5))
    orphan = _delivery("tests.audit", "P-1")
    assert (orphan.state, orphan.attempts, orphan.lease_until) == (
        DeliveryState.IN_PROGRESS,
        1,
        start + timedelta(minutes=5),
    )

    early = deliver_pending(now=start + timedelta(minutes=4), lease=timedelta(minutes=5))
    assert (early.recovered, early.claimed, calls) == (0, 0, [1]), "the lease still holds"

    late = deliver_pending(now=start + timedelta(minutes=5, seconds=1), lease=timedelta(minutes=5))

    assert (late.recovered, late.delivered, calls) == (1, 1, [1, 2])
    delivery = _delivery("tests.audit", "P-1")
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 2)
    assert "lease expired" in delivery.last_error


def test_an_expired_lease_without_attempts_left_is_a_failure(registry: None) -> None:
    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        raise WorkerKilled

    events.subscribe(ParcelReceived, "tests.audit", handler)
    _publish("P-1")
    start = clock.now()
    with pytest.raises(WorkerKilled):
        deliver_pending(now=start, max_attempts=1)

    report = deliver_pending(now=start + timedelta(hours=1), max_attempts=1)

    assert (report.expired_failed, report.recovered, report.claimed) == (1, 0, 0)
    delivery = _delivery("tests.audit", "P-1")
    assert delivery.state == DeliveryState.FAILED
    assert "lease expired" in delivery.last_error
    assert "no attempt left" in delivery.last_error


def test_a_worker_that_outlived_its_lease_does_not_overwrite_the_outcome(registry: None) -> None:
    # The first worker is so slow that its lease expires and a second worker delivers again.
    calls: list[int] = []
    later: list[events.DeliveryReport] = []

    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        calls.append(published.attempt)
        if published.attempt == 1:
            later.append(deliver_pending(now=start + timedelta(hours=1)))

    events.subscribe(ParcelReceived, "tests.audit", handler)
    _publish("P-1")
    start = clock.now()

    report = deliver_pending(now=start)

    assert calls == [1, 2], "delivered at least once: here twice"
    assert (later[0].recovered, later[0].delivered) == (1, 1)
    assert (report.lost, report.delivered) == (1, 0)
    delivery = _delivery("tests.audit", "P-1")
    assert (delivery.state, delivery.attempts, delivery.delivered_at) == (
        DeliveryState.DELIVERED,
        2,
        start + timedelta(hours=1),
    )


def test_it_stops_claiming_when_asked_to(recorder: Recorder) -> None:
    _publish("P-1")

    report = deliver_pending(now=clock.now(), stop=lambda: True)

    assert report.claimed == 0
    assert set(_states().values()) == {DeliveryState.PENDING}


def test_the_report_reads_as_a_sentence() -> None:
    assert str(events.DeliveryReport()) == "nothing due"
    assert str(events.DeliveryReport(delivered=3, expired_failed=1)) == "3 delivered, 1 expired failed"


def test_an_event_dated_in_the_past_is_delivered_on_the_real_clock(
    registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As inside clock.recorded_at() while history is loaded: core.clock says "last year".
    last_year = timezone.now() - timedelta(days=365)
    leases: list[EventDelivery] = []

    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        leases.append(_delivery("tests.audit", "P-1"))

    events.subscribe(ParcelReceived, "tests.audit", handler)
    monkeypatch.setattr(clock, "now", lambda: last_year)
    before = timezone.now()
    row = _publish("P-1")

    events.deliver_until_idle()

    assert row.occurred_at == last_year, "the event keeps its domain time"
    [in_hand] = leases
    assert in_hand.lease_until is not None and in_hand.lease_until > before + timedelta(minutes=4)
    delivered_at = _delivery("tests.audit", "P-1").delivered_at
    assert delivered_at is not None and delivered_at >= before
