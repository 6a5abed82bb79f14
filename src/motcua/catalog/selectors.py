"""Reads of the procedure catalogue: the version in force, a version by number or date, listings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from motcua.catalog.models import ChannelOption, Field, Procedure, ProcedureVersion
from motcua.core import clock
from motcua.core.errors import NotFound
from motcua.core.memo import ProcessCache
from motcua.core.text import fold

# Versions that were at some time the law (drafts never were).
_ONCE_IN_FORCE = (
    ProcedureVersion.Status.PUBLISHED,
    ProcedureVersion.Status.AMENDED,
    ProcedureVersion.Status.ABOLISHED,
)


def _with_children(queryset: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    return queryset.select_related("procedure").prefetch_related(
        "fields",
        Prefetch("channels", queryset=ChannelOption.objects.prefetch_related("fees").order_by("order")),
        "documents",
        "legal_basis",
        "results",
        "flows__steps",
    )


def version_in_force(*, code: str, at: date | None = None, children: bool = True) -> ProcedureVersion:
    """The version of procedure `code` in force on `at` (today by default): what a dossier pins.

    `children=False` loads only the version, its procedure and its channels: what a submission
    needs, in two queries instead of eight.
    Raises NotFound when the procedure does not exist or no version was in force that day.
    """
    day = at or clock.today()
    versions = ProcedureVersion.objects.filter(procedure__code=code, status__in=_ONCE_IN_FORCE).filter(
        Q(effective_from__isnull=True) | Q(effective_from__lte=day),
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
    )
    versions = (
        _with_children(versions)
        if children
        else versions.select_related("procedure").prefetch_related(
            Prefetch("channels", queryset=ChannelOption.objects.order_by("order"))
        )
    )
    version = versions.order_by("-number").first()
    if version is None:
        if not Procedure.objects.filter(code=code).exists():
            raise NotFound(_("There is no procedure with the code %(code)s.") % {"code": code}, field="code")
        raise NotFound(
            _("Procedure %(code)s had no version in force on %(day)s.")
            % {"code": code, "day": day.strftime("%d/%m/%Y")},
            field="at",
        )
    return version


# Every submission pins the version in force of its procedure; versions are published a few times a
# year, usually with an effective date ahead. Kept per process and per day (core.memo), forgotten
# when this process saves a procedure, version or channel (catalog.apps) and after a minute anyway.
_in_force: ProcessCache[tuple[str, date], ProcedureVersion] = ProcessCache("versions in force")


def version_in_force_cached(*, code: str, at: date | None = None) -> ProcedureVersion:
    """version_in_force(children=False) from the per-process cache: for the hot paths that only
    read it (validating and creating a submission). Raises NotFound (never cached)."""
    day = at or clock.today()
    return _in_force.get((code, day), lambda: version_in_force(code=code, at=day, children=False))


def version_cache_clear(**_kwargs: object) -> None:
    _in_force.clear()


def version_get(*, code: str, number: int) -> ProcedureVersion:
    version = _with_children(ProcedureVersion.objects.filter(procedure__code=code, number=number)).first()
    if version is None:
        raise NotFound(
            _("Procedure %(code)s has no version %(number)s.") % {"code": code, "number": number}, field="version"
        )
    return version


def versions_of(*, code: str) -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(procedure__code=code).order_by("number")


def procedures_published() -> QuerySet[Procedure]:
    """Procedures with a version in force, for the public catalogue."""
    return Procedure.objects.filter(is_abolished=False, versions__status=ProcedureVersion.Status.PUBLISHED).distinct()


def versions_in_force_on(*, day: date) -> QuerySet[ProcedureVersion]:
    """Versions in force on `day`, at most one per procedure: the rule of `version_in_force`, for lists."""
    return ProcedureVersion.objects.filter(status__in=_ONCE_IN_FORCE).filter(
        Q(effective_from__isnull=True) | Q(effective_from__lte=day),
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
    )


def versions_in_force_for(*, procedures: Sequence[Procedure], day: date) -> dict[int, ProcedureVersion]:
    """The version in force on `day` of each of `procedures` (one page of a list), by procedure id.

    With what a list shows (fields, channels with their fees) in five queries whatever the page
    size. A procedure without a version in force that day is left out. The API, which needs no
    model instances, reads `procedure_summaries` instead: five times faster.
    """
    versions = (
        versions_in_force_on(day=day)
        .filter(procedure__in=[p.pk for p in procedures])
        .select_related("procedure")
        # What lists show: the imported portal record alone can be tens of kilobytes.
        .only(
            "procedure__code",
            "procedure__name",
            "number",
            "status",
            "name",
            "levels",
            "levels_text",
            "online_level",
            "effective_from",
            "effective_to",
        )
        .prefetch_related(
            "fields",
            Prefetch("channels", queryset=ChannelOption.objects.prefetch_related("fees").order_by("order")),
        )
        .order_by("procedure_id", "-number")
    )
    current: dict[int, ProcedureVersion] = {}
    for version in versions:
        current.setdefault(version.procedure_id, version)
    return current


class FeeSummary(TypedDict):
    amount_vnd: int | None
    amount: Decimal | None
    currency: str
    is_free: bool
    understood: bool
    text: str


class ChannelSummary(TypedDict):
    channel: str
    time_limit_value: Decimal | None
    time_limit_unit: str
    time_limit_text: str
    fees: list[FeeSummary]


class ProcedureSummary(TypedDict):
    """What a list of procedures shows of one, from its version in force."""

    code: str
    name: str
    version: int
    fields: list[str]
    levels: list[str]
    online_level: str
    channels: list[ChannelSummary]


def procedure_summaries(*, procedures: Sequence[Procedure], day: date) -> dict[int, ProcedureSummary]:
    """The summary of each of `procedures` (one page of a list) from its version in force on `day`.

    By procedure id; a procedure without a version in force that day is left out. Two queries
    whatever the page size, reading values rather than model instances: a page of the API is
    built in about a millisecond, where prefetching models took five.
    """
    # One row per field of each version (a version has one or two).
    versions = (
        versions_in_force_on(day=day)
        .filter(procedure__in=[p.pk for p in procedures])
        .order_by("procedure_id", "-number", "fields__name")
        .values_list(
            "pk", "procedure_id", "procedure__code", "name", "number", "levels", "online_level", "fields__name"
        )
    )
    summaries: dict[int, ProcedureSummary] = {}
    by_version: dict[int, ProcedureSummary] = {}
    for pk, procedure_id, code, name, number, levels, online_level, field_name in versions:
        summary = by_version.get(pk)
        if summary is None:
            if procedure_id in summaries:
                continue  # an older version also in force: version_in_force takes the highest number
            summary = {
                "code": code,
                "name": name,
                "version": number,
                "fields": [],
                "levels": list(levels),
                "online_level": online_level,
                "channels": [],
            }
            summaries[procedure_id] = by_version[pk] = summary
        if field_name is not None:
            summary["fields"].append(field_name)
    # One row per fee of each channel, and one for a channel without fees.
    options = (
        ChannelOption.objects.filter(version_id__in=by_version)
        .order_by("version_id", "order", "fees__order")
        .values_list(
            "pk",
            "version_id",
            "channel",
            "time_limit_value",
            "time_limit_unit",
            "time_limit_text",
            "fees__pk",
            "fees__amount_vnd",
            "fees__amount",
            "fees__currency",
            "fees__is_free",
            "fees__understood",
            "fees__text",
        )
    )
    channels: dict[int, ChannelSummary] = {}
    for row in options:
        pk, version_id, channel, value, unit, text, fee = row[:7]
        option = channels.get(pk)
        if option is None:
            option = channels[pk] = {
                "channel": channel,
                "time_limit_value": value,
                "time_limit_unit": unit,
                "time_limit_text": text,
                "fees": [],
            }
            by_version[version_id]["channels"].append(option)
        if fee is not None:
            amount_vnd, amount, currency, is_free, understood, fee_text = row[7:]
            option["fees"].append(
                {
                    "amount_vnd": amount_vnd,
                    "amount": amount,
                    "currency": currency,
                    "is_free": is_free,
                    "understood": understood,
                    "text": fee_text,
                }
            )
    return summaries


def version_get_public(*, code: str, number: int) -> ProcedureVersion:
    """Version `number` of procedure `code` if it was ever published: drafts are not public.

    Raises NotFound naming `code` when there is no such procedure, else `version`.
    """
    version = _with_children(
        ProcedureVersion.objects.filter(procedure__code=code, number=number, status__in=_ONCE_IN_FORCE)
    ).first()
    if version is None:
        if not Procedure.objects.filter(code=code).exists():
            raise NotFound(_("There is no procedure with the code %(code)s.") % {"code": code}, field="code")
        raise NotFound(
            _("Procedure %(code)s has no version %(number)s.") % {"code": code, "number": number}, field="version"
        )
    return version


def field_find(*, value: str) -> Field | None:
    """A field by its id, its code or its name (case and diacritics ignored), or None."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        by_id = Field.objects.filter(pk=int(value)).first()
        if by_id is not None:
            return by_id
    return (
        Field.objects.filter(code=value).exclude(code="").first()
        or Field.objects.filter(name_folded=fold(value)).first()
    )
