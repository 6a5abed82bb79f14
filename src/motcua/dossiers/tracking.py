"""The applicant's side of a dossier (issue #6 item 4): which dossiers a citizen may follow, and
what they are told about them, in plain language.

Who may follow a dossier (`dossiers_visible_to_citizen`). The one-stop rules name the applicant
and whoever acts for them as the people who submit, supplement, pay, withdraw, receive the result
and evaluate the service (Nghị định 118/2025/NĐ-CP; domain §2.2: "người nộp hồ sơ, chủ hồ sơ,
người được ủy quyền"). A signed-in citizen therefore sees:

- the dossiers whose applicant is the citizen: `applicant_id_number` equals the personal
  identification number the identity provider vouched for at sign-in (VNeID in production, domain
  §3.7, §10.1). It is the number the counter copies from the ID card, or the portal fills in from
  the sign-in, so the match is the person, whoever carried the papers to the counter;
- the dossiers of someone the citizen may act for *now* (citizens.selectors.principals_for: a
  business by its tax code, another citizen by their personal ID number), limited to the
  procedures the authorisation covers. The authorisation is the citizen's right to act for the
  principal, so it opens the principal's dossiers while it is in force, including those filed
  before it; when it ends or is revoked, they disappear from the list;
- the dossiers the citizen submitted themselves (`Dossier.submitted_by`, added by the portal's
  apply flow), even for someone whose authorisation has since ended: the submitter knows what they
  sent and follows what became of it. Read defensively: until the field exists, this part is empty.

Nobody else's: a dossier outside that set does not exist for the citizen (NotFound, with the same
message as for a code that exists nowhere). Purpose-bound processing of personal data (Luật Bảo vệ
dữ liệu cá nhân 91/2025/QH15, domain §13): the citizen is shown their own dossiers and those of
people they represent, nothing more.

What they are told: a status per state written for citizens (`citizen_status`), the history as
sentences without officers' names (`dossier_timeline`), and every change of the dates they were
given (`dossier_date_changes`: receipt, the clock stopped for a supplement and restarted, an
apology with a new appointment, a recomputation after a holiday decision).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.calendars.explain import format_moment
from motcua.citizens.models import Citizen
from motcua.citizens.selectors import principals_for
from motcua.core import clock
from motcua.core.errors import NotFound
from motcua.dossiers.history import Actor
from motcua.dossiers.models import Dossier, HistoryEntry, SupplementRequest
from motcua.dossiers.workflow import TRANSITIONS, Action, State

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "CITIZEN_STATUSES",
    "RATEABLE_STATES",
    "CitizenStatus",
    "DateChange",
    "RequestedDocument",
    "TimelineEntry",
    "can_withdraw",
    "citizen_actor",
    "citizen_status",
    "dossier_date_changes",
    "dossier_get_for_citizen",
    "dossier_list_for_citizen",
    "dossier_open_supplement_request",
    "dossier_timeline",
    "dossiers_visible_to_citizen",
    "requested_documents",
]

# The service can be rated once its result exists (issue #6 item 6; domain §2.7).
RATEABLE_STATES: Final = frozenset({State.RESULT_READY, State.RETURNED})


# -- who sees what ---------------------------------------------------------------------------------------


@cache
def _has_submitter() -> bool:
    """Whether Dossier.submitted_by exists yet (the apply flow adds it)."""
    return any(field.name == "submitted_by" for field in Dossier._meta.get_fields())


def dossiers_visible_to_citizen(*, citizen: Citizen, at: datetime | None = None) -> QuerySet[Dossier]:
    """The dossiers the citizen may follow at `at` (default: now); the rule is the module docstring's."""
    moment = at or clock.now()
    match = Q(applicant_id_number=citizen.personal_id)
    for principal in principals_for(citizen=citizen, at=moment):
        if principal.kind == "self":
            continue
        theirs = Q(applicant_id_number=principal.identifier)
        codes = principal.procedure_codes
        if codes is not None:
            theirs &= Q(procedure_code__in=codes)
        match |= theirs
    if _has_submitter():
        # Through a dict: the field is not in the model the type checker knows yet.
        match |= Q(("submitted_by", citizen))
    return Dossier.objects.filter(match)


