"""Every write to notifications: record them once per event, send them once, mark them read.

Delivery is done inside the event handler that records the notification (handlers.py), not in a
job of its own: the outbox (core.events, ADR 0006) already gives each handler what a sending job
would need, namely a durable record, retries with backoff (10 s, 30 s, 2 min, 10 min, then hourly),
a failed state with the traceback for the operator and a "Retry now" in the admin. A second
queue would duplicate all of that. One handler sends at most one message (one applicant, one
channel), with a timeout (EMAIL_TIMEOUT, SMS_TIMEOUT_SECONDS) far below the outbox lease, so it
stays quick.

Once, and never twice: the row is recorded first (unique per event, recipient and channel), then
sent only while neither `sent_at` nor `failed_at` is set. A failed attempt is counted with its
error on the row and re-raised, so the outbox retries; the retry finds the same row and sends it
then. One window is left: an SMTP server that accepted the message just before the worker died,
before `sent_at` was written. The retry sends that e-mail again (with the same Message-ID, which
mail clients use to drop duplicates). For SMS the gateway takes our row's UUID as `request_id` and
sends a request id only once. Permanent refusals (an address or number that cannot receive,
SMTP 5xx on the recipient, gateway 400/422) are recorded as failed and not retried: retrying
cannot help, and it would hold back that dossier's later messages (the outbox delivers a dossier's
events in order).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F

from motcua.agencies.models import Officer
from motcua.core import clock
from motcua.dossiers.models import Dossier
from motcua.notifications import selectors
from motcua.notifications.models import Channel, Notification
from motcua.notifications.sms import InvalidPhone, SmsBackend, SmsError, SmsMessage, normalise_phone

logger = logging.getLogger(__name__)

__all__ = [
    "Draft",
    "NotificationNotSent",
    "applicant_notification_mark_read",
    "notification_mark_read",
    "notification_send",
    "notifications_mark_all_read",
    "notifications_record",
]

_ERROR_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Draft:
    """A notification to record: to an officer (inbox), or to the applicant of `dossier`."""

    audience: str
    channel: str
    kind: str
    subject: str
    body: str
    dossier: Dossier | None = None
    officer: Officer | None = None
    address: str = ""


class NotificationNotSent(RuntimeError):
    """An e-mail or SMS could not be sent this time (server down, timeout…): the outbox retries it."""


class _Undeliverable(Exception):
    """The recipient's address or number cannot receive the message: retrying cannot help."""


