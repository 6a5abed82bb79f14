"""Reads of agencies."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import MAX_HIERARCHY_DEPTH, Agency, AgencyLevel
from motcua.calendars import engine
from motcua.calendars.selectors import NATIONAL_CODE, calendar_get
from motcua.core.errors import NotFound
from motcua.core.memo import ProcessCache
from motcua.core.text import fold
from motcua.geo.models import AdministrativeUnit, UnitLevel
from motcua.geo.selectors import unit_get


def agency_get(*, code: str) -> Agency:
    """The agency with this national identifier. Raises NotFound."""
    agency = Agency.objects.select_related("parent", "administrative_unit").filter(code=code.strip()).first()
    if agency is None:
        raise NotFound(_("No agency with code %(code)s.") % {"code": code}, field="code")
    return agency


def agency_children(*, agency: Agency) -> QuerySet[Agency]:
    """The agencies directly under `agency`, by code."""
    return Agency.objects.filter(parent=agency).select_related("administrative_unit").order_by("code")


def agency_ancestors(*, agency: Agency) -> list[Agency]:
    """The chain of parents of `agency`, nearest first (its parent, then the parent's parent...)."""
    chain: list[Agency] = []
    seen = {agency.pk}
    parent_id = agency.parent_id
    while parent_id is not None and parent_id not in seen and len(chain) < MAX_HIERARCHY_DEPTH:
        parent = Agency.objects.get(pk=parent_id)
        chain.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    return chain


@dataclass(frozen=True, slots=True)
class Lineage:
    """Where an agency sits: its ancestors (nearest first) and the province it serves."""

    ancestor_ids: tuple[int, ...]
    province_id: int | None  # the AdministrativeUnit of level province, by primary key


# Every submission asks where the receiving and competent agencies sit (non-geographical receipt);
# the answer walks parents and administrative units, which change a few times a year. Kept per
# process (core.memo), forgotten when an agency or unit is saved in this process (agencies.apps)
# and after a minute in any case, so another process's change is seen within a minute.
_lineages: ProcessCache[int, Lineage] = ProcessCache("agency lineage")
_by_code: ProcessCache[str, Agency] = ProcessCache("agencies by code")


def agency_by_code(*, code: str) -> Agency:
    """The agency with this code, as agency_get, from the per-process cache (core.memo): for the
    hot paths that only read it (validating a submission). Raises NotFound (never cached)."""
    key = code.strip()
    return _by_code.get(key, lambda: agency_get(code=key))


def agency_lineage(*, agency: Agency) -> Lineage:
    """The agency's ancestors and province (cached per process, see core.memo)."""
    return _lineages.get(agency.pk, lambda: _lineage_load(agency))


def _lineage_load(agency: Agency) -> Lineage:
    ancestors = agency_ancestors(agency=agency)
    province_id: int | None = None
    for candidate in [agency, *ancestors]:
        unit = candidate.administrative_unit
        for _depth in range(4):
            if unit is None:
                break
            if unit.level == UnitLevel.PROVINCE:
                province_id = unit.pk
                break
            unit = unit.parent
        if province_id is not None:
            break
    return Lineage(ancestor_ids=tuple(a.pk for a in ancestors), province_id=province_id)


def agency_province(*, agency: Agency) -> AdministrativeUnit | None:
    """The province the agency (or its nearest ancestor with an administrative unit) serves; None
    for a central agency."""
    province_id = agency_lineage(agency=agency).province_id
    return AdministrativeUnit.objects.filter(pk=province_id).first() if province_id is not None else None


def agency_lineage_cache_clear() -> None:
    """Forget the cached lineages and agencies by code (agencies.apps, on every save in this process)."""
    _lineages.clear()
    _by_code.clear()


def agency_search(*, q: str, include_inactive: bool = False) -> QuerySet[Agency]:
    """Agencies whose name contains `q` ignoring case and diacritics ("uy ban nhan dan phuong sai gon"),
    whose short name contains it, or whose code starts with it."""
    term = fold(q)
    agencies = Agency.objects.select_related("parent", "administrative_unit")
    if not term:
        return agencies.none()
    agencies = agencies.filter(
        Q(name_folded__contains=term) | Q(short_name__icontains=q.strip()) | Q(code__startswith=q.strip().upper())
    )
    if not include_inactive:
        agencies = agencies.filter(is_active=True)
    return agencies.order_by("name_folded", "code")


def agencies_of_province(*, province_code: str, level: AgencyLevel | str | None = None) -> QuerySet[Agency]:
    """Agencies serving the province in force with this code or one of its communes: the provincial
    ones first, then by code.

    Includes the vertical agencies placed in the province (police, social insurance). Raises
    NotFound for an unknown province code.
    """
    province = unit_get(code=province_code, level=UnitLevel.PROVINCE)
    agencies = Agency.objects.filter(
        Q(administrative_unit=province) | Q(administrative_unit__parent=province)
    ).select_related("parent", "administrative_unit")
    if level is not None:
        agencies = agencies.filter(level=level)
    province_first = Case(When(level=AgencyLevel.PROVINCE, then=Value(0)), default=Value(1))
    return agencies.order_by(province_first, "code")


def agency_calendar(*, agency: Agency) -> engine.WorkingCalendar:
    """The compiled working calendar of an agency: its own, else its nearest ancestor's, else the national one."""
    for candidate in [agency, *agency_ancestors(agency=agency)]:
        if candidate.calendar_id is not None:
            assert candidate.calendar is not None
            return calendar_get(code=candidate.calendar.code)
    return calendar_get(code=NATIONAL_CODE)