def dossier_list_for_citizen(*, citizen: Citizen, at: datetime | None = None) -> QuerySet[Dossier]:
    """The citizen's dossiers, those waiting for them first, then the newest submitted."""
    waiting = [state for state, status in CITIZEN_STATUSES.items() if status.needs_action]
    return (
        dossiers_visible_to_citizen(citizen=citizen, at=at)
        .select_related("procedure_version", "receiving_agency", "competent_agency")
        .annotate(
            waits_for_applicant=Case(
                When(state__in=waiting, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("waits_for_applicant", "-submitted_at", "-pk")
    )


def dossier_get_for_citizen(*, citizen: Citizen, reference: str, at: datetime | None = None) -> Dossier:
    """The dossier with this code (or, before receipt, this UUID) if the citizen may follow it, with
    its history and results. Raises NotFound otherwise, saying nothing about why."""
    reference = reference.strip()
    visible = dossiers_visible_to_citizen(citizen=citizen, at=at)
    try:
        found = visible.filter(uuid=uuid.UUID(reference))
    except ValueError:
        found = visible.filter(code=reference)
    dossier = (
        found.select_related("procedure_version__procedure", "receiving_agency", "competent_agency", "handling_agency")
        .prefetch_related(
            Prefetch("history", queryset=HistoryEntry.objects.order_by("sequence")),
            "results__file",
        )
        .first()
        if reference
        else None
    )
    if dossier is None:
        raise NotFound(_("There is no dossier %(reference)s among yours.") % {"reference": reference}, field="code")
    return dossier


def dossier_open_supplement_request(*, dossier: Dossier) -> SupplementRequest | None:
    """The supplement request the applicant has still to answer, if the dossier is waiting for one."""
    if dossier.state != State.SUPPLEMENT_REQUESTED:
        return None
    return dossier.supplement_requests_made.filter(answered_at__isnull=True).order_by("-number").first()


@dataclass(frozen=True, slots=True)
class RequestedDocument:
    """One document a supplement request asks for, with the reasons given (domain §2.6: in writing,
    with reasons)."""

    document: str
    reasons: tuple[str, ...]


def requested_documents(request: SupplementRequest) -> list[RequestedDocument]:
    """The documents the request asks for, each once, in the request's order."""
    reasons: dict[str, list[str]] = {}
    for item in request.items if isinstance(request.items, list) else []:
        if not isinstance(item, dict):
            continue
        document = " ".join(str(item.get("document") or "").split())
        if document:
            reason = str(item.get("reason") or "").strip()
            reasons.setdefault(document, [])
            if reason:
                reasons[document].append(reason)
    return [RequestedDocument(document, tuple(why)) for document, why in reasons.items()]


def citizen_actor(*, citizen: Citizen, dossier: Dossier) -> Actor:
    """The history's actor when a citizen acts on the portal: the applicant themselves, or the
    representative acting for them (named, so that the history says who did it)."""
    role = "applicant" if citizen.personal_id == dossier.applicant_id_number else "representative"
    return Actor(name=citizen.full_name, role=role)


def can_withdraw(dossier: Dossier) -> bool:
    return State(dossier.state) in TRANSITIONS[Action.WITHDRAW].sources


# -- statuses in plain language --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CitizenStatus:
    """A state as the applicant reads it: a short title, what it means for them, and whether they
    have something to do (`needs_action`). `tone` drives the page's badge: progress, action, done,
    closed."""

    title: StrOrPromise
    explanation: StrOrPromise
    needs_action: bool
    tone: str


# Written for the citizen, not the officer (workflow.STATE_LABELS are the officers' words). The
# national status code of each state is in workflow.STATUS_CODE (domain §2.3).
CITIZEN_STATUSES: Final[Mapping[State, CitizenStatus]] = {
    State.SUBMITTED: CitizenStatus(
        gettext_lazy("Sent, waiting to be checked"),
        gettext_lazy(
            "The agency checks that your dossier is complete before receiving it. The time limit starts "
            "when it is received."
        ),
        False,
        "progress",
    ),
    State.INCOMPLETE: CitizenStatus(
        gettext_lazy("Incomplete: documents to add"),
        gettext_lazy(
            "The agency found documents missing and has not received the dossier yet. The guidance slip "
            "lists what to add and why."
        ),
        True,
        "action",
    ),
    State.RECEIVED: CitizenStatus(
        gettext_lazy("Received"),
        gettext_lazy("The agency received your dossier. The time limit runs from the moment of receipt."),
        False,
        "progress",
    ),
    State.REFUSED: CitizenStatus(
        gettext_lazy("Not accepted"),
        gettext_lazy("The agency could not accept the dossier. The refusal slip gives the legal reason."),
        False,
        "closed",
    ),
    State.IN_PROCESS: CitizenStatus(
        gettext_lazy("Being handled"),
        gettext_lazy("The agency is examining your dossier. There is nothing for you to do now."),
        False,
        "progress",
    ),
    State.AWAITING_COORDINATION: CitizenStatus(
        gettext_lazy("Being handled with another agency"),
        gettext_lazy(
            "Another agency is giving its opinion or its part of the result. There is nothing for you to do now."
        ),
        False,
        "progress",
    ),
    State.SUPPLEMENT_REQUESTED: CitizenStatus(
        gettext_lazy("Action needed: documents to supplement"),
        gettext_lazy(
            "The agency needs more documents. The time limit is paused until you send them; it starts "
            "again when you do."
        ),
        True,
        "action",
    ),
    State.AWAITING_PAYMENT: CitizenStatus(
        gettext_lazy("Action needed: fees to pay"),
        gettext_lazy("Fees or taxes must be paid before the result can be issued."),
        True,
        "action",
    ),
    State.WITHDRAWN: CitizenStatus(
        gettext_lazy("Withdrawn"),
        gettext_lazy("The dossier was withdrawn at the applicant's request. It will not be handled."),
        False,
        "closed",
    ),
    State.STOPPED: CitizenStatus(
        gettext_lazy("Handling stopped"),
        gettext_lazy("The agency stopped handling the dossier. The notice of stopping gives the reason."),
        False,
        "closed",
    ),
    State.RESULT_READY: CitizenStatus(
        gettext_lazy("Result ready"),
        gettext_lazy(
            "The result is ready. Collect it where you chose, or download it below when it was issued electronically."
        ),
        False,
        "done",
    ),
    State.RETURNED: CitizenStatus(
        gettext_lazy("Result handed over"),
        gettext_lazy("The result was handed over. The dossier is complete."),
        False,
        "done",
    ),
}


def citizen_status(dossier: Dossier) -> CitizenStatus:
    return CITIZEN_STATUSES[State(dossier.state)]


# -- the history in plain language -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    title: str
    details: tuple[str, ...] = ()


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def _when(value: datetime | None) -> str:
    return format_moment(timezone.localtime(value)) if value is not None else "—"


def _items(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    raw = data.get(key)
    if not isinstance(raw, list):
        return ()
    lines = []
    for item in raw:
        if isinstance(item, Mapping) and item.get("document"):
            lines.append(
                _("%(document)s: %(reason)s") % {"document": item["document"], "reason": item.get("reason", "")}
            )
    return tuple(lines)


def _timeline_entry(entry: HistoryEntry) -> TimelineEntry | None:
    data: Mapping[str, Any] = entry.data if isinstance(entry.data, dict) else {}
    reason = (entry.reason,) if entry.reason else ()
    action = entry.action
    if action == "submit":
        return TimelineEntry(entry.at, _("The dossier was submitted."))
    if action == Action.RECEIVE:
        due = _moment(data.get("due_at"))
        details: tuple[str, ...] = (_("Dossier code: %(code)s.") % {"code": data.get("code", "")},)
        if due is not None:
            details += (_("Appointment to return the result: %(moment)s.") % {"moment": _when(due)},)
        return TimelineEntry(entry.at, _("The agency received the dossier; the time limit starts."), details)
    if action == Action.MARK_INCOMPLETE:
        return TimelineEntry(
            entry.at,
            _("The agency asked for the dossier to be completed before receiving it."),
            _items(data, "missing"),
        )
    if action == Action.COMPLETE_INTAKE:
        return TimelineEntry(entry.at, _("The dossier was completed and sent to be checked again."))
    if action == Action.REFUSE:
        return TimelineEntry(entry.at, _("The agency did not accept the dossier."), reason)
    if action == Action.START_PROCESSING:
        return TimelineEntry(entry.at, _("Handling started."))
    if action == Action.HAND_OVER:
        step = str(data.get("name") or "")
        unit = str(data.get("to_unit") or "")
        where = f"{step} ({unit})" if step and unit else step or unit
        return TimelineEntry(entry.at, _("The dossier moved to the next step: %(step)s.") % {"step": where})
    if action == Action.REQUEST_COORDINATION:
        return TimelineEntry(entry.at, _("Another agency was asked for its opinion or its part of the result."))
    if action == Action.COORDINATION_DONE:
        return TimelineEntry(entry.at, _("The other agency answered; handling continues."))
    if action == Action.REQUEST_SUPPLEMENT:
        return TimelineEntry(
            entry.at,
            _("The agency asked for more documents; the time limit is paused until they are sent."),
            _items(data, "items"),
        )
    if action == Action.SUPPLEMENT:
        due = _moment(data.get("due_at"))
        details = tuple(str(d) for d in data.get("documents") or [] if isinstance(d, str))
        if due is not None:
            details += (_("New appointment to return the result: %(moment)s.") % {"moment": _when(due)},)
        return TimelineEntry(entry.at, _("The requested documents were sent; the time limit runs again."), details)
    if action == Action.REQUEST_PAYMENT:
        amount = data.get("amount_vnd")
        details = (str(data["description"]),) if data.get("description") else ()
        if isinstance(amount, int):
            details = (_("Amount: %(amount)s dong.") % {"amount": f"{amount:,}".replace(",", ".")}, *details)
        return TimelineEntry(entry.at, _("Fees or taxes must be paid."), details)
    if action == Action.PAYMENT_DONE:
        return TimelineEntry(entry.at, _("The payment was recorded; handling continues."))
    if action == Action.WITHDRAW:
        return TimelineEntry(entry.at, _("The dossier was withdrawn at the applicant's request."), reason)
    if action == Action.STOP:
        return TimelineEntry(entry.at, _("The agency stopped handling the dossier."), reason)
    if action == Action.MARK_RESULT_READY:
        return TimelineEntry(entry.at, _("The result is ready."))
    if action == Action.RETURN_RESULT:
        return TimelineEntry(entry.at, _("The result was handed over."))
    if action == "apologise":
        new = _moment(data.get("new_appointment_at"))
        return TimelineEntry(
            entry.at,
            _("The agency apologised for the delay and gave a new appointment: %(moment)s.") % {"moment": _when(new)},
            reason,
        )
    if action == "add_document":
        return TimelineEntry(
            entry.at, _("A document was added: %(component)s.") % {"component": data.get("component", "")}
        )
    if action == "issue_result":
        return TimelineEntry(
            entry.at,
            _("The result %(code)s was signed and issued electronically; it can be downloaded.")
            % {"code": data.get("result", "")},
        )
    if action == "deadline_recomputed":
        return TimelineEntry(
            entry.at,
            _("The due date was recalculated after a change of the official calendar of working days."),
            (
                _("From %(old)s to %(new)s.")
                % {"old": _when(_moment(data.get("from"))), "new": _when(_moment(data.get("to")))},
            ),
        )
    return TimelineEntry(entry.at, _("The dossier was updated."))


def dossier_timeline(*, dossier: Dossier) -> list[TimelineEntry]:
    """The history as the applicant reads it, oldest first: what happened, never who (officers'
    names and units' internal routing stay in the back office), with the reasons given to them."""
    entries = (_timeline_entry(e) for e in dossier.history.all())
    return [e for e in entries if e is not None]


# -- every change of the dates -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateChange:
    """One change of the dates the applicant was given: what happened, and the appointment before
    and after it (None: none yet, or the clock stands still)."""

    at: datetime
    what: str
    before: datetime | None
    after: datetime | None


def dossier_date_changes(*, dossier: Dossier) -> list[DateChange]:
    """Every change of the appointment, from the history, oldest first.

    Legal basis (domain §2.6): the clock starts at the receipt of a complete dossier; it stops while
    the applicant supplements and the due moment moves by the working time it stood still (Nghị định
    63/2010/NĐ-CP Art 18(5), 20(4)); an apology before the due moment gives a new appointment
    (Nghị quyết 131/NQ-CP); a government decision on days off moves open due moments. After an
    apology the appointment is the one it gave: the due moment may still move, the appointment
    does not (services.dossier_supplement, recompute.deadlines_recompute)."""
    changes: list[DateChange] = []
    appointment: datetime | None = None
    apologised = False
    for entry in dossier.history.all():
        data: Mapping[str, Any] = entry.data if isinstance(entry.data, dict) else {}
        if entry.action == Action.RECEIVE:
            appointment = _moment(data.get("due_at"))
            changes.append(DateChange(entry.at, _("Received: the appointment is set."), None, appointment))
        elif entry.action == Action.REQUEST_SUPPLEMENT:
            changes.append(
                DateChange(entry.at, _("Documents requested: the time limit stopped running."), appointment, None)
            )
        elif entry.action == Action.SUPPLEMENT:
            after = appointment if apologised else _moment(data.get("due_at"))
            changes.append(
                DateChange(
                    entry.at,
                    _("Documents sent: the time limit runs again, moved by the time it stood still."),
                    appointment,
                    after,
                )
            )
            appointment = after
        elif entry.action == "apologise":
            before = _moment(data.get("previous_appointment_at")) or appointment
            appointment = _moment(data.get("new_appointment_at"))
            apologised = True
            changes.append(DateChange(entry.at, _("Apology for the delay: new appointment."), before, appointment))
        elif entry.action == "deadline_recomputed" and not apologised:
            before = _moment(data.get("from"))
            appointment = _moment(data.get("to"))
            changes.append(
                DateChange(
                    entry.at,
                    _("Recalculated after a change of the official calendar of working days."),
                    before,
                    appointment,
                )
            )
    return changes
