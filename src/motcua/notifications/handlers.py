"""Reactions to dossier events (subscribed in NotificationsConfig.ready): who is told what, how.

- `notifications.officer_inbox` (DeadlineApproaching, DeadlineBreached): an inbox notification
  for each officer selectors.deadline_recipients chooses. One handler name for both event types,
  so a dossier's warning always reaches the inbox before its breach.
- `notifications.applicant_inbox`, `notifications.applicant_email`, `notifications.applicant_sms`
  (DossierChanged): the applicant is told of every change of the national status code (1–10,
  domain §2.3) and of every apology with its new appointment (domain §2.6), in the portal
  inbox, by e-mail when the dossier has an address, and by SMS when it has a phone number and a
  gateway is configured. One handler per channel: an SMS gateway that is down delays SMS only,
  never the e-mails, and each channel keeps the dossier's messages in order.

A submission at the counter is not announced: the applicant is standing there, and the receipt
(status 2) follows in the same transaction and is announced.

Every handler is idempotent (services.notifications_record, services.notification_send): a
redelivered event records nothing new and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from motcua.catalog.models import Channel as SubmissionChannel
from motcua.core.events import PublishedEvent
from motcua.dossiers.events import DeadlineBreached, DeadlineEvent, DossierChanged
from motcua.dossiers.models import Dossier, HistoryEntry
from motcua.dossiers.workflow import STATUS_CODE, State
from motcua.notifications import messages, selectors, services, sms
from motcua.notifications.models import Audience, Channel, Kind

__all__ = [
    "APOLOGISE",
    "notify_applicant_by_email",
    "notify_applicant_by_sms",
    "notify_applicant_in_inbox",
    "on_deadline",
    "on_dossier_changed",
]

# The history action of dossiers.services.dossier_apologise.
APOLOGISE = "apologise"


def _dossier(uuid: str) -> Dossier:
    # Dossiers are never deleted (their history protects them): a missing one is an error to retry.
    return (
        Dossier.objects.select_related("procedure_version", "handling_agency", "receiving_agency")
        .prefetch_related("steps__agency")
        .get(uuid=uuid)
    )


def on_deadline(published: PublishedEvent[DeadlineEvent]) -> None:
    """Warn the responsible officers that a dossier or a step falls due soon, or is past due."""
    event = published.event
    breached = isinstance(event, DeadlineBreached)
    dossier = _dossier(event.dossier_uuid)
    step = None
    if event.step_order is not None:
        step = next((s for s in dossier.steps.all() if s.order == event.step_order), None)
        if step is None:
            raise LookupError(f"dossier {event.dossier_uuid} has no step {event.step_order}")
    recipients = selectors.deadline_recipients(
        dossier=dossier, step=step, assignee_id=event.assignee_officer_id, breached=breached
    )
    text = messages.deadline_text(breached=breached, dossier=dossier, step=step, due_at=event.due_at)
    kind = Kind.DEADLINE_BREACHED if breached else Kind.DEADLINE_APPROACHING
    services.notifications_record(
        source_event_id=published.event_id,
        drafts=[
            services.Draft(
                audience=Audience.OFFICER,
                channel=Channel.INBOX,
                kind=kind,
                subject=text.subject,
                body=text.body,
                dossier=dossier,
                officer=officer,
            )
            for officer in recipients
        ],
    )


@dataclass(frozen=True, slots=True)
class _ForApplicant:
    kind: str
    dossier: Dossier
    text: messages.Text


def _for_applicant(event: DossierChanged) -> _ForApplicant | None:
    """What to tell the applicant about this change, or None when it is not theirs to hear."""
    if event.action == APOLOGISE:
        dossier = _dossier(event.dossier_uuid)
        entry = HistoryEntry.objects.get(dossier=dossier, sequence=event.history_sequence)
        if event.appointment_at is None:
            raise ValueError(f"apology event of dossier {event.dossier_uuid} without a new appointment")
        text = messages.apology_text(dossier=dossier, entry=entry, new_appointment_at=event.appointment_at)
        return _ForApplicant(Kind.APOLOGY, dossier, text)
    previous = STATUS_CODE[State(event.from_state)] if event.from_state else None
    if previous == event.status_code:
        return None  # a hand-over, a coordinating agency, a recomputed due date: same status code
    dossier = _dossier(event.dossier_uuid)
    if previous is None and dossier.channel == SubmissionChannel.IN_PERSON:
        return None
    entry = HistoryEntry.objects.get(dossier=dossier, sequence=event.history_sequence)
    text = messages.status_text(
        dossier=dossier,
        code=event.dossier_code,
        entry=entry,
        from_state=event.from_state,
        to_state=event.to_state,
        appointment_at=event.appointment_at,
    )
    return _ForApplicant(Kind.STATUS_CHANGED, dossier, text)


def on_dossier_changed(channel: str) -> Callable[[PublishedEvent[DossierChanged]], None]:
    """The handler telling the applicant through `channel` (inbox, email or sms)."""

    def handle(published: PublishedEvent[DossierChanged]) -> None:
        found = _for_applicant(published.event)
        if found is None:
            return
        dossier = found.dossier
        backend: sms.SmsBackend | None = None
        if channel == Channel.INBOX:
            address, body = "", found.text.body
        elif channel == Channel.EMAIL:
            address, body = dossier.applicant_email.strip(), found.text.body
        else:
            backend = sms.backend_from_settings()
            if backend is None:
                return  # SMS switched off (SMS_GATEWAY_URL empty)
            address, body = dossier.applicant_phone.strip(), found.text.sms
        if channel != Channel.INBOX and not address:
            return
        rows = services.notifications_record(
            source_event_id=published.event_id,
            drafts=[
                services.Draft(
                    audience=Audience.APPLICANT,
                    channel=channel,
                    kind=found.kind,
                    subject=found.text.subject,
                    body=body,
                    dossier=dossier,
                    address=address,
                )
            ],
        )
        if channel != Channel.INBOX:
            for row in rows:
                services.notification_send(notification=row, sms_backend=backend)

    handle.__name__ = f"notify_applicant_by_{channel}"
    return handle


# Module-level, so that every subscription in every process is the same function object.
notify_applicant_in_inbox = on_dossier_changed(Channel.INBOX)
notify_applicant_by_email = on_dossier_changed(Channel.EMAIL)
notify_applicant_by_sms = on_dossier_changed(Channel.SMS)
