"""Writes for agencies: the reference-data load and the admin's save.

Agency codes (mã định danh điện tử)
-----------------------------------
Format: V1V2V3.Z1Z2.Y1Y2.MX1X2 (QCVN 102:2016/BTTTT; Quyết định 20/2020/QĐ-TTg as amended by
Quyết định 09/2025/QĐ-TTg). MX1X2 names the level-1 agency: G.. for ministries and ministerial-level
agencies, H.. for provincial People's Committees; a merged province named like one of its
predecessors keeps that predecessor's level-1 code (Quyết định 09/2025/QĐ-TTg).

Verified codes (code_verified=True) are typed into data/agencies.json with their source: the 17
ministries and ministerial-level agencies (Quyết định 09/2025/QĐ-TTg) and six provincial People's
Committees (H29, H38, H41, H49, H55, H57). Every other code is a placeholder, deterministic so that
reloading finds the same code, in the group letter X, which no published code we found uses (G
ministries, H provincial People's Committees, K provincial People's Councils), so a placeholder can
never be mistaken for, or collide with, a real agency's code:

- rule C, central agencies without a known code: 000.00.NN.X00, NN = position in their group of
  agencies.json;
- rule P, provincial agencies: 000.00.SS.Xpp, pp = the GSO code of the province (2 digits), SS = 00
  People's Committee, 01 public administration service centre, 02 Department of Justice, 03 police,
  04 social insurance;
- rule X, commune agencies, generated here for every commune in force: VVV.ZZ.SS.Xpp, where VVVZZ is
  the commune's 5-digit GSO code, pp its province's GSO code, SS = 00 People's Committee, 01 public
  administration service centre. E.g. Phường Sài Gòn (26740, HCM 79): 267.40.00.X79 and 267.40.01.X79.

Operators correct a placeholder in the admin and tick "code verified": agencies_load then keeps
their code (see agencies_load).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import MAX_HIERARCHY_DEPTH, Agency, AgencyKind, AgencyLevel, agency_code_validator
from motcua.core.counts import Counts
from motcua.core.errors import Conflict, DomainError, InvalidInput
from motcua.core.text import fold, nfc
from motcua.geo.models import AdministrativeUnit, UnitLevel
from motcua.geo.selectors import today, valid_on

ProgressCallback = Callable[[str], None]

SEED_PATH = Path(__file__).resolve().parent / "data" / "agencies.json"

_BATCH_SIZE = 500

# Legal basis: two-tier local government from 1 July 2025 (Luật Tổ chức chính quyền địa phương
# 72/2025/QH15; Nghị quyết 202/2025/QH15): the commune People's Committees of the new communes, and
# their public administration service centres (Nghị định 118/2025/NĐ-CP), start that day.
COMMUNE_AGENCIES_START = date(2025, 7, 1)

# Slot SS of rule X.
_COMMUNE_SLOTS = {AgencyKind.COMMUNE_PEOPLES_COMMITTEE: "00", AgencyKind.COMMUNE_SERVICE_CENTRE: "01"}

# Loaded from the seed on every run. is_active and valid_to belong to operators: set only on creation.
_SEED_FIELDS = (
    "code",
    "code_verified",
    "name",
    "short_name",
    "name_folded",
    "kind",
    "level",
    "parent",
    "administrative_unit",
    "valid_from",
)


class GeoNotLoaded(DomainError):
    code = "geo_not_loaded"
    status = 409


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What agencies_load did, per agency level."""

    central: Counts
    province: Counts
    commune: Counts
    # Agencies whose operator-verified code was kept instead of the seed's placeholder.
    operator_codes_kept: int = 0

    @property
    def changed(self) -> int:
        return self.central.changed + self.province.changed + self.commune.changed

    def __str__(self) -> str:
        return (
            f"central: {self.central}; province: {self.province}; commune: {self.commune}; "
            f"operator-verified codes kept: {self.operator_codes_kept}"
        )


@dataclass(slots=True)
class _Spec:
    key: str
    code: str
    code_verified: bool
    name: str
    short_name: str
    kind: str
    level: str
    parent_key: str | None
    unit_id: int | None
    valid_from: date | None
    depth: int = field(default=0)


def agency_save(*, agency: Agency) -> Agency:
    """Validates and saves an agency edited by an operator, keeping its folded name in step."""
    agency.name = nfc(agency.name)
    agency.short_name = nfc(agency.short_name)
    agency.name_folded = fold(agency.name)
    agency.full_clean()
    agency.save()
    return agency


