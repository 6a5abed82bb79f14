"""The domain-event outbox: one row per published event, one row per (event, handler) delivery.

Written by `core.events.publish` in the transaction of the change that caused the event, read and
updated by `core.events.deliver_pending` (the django-tasks worker and the `deliver-events`
sweeper). See docs/adr/0006-domain-events-outbox.md.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class _AppendOnlyQuerySet(models.QuerySet["OutboxEvent"]):
    """Events are history: the code never rewrites or removes one (retention will be an explicit job)."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("Outbox events are append-only: they cannot be updated")

    def delete(self) -> NoReturn:
        raise TypeError("Outbox events are append-only: they cannot be deleted")


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it reports.

    `id` is the global sequence (insertion order); `aggregate_sequence` numbers the events of one
    aggregate 1, 2, 3… and is unique with it, so two transactions that publish for the same
    aggregate without locking it cannot both commit (the second fails on the unique index)
    instead of delivering in an order nobody decided.
    """

    uuid = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(_("event type"), max_length=100)
    aggregate_type = models.CharField(_("aggregate type"), max_length=100)
    aggregate_id = models.CharField(_("aggregate id"), max_length=100)
    aggregate_sequence = models.PositiveIntegerField(_("sequence in the aggregate"))
    payload = models.JSONField(_("payload"))
    occurred_at = models.DateTimeField(_("occurred at"))

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["-id"]
        constraints = [
            # Also the index of publish()'s "next sequence of this aggregate" lookup.
            models.UniqueConstraint(
                fields=["aggregate_type", "aggregate_id", "aggregate_sequence"], name="core_event_aggregate_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}#{self.aggregate_sequence}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Outbox events are append-only: they cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Outbox events are append-only: they cannot be deleted")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class EventDelivery(models.Model):
    """The delivery of one event to one subscribed handler, with its retries.

    pending → in_progress (claimed with a lease) → delivered, or back to pending with a later
    `next_attempt_at` after an error, or failed after the last attempt. An in_progress row whose
    lease has expired belonged to a worker that died; the next sweep puts it back to pending.
    The aggregate columns are copied from the event for the ordering rule of deliver_pending.
    """

    # No index of its own: the unique (event, handler_name) constraint's index starts with it.
    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries", db_index=False)
    handler_name = models.CharField(_("handler"), max_length=200)
    aggregate_type = models.CharField(_("aggregate type"), max_length=100)
    aggregate_id = models.CharField(_("aggregate id"), max_length=100)
    aggregate_sequence = models.PositiveIntegerField(_("sequence in the aggregate"))
    state = models.CharField(_("state"), max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # Set when claimed: the worker holding `lease_token` may finish the delivery until `lease_until`.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    lease_token = models.UUIDField(_("lease token"), null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler_name"], name="core_delivery_event_handler"),
        ]
        indexes = [
            # Used by deliver_pending: the due pending deliveries, oldest first.
            models.Index(fields=["next_attempt_at"], condition=models.Q(state="pending"), name="core_delivery_due_idx"),
            # Used by deliver_pending to recover the leases of workers that died.
            models.Index(
                fields=["lease_until"], condition=models.Q(state="in_progress"), name="core_delivery_lease_idx"
            ),
            # Used by deliver_pending's ordering rule: is an earlier event of this aggregate still
            # undelivered to this handler? Only undelivered rows are indexed, so it stays small.
            models.Index(
                fields=["handler_name", "aggregate_type", "aggregate_id", "aggregate_sequence"],
                condition=~models.Q(state="delivered"),
                name="core_delivery_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handler_name} ← {self.aggregate_type}:{self.aggregate_id}#{self.aggregate_sequence}"
