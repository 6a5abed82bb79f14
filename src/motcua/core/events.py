"""Domain events: written to the outbox in the change's transaction, delivered after it commits.

A domain app defines its events as frozen dataclasses named in the past tense, each with a stable
`event_type` that is stored with the event and must never change::

    @dataclass(frozen=True, kw_only=True)
    class DossierReceived(DomainEvent):
        event_type = "dossiers.dossier_received"
        code: str
        received_at: datetime

and publishes them from its services, inside the service's transaction::

    with transaction.atomic():
        dossier = ...  # locked with select_for_update(): see publish()
        publish(DossierReceived(code=..., received_at=...), aggregate_type="dossier", aggregate_id=str(dossier.uuid))

Consumers (notifications now, indicators and synchronisation later) subscribe in their
`AppConfig.ready()`::

    subscribe(DossierReceived, "notifications.receipt_sms", send_receipt_sms)

Guarantees (docs/adr/0006-domain-events-outbox.md):
- A rolled-back change publishes nothing; a committed change always has its event: the event row
  and one delivery row per subscribed handler are inserted in the caller's transaction.
- After the commit a django-tasks job (`core.tasks.deliver_events`) is enqueued to deliver soon.
  That enqueue is only an accelerator: the `deliver-events` sweeper delivers whatever is due,
  including events whose enqueue was lost because the process died right after the commit.
- Each (event, handler) pair is delivered at least once and its outcome recorded. A handler that
  raises is retried with backoff (`RETRY_DELAYS`) and marked failed after `EVENTS_MAX_ATTEMPTS`
  attempts; an operator can retry it from the admin. A delivery whose worker died is taken back
  when its lease expires. Handlers must therefore be idempotent.
- Per aggregate and per handler, events are delivered in the order they were published: a handler
  does not get event n+1 of an aggregate while event n of that aggregate is still undelivered to
  it (pending, in progress or failed). Different aggregates never wait for each other.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import traceback
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from motcua.core import clock
from motcua.core.models import DeliveryState, EventDelivery, OutboxEvent

logger = logging.getLogger(__name__)

__all__ = [
    "RETRY_DELAYS",
    "DeliveryReport",
    "DomainEvent",
    "NotInTransaction",
    "Payload",
    "PayloadValue",
    "PublishedEvent",
    "deliver_pending",
    "deliver_until_idle",
    "handler_names",
    "publish",
    "retry_delay",
    "retry_failed_deliveries",
    "subscribe",
    "unsubscribe",
]

PayloadValue = str | int | bool | None
Payload = dict[str, PayloadValue]

# Waits after the 1st, 2nd, 3rd… failed attempt; the last one repeats until the attempts run out.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
# With these defaults a handler is tried 10 times over about 5 h 13 min before it is marked failed.
DEFAULT_MAX_ATTEMPTS = 10
# How long a claimed delivery belongs to its worker; after that another worker may take it back.
# Longer than any handler should run: a handler still running when its lease expires may run twice.
DEFAULT_LEASE = timedelta(minutes=5)
_ERROR_LIMIT = 8000

_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_HANDLER_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$")


class NotInTransaction(RuntimeError):
    """publish() was called in autocommit mode, where the event could not share the change's fate."""


