"""The officers' back office: /can-bo/ (work queues) and /can-bo/ho-so/<code>/ (one dossier, its actions).

Thin views: reads through dossiers.selectors (already scoped to the officer: a dossier they may not
see is a 404), who may act through dossiers.policies (403), every write one function of
dossiers.services, whose DomainError becomes a form error in the user's language.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.agencies.models import Agency, Officer
from motcua.agencies.selectors import agency_get
from motcua.backoffice import counter
from motcua.backoffice.forms import (
    ACTIONS,
    QUEUE_CHOICES,
    ActionForm,
    CounterForm,
    QueueSearchForm,
    action_form,
    result_issue_form,
)
from motcua.catalog.models import DocumentRequirement, Procedure, ProcedureVersion
from motcua.catalog.search import parse_query
from motcua.catalog.selectors import version_in_force
from motcua.core import clock
from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.dossiers import policies, results, selectors, services
from motcua.dossiers.documents import ADD_DOCUMENT
from motcua.dossiers.models import Dossier, HistoryEntry
from motcua.dossiers.seals import SEALED_KINDS
from motcua.dossiers.slips import dossier_slips
from motcua.dossiers.workflow import STATE_LABELS, Action, State

PAGE_SIZE = 20
LOGIN_URL = reverse_lazy("backoffice:login")

View = Callable[..., HttpResponseBase]


def _officer_of(request: HttpRequest) -> Officer | None:
    # TODO: an agencies selector `officer_for_user`; the API reads the officer the same way (api/auth.py).
    user_id = request.user.pk
    if user_id is None:
        return None
    return Officer.objects.select_related("agency").filter(user_id=user_id, is_active=True).first()


def officer_required(view: Callable[..., HttpResponse]) -> View:
    """Logged in (else the login page) and an active officer (else a 403 page that says why)."""

    @login_required(login_url=LOGIN_URL)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        officer = _officer_of(request)
        if officer is None:
            return _forbidden(request, _("Your account is not the account of an active officer."))
        return view(request, officer, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "backoffice/forbidden.html", {"reason": reason}, status=403)


def _reference(dossier: Dossier) -> str:
    return dossier.code or str(dossier.uuid)


# -- work queues --------------------------------------------------------------------------------------


@require_GET
@officer_required
def queue_view(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = QueueSearchForm(request.GET)
    criteria = form.cleaned_data if form.is_valid() else {}
    queue = criteria.get("queue", "")
    q = criteria.get("q", "")
    now = clock.now()
    dossiers = selectors.dossier_list_for_officer(officer=officer, queue=queue or None, q=q or None, at=now)
    page = Paginator(dossiers.select_related("procedure_version"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "dossier": dossier,
            "reference": _reference(dossier),
            "state_label": dossier.get_state_display(),
            "overdue": selectors.dossier_is_overdue(dossier=dossier, at=now),
        }
        for dossier in page.object_list
    ]
    tabs = [{"value": value, "label": label, "current": value == queue} for value, label in QUEUE_CHOICES]
    return render(
        request,
        "backoffice/queues.html",
        {
            "officer": officer,
            "form": form,
            "tabs": tabs,
            "queue": queue,
            "q": q,
            "rows": rows,
            "page": page,
            "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
            "ellipsis": Paginator.ELLIPSIS,
        },
        status=200 if form.is_valid() else 400,
    )


# -- one dossier --------------------------------------------------------------------------------------


def _dossier(officer: Officer, code: str) -> Dossier:
    try:
        return selectors.dossier_get_for_officer(officer=officer, code=code)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _state_label(state: str) -> str:
    return str(STATE_LABELS.get(State(state), state)) if state in State.__members__.values() else state


# What the history records besides the officers' actions (dossiers.services, documents, recompute).
_RECORDED_LABELS: Final[Mapping[str, str | Promise]] = MappingProxyType(
    {
        "submit": gettext_lazy("submit the dossier"),
        ADD_DOCUMENT: gettext_lazy("add a document"),
        "deadline_recomputed": gettext_lazy("recalculate the due date after a calendar change"),
        results.ISSUE_RESULT: results.ISSUE_RESULT_LABEL,
    }
)


def _action_label(action: str) -> str:
    label = policies.ACTION_LABELS.get(action) or _RECORDED_LABELS.get(action)
    return capfirst(str(label)) if label is not None else action


def _history_detail(entry: HistoryEntry) -> str:
    """What an entry's data says that its label does not: the document added, the new due date."""
    data = entry.data if isinstance(entry.data, dict) else {}
    if entry.action == ADD_DOCUMENT and data.get("component"):
        return str(data["component"])
    if entry.action == results.ISSUE_RESULT and data.get("result"):
        return str(data["result"])
    if entry.action == Action.HAND_OVER:
        step, unit = str(data.get("name") or ""), str(data.get("to_unit") or "")
        return f"{step} ({unit})" if step and unit else step or unit
    return ""


