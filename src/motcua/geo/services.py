"""Writes for administrative units: the reference-data load and the admin's save.

Source: the `vietnam_provinces` package (2026.9.0, data of 2026-09-20), which carries
- the units in force since 1 July 2025: 34 provinces and 3,321 communes (Nghị quyết 202/2025/QH15
  and the 2025 resolutions of the National Assembly Standing Committee on commune arrangement; codes
  of Quyết định 19/2025/QĐ-TTg);
- the pre-2025 units (63 provinces, 696 districts, 10,051 communes; codes of Quyết định 124/2004/QĐ-TTg);
- the official old→new commune conversion table, with whether an old commune was split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.db import transaction

from motcua.core.counts import Counts
from motcua.core.text import fold, nfc
from motcua.geo.models import CODE_LENGTHS, AdministrativeUnit, UnitKind, UnitLevel, UnitSuccession

ProgressCallback = Callable[[str], None]

_BATCH_SIZE = 500

_KIND_BY_PACKAGE_TYPE: dict[tuple[str, str], str] = {
    (UnitLevel.PROVINCE, "tỉnh"): UnitKind.PROVINCE,
    (UnitLevel.PROVINCE, "thành phố trung ương"): UnitKind.CENTRAL_CITY,
    (UnitLevel.DISTRICT, "quận"): UnitKind.URBAN_DISTRICT,
    (UnitLevel.DISTRICT, "huyện"): UnitKind.RURAL_DISTRICT,
    (UnitLevel.DISTRICT, "thị xã"): UnitKind.DISTRICT_TOWN,
    (UnitLevel.DISTRICT, "thành phố"): UnitKind.DISTRICT_CITY,
    (UnitLevel.COMMUNE, "xã"): UnitKind.COMMUNE,
    (UnitLevel.COMMUNE, "phường"): UnitKind.WARD,
    (UnitLevel.COMMUNE, "thị trấn"): UnitKind.TOWNSHIP,
    (UnitLevel.COMMUNE, "đặc khu"): UnitKind.SPECIAL_ZONE,
}


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What units_load did. Communes and provinces count both generations (pre-2025 and current)."""

    provinces: Counts
    districts: Counts
    communes: Counts
    successions: Counts
    # Conversion-table rows whose old commune is missing from the package's pre-2025 list (see below).
    skipped_successions: int

    @property
    def changed(self) -> int:
        return sum(c.changed for c in (self.provinces, self.districts, self.communes, self.successions))

    def __str__(self) -> str:
        return (
            f"provinces: {self.provinces}; districts: {self.districts}; communes: {self.communes}; "
            f"successions: {self.successions} ({self.skipped_successions} skipped: old unit unknown)"
        )


class _Key(NamedTuple):
    level: str
    code: str
    valid_from: date | None


@dataclass(frozen=True, slots=True)
class _UnitRow:
    key: _Key
    kind: str
    name: str
    parent: _Key | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class _SuccessionRow:
    predecessor: _Key
    successor: _Key
    is_partial: bool


def unit_save(*, unit: AdministrativeUnit) -> AdministrativeUnit:
    """Validates and saves a unit edited by an operator, keeping its folded name in step."""
    unit.name = nfc(unit.name)
    unit.name_folded = fold(unit.name)
    unit.full_clean()
    unit.save()
    return unit


def units_load(*, progress: ProgressCallback | None = None) -> LoadSummary:
    """Creates or updates every unit and succession of the package, in one transaction.

    Idempotent: a second run creates and updates nothing. Units are matched on (level, code,
    valid_from), so units an operator added by hand are left alone, and nothing is ever deleted.
    Reloading resets name, kind, parent and valid_to of package units to the package's values.
    """
    say = progress or (lambda _message: None)
    units, successions, skipped = _package_rows()
    with transaction.atomic():
        ids: dict[_Key, int] = {}
        counts: dict[str, Counts] = {}
        for level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE):
            rows = [row for row in units if row.key.level == level]
            counts[level] = _sync_units(rows=rows, ids=ids)
            say(f"{level}: {counts[level]}")
        succession_counts = _sync_successions(rows=successions, ids=ids)
        say(f"successions: {succession_counts}; skipped (old unit unknown): {skipped}")
    return LoadSummary(
        provinces=counts[UnitLevel.PROVINCE],
        districts=counts[UnitLevel.DISTRICT],
        communes=counts[UnitLevel.COMMUNE],
        successions=succession_counts,
        skipped_successions=skipped,
    )


def _package_rows() -> tuple[list[_UnitRow], list[_SuccessionRow], int]:
    """Reads the package into plain rows: current units, pre-2025 units, successions."""
    # Imported here: the package holds ~10 MB of tables, which only the load needs.
    from vietnam_provinces import Province, Ward, legacy
    from vietnam_provinces._province_conversion_2025 import OLD_TO_NEW as PROVINCES_OLD_TO_NEW
    from vietnam_provinces._ward_conversion_2025 import EFFECTIVE_DATE, NEW_TO_OLD
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW as COMMUNES_OLD_TO_NEW

    # Legal basis: Nghị quyết 202/2025/QH15 and the commune-arrangement resolutions take effect on
    # 1 July 2025; the pre-2025 units were in force until the day before.
    reform_day = date.fromisoformat(EFFECTIVE_DATE)
    last_old_day = reform_day - timedelta(days=1)

    def key(level: str, code: int, *, current: bool) -> _Key:
        return _Key(level, str(code).zfill(CODE_LENGTHS[level]), reform_day if current else None)

    def row(level: str, code: int, kind: str, name: str, parent: _Key | None, *, current: bool) -> _UnitRow:
        return _UnitRow(
            key=key(level, code, current=current),
            kind=_KIND_BY_PACKAGE_TYPE[(level, str(kind))],
            name=nfc(name),
            parent=parent,
            valid_to=None if current else last_old_day,
        )

    units: list[_UnitRow] = []
    for p in Province.iter_all():
        units.append(row(UnitLevel.PROVINCE, p.code.value, p.division_type, p.name, None, current=True))
    for w in Ward.iter_all():
        parent = key(UnitLevel.PROVINCE, w.province_code.value, current=True)
        units.append(row(UnitLevel.COMMUNE, w.code.value, w.division_type, w.name, parent, current=True))
    for old_p in legacy.Province.iter_all():
        units.append(row(UnitLevel.PROVINCE, old_p.code.value, old_p.division_type, old_p.name, None, current=False))
    for d in legacy.District.iter_all():
        parent = key(UnitLevel.PROVINCE, d.province_code.value, current=False)
        units.append(row(UnitLevel.DISTRICT, d.code.value, d.division_type, d.name, parent, current=False))
    for old_w in legacy.Ward.iter_all():
        parent = key(UnitLevel.DISTRICT, old_w.district_code.value, current=False)
        units.append(row(UnitLevel.COMMUNE, old_w.code.value, old_w.division_type, old_w.name, parent, current=False))

    known = {u.key for u in units}
    successions: list[_SuccessionRow] = []
    for old_code, provinces_entry in PROVINCES_OLD_TO_NEW.items():
        # The package derives this table from the commune table: an old province listed with two
        # new provinces lost part of its territory to each (only Tiền Giang: 82 → 80 and 82).
        partial = len(provinces_entry.new_provinces) > 1
        for new_province in provinces_entry.new_provinces:
            old_key = key(UnitLevel.PROVINCE, old_code, current=False)
            new_key = key(UnitLevel.PROVINCE, new_province.code, current=True)
            successions.append(_SuccessionRow(old_key, new_key, partial))
    # The package's pre-2025 list predates some early-2025 rearrangements (e.g. wards of Quận 6 and
    # Quận 11, HCM, merged on 1 January 2025), so the conversion table names ten old communes (eleven
    # rows) the list lacks. We do not invent those units: their rows are skipped and counted.
    skipped = 0
    for old_code, communes_entry in COMMUNES_OLD_TO_NEW.items():
        old_key = key(UnitLevel.COMMUNE, old_code, current=False)
        partial = bool(communes_entry.old_ward.is_partly_merged)
        for new_commune in communes_entry.new_wards:
            if old_key not in known:
                skipped += 1
                continue
            successions.append(_SuccessionRow(old_key, key(UnitLevel.COMMUNE, new_commune.code, current=True), partial))

    # Island districts that had no communes became special zones (đặc khu) of the same name: the 2025
    # commune-arrangement resolutions turned Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn and Côn Đảo into
    # special zones. The conversion table maps communes only, so it has no row for them; we link each
    # old district without communes to the special zone, fed by no old commune, of the same bare name.
    orphan_zones = {
        _bare_name(u.name): u.key
        for u in units
        if u.kind == UnitKind.SPECIAL_ZONE and u.key.valid_from == reform_day and int(u.key.code) not in NEW_TO_OLD
    }
    with_communes = {u.parent for u in units if u.key.level == UnitLevel.COMMUNE and u.key.valid_from is None}
    for u in units:
        if u.key.level == UnitLevel.DISTRICT and u.key not in with_communes:
            zone = orphan_zones.get(_bare_name(u.name))
            if zone is not None:
                successions.append(_SuccessionRow(u.key, zone, False))
    return units, successions, skipped


