"""core.bulk.insert_together: rows of several tables, all or none, in one statement on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from motcua.core.bulk import insert_together
from motcua.core.models import OutboxEvent

AT = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)


def _event(aggregate_id: str, sequence: int = 1) -> OutboxEvent:
    return OutboxEvent(
        event_type="tests.something_happened",
        aggregate_type="test",
        aggregate_id=aggregate_id,
        aggregate_sequence=sequence,
        payload={"tên": "Nguyễn Văn An", "n": [1, 2.5, None]},
        occurred_at=AT,
    )


def _group(name: str = "Cán bộ một cửa") -> Group:
    return Group(name=name)


@pytest.mark.django_db
def test_rows_of_several_tables_are_written_with_their_keys_and_read_back() -> None:
    event, group = _event("a"), _group()
    with CaptureQueriesContext(connection) as captured:
        insert_together([event, group])
    assert event.pk is not None and group.pk is not None
    assert not event._state.adding and not group._state.adding
    inserts = [q for q in captured.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.uuid, stored.payload, stored.occurred_at) == (event.uuid, event.payload, AT)
    assert Group.objects.get(pk=group.pk).name == "Cán bộ một cửa"


@pytest.mark.django_db
def test_a_refused_row_leaves_none_written_and_the_transaction_usable() -> None:
    OutboxEvent.objects.create(
        **{
            f: getattr(_event("taken"), f)
            for f in ("event_type", "aggregate_type", "aggregate_id", "aggregate_sequence", "payload", "occurred_at")
        }
    )
    first, clash = _group(), _event("taken")
    with pytest.raises(IntegrityError):
        insert_together([first, clash])
    assert first.pk is None
    assert not Group.objects.exists()  # the caller's transaction goes on
    assert OutboxEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_all_or_none_in_autocommit_too() -> None:
    assert not connection.in_atomic_block
    insert_together([_event("b")])
    first = _group()
    with pytest.raises(IntegrityError):
        insert_together([first, _event("b")])
    assert not Group.objects.exists()
    insert_together([_group(), _event("b", 2)])  # the connection is usable
    assert Group.objects.count() == 1 and OutboxEvent.objects.count() == 2


@pytest.mark.django_db
def test_only_new_rows() -> None:
    saved = _group()
    saved.save()
    with pytest.raises(ValueError, match="not a new row"):
        insert_together([saved])
    with transaction.atomic():
        insert_together([])


@pytest.mark.django_db
def test_update_rows_sets_each_row_its_own_values_as_bulk_update_would() -> None:
    from motcua.core.bulk import update_rows
    from motcua.core.models import DeliveryState, EventDelivery

    event = _event("c")
    insert_together([event])
    deliveries = [
        EventDelivery.objects.create(
            event=event,
            handler_name=f"tests.handler_{n}",
            aggregate_type="test",
            aggregate_id="c",
            aggregate_sequence=1,
            next_attempt_at=AT,
        )
        for n in range(7)
    ]
    untouched = deliveries.pop()
    for n, delivery in enumerate(deliveries):
        delivery.attempts = n
        delivery.next_attempt_at = AT.replace(hour=n)
        delivery.last_error = "" if n % 2 else f"lỗi {n}"
        delivery.lease_until = None if n % 2 else AT
        delivery.state = DeliveryState.FAILED
    with CaptureQueriesContext(connection) as captured:
        count = update_rows(
            deliveries, ["attempts", "next_attempt_at", "last_error", "lease_until", "state"], batch_size=4
        )
    assert count == 6
    assert len([q for q in captured.captured_queries if "UPDATE" in q["sql"]]) == 2  # 4 + 2
    for n, delivery in enumerate(deliveries):
        stored = EventDelivery.objects.get(pk=delivery.pk)
        assert (stored.attempts, stored.next_attempt_at, stored.last_error, stored.lease_until, stored.state) == (
            n,
            AT.replace(hour=n),
            "" if n % 2 else f"lỗi {n}",
            None if n % 2 else AT,
            DeliveryState.FAILED,
        )
    assert EventDelivery.objects.get(pk=untouched.pk).state == DeliveryState.PENDING


@pytest.mark.django_db
def test_update_rows_refuses_what_it_cannot_set() -> None:
    from motcua.core.bulk import update_rows

    group = _group()
    group.save()
    assert update_rows([], ["name"]) == 0
    with pytest.raises(ValueError, match="primary key"):
        update_rows([group], ["id"])
    with pytest.raises(ValueError, match="primary key"):
        update_rows([group], ["permissions"])  # many-to-many: not a column