def _render_dossier(
    request: HttpRequest,
    officer: Officer,
    dossier: Dossier,
    *,
    bound: tuple[str, ActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    allowed = [a for a in policies.actions_allowed(officer, dossier) if a in ACTIONS]
    forms = {action: action_form(action, dossier) for action in allowed}
    if bound is not None:
        forms[bound[0]] = bound[1]
    now = clock.now()
    context = {
        "officer": officer,
        "dossier": dossier,
        "reference": _reference(dossier),
        "state_label": dossier.get_state_display(),
        "overdue": selectors.dossier_is_overdue(dossier=dossier, at=now),
        "deadline": selectors.dossier_deadline_explained(dossier=dossier),
        "steps": list(dossier.steps.all()),
        "history": [
            {
                "entry": entry,
                "action_label": _action_label(entry.action),
                "detail": _history_detail(entry),
                "from_label": _state_label(entry.from_state),
                "to_label": _state_label(entry.to_state),
            }
            for entry in dossier.history.all()
        ],
        "results": list(dossier.results.all()),
        # Each result with its signature, and the form to sign and issue it when the officer may
        # (backoffice/results.py).
        "result_rows": [
            {"row": row, "form": result_issue_form(dossier, row.result) if row.can_issue else None}
            for row in results.result_rows(officer=officer, dossier=dossier)
        ],
        "actions": [
            {
                "action": action,
                "label": _action_label(action),
                "form": form,
                "url": reverse("backoffice:action", args=[_reference(dossier), action]),
            }
            for action, form in forms.items()
        ],
        "failed": bound,
        "slips": _slip_links(dossier),
        "guidance": _guidance(dossier),
    }
    return render(request, "backoffice/dossier.html", context, status=status)


def _slip_links(dossier: Dossier) -> list[dict[str, str]]:
    """The slips to hand the applicant now: the receipt of a received dossier (reprints included),
    the guidance of an incomplete one, the refusal slip of a refused one, the apology letters and
    the stop notice."""
    history = list(dossier.history.all())
    wanted: list[tuple[str, int, str]] = []
    if dossier.code and dossier.received_at:
        # Translators: the Vietnamese form name, "In giấy tiếp nhận".
        wanted.append(("receipt", 1, _("Print the receipt")))
    incomplete = [entry for entry in history if entry.action == Action.MARK_INCOMPLETE]
    if dossier.state == State.INCOMPLETE and incomplete:
        wanted.append(("guidance", len(incomplete), _("Print the guidance for the applicant")))
    if dossier.state == State.REFUSED:
        wanted.append(("refusal", 1, _("Print the refusal slip")))
    # The apology letters and the stop notice, sealed with the agency's key (dossiers.seals).
    wanted.extend(
        (ref.kind, ref.number, ref.label) for ref in dossier_slips(dossier=dossier) if ref.kind in SEALED_KINDS
    )
    links: list[dict[str, str]] = []
    for kind, number, label in wanted:
        try:
            url = reverse("backoffice:slip", args=[_reference(dossier), kind])
        except NoReverseMatch:  # the slips are served by their own module, which may be left out
            continue
        links.append({"url": f"{url}?so={number}" if number > 1 else url, "label": label})
    return links


def _guidance(dossier: Dossier) -> list[dict[str, str]]:
    """What the last intake check found missing, while the dossier waits for the applicant."""
    if dossier.state != State.INCOMPLETE:
        return []
    entries = [entry for entry in dossier.history.all() if entry.action == Action.MARK_INCOMPLETE]
    missing = entries[-1].data.get("missing", []) if entries and isinstance(entries[-1].data, dict) else []
    return [m for m in missing if isinstance(m, dict)]


@require_GET
@officer_required
def dossier_view(request: HttpRequest, officer: Officer, code: str) -> HttpResponse:
    return _render_dossier(request, officer, _dossier(officer, code))


# -- actions: the same policy and service calls as the API ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Act:
    officer: Officer
    dossier: Dossier
    role: str
    data: dict[str, Any]

    @property
    def revision(self) -> int:
        value: int = self.data["expected_revision"]
        return value


def _hand_over(act: Act) -> None:
    code: str = act.data.get("agency") or ""
    dossier = act.dossier
    target: Agency | None = dossier.competent_agency if code and code == dossier.competent_agency.code else None
    decision = policies.can_hand_over_to(dossier, target)
    if not decision:
        raise InvalidInput(decision.reason, field="agency")
    target_id = target.pk if target is not None else dossier.handling_agency_id
    username: str = act.data.get("assignee") or ""
    assignee = selectors.officer_for_hand_over(agency_id=target_id, username=username) if username else None
    services.dossier_hand_over(
        dossier=dossier,
        officer=act.officer,
        step_name=act.data["step_name"],
        role=act.data["role"],
        unit=act.data["unit"],
        budget=act.data["budget"],
        budget_unit=act.data["budget_unit"],
        agency=target,
        assignee=assignee,
        expected_revision=act.revision,
    )


PERFORM: dict[str, Callable[[Act], object]] = {
    Action.RECEIVE: lambda a: services.dossier_receive(
        dossier=a.dossier, officer=a.officer, expected_revision=a.revision
    ),
    Action.MARK_INCOMPLETE: lambda a: services.dossier_mark_incomplete(
        dossier=a.dossier, officer=a.officer, missing=a.data["items"], expected_revision=a.revision
    ),
    Action.REFUSE: lambda a: services.dossier_refuse(
        dossier=a.dossier, officer=a.officer, legal_reason=a.data["legal_reason"], expected_revision=a.revision
    ),
    Action.HAND_OVER: _hand_over,
    Action.REQUEST_SUPPLEMENT: lambda a: services.dossier_request_supplement(
        dossier=a.dossier, officer=a.officer, items=a.data["items"], expected_revision=a.revision
    ),
    Action.SUPPLEMENT: lambda a: services.dossier_supplement(
        dossier=a.dossier,
        documents=a.data["documents"],
        actor=services.officer_actor(a.officer, a.role),
        expected_revision=a.revision,
    ),
    Action.REQUEST_PAYMENT: lambda a: services.dossier_request_payment(
        dossier=a.dossier,
        officer=a.officer,
        amount_vnd=a.data["amount_vnd"],
        description=a.data["description"],
        expected_revision=a.revision,
    ),
    Action.PAYMENT_DONE: lambda a: services.dossier_payment_done(
        dossier=a.dossier,
        reference=a.data["reference"],
        actor=services.officer_actor(a.officer, a.role),
        expected_revision=a.revision,
    ),
    Action.WITHDRAW: lambda a: services.dossier_withdraw(
        dossier=a.dossier,
        reason=a.data["reason"],
        actor=services.officer_actor(a.officer, a.role),
        expected_revision=a.revision,
    ),
    Action.STOP: lambda a: services.dossier_stop(
        dossier=a.dossier, officer=a.officer, reason=a.data["reason"], expected_revision=a.revision
    ),
    policies.APOLOGISE: lambda a: services.dossier_apologise(
        dossier=a.dossier,
        officer=a.officer,
        reason=a.data["reason"],
        explanation_to_head=a.data["explanation_to_head"],
        new_appointment_at=a.data["new_appointment_at"],
        expected_revision=a.revision,
    ),
    Action.MARK_RESULT_READY: lambda a: services.dossier_mark_result_ready(
        dossier=a.dossier, officer=a.officer, results=a.data["results"], expected_revision=a.revision
    ),
    Action.RETURN_RESULT: lambda a: services.dossier_return_result(
        dossier=a.dossier, officer=a.officer, expected_revision=a.revision
    ),
}
assert tuple(PERFORM) == ACTIONS


@require_POST
@officer_required
def action_view(request: HttpRequest, officer: Officer, code: str, action: str) -> HttpResponse:
    """Find the dossier among the officer's (404), ask the policy (403), validate the form (400), call
    the service (its DomainError as a form error), then back to the dossier with a message."""
    if action not in PERFORM:
        raise Http404(_("There is no action “%(action)s”.") % {"action": action})
    dossier = _dossier(officer, code)
    decision = policies.can_act(officer, dossier, action)
    if not decision:
        return _forbidden(request, decision.reason)
    form = action_form(action, dossier, request.POST)
    if not form.is_valid():
        return _render_dossier(request, officer, dossier, bound=(action, form), status=400)
    try:
        PERFORM[action](Act(officer=officer, dossier=dossier, role=decision.role, data=form.cleaned_data))
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        fresh = _dossier(officer, code)
        return _render_dossier(request, officer, fresh, bound=(action, form), status=exc.status)
    after, visible = selectors.dossier_after_action(officer=officer, dossier=dossier)
    messages.success(
        request,
        _("Done: %(action)s. The dossier is now: %(state)s.")
        % {"action": _action_label(action).lower(), "state": after.get_state_display()},
    )
    if not visible:
        return redirect("backoffice:queues")
    return redirect("backoffice:dossier", code=_reference(after))


# -- the counter: a walk-in or postal dossier (Tiếp nhận hồ sơ trực tiếp) ---------------------------------


@dataclass(slots=True)
class _Selection:
    """What the counter screen shows for the entries: procedures found, or one procedure version with
    its cases, the agencies that may decide it here and its counter channels; or why none."""

    version: ProcedureVersion | None = None
    found: list[Procedure] = field(default_factory=list)
    error: str = ""
    cases: list[str] = field(default_factory=list)
    case_number: str = ""
    agencies: list[Agency] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(default_factory=list)

    @property
    def case(self) -> str:
        if len(self.cases) == 1:
            return self.cases[0]
        index = int(self.case_number) - 1 if self.case_number.isdigit() else -1
        return self.cases[index] if 0 <= index < len(self.cases) else ""

    @property
    def checklist(self) -> list[DocumentRequirement] | None:
        return None if self.version is None else counter.counter_checklist(self.version, self.case)

    @property
    def key(self) -> str:
        """What the checklist on screen was made from; an outcome is recorded only against it."""
        if self.version is None:
            return ""
        return f"{self.version.procedure.code}|{self.version.number}|{self.case if len(self.cases) > 1 else ''}"


def _counter_select(officer: Officer, data: QueryDict) -> _Selection:
    """Find the procedure from the entries (a code, words of a name, or one picked from a list) and
    what the counter needs of it. Normalises `data` so the page shows the procedure found."""
    typed = data.get("procedure_q", "")[:200].strip()
    picked = data.pop("pick", [""])[-1].strip()
    shown = data.get("shown", "").split("|")[0]
    selection = _Selection(case_number=data.get("case", ""))
    code = picked or (shown if typed and typed.upper() == shown.upper() else "")
    if not code and typed:
        parsed = parse_query(typed)
        if parsed.code:
            try:
                selection.version = version_in_force(code=parsed.code)
                code = parsed.code
            except NotFound as exc:
                selection.error = str(exc.message)
        if not code and (not parsed.code or selection.error):
            found = counter.counter_procedures(receiving=officer.agency, q=typed)
            if len(found) == 1:
                code, selection.error = found[0].code, ""
            elif found:
                selection.found, selection.error = found, ""
            elif not selection.error:
                selection.error = _("No procedure in force that your counter receives matches “%(q)s”.") % {"q": typed}
    if not code:
        return selection
    if selection.version is None:
        try:
            selection.version = version_in_force(code=code)
        except NotFound as exc:
            selection.error = str(exc.message)
            return selection
    data["procedure_q"] = code
    return _counter_procedure(officer, selection)


def _counter_procedure(officer: Officer, selection: _Selection) -> _Selection:
    version = selection.version
    assert version is not None
    selection.agencies = counter.competent_for(
        agencies=counter.counter_agencies(receiving=officer.agency), version=version
    )
    options = [c for c in version.channels.all() if c.channel in counter.COUNTER_CHANNELS]
    for option in options:
        if option.channel not in {value for value, _label in selection.channels}:
            limit = f" ({option.time_limit_text})" if option.time_limit_text else ""
            selection.channels.append((option.channel, f"{option.get_channel_display()}{limit}"))
    code = version.procedure.code
    if not selection.agencies:
        selection.error = _(
            "%(agency)s does not receive dossiers of procedure %(code)s: no agency it receives for decides it."
        ) % {"agency": officer.agency.name, "code": code}
    elif not selection.channels:
        selection.error = _("Procedure %(code)s is not received at the counter or by post.") % {"code": code}
    else:
        selection.cases = counter.counter_cases(version)
        return selection
    selection.version = None
    selection.agencies, selection.channels = [], []
    return selection


def _default_agency(officer: Officer, agencies: list[Agency]) -> Agency | None:
    """The agency a counter usually receives for: itself, else its parent (a commune centre for its
    People's Committee), else the only one it may."""
    for pk in (officer.agency_id, officer.agency.parent_id):
        for agency in agencies:
            if agency.pk == pk:
                return agency
    return agencies[0] if len(agencies) == 1 else None


def _counter_outcome(data: QueryDict | None) -> counter.Outcome | None:
    try:
        return counter.Outcome(data.get("outcome", "")) if data is not None else None
    except ValueError:
        return None


def _counter_intake(form: CounterForm, selection: _Selection, outcome: counter.Outcome, key: str) -> counter.Intake:
    data = form.cleaned_data
    version = selection.version
    assert version is not None
    code: str = data["competent_agency"]
    agency = next((a for a in selection.agencies if a.code == code), None)
    if agency is None:
        # Not offered here; policies.can_submit (in intake_record) says why, or the code does not exist.
        try:
            agency = agency_get(code=code)
        except NotFound as exc:
            raise InvalidInput(exc.message, field="competent_agency") from exc
    return counter.Intake(
        procedure_code=version.procedure.code,
        version=version.number,
        channel=data["channel"],
        competent_agency=agency,
        applicant=services.Applicant(
            name=data["applicant_name"],
            id_number=data["applicant_id_number"],
            kind=data["applicant_kind"],
            phone=data["applicant_phone"],
            email=data["applicant_email"],
            address=data["applicant_address"],
        ),
        summary=data["summary"],
        form_data={"case": selection.case, "documents_received": data["documents_received"]},
        outcome=outcome,
        missing=data.get("missing", []),
        legal_reason=data.get("legal_reason", ""),
        key=key,
    )


def _counter_done(dossier: Dossier, outcome: counter.Outcome) -> str:
    if outcome is counter.Outcome.COMPLETE:
        appointment = dossier.appointment_at
        when = date_format(timezone.localtime(appointment), "H:i, d/m/Y") if appointment else "—"
        return _("Dossier %(code)s received; appointment to return the result: %(appointment)s.") % {
            "code": dossier.code,
            "appointment": when,
        }
    if outcome is counter.Outcome.INCOMPLETE:
        return _("Recorded as incomplete: give the applicant the guidance listing what is missing.")
    return _("Refused: give the applicant the refusal slip with the legal reason.")


_INTAKE_KEY = re.compile(r"[0-9a-f]{32}")


@require_http_methods(["GET", "POST"])
@officer_required
def counter_view(request: HttpRequest, officer: Officer) -> HttpResponse:
    """Tiếp nhận hồ sơ trực tiếp: one form for a walk-in or postal dossier. "Find" (and Enter)
    only refreshes the page with what was entered; one of the three outcomes records the dossier
    (counter.intake_record), then the dossier page with its slip."""
    gate = policies.can_submit(officer, officer.agency, officer.agency)
    if not gate:
        return _forbidden(request, gate.reason)
    data: QueryDict | None = None
    if request.method == "POST":
        data = request.POST.copy()
    elif request.GET.get("procedure"):
        data = QueryDict(mutable=True)
        data["procedure_q"] = request.GET["procedure"][:200]
    outcome = _counter_outcome(data)
    # One key per filling of the form, kept through every refresh (counter.Intake.key).
    key = data.get("intake_key", "") if data is not None else ""
    if not _INTAKE_KEY.fullmatch(key):
        key = uuid.uuid4().hex
    selection = _counter_select(officer, data) if data is not None else _Selection()
    notice = ""
    if outcome is not None and (selection.version is None or data is None or data.get("shown") != selection.key):
        if selection.version is not None:
            notice = _(
                "Nothing was recorded: the procedure, its version or the case changed since the documents below "
                "were shown. Check them, then choose the outcome again."
            )
        outcome = None
    form = CounterForm(
        data,
        outcome=outcome,
        found=selection.found,
        cases=selection.cases,
        checklist=selection.checklist,
        agencies=selection.agencies,
        default_agency=_default_agency(officer, selection.agencies),
        channels=selection.channels,
    )
    if outcome is None and data is not None and _counter_outcome(data) is not None and not notice:
        # An outcome was chosen with no procedure on screen.
        selection.error = selection.error or (
            _("Choose one of the procedures found.")
            if selection.found
            else _("Find the procedure first: enter its code or words of its name.")
        )
    if selection.error:
        form.add_error("procedure_q", selection.error)
    status = 400 if selection.error else 409 if notice else 200
    if outcome is not None and not selection.error:
        if form.is_valid():
            try:
                intake = _counter_intake(form, selection, outcome, key)
                recorded = counter.intake_record(officer=officer, intake=intake)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
                status = exc.status
            else:
                if recorded.again:
                    messages.info(request, _("This form had already been recorded: here is the dossier it recorded."))
                else:
                    messages.success(request, _counter_done(recorded.dossier, outcome))
                return redirect("backoffice:dossier", code=_reference(recorded.dossier))
        else:
            status = 400
    version = selection.version
    return render(
        request,
        "backoffice/counter.html",
        {
            "officer": officer,
            "form": form,
            "selection": selection,
            "version": version,
            "legal_basis": list(version.legal_basis.all()) if version is not None else [],
            "shown": selection.key,
            "intake_key": key,
            "notice": notice,
            # Entries about a procedure no longer shown, kept for when one is found again.
            "kept": [form[name] for name in ("competent_agency", "channel", "legal_reason")] if version is None else [],
        },
        status=status,
    )