def _bare_name(name: str) -> str:
    """The folded name without its type word: "Huyện Côn Đảo" and "Đặc khu Côn Đảo" give "con dao"."""
    folded = fold(name)
    for prefix in ("dac khu ", "huyen "):
        if folded.startswith(prefix):
            return folded.removeprefix(prefix)
    return folded


def _sync_units(*, rows: list[_UnitRow], ids: dict[_Key, int]) -> Counts:
    """Creates missing units and updates changed ones; records every row's id in `ids`."""
    if not rows:
        return Counts()
    level = rows[0].key.level
    existing = {
        _Key(level, code, valid_from): (pk, name, kind, parent_id, valid_to, name_folded)
        for pk, code, valid_from, name, kind, parent_id, valid_to, name_folded in AdministrativeUnit.objects.filter(
            level=level
        ).values_list("pk", "code", "valid_from", "name", "kind", "parent_id", "valid_to", "name_folded")
    }
    to_create: list[AdministrativeUnit] = []
    to_update: list[AdministrativeUnit] = []
    for r in rows:
        parent_id = ids[r.parent] if r.parent is not None else None
        wanted = (r.name, r.kind, parent_id, r.valid_to, fold(r.name))
        unit = AdministrativeUnit(
            code=r.key.code,
            level=level,
            kind=r.kind,
            name=r.name,
            name_folded=wanted[4],
            parent_id=parent_id,
            valid_from=r.key.valid_from,
            valid_to=r.valid_to,
        )
        found = existing.get(r.key)
        if found is None:
            to_create.append(unit)
        elif found[1:] != wanted:
            unit.pk = found[0]
            to_update.append(unit)
        else:
            ids[r.key] = found[0]
    AdministrativeUnit.objects.bulk_create(to_create, batch_size=_BATCH_SIZE)
    AdministrativeUnit.objects.bulk_update(
        to_update, ["name", "name_folded", "kind", "parent", "valid_to"], batch_size=_BATCH_SIZE
    )
    if to_create or to_update:
        # Re-read instead of trusting bulk_create to return keys (not every backend does).
        for pk, code, valid_from in AdministrativeUnit.objects.filter(level=level).values_list(
            "pk", "code", "valid_from"
        ):
            ids[_Key(level, code, valid_from)] = pk
    return Counts(created=len(to_create), updated=len(to_update), unchanged=len(rows) - len(to_create) - len(to_update))


def _sync_successions(*, rows: list[_SuccessionRow], ids: dict[_Key, int]) -> Counts:
    existing = {
        (pred, succ): (pk, partial, on)
        for pk, pred, succ, partial, on in UnitSuccession.objects.values_list(
            "pk", "predecessor_id", "successor_id", "is_partial", "effective_on"
        )
    }
    to_create: list[UnitSuccession] = []
    to_update: list[UnitSuccession] = []
    for r in rows:
        pred, succ = ids[r.predecessor], ids[r.successor]
        # The successor came into force the day the predecessor's territory passed to it.
        on = r.successor.valid_from
        assert on is not None, "successors are units of the 2025 reform, which all have a start date"
        link = UnitSuccession(predecessor_id=pred, successor_id=succ, is_partial=r.is_partial, effective_on=on)
        found = existing.get((pred, succ))
        if found is None:
            to_create.append(link)
        elif found[1:] != (r.is_partial, on):
            link.pk = found[0]
            to_update.append(link)
    UnitSuccession.objects.bulk_create(to_create, batch_size=_BATCH_SIZE)
    UnitSuccession.objects.bulk_update(to_update, ["is_partial", "effective_on"], batch_size=_BATCH_SIZE)
    return Counts(created=len(to_create), updated=len(to_update), unchanged=len(rows) - len(to_create) - len(to_update))
