"""Notifications: what was said to whom, through which channel, because of which event.

A notification is written once, with its text, when a domain event is handled (handlers.py), and
is never edited afterwards except for its delivery state (attempts, last error, sent or failed)
and, in an inbox, the moment it was read. Its source event's id is part of two unique
constraints, so an event delivered twice (the outbox delivers at least once, ADR 0006) adds no
second row, and the row's `sent_at` keeps a second e-mail or SMS from going out.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Officer
from motcua.dossiers.models import Dossier

__all__ = ["Audience", "Channel", "Kind", "Notification"]


class Audience(models.TextChoices):
    OFFICER = "officer", _("Officer")
    APPLICANT = "applicant", _("Applicant")


class Channel(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Kind(models.TextChoices):
    DEADLINE_APPROACHING = "deadline_approaching", _("Due soon")
    DEADLINE_BREACHED = "deadline_breached", _("Past the due moment")
    STATUS_CHANGED = "status_changed", _("Status changed")
    APOLOGY = "apology", _("Apology and new appointment")


class Notification(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    # The officer for an officer's notification; empty for the applicant of `dossier`.
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # The e-mail address or the phone number (as given by the applicant) it was sent to; empty in
    # an inbox. Kept as the record of where a message went (domain §13: no other use).
    address = models.CharField(_("address"), max_length=254, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    source_event_id = models.UUIDField(_("source event"))
    created_at = models.DateTimeField(_("created at"))
    # Delivery state, the only fields that change: an e-mail or SMS is sent once (sent_at), or
    # given up when the address itself is refused (failed_at); an inbox notification is sent when
    # it is created.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("message id at the gateway"), max_length=100, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Redelivered events add nothing: one row per event, recipient and channel.
            models.UniqueConstraint(
                fields=["source_event_id", "officer", "channel"],
                condition=Q(officer__isnull=False),
                name="notifications_once_per_officer",
            ),
            models.UniqueConstraint(
                fields=["source_event_id", "channel"],
                condition=Q(officer__isnull=True),
                name="notifications_once_per_applicant",
            ),
            models.CheckConstraint(
                condition=(Q(audience="officer") & Q(officer__isnull=False))
                | (Q(audience="applicant") & Q(officer__isnull=True) & Q(dossier__isnull=False)),
                name="notifications_recipient_matches_audience",
            ),
            models.CheckConstraint(
                condition=(Q(channel="inbox") & Q(address="")) | (~Q(channel="inbox") & ~Q(address="")),
                name="notifications_address_matches_channel",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(failed_at__isnull=True),
                name="notifications_sent_or_failed",
            ),
        ]
        indexes = [
            # The officer's inbox page (selectors.officer_inbox) and its unread count.
            models.Index(fields=["officer", "-created_at"], name="notifications_officer_inbox"),
            # The portal's inbox of an applicant: their dossiers' notifications.
            models.Index(fields=["dossier", "-created_at"], name="notifications_dossier"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_kind_display()}: {self.subject}"
