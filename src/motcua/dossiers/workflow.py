"""The dossier lifecycle as data: states, the national status code of each, and the allowed transitions.

Legal basis: Nghị định 118/2025/NĐ-CP (one-stop mechanism) and the interoperable status codes 1–10
used to synchronise dossiers with the National Public Service Portal (domain §2.3, field
`TrangThaiHoSo`; shared/data/interfaces/dvcqg-status-and-sync.json). Every internal state maps to
exactly one code; sub-states (awaiting a coordinating agency, awaiting signature) share code 4.

The table is reviewed as data: `TRANSITIONS[action] = (from states, to state)`. Services look the
action up here and refuse anything else with TransitionNotAllowed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class State(enum.StrEnum):
    SUBMITTED = "submitted"  # online or by post, awaiting the intake check
    INCOMPLETE = "incomplete"  # intake found it incomplete: guidance sent, not received yet
    RECEIVED = "received"  # complete: code assigned, the statutory clock runs
    REFUSED = "refused"  # ineligible at intake (refusal slip with a legal reason)
    IN_PROCESS = "in_process"
    AWAITING_COORDINATION = "awaiting_coordination"  # another agency gives an opinion or part of the result
    SUPPLEMENT_REQUESTED = "supplement_requested"  # clock paused
    AWAITING_PAYMENT = "awaiting_payment"  # financial obligation (fees, taxes)
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    RESULT_READY = "result_ready"
    RETURNED = "returned"


# Domain §2.3: TrangThaiHoSo codes.
STATUS_CODE: dict[State, int] = {
    State.SUBMITTED: 1,
    State.INCOMPLETE: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.IN_PROCESS: 4,
    State.AWAITING_COORDINATION: 4,
    State.SUPPLEMENT_REQUESTED: 5,
    State.AWAITING_PAYMENT: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.RESULT_READY: 9,
    State.RETURNED: 10,
}

STATE_LABELS = {
    State.SUBMITTED: _("Submitted, awaiting receipt"),
    State.INCOMPLETE: _("Incomplete, guidance sent to the applicant"),
    State.RECEIVED: _("Received"),
    State.REFUSED: _("Not received"),
    State.IN_PROCESS: _("In process"),
    State.AWAITING_COORDINATION: _("Awaiting a coordinating agency"),
    State.SUPPLEMENT_REQUESTED: _("Supplement requested"),
    State.AWAITING_PAYMENT: _("Awaiting payment of fees"),
    State.WITHDRAWN: _("Withdrawn by the applicant"),
    State.STOPPED: _("Processing stopped"),
    State.RESULT_READY: _("Result ready"),
    State.RETURNED: _("Result returned"),
}

FINAL = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.RETURNED})
# The statutory clock runs in these states (domain §2.6: it starts at receipt and stops while the
# applicant supplements; it ends when the result is ready).
CLOCK_RUNS = frozenset({State.RECEIVED, State.IN_PROCESS, State.AWAITING_COORDINATION, State.AWAITING_PAYMENT})
_OPEN = (State.RECEIVED, State.IN_PROCESS, State.AWAITING_COORDINATION, State.AWAITING_PAYMENT)


class Action(enum.StrEnum):
    RECEIVE = "receive"
    MARK_INCOMPLETE = "mark_incomplete"
    COMPLETE_INTAKE = "complete_intake"  # the applicant completed an incomplete submission
    REFUSE = "refuse"
    START_PROCESSING = "start_processing"
    HAND_OVER = "hand_over"
    REQUEST_COORDINATION = "request_coordination"
    COORDINATION_DONE = "coordination_done"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    REQUEST_PAYMENT = "request_payment"
    PAYMENT_DONE = "payment_done"
    WITHDRAW = "withdraw"
    STOP = "stop"
    MARK_RESULT_READY = "mark_result_ready"
    RETURN_RESULT = "return_result"


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[State]
    target: State | None  # None: the state does not change (a hand-over between steps)


TRANSITIONS: dict[Action, Transition] = {
    Action.RECEIVE: Transition(frozenset({State.SUBMITTED}), State.RECEIVED),
    Action.MARK_INCOMPLETE: Transition(frozenset({State.SUBMITTED}), State.INCOMPLETE),
    Action.COMPLETE_INTAKE: Transition(frozenset({State.INCOMPLETE}), State.SUBMITTED),
    Action.REFUSE: Transition(frozenset({State.SUBMITTED, State.INCOMPLETE}), State.REFUSED),
    Action.START_PROCESSING: Transition(frozenset({State.RECEIVED}), State.IN_PROCESS),
    Action.HAND_OVER: Transition(frozenset({State.RECEIVED, State.IN_PROCESS}), None),
    Action.REQUEST_COORDINATION: Transition(frozenset({State.IN_PROCESS}), State.AWAITING_COORDINATION),
    Action.COORDINATION_DONE: Transition(frozenset({State.AWAITING_COORDINATION}), State.IN_PROCESS),
    Action.REQUEST_SUPPLEMENT: Transition(frozenset({State.RECEIVED, State.IN_PROCESS}), State.SUPPLEMENT_REQUESTED),
    Action.SUPPLEMENT: Transition(frozenset({State.SUPPLEMENT_REQUESTED}), State.IN_PROCESS),
    Action.REQUEST_PAYMENT: Transition(frozenset({State.IN_PROCESS}), State.AWAITING_PAYMENT),
    Action.PAYMENT_DONE: Transition(frozenset({State.AWAITING_PAYMENT}), State.IN_PROCESS),
    Action.WITHDRAW: Transition(
        frozenset({State.SUBMITTED, State.INCOMPLETE, *_OPEN, State.SUPPLEMENT_REQUESTED}), State.WITHDRAWN
    ),
    Action.STOP: Transition(frozenset({*_OPEN, State.SUPPLEMENT_REQUESTED}), State.STOPPED),
    Action.MARK_RESULT_READY: Transition(frozenset({State.RECEIVED, State.IN_PROCESS}), State.RESULT_READY),
    Action.RETURN_RESULT: Transition(frozenset({State.RESULT_READY}), State.RETURNED),
}


def allowed_actions(state: State) -> list[Action]:
    return [action for action, t in TRANSITIONS.items() if state in t.sources]