def notifications_record(*, source_event_id: uuid.UUID, drafts: Sequence[Draft]) -> list[Notification]:
    """Record the notifications of one event, once; returns the rows of these drafts, new or not.

    A redelivered event finds its rows already there (unique per event, recipient and channel) and
    adds nothing. Inbox notifications are delivered by being recorded (`sent_at` = now).
    """
    if not drafts:
        return []
    now = clock.now()
    rows = [
        Notification(
            audience=draft.audience,
            officer=draft.officer,
            address=draft.address,
            channel=draft.channel,
            kind=draft.kind,
            dossier=draft.dossier,
            subject=draft.subject,
            body=draft.body,
            source_event_id=source_event_id,
            created_at=now,
            sent_at=now if draft.channel == Channel.INBOX else None,
        )
        for draft in drafts
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    recorded = Notification.objects.filter(
        source_event_id=source_event_id, channel__in={draft.channel for draft in drafts}
    ).order_by("pk")
    officers = {draft.officer.pk for draft in drafts if draft.officer is not None}
    applicant_channels = {draft.channel for draft in drafts if draft.officer is None}
    return [
        row
        for row in recorded
        if (row.officer_id in officers) or (row.officer_id is None and row.channel in applicant_channels)
    ]


def notification_send(*, notification: Notification, sms_backend: SmsBackend | None = None) -> Notification:
    """Send an e-mail or SMS notification unless it was already sent or given up.

    Counts the attempt. On success records `sent_at` (and the gateway's message id); on a
    permanent refusal records `failed_at` and the reason and returns; on any other failure records
    the error and raises NotificationNotSent, so the outbox retries the handler later.
    """
    if notification.channel == Channel.INBOX:
        raise ValueError("an inbox notification is delivered when it is recorded")
    if notification.sent_at is not None or notification.failed_at is not None:
        return notification
    Notification.objects.filter(pk=notification.pk).update(attempts=F("attempts") + 1)
    try:
        if notification.channel == Channel.EMAIL:
            provider_id = _send_email(notification)
        else:
            provider_id = _send_sms(notification, sms_backend)
    except _Undeliverable as exc:
        logger.warning("Notification %s (%s) cannot be delivered: %s", notification.uuid, notification.channel, exc)
        return _record(notification, failed_at=clock.now(), last_error=str(exc)[:_ERROR_LIMIT])
    except Exception as exc:
        reason = _describe(exc)
        _record(notification, last_error=reason[:_ERROR_LIMIT])
        raise NotificationNotSent(
            f"{notification.channel} notification {notification.uuid} was not sent: {reason}"
        ) from exc
    return _record(notification, sent_at=clock.now(), provider_message_id=provider_id[:100], last_error="")


def _record(notification: Notification, **changes: Any) -> Notification:
    Notification.objects.filter(pk=notification.pk).update(**changes)
    notification.refresh_from_db()
    return notification


def _describe(exc: Exception) -> str:
    """The error, without the recipient's address (it goes to logs and the admin; domain §13)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # Its text and the servers' replies repeat the address: keep the reply codes only.
        return f"{type(exc).__name__}: the mail server refused the recipient for now ({_codes(exc)})"
    return f"{type(exc).__name__}: {exc}"


def _codes(exc: smtplib.SMTPRecipientsRefused) -> str:
    return ", ".join(str(code) for code, _reply in exc.recipients.values())


def _message_id(notification: Notification) -> str:
    # The same Message-ID on every attempt: a resent copy is recognisably the same message.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "motcua.invalid"
    return f"<{notification.uuid}@{domain}>"


def _send_email(notification: Notification) -> str:
    try:
        validate_email(notification.address)
    except ValidationError as exc:
        raise _Undeliverable("not a valid e-mail address") from exc
    message_id = _message_id(notification)
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        to=[notification.address],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated", "Content-Language": "vi"},
        connection=get_connection(fail_silently=False),
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            # 5xx on the recipient: the address does not exist or refuses mail (RFC 5321 §4.2.1).
            raise _Undeliverable(f"the mail server refused the recipient ({_codes(exc)})") from exc
        raise
    return message_id


def _send_sms(notification: Notification, backend: SmsBackend | None) -> str:
    if backend is None:
        raise ImproperlyConfigured("SMS_GATEWAY_URL is empty: SMS cannot be sent")
    try:
        phone = normalise_phone(notification.address)
    except InvalidPhone as exc:
        # Not the number itself: this text goes to the logs (domain §13); the row keeps the number.
        raise _Undeliverable("not a Vietnamese mobile number (10 digits starting with 03, 05, 07, 08 or 09)") from exc
    try:
        return backend.send(SmsMessage(request_id=str(notification.uuid), phone=phone, text=notification.body))
    except SmsError as exc:
        if exc.permanent:
            raise _Undeliverable(str(exc)) from exc
        raise


def notification_mark_read(*, officer: Officer, notification_id: int) -> Notification:
    """Mark one notification of the officer's inbox read (NotFound for anyone else's); idempotent."""
    notification = selectors.notification_get_for_officer(officer=officer, notification_id=notification_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=clock.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, officer: Officer) -> int:
    """Mark every unread notification of the officer's inbox read; returns how many."""
    return Notification.objects.filter(officer=officer, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=clock.now()
    )


def applicant_notification_mark_read(*, id_number: str, notification_id: int) -> Notification:
    """The portal's mark-as-read: one notification of the applicant's inbox (NotFound otherwise)."""
    notification = selectors.notification_get_for_applicant(id_number=id_number, notification_id=notification_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=clock.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification
