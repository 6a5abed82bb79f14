"""Small presentational helpers for the citizen pages: money, quantities and time limits in words.

Functions of their arguments and the active language, with no query of their own: the views hand
them catalogue rows (relations prefetched by catalog.selectors), the compiled calendar and the
current moment, so tests can pin all three.
Vietnamese is the default language of every page; English is the second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from motcua.calendars.engine import OutOfRange, Unit, WorkingCalendar
from motcua.calendars.explain import amount_text, format_day, format_moment
from motcua.catalog.models import (
    ChannelOption,
    DocumentRequirement,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    UnitSource,
)
from motcua.catalog.rules import in_working_hours
from motcua.core.text import fold


def _is_vi() -> bool:
    return (translation.get_language() or "vi").startswith("vi")


def group_thousands(number: int) -> str:
    """12345678 → "12.345.678" in Vietnamese (the dot groups thousands), "12,345,678" in English."""
    grouped = f"{number:,}"
    return grouped.replace(",", ".") if _is_vi() else grouped


def format_vnd(amount: int) -> str:
    """An amount in Vietnamese đồng: "10.000 đồng" (Vietnamese), "10,000 dong" (English)."""
    return _("%(amount)s dong") % {"amount": group_thousands(amount)}


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee of a channel: `amount` in words, `note` the published text when it says more."""

    amount: str
    note: str


def fee_line(*, amount_vnd: int | None, is_free: bool, understood: bool, text: str) -> FeeLine:
    """A fee as a citizen reads it. An amount of 0 or the free flag is "Miễn phí" (free of charge)."""
    text = text.strip()
    if is_free or amount_vnd == 0:
        amount = _("Free of charge")
    elif amount_vnd is not None and understood:
        amount = format_vnd(amount_vnd)
    else:
        # A rate or a text the importer could not read as one amount: show it as published.
        return FeeLine(text or _("The fee is not stated."), "")
    return FeeLine(amount, text if _says_more(text) else "")


# Words a published fee text may hold besides the amount itself ("10.000 đồng", "Miễn phí", "Không").
_AMOUNT_ONLY = re.compile(r"[\d.,:;()/\s-]+|\b(?:vnd|vnđ|dong|mien phi|khong thu|khong|free|le phi|phi)\b")


def _says_more(text: str) -> bool:
    """Whether a published fee text says more than the amount shown (e.g. "10.000 đồng/bản sao")."""
    return bool(_AMOUNT_ONLY.sub("", fold(text)))


def fee_lines(fees: list[FeeLine]) -> list[FeeLine]:
    """The fees of a channel; none stated reads as "no fee stated", not as free."""
    return fees or [FeeLine(_("No fee is stated for this channel."), "")]


def quantity_words(*, originals: int | None, copies: int | None, published: str = "") -> str:
    """How many papers to bring: "1 bản chính, 1 bản sao" / "1 original, 1 copy"; else as published."""
    parts = []
    if originals:
        parts.append(ngettext("%(n)s original", "%(n)s originals", originals) % {"n": originals})
    if copies:
        parts.append(ngettext("%(n)s copy", "%(n)s copies", copies) % {"n": copies})
    if parts:
        return ", ".join(parts)
    return published.strip()


# Catalogue units (catalog.models.TimeUnit values) the working-day calendar can count.
_CALENDAR_UNITS: dict[str, Unit] = {
    "working_days": Unit.WORKING_DAYS,
    "working_hours": Unit.WORKING_HOURS,
    "days": Unit.CALENDAR_DAYS,
    "months": Unit.MONTHS,
}


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if _is_vi() else text


def amount_words(value: Decimal, unit: str) -> str:
    """A time limit in words, "7 ngày làm việc" / "7 working days"; "" for an unknown unit."""
    if unit == "working_days" and value == 0:
        return _("the same working day")
    if unit in _CALENDAR_UNITS and value == value.to_integral_value():
        return amount_text(_CALENDAR_UNITS[unit], int(value))
    shown = _number(value)
    count = int(value) if value == value.to_integral_value() else 2  # a fraction reads as plural
    if unit == "working_days":
        return ngettext("%(n)s working day", "%(n)s working days", count) % {"n": shown}
    if unit == "working_hours":
        return ngettext("%(n)s working hour", "%(n)s working hours", count) % {"n": shown}
    if unit == "hours":
        return ngettext("%(n)s hour", "%(n)s hours", count) % {"n": shown}
    if unit == "days":
        return ngettext("%(n)s day", "%(n)s days", count) % {"n": shown}
    if unit == "months":
        return ngettext("%(n)s month", "%(n)s months", count) % {"n": shown}
    if unit == "years":
        return ngettext("%(n)s year", "%(n)s years", count) % {"n": shown}
    return ""


