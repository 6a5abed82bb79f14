"""Rules of the catalogue that reviewers must be able to read in one screen.

- `missing_components`: the completeness test of Nghị định 63/2010/NĐ-CP Art 8(2) (as amended by
  92/2017/NĐ-CP): a procedure may be published only with all of components (a)–(g). QĐ 766
  indicator 1.3 checks exactly these (domain §1.1), so the indicators will reuse this function.
- `budget_problems`: the time budgets of a processing flow must fit inside the legal time limit of
  the channel they serve (domain §2.6: each step of an inter-agency flow has its own limit and the
  total covers all agencies).
- `default_flow`: a sensible flow for the common shapes, generated from the time limit, until an
  agency enters its real one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Bộ luật Lao động 2019 Art 105: normal working time is at most 8 hours a day; public offices work
# 07:30–11:30 and 13:00–17:00 (domain §11), so a working day is 8 working hours.
HOURS_PER_WORKING_DAY = Decimal(8)


class Component(enum.StrEnum):
    NAME = "a_name"
    STEPS = "b_steps"
    METHOD = "c_method"
    DOCUMENTS = "d_documents"
    TIME_LIMIT = "dd_time_limit"
    APPLICANTS = "e_applicants"
    AGENCY = "g_agency"


COMPONENT_LABELS: dict[Component, Promise] = {
    Component.NAME: _("(a) name"),
    Component.STEPS: _("(b) sequence of steps"),
    Component.METHOD: _("(c) method of submission"),
    Component.DOCUMENTS: _("(d) dossier components and number of copies"),
    Component.TIME_LIMIT: _("(đ) processing time limit"),
    Component.APPLICANTS: _("(e) who may apply"),
    Component.AGENCY: _("(g) implementing agency"),
}


@dataclass(frozen=True, slots=True)
class ChannelLimit:
    channel: str
    value: Decimal | None
    unit: str  # a TimeUnit value, or "" when unknown


@dataclass(frozen=True, slots=True)
class VersionFacts:
    """What the completeness test looks at, independent of how it is stored."""

    name: str
    steps: tuple[str, ...]
    channels: tuple[ChannelLimit, ...]
    document_count: int
    applicants: tuple[str, ...]
    agency: str


def missing_components(facts: VersionFacts) -> list[Component]:
    missing: list[Component] = []
    if not facts.name.strip():
        missing.append(Component.NAME)
    if not any(step.strip() for step in facts.steps):
        missing.append(Component.STEPS)
    if not facts.channels:
        missing.append(Component.METHOD)
    if facts.document_count == 0:
        missing.append(Component.DOCUMENTS)
    # A time limit counts only with its unit: "7" alone does not tell a citizen how long to wait.
    if not any(c.value is not None and c.unit for c in facts.channels):
        missing.append(Component.TIME_LIMIT)
    if not any(a.strip() for a in facts.applicants):
        missing.append(Component.APPLICANTS)
    if not facts.agency.strip():
        missing.append(Component.AGENCY)
    return missing


def in_working_hours(value: Decimal, unit: str) -> Decimal | None:
    """A limit or budget in working hours, or None when the unit cannot be compared (days, months)."""
    if unit == "working_hours":
        return value
    if unit == "working_days":
        # 0 working days is a same-day procedure: settled within the day of receipt.
        return HOURS_PER_WORKING_DAY if value == 0 else value * HOURS_PER_WORKING_DAY
    return None


@dataclass(frozen=True, slots=True)
class StepBudget:
    name: str
    value: Decimal
    unit: str
    parallel_with_previous: bool = False


@dataclass(frozen=True, slots=True)
class BudgetProblem:
    code: str
    message: str


def budget_problems(steps: tuple[StepBudget, ...], limits: tuple[ChannelLimit, ...]) -> list[BudgetProblem]:
    """Why the step budgets do not fit the legal time limits of the channels the flow serves."""
    problems: list[BudgetProblem] = []
    if not steps:
        return [BudgetProblem("flow_empty", str(_("A processing flow needs at least one step.")))]
    # Steps run one after another, except a step marked parallel, which runs alongside the one
    # before it: the total is the sum, over runs of parallel steps, of the longest step of each run.
    total = Decimal(0)
    run_longest = Decimal(0)
    for step in steps:
        hours = in_working_hours(step.value, step.unit)
        if hours is None or hours <= 0:
            problems.append(
                BudgetProblem(
                    "step_budget_invalid",
                    str(_("Step “%(step)s” needs a positive budget in working hours or days.") % {"step": step.name}),
                )
            )
            continue
        if step.parallel_with_previous:
            total += max(Decimal(0), hours - run_longest)
            run_longest = max(run_longest, hours)
        else:
            total += hours
            run_longest = hours
    for limit in limits:
        if limit.value is None or not limit.unit:
            problems.append(
                BudgetProblem(
                    "limit_unknown",
                    str(
                        _("The time limit of the %(channel)s channel has no known unit: budgets cannot be checked.")
                        % {"channel": limit.channel}
                    ),
                )
            )
            continue
        legal = in_working_hours(limit.value, limit.unit)
        if legal is None:
            continue  # calendar days or months: checked when a dossier is scheduled, not here
        if total > legal:
            problems.append(
                BudgetProblem(
                    "budget_exceeds_limit",
                    str(
                        _(
                            "The steps take %(total)s working hours but the %(channel)s channel's time limit "
                            "is %(legal)s working hours."
                        )
                        % {"total": _fmt(total), "channel": limit.channel, "legal": _fmt(legal)}
                    ),
                )
            )
    return problems


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass(frozen=True, slots=True)
class DefaultStep:
    name: str
    role: str
    unit: str
    share: Decimal


# The usual one-stop shape (Nghị định 118/2025/NĐ-CP: receive at the one-stop unit, hand over to
# the specialist unit, approval, signature, issue, return). Shares of the legal limit.
STANDARD_SHAPE: tuple[DefaultStep, ...] = (
    DefaultStep("Tiếp nhận hồ sơ", "receiving_officer", "Bộ phận Một cửa", Decimal("0.05")),
    DefaultStep("Thẩm định hồ sơ", "specialist", "Phòng chuyên môn", Decimal("0.55")),
    DefaultStep("Lãnh đạo phòng xem xét", "unit_leader", "Phòng chuyên môn", Decimal("0.15")),
    DefaultStep("Lãnh đạo cơ quan phê duyệt, ký", "agency_leader", "Lãnh đạo cơ quan", Decimal("0.15")),
    DefaultStep("Văn thư vào sổ, đóng dấu, phát hành", "clerk", "Văn thư", Decimal("0.05")),
    DefaultStep("Trả kết quả", "returning_officer", "Bộ phận Một cửa", Decimal("0.05")),
)
# Short limits (one working day or less): a commune's civil-status shape.
SHORT_SHAPE: tuple[DefaultStep, ...] = (
    DefaultStep("Tiếp nhận hồ sơ", "receiving_officer", "Bộ phận Một cửa", Decimal("0.10")),
    DefaultStep("Thẩm định, trình ký", "specialist", "Công chức chuyên môn", Decimal("0.50")),
    DefaultStep("Lãnh đạo ký", "agency_leader", "Lãnh đạo cơ quan", Decimal("0.25")),
    DefaultStep("Trả kết quả", "returning_officer", "Bộ phận Một cửa", Decimal("0.15")),
)
_QUARTER = Decimal("0.25")


def default_flow(legal_hours: Decimal) -> list[tuple[DefaultStep, Decimal]]:
    """Budgets in working hours for the shape that suits `legal_hours`, summing to at most the limit.

    Each budget is the step's share rounded down to a quarter hour (at least a quarter hour); what
    rounding leaves over goes to the appraisal step, which is where time is actually spent.
    """
    shape = SHORT_SHAPE if legal_hours <= HOURS_PER_WORKING_DAY else STANDARD_SHAPE
    if legal_hours < _QUARTER * len(shape):
        raise ValueError(f"a time limit of {legal_hours} working hours is too short for a {len(shape)}-step flow")
    budgets = [
        max(_QUARTER, (legal_hours * step.share / _QUARTER).to_integral_value(rounding=ROUND_FLOOR) * _QUARTER)
        for step in shape
    ]
    appraisal = 1
    budgets[appraisal] += legal_hours - sum(budgets)
    return [(step, budget) for step, budget in zip(shape, budgets, strict=True)]
