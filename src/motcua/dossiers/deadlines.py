"""Due moments of a dossier, recomputed from their inputs and explained.

Legal basis (domain §2.6): the clock starts at the receipt of a complete dossier; a same-day
procedure received after the afternoon cut-off counts from the next working day; the time the
applicant spends supplementing is excluded (end = end_raw − (supplement_done − supplement_requested),
counted here in working time); an apology and new appointment do not move the statutory due moment
(a late dossier stays late, Nghị quyết 131/NQ-CP). Inter-agency steps have their own budgets.

Nothing here reads the database: the inputs are data, so a due date can always be recomputed (after a
holiday change) and explained ("received Friday 16:20, counted from Monday; 3 working days; paused
2 working days for a supplement; Tết not counted").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from motcua.calendars.engine import DueDate, Unit, WorkingCalendar
from motcua.calendars.explain import explanation_lines, format_moment, not_counted_lines
from motcua.core.errors import DomainError

_UNITS = {
    "working_days": Unit.WORKING_DAYS,
    "working_hours": Unit.WORKING_HOURS,
    "days": Unit.CALENDAR_DAYS,
    "months": Unit.MONTHS,
}


class TimeLimitUnknown(DomainError):
    code = "time_limit_unknown"


@dataclass(frozen=True, slots=True)
class Pause:
    started_at: datetime
    ended_at: datetime | None  # None: the clock is still stopped


@dataclass(frozen=True, slots=True)
class DeadlineInputs:
    received_at: datetime
    amount: Decimal | None
    unit: str  # a catalog TimeUnit value
    cutoff: time | None
    pauses: tuple[Pause, ...] = ()


@dataclass(frozen=True, slots=True)
class Deadline:
    due_at: datetime | None  # None while the clock is stopped
    statutory: DueDate  # the due moment before pauses
    paused: timedelta  # working time excluded
    open_pause_since: datetime | None
    extension: DueDate | None = None  # the statutory due moment moved by the paused working time
    unit_by_default: bool = False  # the procedure gave a number without a unit: working days by law

    def lines(self) -> list[str]:
        """The explanation in the active language: the calendar's, then the pauses."""
        lines: list[str] = []
        if self.unit_by_default:
            lines.append(
                _(
                    "The procedure states its time limit without a unit: it is counted in working days, "
                    "as the law provides when no unit is stated."
                )
            )
        lines += explanation_lines(self.statutory.explanation)[:-1]
        if self.paused:
            hours = self.paused.total_seconds() / 3600
            lines.append(
                _("The clock stood still for %(hours)s working hours while the applicant supplemented the dossier.")
                % {"hours": f"{hours:g}"}
            )
        if self.extension is not None:
            lines += not_counted_lines(self.extension.explanation)
        if self.open_pause_since is not None:
            lines.append(
                _("The clock has stood still since %(moment)s, waiting for the applicant's supplement.")
                % {"moment": format_moment(self.open_pause_since.astimezone(self.statutory.calendar.tz))}
            )
        elif self.due_at is not None:
            lines.append(
                _("Due: %(moment)s.") % {"moment": format_moment(self.due_at.astimezone(self.statutory.calendar.tz))}
            )
        return lines


def compute(calendar: WorkingCalendar, inputs: DeadlineInputs) -> Deadline:
    """The due moment of a dossier: the statutory limit from receipt, then each closed pause added
    back in working time; None while a pause is open. Raises TimeLimitUnknown when the procedure
    states no time limit, or one in a unit we do not know.

    A number without a unit (many portal records say just "1") counts in working days: time limits
    of administrative procedures are in working days unless the procedure states hours, calendar days
    or months (domain §2.6; Nghị định 63/2010/NĐ-CP as amended by 92/2017/NĐ-CP, and the 766 formula,
    which reads the unit `DonViTinh` with working days as its default). The catalogue keeps the unit
    as unknown (catalog UnitSource.UNKNOWN) so that an operator can still state it."""
    by_default = inputs.amount is not None and not inputs.unit
    unit = Unit.WORKING_DAYS if by_default else _UNITS.get(inputs.unit)
    if inputs.amount is None or unit is None:
        raise TimeLimitUnknown(
            _("The time limit of this procedure is not known; an operator must complete it in the catalogue.")
        )
    statutory = calendar.add(inputs.received_at, float(inputs.amount), unit, cutoff=inputs.cutoff)
    paused = timedelta(0)
    open_since: datetime | None = None
    for pause in inputs.pauses:
        if pause.ended_at is None:
            open_since = pause.started_at
            continue
        paused += calendar.working_time_between(pause.started_at, pause.ended_at)
    if open_since is not None:
        return Deadline(None, statutory, paused, open_since, unit_by_default=by_default)
    if not paused:
        return Deadline(statutory.due_at, statutory, paused, None, unit_by_default=by_default)
    extension = calendar.add_working_hours(statutory.due_at, paused.total_seconds() / 3600)
    return Deadline(extension.due_at, statutory, paused, None, extension, unit_by_default=by_default)


def step_due(calendar: WorkingCalendar, *, started_at: datetime, budget: Decimal, unit: str) -> datetime:
    """The due moment of a step of handling (its budget in working hours or days)."""
    if unit == "working_days":
        return calendar.add_working_days(started_at, int(budget)).due_at
    return calendar.add_working_hours(started_at, float(budget)).due_at