def time_limit_words(*, value: Decimal | None, unit: str, published: str) -> str:
    """The time limit of a channel in plain words, never inventing a unit the catalogue lacks."""
    published = published.strip()
    if value is None:
        return published or _("No time limit is stated.")
    words = amount_words(value, unit)
    if words:
        return words
    return _("%(published)s (as published; the unit, days or hours, is not stated)") % {
        "published": published or _number(value)
    }


def _due(
    calendar: WorkingCalendar, now: datetime, value: Decimal, unit: str, cutoff: time | None
) -> tuple[datetime, bool] | None:
    """The due moment and whether its time of day matters, or None when it cannot be computed."""
    if unit == "years" and value == value.to_integral_value():
        return calendar.add(now, int(value) * 12, Unit.MONTHS).due_at, False
    calendar_unit = _CALENDAR_UNITS.get(unit)
    if calendar_unit is None:
        return None  # unknown unit, or plain hours that the working-day calendar does not count
    if calendar_unit is Unit.WORKING_DAYS and value != value.to_integral_value():
        hours = in_working_hours(value, unit)
        assert hours is not None
        return calendar.add(now, float(hours), Unit.WORKING_HOURS, cutoff=cutoff).due_at, True
    if calendar_unit in (Unit.CALENDAR_DAYS, Unit.MONTHS) and value != value.to_integral_value():
        return None
    due = calendar.add(now, float(value), calendar_unit, cutoff=cutoff)
    return due.due_at, calendar_unit is Unit.WORKING_HOURS


def due_sentence(
    *,
    calendar: WorkingCalendar,
    now: datetime,
    value: Decimal | None,
    unit: str,
    cutoff: time | None = None,
) -> str:
    """The estimate in one sentence.

    "Khoảng 7 ngày làm việc: nếu nộp hôm nay, dự kiến có kết quả vào Thứ Năm 10/12/2026."

    Counted with `calendar` from `now` as the moment of receipt; "" when the limit or its unit is
    unknown or the date falls outside the calendar's years. An estimate only: the statutory due
    date is the one on the receipt the agency issues.
    """
    if value is None or not unit:
        return ""
    try:
        computed = _due(calendar, now, value, unit, cutoff)
    except (OutOfRange, ValueError):
        return ""
    if computed is None:
        return ""
    due_at, with_time = computed
    when = format_moment(due_at) if with_time else format_day(due_at.date())
    if unit == "working_days" and value == 0:
        return _("Within the working day: if you submit today, you can expect the result on %(day)s.") % {"day": when}
    return _("About %(amount)s: if you submit today, you can expect the result on %(day)s.") % {
        "amount": amount_words(value, unit),
        "day": when,
    }


def cutoff_note(cutoff: time | None) -> str:
    """The afternoon cut-off of a same-day procedure, in words; "" without one."""
    if cutoff is None:
        return ""
    return _("Dossiers received after %(time)s are counted from the next working day.") % {
        "time": cutoff.strftime("%H:%M")
    }


# -- a procedure version as the pages show it ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelSummary:
    """One way of submitting (in person, online, by post) with its time limit and fees."""

    channel: str
    label: str
    time_limit: str
    estimate: str
    description: str
    fees: list[FeeLine]


def channel_summary(
    option: ChannelOption, *, calendar: WorkingCalendar | None, now: datetime, cutoff: time | None
) -> ChannelSummary:
    """`option` with its fees prefetched (catalog.selectors does); no estimate without `calendar`."""
    estimate = (
        due_sentence(calendar=calendar, now=now, value=option.time_limit_value, unit=_known_unit(option), cutoff=cutoff)
        if calendar is not None
        else ""
    )
    return ChannelSummary(
        channel=option.channel,
        label=option.get_channel_display(),
        time_limit=time_limit_words(
            value=option.time_limit_value, unit=_known_unit(option), published=option.time_limit_text
        ),
        estimate=estimate,
        description=option.description.strip(),
        fees=fee_lines(
            [
                fee_line(amount_vnd=f.amount_vnd, is_free=f.is_free, understood=f.understood, text=f.text)
                for f in option.fees.all()
            ]
        ),
    )


