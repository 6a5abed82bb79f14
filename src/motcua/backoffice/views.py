"""The officers' back office: /can-bo/ (work queues) and /can-bo/ho-so/<code>/ (one dossier, its actions).

Thin views: reads through dossiers.selectors (already scoped to the officer: a dossier they may not
see is a 404), who may act through dossiers.policies (403), every write one function of
dossiers.services, whose DomainError becomes a form error in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.agencies.models import Agency, Officer
from motcua.backoffice.forms import ACTIONS, QUEUE_CHOICES, ActionForm, QueueSearchForm, action_form
from motcua.core import clock
from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.dossiers import policies, selectors, services
from motcua.dossiers.models import Dossier
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


def _action_label(action: str) -> str:
    label = policies.ACTION_LABELS.get(action)
    return str(capfirst(label)) if label is not None else action


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
                "from_label": _state_label(entry.from_state),
                "to_label": _state_label(entry.to_state),
            }
            for entry in dossier.history.all()
        ],
        "results": list(dossier.results.all()),
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
    }
    return render(request, "backoffice/dossier.html", context, status=status)


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