def agencies_load(*, progress: ProgressCallback | None = None, seed_path: Path = SEED_PATH) -> LoadSummary:
    """Creates or updates the seed agencies and two agencies per commune in force, in one transaction.

    Idempotent: a second run creates and updates nothing. Agencies are matched on their seed key,
    never deleted, and agencies created by hand are left alone. A seed row overwrites name, kind,
    level, parent, unit and dates, and its code unless the operator verified the stored code while
    the seed's is still a placeholder. Raises GeoNotLoaded when the administrative units are
    missing (run units_load first), InvalidInput for a malformed seed file, Conflict when a seed
    code is already used by another agency.
    """
    say = progress or (lambda _message: None)
    specs = _seed_specs(seed_path=seed_path) + _commune_specs()
    _check_specs(specs)
    with transaction.atomic():
        counts, kept = _sync(specs)
    summary = LoadSummary(
        central=counts[AgencyLevel.CENTRAL],
        province=counts[AgencyLevel.PROVINCE],
        commune=counts[AgencyLevel.COMMUNE],
        operator_codes_kept=kept,
    )
    for level in AgencyLevel:
        say(f"{level.value}: {counts[level]}")
    return summary


def _current_provinces() -> dict[str, int]:
    day = today()
    provinces = dict(
        AdministrativeUnit.objects.filter(valid_on(day), level=UnitLevel.PROVINCE).values_list("code", "pk")
    )
    if not provinces:
        raise GeoNotLoaded(
            _(
                "The administrative units are not loaded: load them before the agencies "
                "(motcua load-reference-data does both, in that order)."
            ),
            field="geo",
        )
    return provinces


def _seed_specs(*, seed_path: Path) -> list[_Spec]:
    provinces = _current_provinces()
    try:
        document = json.loads(seed_path.read_text(encoding="utf-8"))
        groups: list[dict[str, Any]] = document["groups"]
        specs = list(_specs_of_groups(groups, provinces))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidInput(
            _("The agency seed file %(path)s is malformed: %(error)s") % {"path": seed_path.name, "error": error},
            field="seed",
        ) from error
    return specs


def _specs_of_groups(groups: list[dict[str, Any]], provinces: dict[str, int]) -> Iterator[_Spec]:
    for group in groups:
        kind, level = AgencyKind(group["kind"]), AgencyLevel(group["level"])
        for row in group["agencies"]:
            unit_id: int | None = None
            if "province" in row:
                if row["province"] not in provinces:
                    raise GeoNotLoaded(
                        _("Province %(code)s of the agency seed is not among the administrative units in force.")
                        % {"code": row["province"]},
                        field="geo",
                    )
                unit_id = provinces[row["province"]]
            valid_from = row.get("valid_from")
            yield _Spec(
                key=str(row["key"]),
                code=str(row["code"]),
                code_verified=bool(row["code_verified"]),
                name=nfc(str(row["name"])),
                short_name=nfc(str(row.get("short_name", ""))),
                kind=kind,
                level=level,
                parent_key=row.get("parent"),
                unit_id=unit_id,
                valid_from=date.fromisoformat(valid_from) if valid_from else None,
            )


def _commune_specs() -> list[_Spec]:
    """Rule X (module docstring): a People's Committee and a service centre for each commune in force."""
    communes = (
        AdministrativeUnit.objects.filter(valid_on(today()), level=UnitLevel.COMMUNE, parent__isnull=False)
        .values_list("pk", "code", "name", "parent__code")
        .order_by("code")
    )
    specs: list[_Spec] = []
    for pk, code, name, province_code in communes:
        place = _lower_type_word(name)
        committee_key = f"commune:{code}:peoples-committee"
        for kind, label, short, parent_key, key in (
            (
                AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
                "Ủy ban nhân dân",
                "UBND",
                f"province:{province_code}:peoples-committee",
                committee_key,
            ),
            (
                AgencyKind.COMMUNE_SERVICE_CENTRE,
                "Trung tâm Phục vụ hành chính công",
                "TTPVHCC",
                committee_key,
                f"commune:{code}:service-centre",
            ),
        ):
            specs.append(
                _Spec(
                    key=key,
                    code=f"{code[:3]}.{code[3:]}.{_COMMUNE_SLOTS[kind]}.X{province_code}",
                    code_verified=False,
                    name=f"{label} {place}",
                    short_name=f"{short} {place}",
                    kind=kind,
                    level=AgencyLevel.COMMUNE,
                    parent_key=parent_key,
                    unit_id=pk,
                    valid_from=COMMUNE_AGENCIES_START,
                )
            )
    return specs


def _lower_type_word(name: str) -> str:
    """ "Phường Sài Gòn" → "phường Sài Gòn", as the name reads after "Ủy ban nhân dân"."""
    for word in ("Xã ", "Phường ", "Đặc khu ", "Thị trấn "):
        if name.startswith(word):
            return word.lower() + name[len(word) :]
    return name