def _known_unit(option: ChannelOption) -> str:
    # A unit the importer guessed for a bare number ("unknown") is not shown as if it were stated.
    if option.time_limit_source in (UnitSource.UNKNOWN, UnitSource.ABSENT):
        return ""
    return option.time_limit_unit


def channel_limits_short(options: Iterable[ChannelOption]) -> list[tuple[str, str]]:
    """(channel label, time limit in words) per channel, for the result list."""
    return [
        (
            o.get_channel_display(),
            time_limit_words(value=o.time_limit_value, unit=_known_unit(o), published=o.time_limit_text),
        )
        for o in options
    ]


@dataclass(frozen=True, slots=True)
class DocumentItem:
    name: str
    quantity: str
    templates: list[str]
    is_required: bool
    reusable_from_data: bool


@dataclass(frozen=True, slots=True)
class DocumentGroup:
    """The documents of one case ("" when they apply in every case)."""

    case: str
    documents: list[DocumentItem]


def document_groups(documents: Iterable[DocumentRequirement]) -> list[DocumentGroup]:
    """Documents grouped by case in their published order; the group of every case comes first."""
    groups: dict[str, list[DocumentItem]] = {}
    for d in documents:
        groups.setdefault(d.case_name.strip(), []).append(
            DocumentItem(
                name=d.name.strip(),
                quantity=quantity_words(originals=d.originals, copies=d.copies, published=d.quantity_text),
                templates=[str(t) for t in d.templates if str(t).strip()],
                is_required=d.is_required,
                reusable_from_data=d.reusable_from_data,
            )
        )
    ordered = sorted(groups.items(), key=lambda item: item[0] != "")  # stable: cases keep their order
    return [DocumentGroup(case, items) for case, items in ordered]


def level_labels(codes: Iterable[str], published: str = "") -> list[str]:
    """Level codes in words ("Cấp xã" …); the published text when no code is known."""
    labels = [str(Level(code).label) for code in codes if code in Level.values]
    return labels or ([published.strip()] if published.strip() else [])


def online_level_text(level: str) -> str:
    """What the online service level means for the citizen, in one sentence."""
    if level == OnlineLevel.FULL:
        return _("You can submit the dossier, pay and receive the result online.")
    if level == OnlineLevel.PARTIAL:
        return _("You can submit the dossier online; some steps still happen in person.")
    return _("This procedure cannot be carried out online.")


def validity_text(*, number: int, effective_from: date | None, effective_to: date | None) -> str:
    """ "Version 2, in force from 01/07/2025" (with "until …" when it has an end)."""
    if effective_from and effective_to:
        return _("Version %(number)s, in force from %(start)s to %(end)s") % {
            "number": number,
            "start": f"{effective_from:%d/%m/%Y}",
            "end": f"{effective_to:%d/%m/%Y}",
        }
    if effective_from:
        return _("Version %(number)s, in force from %(start)s") % {
            "number": number,
            "start": f"{effective_from:%d/%m/%Y}",
        }
    if effective_to:
        # A first version imported from the national database: its start was not published.
        return _("Version %(number)s, in force until %(end)s") % {"number": number, "end": f"{effective_to:%d/%m/%Y}"}
    return _("Version %(number)s") % {"number": number}


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One procedure in the result list."""

    code: str
    name: str
    fields: list[str]
    levels: list[str]
    online_level: str
    online_level_label: str
    time_limits: list[tuple[str, str]]


def result_row(procedure: Procedure, version: ProcedureVersion | None) -> ResultRow:
    """`version` (in force, with fields and channels prefetched) as a row; the bare procedure without one."""
    if version is None:
        return ResultRow(procedure.code, procedure.name, [], [], "", "", [])
    return ResultRow(
        code=procedure.code,
        name=version.name or procedure.name,
        fields=[f.name for f in version.fields.all()],
        levels=level_labels(version.levels, version.levels_text),
        online_level=version.online_level,
        online_level_label=version.get_online_level_display(),
        time_limits=channel_limits_short(version.channels.all()),
    )