# --- Events and their payloads ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of the domain events: subclass as a frozen dataclass with a class-level `event_type`.

    `event_type` is stored with every event: choose "<app label>.<past_tense_name>" and never
    change it (renaming the class is fine). Fields may be str, int, bool, date or (time-zone
    aware) datetime, or any of these `| None`; the payload is JSON with dates in ISO 8601.
    Add fields with a default so that events stored before the change still load; a payload key
    this code does not know is ignored, so an older worker reads a newer event. Override
    `to_payload`/`from_payload` together for anything else; publish() checks the round trip.
    """

    event_type: ClassVar[str]

    def to_payload(self) -> Payload:
        return {field.name: field.encode(getattr(self, field.name)) for field in _payload_fields(type(self))}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        values: dict[str, Any] = {
            field.name: field.decode(payload[field.name]) for field in _payload_fields(cls) if field.name in payload
        }
        return cls(**values)


E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True)
class _PayloadField:
    owner: str
    name: str
    kind: type
    optional: bool

    def encode(self, value: object) -> PayloadValue:
        if value is None and self.optional:
            return None
        self._check(value)
        if isinstance(value, date):  # date or datetime
            return value.isoformat()
        return typing.cast(PayloadValue, value)

    def decode(self, value: object) -> object:
        if value is None and self.optional:
            return None
        if self.kind in (date, datetime):
            if not isinstance(value, str):
                raise TypeError(f"{self.owner}.{self.name}: expected an ISO 8601 string, got {value!r}")
            parsed = datetime.fromisoformat(value) if self.kind is datetime else date.fromisoformat(value)
            self._check(parsed)
            return parsed
        self._check(value)
        return value

    def _check(self, value: object) -> None:
        # bool is an int and datetime is a date in Python: compare the exact types.
        if type(value) is not self.kind:
            raise TypeError(f"{self.owner}.{self.name}: expected {self.kind.__name__}, got {value!r}")
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise TypeError(f"{self.owner}.{self.name}: datetimes must be time-zone aware, got {value!r}")


_PAYLOAD_KINDS: tuple[type, ...] = (str, int, bool, date, datetime)


_fields_of: dict[type[DomainEvent], tuple[_PayloadField, ...]] = {}


def _payload_fields(cls: type[DomainEvent]) -> tuple[_PayloadField, ...]:
    """The payload fields of an event class, checked once (TypeError for an unsupported type)."""
    known = _fields_of.get(cls)
    if known is None:
        known = _fields_of[cls] = _read_payload_fields(cls)
    return known


def _read_payload_fields(cls: type[DomainEvent]) -> tuple[_PayloadField, ...]:
    # Decorated itself: a subclass that is not would inherit the dataclass machinery but not turn
    # its own annotations into fields, and they would silently be left out of the payload.
    params = cls.__dict__.get("__dataclass_params__")
    if params is None or not params.frozen:
        raise TypeError(f"{cls.__qualname__} must be a frozen dataclass (@dataclass(frozen=True, kw_only=True))")
    hints = typing.get_type_hints(cls)
    fields = []
    for field in dataclasses.fields(cls):
        annotation = hints[field.name]
        optional = False
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            optional = len(members) < len(typing.get_args(annotation))
            annotation = members[0] if len(members) == 1 else annotation
        if annotation not in _PAYLOAD_KINDS:
            raise TypeError(
                f"{cls.__qualname__}.{field.name}: {annotation!r} is not a payload type "
                "(str, int, bool, date, datetime, or one of them | None)"
            )
        fields.append(_PayloadField(owner=cls.__qualname__, name=field.name, kind=annotation, optional=optional))
    return tuple(fields)


# Covariant: a handler of PublishedEvent[DomainEvent] (any event) can handle PublishedEvent[DossierReceived].
E_co = TypeVar("E_co", bound=DomainEvent, covariant=True)


@dataclass(frozen=True)
class PublishedEvent(Generic[E_co]):
    """What a handler receives: the event and where it sits in the outbox.

    `event_id` is the same on every attempt: use it (or aggregate + `aggregate_sequence`) to make
    a handler idempotent, e.g. a unique constraint on the event id in the handler's own table.
    """

    event: E_co
    event_id: uuid.UUID
    aggregate_type: str
    aggregate_id: str
    aggregate_sequence: int
    occurred_at: datetime
    attempt: int


Handler = Callable[[PublishedEvent[E]], None]

_event_classes: dict[str, type[DomainEvent]] = {}
_handlers: dict[str, dict[str, Handler[Any]]] = {}


def _register_event_class(cls: type[DomainEvent]) -> None:
    if not (isinstance(cls, type) and issubclass(cls, DomainEvent)) or cls is DomainEvent:
        raise TypeError(f"{cls!r} is not a DomainEvent subclass")
    event_type = getattr(cls, "event_type", None)
    if not isinstance(event_type, str) or not _EVENT_TYPE.match(event_type) or len(event_type) > 100:
        raise TypeError(f"{cls.__qualname__}.event_type must look like 'app_label.something_happened'")
    _payload_fields(cls)
    known = _event_classes.get(event_type)
    if known is not None and known is not cls and _qualified(known) != _qualified(cls):
        raise ValueError(f"event_type {event_type!r} is used by both {_qualified(known)} and {_qualified(cls)}")
    _event_classes[event_type] = cls


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# --- Subscriptions ----------------------------------------------------------------------------


def subscribe(event_class: type[E], handler_name: str, handler: Handler[E]) -> None:
    """Deliver every event of `event_class` published from now on to `handler`.

    Call it from the consuming app's `AppConfig.ready()`, so that every process (web, worker,
    sweeper) has the same subscriptions. `handler_name` is stored with each delivery and must stay
    stable ("<app label>.<what it does>"); one name may subscribe to several event types, and the
    ordering rule then holds across them. Deliveries are made for the handlers subscribed when the
    event is published: a handler added later does not receive older events.

    The handler runs outside any transaction of ours, after the change has committed, at least
    once per event and possibly more (a retry after an error, a worker killed mid-delivery): it
    must be idempotent. Raising an exception schedules a retry.
    """
    _register_event_class(event_class)
    if not _HANDLER_NAME.match(handler_name) or len(handler_name) > 200:
        raise ValueError(f"handler name {handler_name!r} must look like 'app_label.what_it_does'")
    handlers = _handlers.setdefault(event_class.event_type, {})
    existing = handlers.get(handler_name)
    if existing is not None and existing != handler:
        raise ValueError(f"{handler_name!r} is already subscribed to {event_class.event_type!r} with another handler")
    handlers[handler_name] = handler


def unsubscribe(event_class: type[DomainEvent], handler_name: str) -> None:
    """Remove a subscription (tests; a handler's deliveries already made stay in the outbox)."""
    _handlers.get(event_class.event_type, {}).pop(handler_name, None)


def handler_names() -> list[str]:
    """The names of all subscribed handlers in this process, sorted."""
    return sorted({name for handlers in _handlers.values() for name in handlers})


# --- Publishing -------------------------------------------------------------------------------


def publish(
    event: DomainEvent, *, aggregate_type: str, aggregate_id: str, first_of_aggregate: bool = False
) -> OutboxEvent:
    """Record `event` in the outbox within the caller's transaction; deliver it after the commit.

    Must be called inside `transaction.atomic()` on the default database, the transaction of the
    change the event reports: the event and its deliveries (one per handler subscribed to its
    type) commit or roll back with the change. Raises NotInTransaction otherwise.

    Events of one aggregate are numbered 1, 2, 3… in publication order and delivered in that
    order. Lock the aggregate's row (`select_for_update()`) before publishing, as services do
    anyway: two transactions publishing for the same aggregate concurrently cannot both commit
    (the second fails with an IntegrityError). `first_of_aggregate`: the caller has just created the
    aggregate, so this is its event number 1 (saves a query on the hot path of a submission; the
    unique constraint still guards the claim).
    """
    connection: BaseDatabaseWrapper = transaction.get_connection()
    if not connection.in_atomic_block:
        raise NotInTransaction("publish() must be called inside the transaction of the change (transaction.atomic())")
    event_class = type(event)
    _register_event_class(event_class)
    for label, value in (("aggregate_type", aggregate_type), ("aggregate_id", aggregate_id)):
        if not isinstance(value, str) or not value or len(value) > 100:
            raise ValueError(f"{label} must be a non-empty string of at most 100 characters, not {value!r}")
    payload = event.to_payload()
    if event_class.from_payload(payload) != event:
        raise ValueError(f"{event_class.__qualname__}: from_payload(to_payload(event)) does not give the event back")

    last = (
        None
        if first_of_aggregate
        else OutboxEvent.objects.filter(aggregate_type=aggregate_type, aggregate_id=aggregate_id).aggregate(
            last=Max("aggregate_sequence")
        )["last"]
    )
    occurred_at = clock.now()
    # Deliveries run on the real clock (leases, backoff): an event dated in the past by
    # clock.recorded_at() (loading history) is due at once, never later than now.
    due_at = min(occurred_at, timezone.now())
    row = OutboxEvent.objects.create(
        event_type=event_class.event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_sequence=(last or 0) + 1,
        payload=payload,
        occurred_at=occurred_at,
    )
    names = sorted(_handlers.get(event_class.event_type, {}))
    if names:
        EventDelivery.objects.bulk_create(
            EventDelivery(
                event=row,
                handler_name=name,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                aggregate_sequence=row.aggregate_sequence,
                next_attempt_at=due_at,
            )
            for name in names
        )
        _enqueue_after_commit(connection)
    return row


def _enqueue_after_commit(connection: BaseDatabaseWrapper) -> None:
    # One job per transaction is enough: a job delivers everything that is due. Django keeps the
    # callbacks in `run_on_commit` and drops those of a rolled-back savepoint, so a callback
    # registered there and then rolled back is registered again by the next publish().
    if any(entry[1] is _enqueue_delivery for entry in getattr(connection, "run_on_commit", ())):
        return
    transaction.on_commit(_enqueue_delivery)


def _enqueue_job() -> None:
    from motcua.core.tasks import deliver_events

    deliver_events.enqueue()


def _enqueue_delivery() -> None:
    # The outbox rows are the durable truth; the job only makes delivery prompt. If it cannot be
    # enqueued the change has committed anyway and the sweeper delivers at its next pass.
    try:
        _enqueue_job()
    except Exception:
        logger.exception("Could not enqueue deliver_events; the deliver-events sweeper will deliver the events")


# --- Delivering -------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one call of deliver_pending (or deliver_until_idle) did."""

    delivered: int = 0
    retried: int = 0  # the handler raised; another attempt is scheduled
    failed: int = 0  # the handler raised on its last attempt
    lost: int = 0  # finished after its lease had been taken back; the other worker's outcome stands
    recovered: int = 0  # expired leases of dead workers put back to pending
    expired_failed: int = 0  # expired leases that had no attempt left

    @property
    def claimed(self) -> int:
        return self.delivered + self.retried + self.failed + self.lost

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            **{field.name: getattr(self, field.name) + getattr(other, field.name) for field in dataclasses.fields(self)}
        )

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in self.as_dict().items() if value) or (
            "nothing due"
        )