def _check_specs(specs: list[_Spec]) -> None:
    """Rejects duplicate keys or codes, malformed codes and dangling parents; computes depths."""
    by_key: dict[str, _Spec] = {}
    codes: set[str] = set()
    for spec in specs:
        if spec.key in by_key:
            raise InvalidInput(_("Agency seed key %(key)s appears twice.") % {"key": spec.key}, field="seed")
        if spec.code in codes:
            raise InvalidInput(_("Agency code %(code)s appears twice.") % {"code": spec.code}, field="seed")
        try:
            agency_code_validator(spec.code)
        except ValidationError as error:
            raise InvalidInput(
                _("Agency %(key)s has a malformed code %(code)s.") % {"key": spec.key, "code": spec.code},
                field="seed",
            ) from error
        by_key[spec.key] = spec
        codes.add(spec.code)
    for spec in specs:
        depth, parent_key = 0, spec.parent_key
        while parent_key is not None:
            parent = by_key.get(parent_key)
            if parent is None:
                raise InvalidInput(
                    _("Agency %(key)s names an unknown parent %(parent)s.") % {"key": spec.key, "parent": parent_key},
                    field="seed",
                )
            depth += 1
            if depth > MAX_HIERARCHY_DEPTH:
                raise InvalidInput(_("Agency %(key)s is part of a cycle of parents.") % {"key": spec.key}, field="seed")
            parent_key = parent.parent_key
        spec.depth = depth


def _sync(specs: list[_Spec]) -> tuple[dict[str, Counts], int]:
    existing = {a.seed_key: a for a in Agency.objects.filter(seed_key__isnull=False) if a.seed_key is not None}
    ids: dict[str, int] = {key: a.pk for key, a in existing.items()}
    # Codes held by agencies the seed does not own (hand-made ones, or seed rows being re-coded).
    seed_keys = {s.key for s in specs}
    foreign_codes = dict(
        Agency.objects.filter(~Q(seed_key__in=seed_keys) | Q(seed_key__isnull=True)).values_list("code", "pk")
    )
    clashes = sorted(s.code for s in specs if s.code in foreign_codes and not _keeps_operator_code(s, existing))
    if clashes:
        raise Conflict(
            _("Agency codes already used by agencies outside the seed: %(codes)s.")
            % {"codes": ", ".join(clashes[:10])},
            field="code",
        )
    levels: list[str] = list(AgencyLevel.values)
    created = dict.fromkeys(levels, 0)
    updated = dict.fromkeys(levels, 0)
    unchanged = dict.fromkeys(levels, 0)
    kept = 0
    for depth in sorted({s.depth for s in specs}):
        to_create: list[Agency] = []
        to_update: list[Agency] = []
        for spec in (s for s in specs if s.depth == depth):
            wanted = Agency(
                seed_key=spec.key,
                code=spec.code,
                code_verified=spec.code_verified,
                name=spec.name,
                short_name=spec.short_name,
                name_folded=fold(spec.name),
                kind=spec.kind,
                level=spec.level,
                parent_id=ids[spec.parent_key] if spec.parent_key is not None else None,
                administrative_unit_id=spec.unit_id,
                valid_from=spec.valid_from,
            )
            current = existing.get(spec.key)
            if current is None:
                to_create.append(wanted)
                created[spec.level] += 1
                continue
            if _keeps_operator_code(spec, existing):
                wanted.code, wanted.code_verified = current.code, True
                kept += 1
            if all(_value(current, f) == _value(wanted, f) for f in _SEED_FIELDS):
                unchanged[spec.level] += 1
                continue
            for name in _SEED_FIELDS:
                setattr(current, _attname(name), _value(wanted, name))
            to_update.append(current)
            updated[spec.level] += 1
        Agency.objects.bulk_create(to_create, batch_size=_BATCH_SIZE)
        Agency.objects.bulk_update(to_update, [_attname(f) for f in _SEED_FIELDS], batch_size=_BATCH_SIZE)
        if to_create:
            new_keys = [a.seed_key for a in to_create]
            ids.update(
                (key, pk)
                for key, pk in Agency.objects.filter(seed_key__in=new_keys).values_list("seed_key", "pk")
                if key is not None
            )
    counts = {
        level: Counts(created=created[level], updated=updated[level], unchanged=unchanged[level]) for level in levels
    }
    return counts, kept


def _keeps_operator_code(spec: _Spec, existing: dict[str, Agency]) -> bool:
    """The operator confirmed or corrected the stored code, and the seed only has a placeholder."""
    current = existing.get(spec.key)
    return current is not None and current.code_verified and not spec.code_verified


def _attname(name: str) -> str:
    return f"{name}_id" if name in ("parent", "administrative_unit") else name


def _value(agency: Agency, name: str) -> object:
    return getattr(agency, _attname(name))
