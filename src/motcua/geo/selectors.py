"""Reads of administrative units.

"Today" is the local date in the project's time zone (Asia/Ho_Chi_Minh), taken from core.clock so
tests can freeze it.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from motcua.core import clock
from motcua.core.errors import NotFound
from motcua.core.text import fold
from motcua.geo.models import AdministrativeUnit, UnitLevel, UnitSuccession

# Successions chain across reforms; a chain longer than this is a data error (a cycle).
_MAX_SUCCESSION_DEPTH = 10


def today() -> date:
    return clock.today()


def valid_on(day: date, prefix: str = "") -> Q:
    """Units in force on `day` (both bounds inclusive; an empty bound is open)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def unit_get(*, code: str, level: UnitLevel | str, at: date | None = None) -> AdministrativeUnit:
    """The unit with this code and level in force on `at` (default: today). Raises NotFound."""
    day = at or today()
    unit = (
        AdministrativeUnit.objects.filter(valid_on(day), code=code, level=level)
        .select_related("parent")
        .order_by("-valid_from")
        .first()
    )
    if unit is None:
        raise NotFound(
            _("No administrative unit with code %(code)s at this level on %(day)s.") % {"code": code, "day": day},
            field="code",
        )
    return unit


def unit_resolve_current(*, code: str, level: UnitLevel | str, at: date | None = None) -> list[AdministrativeUnit]:
    """The units in force today that stand for `code`: itself if current, else its successors.

    The 2025 reform reused codes, so a bare code is ambiguous: by default a code still in force
    wins (it resolves to itself), otherwise the latest unit that had the code is followed through
    its successions. Pass `at`, the date on which the code was recorded (e.g. a dossier's receipt
    date), to resolve the unit of that day instead. A pre-2025 district resolves to the communes its
    communes became. Returns [] for a known unit with no known successor; raises NotFound for an
    unknown code.
    """
    day = today()
    if at is not None:
        start = unit_get(code=code, level=level, at=at)
    else:
        units = AdministrativeUnit.objects.filter(code=code, level=level)
        start_or_none = units.filter(valid_on(day)).first() or units.order_by("-valid_to", "-valid_from").first()
        if start_or_none is None:
            raise NotFound(_("No administrative unit with code %(code)s at this level.") % {"code": code}, field="code")
        start = start_or_none
    if start.is_valid_on(day):
        return [start]
    found: dict[int, AdministrativeUnit] = {}
    frontier = [start.pk]
    seen = {start.pk}
    for _depth in range(_MAX_SUCCESSION_DEPTH):
        if not frontier:
            break
        next_ids = set(
            UnitSuccession.objects.filter(predecessor_id__in=frontier).values_list("successor_id", flat=True)
        )
        if start.level == UnitLevel.DISTRICT and start.pk in frontier and not next_ids:
            # Districts were dissolved, not renamed: follow the communes that made them up.
            next_ids = set(
                UnitSuccession.objects.filter(predecessor__parent_id=start.pk).values_list("successor_id", flat=True)
            )
        next_ids -= seen
        seen |= next_ids
        frontier = []
        for unit in AdministrativeUnit.objects.filter(pk__in=next_ids).select_related("parent"):
            if unit.is_valid_on(day):
                found[unit.pk] = unit
            else:
                frontier.append(unit.pk)
    return sorted(found.values(), key=lambda u: (u.level, u.code))


def unit_search(
    *, q: str, level: UnitLevel | str | None = None, include_expired: bool = False
) -> QuerySet[AdministrativeUnit]:
    """Units whose name contains `q` ignoring case and diacritics ("ben nghe" finds "Bến Nghé"),
    or whose code starts with `q` when `q` is digits. Current units only unless `include_expired`."""
    term = fold(q)
    units = AdministrativeUnit.objects.select_related("parent")
    if not term:
        return units.none()
    match = Q(name_folded__contains=term)
    if term.isdigit():
        match |= Q(code__startswith=term)
    units = units.filter(match)
    if level is not None:
        units = units.filter(level=level)
    if not include_expired:
        units = units.filter(valid_on(today()))
    return units.order_by("name_folded", "code", "valid_from")


def provinces_list() -> QuerySet[AdministrativeUnit]:
    """The provinces and centrally-run cities in force today, by code."""
    return AdministrativeUnit.objects.filter(valid_on(today()), level=UnitLevel.PROVINCE).order_by("code")


def communes_of(*, province_code: str) -> QuerySet[AdministrativeUnit]:
    """The communes in force today in the province in force today with this code. Raises NotFound."""
    province = unit_get(code=province_code, level=UnitLevel.PROVINCE)
    return AdministrativeUnit.objects.filter(valid_on(today()), level=UnitLevel.COMMUNE, parent=province).order_by(
        "code"
    )


def unit_province(*, unit: AdministrativeUnit) -> AdministrativeUnit:
    """The province-level unit that contains `unit` (itself for a province)."""
    current = unit
    for _depth in range(3):
        if current.level == UnitLevel.PROVINCE:
            return current
        if current.parent is None:
            break
        current = current.parent
    raise NotFound(_("This unit is not attached to a province."), field="parent")