def retry_delay(attempt: int) -> timedelta:
    """The wait after failed attempt number `attempt` (1-based): 10 s, 30 s, 2 min, 10 min, then 1 h."""
    return RETRY_DELAYS[min(max(attempt, 1), len(RETRY_DELAYS)) - 1]


def deliver_pending(
    *,
    limit: int = 100,
    now: datetime | None = None,
    max_attempts: int | None = None,
    lease: timedelta | None = None,
    stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Deliver up to `limit` due deliveries, one at a time, and return what happened.

    First takes back the deliveries of workers that died (lease expired): to pending, or to
    failed when they had no attempt left. Then claims each due delivery with a compare-and-set
    UPDATE (pending and unchanged → in progress, with a lease and a fresh token), so that two
    workers, or a worker and the sweeper, never run the same delivery at once. The handler runs,
    then the outcome is written only if the lease token is still ours: delivered; or pending
    again after `retry_delay(attempt)`; or failed after `max_attempts` (default
    settings.EVENTS_MAX_ATTEMPTS, else 10), the error kept in `last_error`.

    Only the first undelivered delivery of each (handler, aggregate) is due, so events reach a
    handler in the order of their aggregate, and a failed event holds back the later events of its
    aggregate for that handler until it is retried (retry_failed_deliveries).

    `now` fixes the clock for the whole call (tests); by default each step reads the real time.
    `stop` is checked before each claim (graceful shutdown). Call it in autocommit mode.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    attempts_allowed = max_attempts if max_attempts is not None else _max_attempts()
    lease_length = lease if lease is not None else _lease()
    # Leases and backoff are the real time, not core.clock's: a delivery run inside
    # clock.recorded_at() (loading history) must not take a lease that has already expired.
    tick: Callable[[], datetime] = (lambda: now) if now is not None else timezone.now

    report = _recover_expired_leases(at=tick(), max_attempts=attempts_allowed)
    due = list(_due(at=tick())[:limit])
    # Oldest event first; at most one delivery per (handler, aggregate) is due at a time anyway.
    for delivery in sorted(due, key=lambda d: (d.event_id, d.handler_name)):
        if stop is not None and stop():
            break
        token = _claim(delivery, at=tick(), lease=lease_length)
        if token is None:
            continue  # another worker claimed it between our read and our UPDATE
        outcome = _attempt(delivery, token=token, tick=tick, max_attempts=attempts_allowed)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def deliver_until_idle(
    *, batch_size: int = 100, max_seconds: float = 60.0, stop: Callable[[], bool] | None = None
) -> DeliveryReport:
    """Call deliver_pending until nothing is due (or `max_seconds` have passed, or `stop()`).

    A burst of events of one aggregate needs one pass per event (the ordering rule), hence the loop.
    """
    started = time.monotonic()
    total = DeliveryReport()
    while True:
        report = deliver_pending(limit=batch_size, stop=stop)
        total += report
        if report.claimed == 0 and report.recovered == 0:
            return total
        if (stop is not None and stop()) or time.monotonic() - started >= max_seconds:
            return total


def retry_failed_deliveries(*, delivery_ids: Iterable[int], now: datetime | None = None) -> int:
    """Give failed deliveries a fresh series of attempts, the first one now; returns how many.

    For an operator (the admin's "Retry now" action), typically after the handler was fixed.
    Deliveries that are not failed are left alone.
    """
    at = now if now is not None else timezone.now()
    count = EventDelivery.objects.filter(id__in=list(delivery_ids), state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=at, lease_until=None, lease_token=None
    )
    if count:
        logger.info("%d failed event deliveries put back to pending", count)
        transaction.on_commit(_enqueue_delivery)
    return count


def _max_attempts() -> int:
    return int(getattr(settings, "EVENTS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def _lease() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "EVENTS_LEASE_SECONDS", DEFAULT_LEASE.total_seconds())))


def _recover_expired_leases(*, at: datetime, max_attempts: int) -> DeliveryReport:
    expired = EventDelivery.objects.filter(state=DeliveryState.IN_PROGRESS, lease_until__lt=at)
    note = "The lease expired: the worker stopped before recording the outcome of the attempt"
    # Each UPDATE is a compare-and-set on state and lease: a worker finishing in the meantime either
    # wins (its row is no longer in progress) or loses (its token is gone) and reports it lost.
    expired_failed = expired.filter(attempts__gte=max_attempts).update(
        state=DeliveryState.FAILED, lease_until=None, lease_token=None, last_error=note + "; no attempt left."
    )
    recovered = expired.update(
        state=DeliveryState.PENDING, next_attempt_at=at, lease_until=None, lease_token=None, last_error=note + "."
    )
    if recovered or expired_failed:
        logger.warning("Took back %d expired event deliveries (%d failed)", recovered + expired_failed, expired_failed)
    return DeliveryReport(recovered=recovered, expired_failed=expired_failed)


def _due(*, at: datetime) -> QuerySet[EventDelivery]:
    earlier_undelivered = EventDelivery.objects.filter(
        handler_name=OuterRef("handler_name"),
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        aggregate_sequence__lt=OuterRef("aggregate_sequence"),
    ).exclude(state=DeliveryState.DELIVERED)
    return (
        EventDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=at)
        .exclude(Exists(earlier_undelivered))
        .select_related("event")
        .order_by("next_attempt_at", "id")
    )


def _claim(delivery: EventDelivery, *, at: datetime, lease: timedelta) -> uuid.UUID | None:
    token = uuid.uuid4()
    claimed = EventDelivery.objects.filter(
        id=delivery.id, state=DeliveryState.PENDING, attempts=delivery.attempts, next_attempt_at__lte=at
    ).update(
        state=DeliveryState.IN_PROGRESS,
        attempts=delivery.attempts + 1,
        lease_until=at + lease,
        lease_token=token,
        last_attempt_at=at,
    )
    return token if claimed else None


_Outcome = Literal["delivered", "retried", "failed", "lost"]


def _attempt(delivery: EventDelivery, *, token: uuid.UUID, tick: Callable[[], datetime], max_attempts: int) -> _Outcome:
    attempt = delivery.attempts + 1
    row = delivery.event
    try:
        handler = _handlers.get(row.event_type, {}).get(delivery.handler_name)
        event_class = _event_classes.get(row.event_type)
        if handler is None or event_class is None:
            raise LookupError(f"No handler {delivery.handler_name!r} is subscribed to {row.event_type!r} here")
        published = PublishedEvent(
            event=event_class.from_payload(row.payload),
            event_id=row.uuid,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            aggregate_sequence=row.aggregate_sequence,
            occurred_at=row.occurred_at,
            attempt=attempt,
        )
        if transaction.get_connection().in_atomic_block:
            # Only when the caller holds a transaction (tests): keep a failing handler's
            # database error from breaking it.
            with transaction.atomic():
                handler(published)
        else:
            handler(published)
    except Exception as exc:
        error = _format_error(exc)
        if attempt >= max_attempts:
            logger.error("Event delivery %s failed for good after %d attempts: %s", delivery, attempt, exc)
            done = _finish(delivery, token, state=DeliveryState.FAILED, last_error=error)
            return "failed" if done else "lost"
        retry_at = tick() + retry_delay(attempt)
        logger.warning("Event delivery %s failed (attempt %d), retry at %s: %s", delivery, attempt, retry_at, exc)
        done = _finish(delivery, token, state=DeliveryState.PENDING, next_attempt_at=retry_at, last_error=error)
        return "retried" if done else "lost"
    done = _finish(delivery, token, state=DeliveryState.DELIVERED, delivered_at=tick())
    return "delivered" if done else "lost"


def _finish(delivery: EventDelivery, token: uuid.UUID, **changes: Any) -> bool:
    finished = EventDelivery.objects.filter(id=delivery.id, state=DeliveryState.IN_PROGRESS, lease_token=token).update(
        lease_until=None, lease_token=None, **changes
    )
    if not finished:
        logger.warning("Event delivery %s outlived its lease; another worker took it over", delivery)
    return bool(finished)


def _format_error(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    # The exception message is at the end of a traceback: keep the end.
    return text if len(text) <= _ERROR_LIMIT else "…" + text[-_ERROR_LIMIT:]


def publish_many(
    items: Sequence[tuple[DomainEvent, str, str]], *, first_of_aggregates: bool = False
) -> list[OutboxEvent]:
    """`publish` for many events at once: (event, aggregate_type, aggregate_id) triples.

    The same guarantees as `publish` (same transaction, per-aggregate order; lock the aggregates'
    rows first), in a constant number of queries: for bulk changes such as recomputing the due
    dates of every open dossier after a holiday decision, and for a batch of new dossiers.
    `first_of_aggregates`: the caller has just created every aggregate, so their events are
    numbered from 1 without the look-up (as `publish(first_of_aggregate=True)`; the unique
    constraint still guards the claim).
    """
    connection: BaseDatabaseWrapper = transaction.get_connection()
    if not connection.in_atomic_block:
        raise NotInTransaction("publish_many() must be called inside the transaction of the change")
    if not items:
        return []
    keys = {(aggregate_type, aggregate_id) for _event, aggregate_type, aggregate_id in items}
    last: dict[tuple[str, str], int] = {}
    for aggregate_type in () if first_of_aggregates else {k[0] for k in keys}:
        ids = [k[1] for k in keys if k[0] == aggregate_type]
        for start in range(0, len(ids), 500):  # bounded IN lists (SQLite's variable limit)
            latest = (
                OutboxEvent.objects.filter(aggregate_type=aggregate_type, aggregate_id__in=ids[start : start + 500])
                .values("aggregate_id")
                .annotate(last=Max("aggregate_sequence"))
            )
            for found in latest:
                last[(aggregate_type, found["aggregate_id"])] = found["last"]
    occurred_at = clock.now()
    due_at = min(occurred_at, timezone.now())
    pending: list[OutboxEvent] = []
    for event, aggregate_type, aggregate_id in items:
        _register_event_class(type(event))
        key = (aggregate_type, aggregate_id)
        last[key] = last.get(key, 0) + 1
        pending.append(
            OutboxEvent(
                event_type=type(event).event_type,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                aggregate_sequence=last[key],
                payload=event.to_payload(),
                occurred_at=occurred_at,
            )
        )
    rows = OutboxEvent.objects.bulk_create(pending, batch_size=500)
    deliveries = [
        EventDelivery(
            event=row,
            handler_name=name,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            aggregate_sequence=row.aggregate_sequence,
            next_attempt_at=due_at,
        )
        for row in rows
        for name in sorted(_handlers.get(row.event_type, {}))
    ]
    if deliveries:
        EventDelivery.objects.bulk_create(deliveries, batch_size=500)
        _enqueue_after_commit(connection)
    return rows
