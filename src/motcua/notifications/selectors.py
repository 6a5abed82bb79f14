"""Reads of notifications: the inboxes, and who is warned about a deadline.

Who is warned (issue #4 item 2) follows who may act on the dossier (dossiers.policies), so that a
warning never reaches an officer who could not open the dossier it links to:

- **The officers responsible for the work.** The step's assignee, if the step (or, for the
  dossier's own due moment, its current step) is assigned to one; otherwise the officers of the
  step's unit in the step's agency who hold the step's role: the Desk.STEP rule of
  `policies.can_act`, where any officer of the unit may act on an unassigned step. A received
  dossier without any step is still at the counter that received it, whose receiving officers
  must transfer it (Desk.COUNTER). If nobody holds that role there, the unit leaders of that unit,
  then the agency leaders, are told instead: a warning addressed to nobody helps nobody.
- **On a breach, also those who answer for it.** A late step: the unit leaders of the step's unit
  (the agency leaders when the unit has none), who hold the unit accountable on the process
  control slip. A late dossier: the unit leaders of its current step's unit and the agency leaders
  of the agency handling it. A late dossier counts against the agency in the service-quality index
  (QĐ 766/QĐ-TTg) and needs a written explanation to the head of the agency (Resolution 131/NQ-CP;
  domain §2.6, §14), so the head learns of it when it happens, not from the monthly figures.

Every candidate must be active and pass `policies.can_view` for the dossier: officers of other
agencies are never told.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Officer, OfficerRole
from motcua.core.errors import NotFound
from motcua.dossiers.models import Dossier, Step
from motcua.dossiers.policies import can_view, open_step
from motcua.notifications.models import Audience, Channel, Notification

__all__ = [
    "applicant_inbox",
    "deadline_recipients",
    "notification_get_for_applicant",
    "notification_get_for_officer",
    "officer_inbox",
    "officer_unread_count",
]


def officer_inbox(*, officer: Officer) -> QuerySet[Notification]:
    """The officer's inbox, newest first."""
    return (
        Notification.objects.filter(officer=officer, channel=Channel.INBOX)
        .select_related("dossier")
        .order_by("-created_at", "-id")
    )


def officer_unread_count(*, officer: Officer) -> int:
    return Notification.objects.filter(officer=officer, channel=Channel.INBOX, read_at__isnull=True).count()


def notification_get_for_officer(*, officer: Officer, notification_id: int) -> Notification:
    """One notification of the officer's inbox; NotFound for anybody else's (no hint that it exists)."""
    found = officer_inbox(officer=officer).filter(pk=notification_id).first()
    if found is None:
        raise NotFound(_("There is no such notification in your inbox."))
    return found


def applicant_inbox(*, id_number: str) -> QuerySet[Notification]:
    """The portal inbox of an applicant: the inbox notifications of the dossiers filed under their
    personal ID number or tax code, newest first."""
    return (
        Notification.objects.filter(
            audience=Audience.APPLICANT, channel=Channel.INBOX, dossier__applicant_id_number=id_number
        )
        .select_related("dossier")
        .order_by("-created_at", "-id")
    )


def notification_get_for_applicant(*, id_number: str, notification_id: int) -> Notification:
    """One notification of the applicant's portal inbox; NotFound for anybody else's."""
    found = applicant_inbox(id_number=id_number).filter(pk=notification_id).first()
    if found is None:
        raise NotFound(_("There is no such notification in your inbox."))
    return found


def _holding(agency: Agency | int, role: str, unit: str | None = None) -> list[Officer]:
    officers = Officer.objects.filter(agency=agency, is_active=True).select_related("agency").order_by("pk")
    if unit is not None:
        officers = officers.filter(unit=unit)
    # Roles are a JSON list: filtered here, on a handful of officers of one agency, so that the
    # same code runs on SQLite and PostgreSQL.
    return [officer for officer in officers if role in (officer.roles or [])]


def deadline_recipients(
    *, dossier: Dossier, step: Step | None, assignee_id: int | None, breached: bool
) -> list[Officer]:
    """The officers to warn about the due moment of `step` (None: the dossier's own), in id order.

    `assignee_id` is the assignee named by the event (the step's, or the current step's for the
    dossier). See the module docstring for the rule and its reasons.
    """
    at_step = step if step is not None else open_step(dossier)

    def visible(officers: list[Officer]) -> list[Officer]:
        return [officer for officer in officers if can_view(officer, dossier)]

    responsible: list[Officer] = []
    if assignee_id is not None:
        responsible = visible(list(Officer.objects.select_related("agency").filter(pk=assignee_id, is_active=True)))
    if not responsible:
        if at_step is not None:
            responsible = visible(_holding(at_step.agency_id, at_step.role, at_step.unit))
        else:
            responsible = visible(_holding(dossier.receiving_agency_id, OfficerRole.RECEIVING_OFFICER))

    leaders: list[Officer] = []
    unit_leaders = _holding(at_step.agency_id, OfficerRole.UNIT_LEADER, at_step.unit) if at_step is not None else []
    agency_of_work = at_step.agency_id if at_step is not None else dossier.handling_agency_id
    if breached:
        leaders += unit_leaders
        if step is None or not unit_leaders:
            leaders += _holding(
                dossier.handling_agency_id if step is None else agency_of_work, OfficerRole.AGENCY_LEADER
            )
    elif not responsible:
        leaders += unit_leaders or _holding(agency_of_work, OfficerRole.AGENCY_LEADER)

    chosen = {officer.pk: officer for officer in [*responsible, *visible(leaders)]}
    return [chosen[pk] for pk in sorted(chosen)]
