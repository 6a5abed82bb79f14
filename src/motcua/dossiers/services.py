"""Every write to a dossier: submission, intake, hand-over, supplement, payment, apology, result.

Each service runs in one transaction, locks the dossier row (two officers acting at once: the
second waits, then finds the revision it acted on gone and gets a Conflict), checks the action
against the transition table (workflow.TRANSITIONS), changes the state and the denormalised dates,
and appends one hash-chained history entry. Pages, the API, commands and jobs all call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Officer
from motcua.agencies.selectors import agency_calendar
from motcua.catalog.models import ChannelOption, ProcedureVersion
from motcua.catalog.selectors import version_in_force_cached
from motcua.citizens.models import Citizen
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, InvalidInput
from motcua.core.text import fold
from motcua.dossiers import deadlines, history
from motcua.dossiers.history import Actor
from motcua.dossiers.models import Apology, Dossier, Pause, ResultDocument, Step, SupplementRequest
from motcua.dossiers.numbering import dossier_code_generate, result_code
from motcua.dossiers.workflow import STATUS_CODE, TRANSITIONS, Action, State


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    status = 409


class DossierChanged(Conflict):
    code = "dossier_changed"


def officer_actor(officer: Officer, role: str = "") -> Actor:
    return Actor(
        name=officer.full_name,
        role=role or (officer.roles[0] if officer.roles else ""),
        unit=officer.unit,
        agency_code=officer.agency.code,
        officer_id=officer.pk,
    )


def applicant_actor(dossier: Dossier) -> Actor:
    return Actor(name=dossier.applicant_name, role="applicant")


def _lock(dossier: Dossier, expected_revision: int | None) -> Dossier:
    locked = Dossier.objects.select_for_update().select_related("procedure_version").get(pk=dossier.pk)
    if expected_revision is not None and locked.revision != expected_revision:
        raise DossierChanged(_("Someone else changed this dossier in the meantime; reload it to see what changed."))
    return locked


def _transition(
    dossier: Dossier,
    action: Action,
    *,
    actor: Actor,
    at: datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> None:
    """Apply `action` to a locked dossier: check the table, set the state, save, append history."""
    rule = TRANSITIONS[action]
    current = State(dossier.state)
    if current not in rule.sources:
        raise TransitionNotAllowed(
            _("This cannot be done to a dossier that is “%(state)s”.") % {"state": dossier.get_state_display()}
        )
    target = rule.target or current
    dossier.state = target.value
    dossier.status_code = STATUS_CODE[target]
    dossier.revision += 1
    dossier.save(update_fields=["state", "status_code", "revision", *fields])
    history.append(
        dossier,
        at=at,
        action=action.value,
        from_state=current.value,
        to_state=target.value,
        actor=actor,
        reason=reason,
        data=data,
    )


def channel_option(version: ProcedureVersion, channel: str) -> ChannelOption:
    # Through .all(): the channels are usually prefetched with the version (version_in_force).
    option = min((c for c in version.channels.all() if c.channel == channel), key=lambda c: c.order, default=None)
    if option is None:
        raise InvalidInput(
            _("Procedure %(code)s cannot be submitted through this channel.") % {"code": version.procedure.code},
            field="channel",
        )
    return option


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str
    id_number: str
    kind: str = "citizen"
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class NewDossier:
    """One dossier to submit (`dossiers_submit`): who applies for what, where, through which channel.

    `version`: the version in force today when the caller has just looked it up (the API and the
    intake worker do). `submitted_at`: when the applicant submitted, if earlier than now
    (dossiers.intake: accepted then, created by the intake worker now). `submitted_by`: the
    signed-in citizen who submitted it on the portal (dossiers.drafts)."""

    procedure_code: str
    channel: str
    applicant: Applicant
    receiving_agency: Agency
    competent_agency: Agency
    form_data: dict[str, Any] | None = None
    summary: str = ""
    actor: Actor | None = None
    composite: Dossier | None = None
    submitted_by: Citizen | None = None
    version: ProcedureVersion | None = None
    submitted_at: datetime | None = None


@transaction.atomic
def dossiers_submit(new: Sequence[NewDossier]) -> list[Dossier]:
    """Dossiers submitted online or by post (status 1), each pinned to the version in force today.

    One or many in one transaction, in a constant number of statements: the dossiers, their first
    history entries, their events and the events' deliveries, one INSERT each (the intake worker
    creates a batch of accepted submissions this way; `dossier_submit` is the one-dossier case).
    Raises NotFound (no version in force) or InvalidInput (a channel the version does not offer)
    before anything is written."""
    now = clock.now()
    dossiers: list[Dossier] = []
    for item in new:
        version = item.version
        if version is None or version.procedure.code != item.procedure_code:
            version = version_in_force_cached(code=item.procedure_code, at=clock.today())
        channel_option(version, item.channel)
        applicant = item.applicant
        dossiers.append(
            Dossier(
                procedure_version=version,
                procedure_code=item.procedure_code,
                channel=item.channel,
                state=State.SUBMITTED,
                status_code=STATUS_CODE[State.SUBMITTED],
                applicant_kind=applicant.kind,
                applicant_name=applicant.name,
                applicant_name_folded=fold(applicant.name),
                applicant_id_number=applicant.id_number,
                applicant_phone=applicant.phone,
                applicant_email=applicant.email,
                applicant_address=applicant.address,
                summary=item.summary,
                form_data=item.form_data or {},
                receiving_agency=item.receiving_agency,
                competent_agency=item.competent_agency,
                handling_agency=item.competent_agency,
                composite=item.composite,
                submitted_at=item.submitted_at or now,
                submitted_by=item.submitted_by,
            )
        )
    if not dossiers:
        return []
    # PostgreSQL and SQLite (3.35+) give the new primary keys back (INSERT … RETURNING).
    Dossier.objects.bulk_create(dossiers, batch_size=500)
    history.open_many(
        [
            history.Opening(
                dossier=dossier,
                at=dossier.submitted_at,
                action="submit",
                to_state=State.SUBMITTED,
                actor=item.actor or applicant_actor(dossier),
                data={
                    "procedure": item.procedure_code,
                    "version": dossier.procedure_version.number,
                    "channel": item.channel,
                },
            )
            for item, dossier in zip(new, dossiers, strict=True)
        ]
    )
    return dossiers


def dossier_submit(
    *,
    procedure_code: str,
    channel: str,
    applicant: Applicant,
    receiving_agency: Agency,
    competent_agency: Agency,
    form_data: dict[str, Any] | None = None,
    summary: str = "",
    actor: Actor | None = None,
    composite: Dossier | None = None,
    submitted_by: Citizen | None = None,
    version: ProcedureVersion | None = None,
    submitted_at: datetime | None = None,
) -> Dossier:
    """A dossier submitted online or by post (status 1), pinned to the version in force today: the
    one-dossier case of `dossiers_submit` (the arguments are `NewDossier`'s)."""
    new = NewDossier(
        procedure_code=procedure_code,
        channel=channel,
        applicant=applicant,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        form_data=form_data,
        summary=summary,
        actor=actor,
        composite=composite,
        submitted_by=submitted_by,
        version=version,
        submitted_at=submitted_at,
    )
    return dossiers_submit([new])[0]


def _recompute_due(dossier: Dossier) -> deadlines.Deadline:
    version = dossier.procedure_version
    option = channel_option(version, dossier.channel)
    assert dossier.received_at is not None
    inputs = deadlines.DeadlineInputs(
        received_at=dossier.received_at,
        amount=option.time_limit_value,
        unit=option.time_limit_unit,
        cutoff=version.same_day_cutoff,
        pauses=tuple(deadlines.Pause(p.started_at, p.ended_at) for p in dossier.pauses.all()),
    )
    return deadlines.compute(agency_calendar(agency=dossier.competent_agency), inputs)


def dossier_deadline(*, dossier: Dossier) -> deadlines.Deadline:
    """The due moment of a received dossier with its explanation, recomputed from its inputs."""
    return _recompute_due(dossier)


def dossier_deadline_if_received(*, dossier: Dossier, at: datetime | None = None) -> deadlines.Deadline:
    """For a dossier not yet received: the due moment it would have if the agency received it
    complete at `at` (default now), explained. A provisional answer only: the statutory clock starts
    at the receipt of a complete, valid dossier, not at its submission (domain §2.6), and the
    appointment that counts is the one on the receipt. Raises TimeLimitUnknown."""
    version = dossier.procedure_version
    option = channel_option(version, dossier.channel)
    inputs = deadlines.DeadlineInputs(
        received_at=at or clock.now(),
        amount=option.time_limit_value,
        unit=option.time_limit_unit,
        cutoff=version.same_day_cutoff,
    )
    return deadlines.compute(agency_calendar(agency=dossier.competent_agency), inputs)


@transaction.atomic
def dossier_receive(*, dossier: Dossier, officer: Officer, expected_revision: int | None = None) -> Dossier:
    """Intake found the dossier complete (status 2): code assigned, the statutory clock starts.

    The receipt and appointment slip is issued from the stored code and due moment.
    """
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    dossier.received_at = now
    dossier.code = dossier_code_generate(agency_code=dossier.receiving_agency.code, received_on=clock.today())
    deadline = _recompute_due(dossier)
    dossier.due_at = deadline.due_at
    dossier.appointment_at = deadline.due_at
    _transition(
        dossier,
        Action.RECEIVE,
        actor=officer_actor(officer, "receiving_officer"),
        at=now,
        data={"code": dossier.code, "due_at": dossier.due_at.isoformat() if dossier.due_at else None},
        fields=["received_at", "code", "due_at", "appointment_at"],
    )
    return dossier


@transaction.atomic
def dossier_receive_at_counter(
    *,
    procedure_code: str,
    applicant: Applicant,
    officer: Officer,
    competent_agency: Agency,
    form_data: dict[str, Any] | None = None,
    summary: str = "",
) -> Dossier:
    """A walk-in dossier checked complete at the counter: submitted and received in one step."""
    dossier = dossier_submit(
        procedure_code=procedure_code,
        channel="in_person",
        applicant=applicant,
        receiving_agency=officer.agency,
        competent_agency=competent_agency,
        form_data=form_data,
        summary=summary,
        actor=officer_actor(officer, "receiving_officer"),
    )
    return dossier_receive(dossier=dossier, officer=officer)


@transaction.atomic
def dossier_mark_incomplete(
    *, dossier: Dossier, officer: Officer, missing: list[dict[str, str]], expected_revision: int | None = None
) -> Dossier:
    """Intake found documents missing: the guidance lists exactly what, and why. Not received yet."""
    if not missing or any(not (m.get("document") and m.get("reason")) for m in missing):
        raise InvalidInput(_("List each missing document with the reason."), field="missing")
    dossier = _lock(dossier, expected_revision)
    _transition(
        dossier,
        Action.MARK_INCOMPLETE,
        actor=officer_actor(officer, "receiving_officer"),
        at=clock.now(),
        data={"missing": missing},
    )
    return dossier


@transaction.atomic
def dossier_refuse(
    *, dossier: Dossier, officer: Officer, legal_reason: str, expected_revision: int | None = None
) -> Dossier:
    """Ineligible: refused at intake with its legal reason (status 3; Nghị định 63/2010 Art 18(5))."""
    if len(legal_reason.strip()) < 10:
        raise InvalidInput(_("Give the legal reason for refusing the dossier."), field="legal_reason")
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    dossier.closed_at = now
    _transition(
        dossier,
        Action.REFUSE,
        actor=officer_actor(officer, "receiving_officer"),
        at=now,
        reason=legal_reason,
        fields=["closed_at"],
    )
    return dossier


def _close_current_step(dossier: Dossier, now: datetime) -> Step | None:
    step = dossier.steps.filter(completed_at__isnull=True).order_by("-order").first()
    if step is None:
        return None
    step.completed_at = now
    if now > step.due_at:
        step.outcome = Step.Outcome.LATE
    elif (step.due_at - now).total_seconds() >= 3600:
        step.outcome = Step.Outcome.EARLY
    else:
        step.outcome = Step.Outcome.ON_TIME
    step.save(update_fields=["completed_at", "outcome"])
    return step


@transaction.atomic
def dossier_hand_over(
    *,
    dossier: Dossier,
    officer: Officer,
    step_name: str,
    role: str,
    unit: str,
    budget: Decimal,
    budget_unit: str = "working_hours",
    agency: Agency | None = None,
    assignee: Officer | None = None,
    expected_revision: int | None = None,
) -> Step:
    """Hand the dossier to the next step (a unit, a person): one row of the process control slip,
    with its own due moment; the step handed over from is closed as early, on time or late."""
    if budget <= 0:
        raise InvalidInput(_("A step needs a positive time budget."), field="budget")
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    previous = _close_current_step(dossier, now)
    target_agency = agency or dossier.handling_agency
    step = Step.objects.create(
        dossier=dossier,
        order=(previous.order + 1) if previous else (dossier.steps.count() + 1),
        name=step_name,
        role=role,
        unit=unit,
        agency=target_agency,
        assignee=assignee,
        handed_over_by=officer,
        started_at=now,
        due_at=deadlines.step_due(
            agency_calendar(agency=target_agency), started_at=now, budget=budget, unit=budget_unit
        ),
    )
    if dossier.state == State.RECEIVED:
        _transition(
            dossier,
            Action.START_PROCESSING,
            actor=officer_actor(officer),
            at=now,
            data={"step": step_name, "unit": unit},
        )
    dossier.handling_agency = target_agency
    _transition(
        dossier,
        Action.HAND_OVER,
        actor=officer_actor(officer),
        at=now,
        data={
            "step": step.order,
            "name": step_name,
            "to_unit": unit,
            "to_agency": target_agency.code,
            "to_officer": assignee.full_name if assignee else "",
            "step_due_at": step.due_at.isoformat(),
            "previous_outcome": previous.outcome if previous else "",
        },
        fields=["handling_agency"],
    )
    return step


@transaction.atomic
def dossier_request_supplement(
    *, dossier: Dossier, officer: Officer, items: list[dict[str, str]], expected_revision: int | None = None
) -> SupplementRequest:
    """Ask for what is missing, per document with its reason; the clock stops (status 5).

    A second request is allowed but makes the dossier count as late (domain §2.6; Nghị định
    63/2010 Art 20(4): not more than once for one matter, unless the applicant failed to follow it).
    """
    if not items or any(not (i.get("document") and i.get("reason")) for i in items):
        raise InvalidInput(_("List each document to supplement with the reason."), field="items")
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    dossier.supplement_requests += 1
    if dossier.supplement_requests > 1:
        dossier.is_late = True
    request = SupplementRequest.objects.create(
        dossier=dossier, number=dossier.supplement_requests, items=items, requested_at=now, requested_by=officer
    )
    Pause.objects.create(dossier=dossier, reason="supplement", started_at=now)
    dossier.due_at = None  # the clock stands still; recomputed when the applicant supplements
    _transition(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        actor=officer_actor(officer),
        at=now,
        data={"number": request.number, "items": items},
        fields=["supplement_requests", "is_late", "due_at"],
    )
    return request


@transaction.atomic
def dossier_supplement(
    *, dossier: Dossier, documents: list[str], actor: Actor | None = None, expected_revision: int | None = None
) -> Dossier:
    """The applicant supplied what was asked: the clock restarts and the due moment moves by the
    working time it stood still."""
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    pause = dossier.pauses.filter(ended_at__isnull=True).first()
    request = dossier.supplement_requests_made.filter(answered_at__isnull=True).first()
    if pause is not None:
        pause.ended_at = now
        pause.save(update_fields=["ended_at"])
        # The step being handled when the clock stopped gets the same time back.
        step = dossier.steps.filter(completed_at__isnull=True).order_by("-order").first()
        if step is not None:
            calendar = agency_calendar(agency=step.agency)
            stood_still = calendar.working_time_between(pause.started_at, now).total_seconds() / 3600
            if stood_still:
                step.due_at = calendar.add_working_hours(step.due_at, stood_still).due_at
                step.warned_at = None  # a new due moment gets its own warning (sweeper.py)
                step.save(update_fields=["due_at", "warned_at"])
    if request is not None:
        request.answered_at = now
        request.save(update_fields=["answered_at"])
    deadline = _recompute_due(dossier)
    dossier.due_at = deadline.due_at
    dossier.warned_at = None  # a new due moment gets its own warning (sweeper.py)
    if dossier.appointment_at is None or not dossier.apologies.exists():
        dossier.appointment_at = deadline.due_at
    _transition(
        dossier,
        Action.SUPPLEMENT,
        actor=actor or applicant_actor(dossier),
        at=now,
        data={"documents": documents, "due_at": dossier.due_at.isoformat() if dossier.due_at else None},
        fields=["due_at", "appointment_at", "warned_at"],
    )
    return dossier


@transaction.atomic
def dossier_apologise(
    *,
    dossier: Dossier,
    officer: Officer,
    reason: str,
    explanation_to_head: str,
    new_appointment_at: datetime,
    expected_revision: int | None = None,
) -> Apology:
    """Before the due moment, the agency apologises, gives the reason and a new appointment
    (Nghị quyết 131/NQ-CP); the dossier will count as late whatever the new date."""
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    if dossier.due_at is None or dossier.closed_at is not None or dossier.finished_at is not None:
        raise TransitionNotAllowed(_("An apology is for a dossier being processed with a due moment."))
    if now >= dossier.due_at:
        raise InvalidInput(
            _("The apology must be issued before the due moment; this dossier is already overdue."), field="issued_at"
        )
    if new_appointment_at <= dossier.due_at:
        raise InvalidInput(_("The new appointment must come after the current due moment."), field="new_appointment_at")
    if not reason.strip() or not explanation_to_head.strip():
        raise InvalidInput(
            _("Give the reason for the delay and the explanation to the head of the agency."), field="reason"
        )
    previous = dossier.appointment_at or dossier.due_at
    apology = Apology.objects.create(
        dossier=dossier,
        reason=reason,
        explanation_to_head=explanation_to_head,
        previous_appointment_at=previous,
        new_appointment_at=new_appointment_at,
        issued_at=now,
        issued_by=officer,
    )
    dossier.appointment_at = new_appointment_at
    dossier.is_late = True
    dossier.revision += 1
    dossier.save(update_fields=["appointment_at", "is_late", "revision"])
    history.append(
        dossier,
        at=now,
        action="apologise",
        from_state=dossier.state,
        to_state=dossier.state,
        actor=officer_actor(officer),
        reason=reason,
        data={"new_appointment_at": new_appointment_at.isoformat(), "previous_appointment_at": previous.isoformat()},
    )
    return apology


@transaction.atomic
def dossier_mark_result_ready(
    *, dossier: Dossier, officer: Officer, results: list[dict[str, str]], expected_revision: int | None = None
) -> list[ResultDocument]:
    """Processing completed (status 9): the results are numbered `<dossier code>-KQn`."""
    if not results or any(not r.get("name") for r in results):
        raise InvalidInput(_("Name each result document."), field="results")
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    assert dossier.code is not None
    _close_current_step(dossier, now)
    start = dossier.results.count()
    documents = [
        ResultDocument.objects.create(
            dossier=dossier,
            code=result_code(dossier_code=dossier.code, n=start + i + 1),
            name=r["name"],
            result_type_code=r.get("result_type_code", ""),
            issued_at=now,
        )
        for i, r in enumerate(results)
    ]
    dossier.finished_at = now
    if dossier.due_at is not None and now > dossier.due_at:
        dossier.is_late = True
    _transition(
        dossier,
        Action.MARK_RESULT_READY,
        actor=officer_actor(officer),
        at=now,
        data={"results": [d.code for d in documents]},
        fields=["finished_at", "is_late"],
    )
    return documents


@transaction.atomic
def dossier_return_result(*, dossier: Dossier, officer: Officer, expected_revision: int | None = None) -> Dossier:
    """The result was handed over to the applicant (status 10)."""
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    dossier.returned_at = now
    dossier.closed_at = now
    _transition(
        dossier,
        Action.RETURN_RESULT,
        actor=officer_actor(officer, "returning_officer"),
        at=now,
        fields=["returned_at", "closed_at"],
    )
    return dossier


@transaction.atomic
def dossier_withdraw(
    *, dossier: Dossier, reason: str, actor: Actor | None = None, expected_revision: int | None = None
) -> Dossier:
    """The applicant withdraws the dossier (status 7)."""
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    dossier.closed_at = now
    dossier.pauses.filter(ended_at__isnull=True).update(ended_at=now)
    _transition(
        dossier, Action.WITHDRAW, actor=actor or applicant_actor(dossier), at=now, reason=reason, fields=["closed_at"]
    )
    return dossier


@transaction.atomic
def dossier_stop(*, dossier: Dossier, officer: Officer, reason: str, expected_revision: int | None = None) -> Dossier:
    """Processing stops (status 8), with the reason the stop notice gives."""
    if not reason.strip():
        raise InvalidInput(_("Give the reason for stopping the processing."), field="reason")
    dossier = _lock(dossier, expected_revision)
    now = clock.now()
    dossier.closed_at = now
    dossier.pauses.filter(ended_at__isnull=True).update(ended_at=now)
    _transition(dossier, Action.STOP, actor=officer_actor(officer), at=now, reason=reason, fields=["closed_at"])
    return dossier


@transaction.atomic
def dossier_request_payment(
    *, dossier: Dossier, officer: Officer, amount_vnd: int, description: str, expected_revision: int | None = None
) -> Dossier:
    """A financial obligation (fees, taxes) must be met before the result (status 6)."""
    if amount_vnd <= 0:
        raise InvalidInput(_("The amount must be positive."), field="amount_vnd")
    dossier = _lock(dossier, expected_revision)
    _transition(
        dossier,
        Action.REQUEST_PAYMENT,
        actor=officer_actor(officer),
        at=clock.now(),
        data={"amount_vnd": amount_vnd, "description": description},
    )
    return dossier


@transaction.atomic
def dossier_payment_done(
    *, dossier: Dossier, reference: str, actor: Actor | None = None, expected_revision: int | None = None
) -> Dossier:
    """The financial obligation was met; processing resumes (status 4)."""
    dossier = _lock(dossier, expected_revision)
    _transition(
        dossier,
        Action.PAYMENT_DONE,
        actor=actor or applicant_actor(dossier),
        at=clock.now(),
        data={"reference": reference},
    )
    return dossier
