"""Who may see a dossier and who may act on it (issue #4 §4): pure answers, yes or no with a reason.

Two questions, asked by every interface before it calls a service:

- `can_view(officer, dossier)`: the dossier belongs to the officer's agency (it is the receiving,
  the competent or the handling agency) and is on the officer's desk. Leaders and the agency
  administrator see the whole agency; the one-stop counter (receiving and returning officers) sees
  every dossier received at its agency, because that is where the applicant comes back to
  supplement, withdraw, pay and collect the result; specialists and clerks see the dossiers whose
  open step is assigned to them or to their unit.
- `can_act(officer, dossier, action)`: the officer sees the dossier, holds one of the roles the
  action is for (`ROLES_BY_ACTION`, the table below) and, in that role, the dossier is at their desk
  (`DESK_OF_ROLE`). Whether the dossier's *state* allows the action is the workflow's question
  (workflow.TRANSITIONS), answered by the services with TransitionNotAllowed.

Non-geographical receipt (Nghị định 118/2025/NĐ-CP; domain §2.1): a provincial or commune public
administration service centre receives dossiers for any competent agency of its province, whatever
the administrative boundary; any agency receives its own dossiers and those of its own units
(`can_receive_for`).

Nothing here writes. `can_view` and `can_act` read the dossier's open step (from the prefetched
steps when there are some) and the agency hierarchy; the same visibility rule is written as a
query in dossiers.selectors, and the tests check that both agree.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Agency, AgencyKind, Officer, OfficerRole
from motcua.agencies.selectors import agency_lineage
from motcua.core import clock
from motcua.core.errors import DomainError, InvalidInput
from motcua.dossiers.models import Dossier, Step
from motcua.dossiers.workflow import TRANSITIONS, Action, State

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "ACTION_LABELS",
    "APOLOGISE",
    "DESK_OF_ROLE",
    "ROLES_BY_ACTION",
    "WHOLE_AGENCY_ROLES",
    "ActionNotPermitted",
    "Decision",
    "Desk",
    "ReceiptNotAllowed",
    "actions_allowed",
    "can_act",
    "can_hand_over_to",
    "can_receive_for",
    "can_submit",
    "can_view",
    "open_step",
]

R = OfficerRole

# Not a transition (the state does not change) but an act with its own form and rules:
# services.dossier_apologise.
APOLOGISE: Final = "apologise"


class Desk(enum.StrEnum):
    """Where an officer in a role acts on a dossier."""

    COUNTER = "counter"  # the one-stop unit of the receiving agency
    STEP = "step"  # the open step is assigned to the officer, or to their unit in their agency
    AGENCY = "agency"  # the agency handling or competent to decide the dossier (leaders)
    NONE = "none"  # sees, never acts (the agency administrator manages accounts, not dossiers)


DESK_OF_ROLE: Final[Mapping[str, Desk]] = MappingProxyType(
    {
        R.RECEIVING_OFFICER: Desk.COUNTER,
        R.RETURNING_OFFICER: Desk.COUNTER,
        R.SPECIALIST: Desk.STEP,
        R.CLERK: Desk.STEP,
        R.UNIT_LEADER: Desk.AGENCY,
        R.AGENCY_LEADER: Desk.AGENCY,
        R.AGENCY_ADMINISTRATOR: Desk.NONE,
    }
)

# Roles that see every dossier of their agency, whatever step it is at.
WHOLE_AGENCY_ROLES: Final = frozenset({R.UNIT_LEADER, R.AGENCY_LEADER, R.AGENCY_ADMINISTRATOR})

# Who may do what (domain §2.2). Reviewed as data, in one screen; the desk each role acts at is above.
#   intake (counter)       receive, mark_incomplete, complete_intake, refuse: receiving officer
#   transfer               hand_over: the counter (first transfer only), specialists, clerks, leaders
#   handling               supplements, payments, coordination: specialists and leaders
#   deciding               stop: leaders; result ready: clerk (numbers, registers, issues) or leaders (sign)
#   applicant at counter   supplement, withdraw, payment_done: recorded by the counter
#   return                 return_result: returning officer (who also collects deferred fees)
ROLES_BY_ACTION: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        Action.RECEIVE: frozenset({R.RECEIVING_OFFICER}),
        Action.MARK_INCOMPLETE: frozenset({R.RECEIVING_OFFICER}),
        Action.COMPLETE_INTAKE: frozenset({R.RECEIVING_OFFICER}),
        Action.REFUSE: frozenset({R.RECEIVING_OFFICER}),
        Action.START_PROCESSING: frozenset({R.RECEIVING_OFFICER, R.SPECIALIST, R.UNIT_LEADER, R.AGENCY_LEADER}),
        Action.HAND_OVER: frozenset({R.RECEIVING_OFFICER, R.SPECIALIST, R.CLERK, R.UNIT_LEADER, R.AGENCY_LEADER}),
        Action.REQUEST_COORDINATION: frozenset({R.SPECIALIST, R.UNIT_LEADER}),
        Action.COORDINATION_DONE: frozenset({R.SPECIALIST, R.UNIT_LEADER}),
        Action.REQUEST_SUPPLEMENT: frozenset({R.SPECIALIST, R.UNIT_LEADER, R.AGENCY_LEADER}),
        Action.SUPPLEMENT: frozenset({R.RECEIVING_OFFICER, R.SPECIALIST}),
        Action.REQUEST_PAYMENT: frozenset({R.SPECIALIST, R.UNIT_LEADER}),
        Action.PAYMENT_DONE: frozenset({R.RECEIVING_OFFICER, R.RETURNING_OFFICER}),
        Action.WITHDRAW: frozenset({R.RECEIVING_OFFICER}),
        Action.STOP: frozenset({R.UNIT_LEADER, R.AGENCY_LEADER}),
        APOLOGISE: frozenset({R.SPECIALIST, R.UNIT_LEADER, R.AGENCY_LEADER}),
        Action.MARK_RESULT_READY: frozenset({R.CLERK, R.UNIT_LEADER, R.AGENCY_LEADER}),
        Action.RETURN_RESULT: frozenset({R.RETURNING_OFFICER}),
    }
)

ACTION_LABELS: Final[Mapping[str, StrOrPromise]] = MappingProxyType(
    {
        Action.RECEIVE: gettext_lazy("receive the dossier"),
        Action.MARK_INCOMPLETE: gettext_lazy("mark the dossier incomplete"),
        Action.COMPLETE_INTAKE: gettext_lazy("record the completed submission"),
        Action.REFUSE: gettext_lazy("refuse the dossier"),
        Action.START_PROCESSING: gettext_lazy("start processing"),
        Action.HAND_OVER: gettext_lazy("hand the dossier over"),
        Action.REQUEST_COORDINATION: gettext_lazy("ask a coordinating agency"),
        Action.COORDINATION_DONE: gettext_lazy("record the coordinating agency's answer"),
        Action.REQUEST_SUPPLEMENT: gettext_lazy("request a supplement"),
        Action.SUPPLEMENT: gettext_lazy("record the applicant's supplement"),
        Action.REQUEST_PAYMENT: gettext_lazy("request payment"),
        Action.PAYMENT_DONE: gettext_lazy("record the payment"),
        Action.WITHDRAW: gettext_lazy("record the withdrawal"),
        Action.STOP: gettext_lazy("stop processing"),
        APOLOGISE: gettext_lazy("apologise with a new appointment"),
        Action.MARK_RESULT_READY: gettext_lazy("mark the result ready"),
        Action.RETURN_RESULT: gettext_lazy("return the result"),
    }
)

_SERVICE_CENTRES = frozenset({AgencyKind.PROVINCIAL_SERVICE_CENTRE, AgencyKind.COMMUNE_SERVICE_CENTRE})


@dataclass(frozen=True, slots=True)
class Decision:
    """A yes or no, the reason in the active language, a stable `code` for a no, and for a yes the
    role the officer acts in (recorded in the history)."""

    allowed: bool
    reason: str = ""
    code: str = ""
    role: str = ""

    def __bool__(self) -> bool:
        return self.allowed


class ActionNotPermitted(DomainError):
    """The officer sees the dossier but may not do this to it (API: 403). `code` is the decision's."""

    code = "action_not_permitted"
    status = 403

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.code = decision.code or type(self).code
        if decision.code == "not_found":
            # A dossier the officer does not see does not exist for them: no 403 that would confirm it.
            self.status = 404


