"""Explanations of due dates in words, for citizens and officers, in the active language.

"Received Friday 13/02/2026 at 16:20; counted from then; 3 working days; skipped: 14/02–22/02/2026
Tết...; due Wednesday 25/02/2026 at 16:20."
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from motcua.calendars.engine import DayKind, DayStatus, Explanation, Label, Shift, Unit, group_consecutive

_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _is_vi() -> bool:
    return (translation.get_language() or "vi").startswith("vi")


def weekday_name(day: date) -> str:
    return (_WEEKDAYS_VI if _is_vi() else _WEEKDAYS_EN)[day.weekday()]


def format_day(day: date) -> str:
    return f"{weekday_name(day)} {day:%d/%m/%Y}"


def format_moment(moment: datetime) -> str:
    # "Thứ Sáu 13/02/2026 16:20": the form used on one-stop slips, in both languages.
    return f"{format_day(moment.date())} {moment:%H:%M}"


def label_text(label: Label | None) -> str:
    if label is None:
        return ""
    return label.vi if _is_vi() else label.en


def day_reason(status: DayStatus) -> str:
    if status.kind is DayKind.WEEKEND:
        return _("weekly rest day")
    if status.kind is DayKind.HOLIDAY:
        return _("public holiday: %(name)s") % {"name": label_text(status.label)}
    if status.kind is DayKind.DAY_OFF:
        return _("day off by decision: %(name)s") % {"name": label_text(status.label)}
    if status.kind is DayKind.WORKING_WEEKEND:
        return _("working day by decision: %(name)s") % {"name": label_text(status.label)}
    return _("working day")


def amount_text(unit: Unit, amount: float) -> str:
    whole = int(amount)
    shown = str(whole) if whole == amount else f"{amount:g}"
    if unit is Unit.WORKING_DAYS:
        return ngettext("%(n)s working day", "%(n)s working days", whole) % {"n": shown}
    if unit is Unit.WORKING_HOURS:
        return ngettext("%(n)s working hour", "%(n)s working hours", whole) % {"n": shown}
    if unit is Unit.CALENDAR_DAYS:
        return ngettext("%(n)s day", "%(n)s days", whole) % {"n": shown}
    return ngettext("%(n)s month", "%(n)s months", whole) % {"n": shown}


def _shift_text(explanation: Explanation) -> str:
    shift = explanation.shift
    counted = format_moment(explanation.counted_from)
    if shift is Shift.NONE:
        return _("counted from the moment of receipt")
    if shift is Shift.AFTER_CUTOFF:
        return _("received after the afternoon cut-off, counted from %(moment)s") % {"moment": counted}
    if shift is Shift.NON_WORKING_DAY:
        return _("received on a non-working day (%(reason)s), counted from %(moment)s") % {
            "reason": day_reason(explanation.received_day),
            "moment": counted,
        }
    if shift is Shift.BEFORE_OPENING:
        return _("received before opening hours, counted from %(moment)s") % {"moment": counted}
    if shift is Shift.BREAK:
        return _("received during the midday break, counted from %(moment)s") % {"moment": counted}
    return _("received after closing hours, counted from %(moment)s") % {"moment": counted}


@dataclass(frozen=True, slots=True)
class SkippedRun:
    first: date
    last: date
    reason: str
    kind: str


def skipped_runs(explanation: Explanation) -> list[SkippedRun]:
    return [
        SkippedRun(group[0].day, group[-1].day, day_reason(group[0]), group[0].kind.value)
        for group in group_consecutive(explanation.skipped)
    ]


def not_counted_lines(explanation: Explanation) -> list[str]:
    """One sentence per run of days not counted, e.g. "Not counted: 16/02–20/02/2026 (public holiday: …)"."""
    lines = []
    for run in skipped_runs(explanation):
        span = format_day(run.first) if run.first == run.last else f"{run.first:%d/%m}–{run.last:%d/%m/%Y}"
        lines.append(_("Not counted: %(span)s (%(reason)s).") % {"span": span, "reason": run.reason})
    return lines


def explanation_lines(explanation: Explanation) -> list[str]:
    """The explanation as short sentences, in the active language."""
    lines = [
        _("Received %(moment)s.") % {"moment": format_moment(explanation.received_at)},
        capfirst(_shift_text(explanation)) + ".",
        _("Time limit: %(amount)s.") % {"amount": amount_text(explanation.unit, explanation.amount)},
    ]
    lines += not_counted_lines(explanation)
    for status in explanation.extra_working_days:
        lines.append(
            _("Counted: %(day)s (%(reason)s).") % {"day": format_day(status.day), "reason": day_reason(status)}
        )
    lines.append(_("Due: %(moment)s.") % {"moment": format_moment(explanation.due_at)})
    return lines


def explanation_as_dict(explanation: Explanation) -> dict[str, Any]:
    """A JSON-ready form of the explanation, used by the API and the pages."""
    return {
        "received_at": explanation.received_at.isoformat(),
        "counted_from": explanation.counted_from.isoformat(),
        "shift": explanation.shift.value,
        "unit": explanation.unit.value,
        "amount": explanation.amount,
        "due_at": explanation.due_at.isoformat(),
        "skipped_days": [
            {
                "date": s.day.isoformat(),
                "kind": s.kind.value,
                "name": label_text(s.label),
                "reason": day_reason(s),
            }
            for s in explanation.skipped
        ],
        "extra_working_days": [
            {"date": s.day.isoformat(), "kind": s.kind.value, "name": label_text(s.label)}
            for s in explanation.extra_working_days
        ],
        "text": explanation_lines(explanation),
    }