class ReceiptNotAllowed(InvalidInput):
    code = "receipt_not_allowed"


def _roles(officer: Officer) -> set[str]:
    roles = officer.roles if isinstance(officer.roles, list) else []
    return {r for r in roles if isinstance(r, str)}


def open_step(dossier: Dossier) -> Step | None:
    """The step the dossier is at: the last one not completed (from the prefetched steps if any)."""
    prefetched: Iterable[Step] | None = getattr(dossier, "_prefetched_objects_cache", {}).get("steps")
    if prefetched is not None:
        open_steps = [s for s in prefetched if s.completed_at is None]
        return max(open_steps, key=lambda s: s.order) if open_steps else None
    return dossier.steps.filter(completed_at__isnull=True).order_by("-order").first()


def _agencies_of(dossier: Dossier) -> set[int]:
    return {dossier.receiving_agency_id, dossier.competent_agency_id, dossier.handling_agency_id}


def _at_desk(officer: Officer, dossier: Dossier, desk: Desk, step: Step | None) -> bool:
    if desk is Desk.COUNTER:
        return dossier.receiving_agency_id == officer.agency_id
    if desk is Desk.STEP:
        return step is not None and (
            step.assignee_id == officer.pk or (step.agency_id == officer.agency_id and step.unit == officer.unit)
        )
    if desk is Desk.AGENCY:
        return officer.agency_id in (dossier.handling_agency_id, dossier.competent_agency_id)
    return False


def _awaiting_issue_at(officer: Officer, dossier: Dossier) -> bool:
    # The clerk of the competent agency registers and issues its results (domain §2.2, §12): once the
    # last step closes at "result ready" the dossier is at no step, yet it waits at the clerk's desk.
    return dossier.state == State.RESULT_READY and dossier.competent_agency_id == officer.agency_id


def can_view(officer: Officer, dossier: Dossier) -> bool:
    """Whether the dossier exists for this officer at all (otherwise interfaces answer "not found")."""
    if not officer.is_active or officer.agency_id not in _agencies_of(dossier):
        return False
    roles = _roles(officer)
    if roles & WHOLE_AGENCY_ROLES:
        return True
    if R.CLERK in roles and _awaiting_issue_at(officer, dossier):
        return True
    desks = {DESK_OF_ROLE[r] for r in roles if r in DESK_OF_ROLE}
    step = open_step(dossier) if Desk.STEP in desks else None
    return any(_at_desk(officer, dossier, desk, step) for desk in desks)


def _role_labels(roles: Iterable[str]) -> str:
    return ", ".join(sorted(str(OfficerRole(r).label) for r in roles if r in OfficerRole.values))


def can_act(officer: Officer, dossier: Dossier, action: str) -> Decision:
    """Whether the officer may do `action` (a workflow.Action value or APOLOGISE) to the dossier now,
    as far as who they are is concerned. The dossier's state is checked by the services."""
    if not can_view(officer, dossier):
        return Decision(False, _("There is no such dossier among yours."), "not_found")
    allowed_roles = ROLES_BY_ACTION.get(action)
    if allowed_roles is None:
        return Decision(False, _("There is no action “%(action)s”.") % {"action": action}, "unknown_action")
    label = ACTION_LABELS[action]
    candidates = sorted(_roles(officer) & allowed_roles)
    if not candidates:
        return Decision(
            False,
            _("Your roles do not allow you to %(action)s; it is for: %(roles)s.")
            % {"action": label, "roles": _role_labels(allowed_roles)},
            "role_not_allowed",
        )
    step = open_step(dossier)
    for role in candidates:
        desk = DESK_OF_ROLE[role]
        if not _at_desk(officer, dossier, desk, step):
            continue
        # The counter transfers a received dossier once; after that it travels from step to step.
        if desk is Desk.COUNTER and action == Action.HAND_OVER and step is not None:
            continue
        return Decision(True, role=role)
    return Decision(
        False,
        _("This dossier is not at your desk: you cannot %(action)s while it is with %(unit)s.")
        % {"action": label, "unit": step.unit if step is not None else dossier.handling_agency.name},
        "not_assigned",
    )


def actions_allowed(officer: Officer, dossier: Dossier, *, at: datetime | None = None) -> list[str]:
    """The actions this officer may do to the dossier in its current state, in table order."""
    if not can_view(officer, dossier):
        return []
    state = State(dossier.state)
    moment = at or clock.now()
    possible: list[str] = [action for action, rule in TRANSITIONS.items() if state in rule.sources]
    if (
        dossier.due_at is not None
        and dossier.closed_at is None
        and dossier.finished_at is None
        and moment < dossier.due_at
    ):
        possible.append(APOLOGISE)
    return [action for action in ROLES_BY_ACTION if action in possible and can_act(officer, dossier, action)]


# -- submission and receipt ----------------------------------------------------------------------------


def _province_id(agency: Agency) -> int | None:
    """The province the agency (or its nearest ancestor with an administrative unit) serves."""
    return agency_lineage(agency=agency).province_id


def can_receive_for(receiving: Agency, competent: Agency) -> Decision:
    """Whether `receiving` may receive dossiers that `competent` decides.

    An agency receives for itself, its parents and its own units (a commune centre for its commune
    People's Committee, a ministry's one-stop unit for the ministry). A provincial or commune public
    administration service centre receives for every agency of its province (Nghị định
    118/2025/NĐ-CP: receipt regardless of administrative boundary within the province).
    """
    if receiving.pk == competent.pk:
        return Decision(True)
    if receiving.pk in agency_lineage(agency=competent).ancestor_ids or competent.pk in (
        agency_lineage(agency=receiving).ancestor_ids
    ):
        return Decision(True)
    if receiving.kind in _SERVICE_CENTRES:
        province = _province_id(receiving)
        if province is not None and province == _province_id(competent):
            return Decision(True)
        return Decision(
            False,
            _("%(receiving)s receives dossiers only for agencies of its own province, and %(competent)s is not one.")
            % {"receiving": receiving.name, "competent": competent.name},
            "receipt_not_allowed",
        )
    return Decision(
        False,
        _(
            "%(receiving)s cannot receive dossiers decided by %(competent)s; submit them to a public administration "
            "service centre of the province or to the agency itself."
        )
        % {"receiving": receiving.name, "competent": competent.name},
        "receipt_not_allowed",
    )


def can_submit(officer: Officer, receiving: Agency, competent: Agency) -> Decision:
    """Whether the officer may enter a submission received at `receiving` for `competent`: a receiving
    officer of the receiving agency, for an agency it may receive for (`can_receive_for`)."""
    if not officer.is_active or R.RECEIVING_OFFICER not in _roles(officer):
        return Decision(
            False,
            _("Only a one-stop receiving officer may enter a submission."),
            "role_not_allowed",
        )
    if officer.agency_id != receiving.pk:
        return Decision(
            False,
            _("You receive dossiers for %(agency)s only.") % {"agency": officer.agency.name},
            "not_your_agency",
        )
    decision = can_receive_for(receiving, competent)
    return Decision(decision.allowed, decision.reason, decision.code, R.RECEIVING_OFFICER if decision else "")


def can_hand_over_to(dossier: Dossier, agency: Agency | None) -> Decision:
    """Whether the dossier may be handed over to `agency` (None: within the handling agency): the
    competent agency (the transfer from the receiving centre) or the agency handling it now.
    Other agencies take part through coordination (liên thông), not by receiving the dossier."""
    if agency is None or agency.pk in (dossier.competent_agency_id, dossier.handling_agency_id):
        return Decision(True)
    return Decision(
        False,
        _("A dossier is handed over within the agency handling it or to the competent agency, not to %(agency)s.")
        % {"agency": agency.name},
        "hand_over_not_allowed",
    )
