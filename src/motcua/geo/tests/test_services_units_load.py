from __future__ import annotations

import sys
from datetime import date

import pytest
import vietnam_provinces
from django.db.models import QuerySet

from motcua.core.counts import Counts
from motcua.geo.models import AdministrativeUnit, UnitKind, UnitLevel, UnitSuccession
from motcua.geo.services import LoadSummary, units_load

REFORM_DAY = date(2025, 7, 1)
LAST_OLD_DAY = date(2025, 6, 30)


def _current(level: str) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(level=level, valid_from=REFORM_DAY, valid_to__isnull=True)


def _old(level: str) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(level=level, valid_from__isnull=True, valid_to=LAST_OLD_DAY)


def test_it_runs_the_pinned_package_on_this_python() -> None:
    # The package declares Python >= 3.12; the Makefile installs it anyway (ADR 0004): this is the check.
    assert vietnam_provinces.__version__ == "2026.9.0"
    assert sys.version_info >= (3, 11)


@pytest.mark.django_db
def test_it_loads_34_provinces_and_3321_communes_in_force(loaded_units: LoadSummary) -> None:
    # Nghị quyết 202/2025/QH15: 34 provinces; 3,321 communes = 2,621 xã + 687 phường + 13 đặc khu.
    assert _current(UnitLevel.PROVINCE).count() == 34
    communes = _current(UnitLevel.COMMUNE)
    assert communes.count() == 3321
    assert communes.filter(kind=UnitKind.COMMUNE).count() == 2621
    assert communes.filter(kind=UnitKind.WARD).count() == 687
    assert communes.filter(kind=UnitKind.SPECIAL_ZONE).count() == 13
    assert not _current(UnitLevel.DISTRICT).exists()
    assert not communes.filter(parent__isnull=True).exists()


@pytest.mark.django_db
def test_it_keeps_the_pre_2025_units_until_the_day_before_the_reform(loaded_units: LoadSummary) -> None:
    assert _old(UnitLevel.PROVINCE).count() == 63
    assert _old(UnitLevel.DISTRICT).count() == 696
    assert _old(UnitLevel.COMMUNE).count() == 10051
    assert AdministrativeUnit.objects.count() == 34 + 3321 + 63 + 696 + 10051


@pytest.mark.django_db
def test_it_reports_what_it_created(loaded_units: LoadSummary) -> None:
    assert loaded_units.provinces == Counts(created=97)
    assert loaded_units.districts == Counts(created=696)
    assert loaded_units.communes == Counts(created=3321 + 10051)
    # 64 province links, 10,554 commune links, 5 island districts → special zones.
    assert loaded_units.successions == Counts(created=10623)
    assert loaded_units.skipped_successions == 11


@pytest.mark.django_db
def test_loading_twice_changes_nothing(loaded_units: LoadSummary) -> None:
    before = AdministrativeUnit.objects.count(), UnitSuccession.objects.count()

    again = units_load()

    assert again.changed == 0
    assert again.communes == Counts(unchanged=3321 + 10051)
    assert again.successions == Counts(unchanged=10623)
    assert (AdministrativeUnit.objects.count(), UnitSuccession.objects.count()) == before


@pytest.mark.django_db
def test_reloading_restores_a_renamed_unit_and_its_folded_name(loaded_units: LoadSummary) -> None:
    AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, code="26740", valid_from=REFORM_DAY).update(
        name="Renamed", name_folded="renamed"
    )

    again = units_load()

    assert again.communes == Counts(updated=1, unchanged=3321 + 10051 - 1)
    unit = AdministrativeUnit.objects.get(level=UnitLevel.COMMUNE, code="26740", valid_from=REFORM_DAY)
    assert (unit.name, unit.name_folded) == ("Phường Sài Gòn", "phuong sai gon")


@pytest.mark.django_db
def test_the_same_code_names_an_old_and_a_new_unit(loaded_units: LoadSummary) -> None:
    # The reform reused codes: 26740 was Phường Bến Nghé (Quận 1) and is now Phường Sài Gòn.
    old = AdministrativeUnit.objects.select_related("parent__parent").get(
        level=UnitLevel.COMMUNE, code="26740", valid_from__isnull=True
    )
    new = AdministrativeUnit.objects.select_related("parent").get(
        level=UnitLevel.COMMUNE, code="26740", valid_from=REFORM_DAY
    )
    old_district, new_province = old.parent, new.parent
    assert old_district is not None and old_district.parent is not None and new_province is not None
    assert (old.name, old_district.name, old_district.parent.name) == (
        "Phường Bến Nghé",
        "Quận 1",
        "Thành phố Hồ Chí Minh",
    )
    assert (new.name, new_province.name) == ("Phường Sài Gòn", "Thành phố Hồ Chí Minh")
    assert UnitSuccession.objects.filter(predecessor=old, successor=new, is_partial=False).exists()


@pytest.mark.django_db
def test_a_split_commune_is_linked_to_each_successor_as_partial(loaded_units: LoadSummary) -> None:
    # Old Phường Điện Biên (00019, Ba Đình) was shared between four new wards.
    links = UnitSuccession.objects.filter(predecessor__code="00019", predecessor__valid_from__isnull=True)
    assert sorted(links.values_list("successor__code", flat=True)) == ["00004", "00070", "00190", "00226"]
    assert all(link.is_partial and link.effective_on == REFORM_DAY for link in links)


@pytest.mark.django_db
def test_island_districts_are_linked_to_their_special_zones(loaded_units: LoadSummary) -> None:
    links = UnitSuccession.objects.filter(predecessor__level=UnitLevel.DISTRICT)
    assert sorted(links.values_list("predecessor__name", "successor__name", "successor__code")) == [
        ("Huyện Bạch Long Vĩ", "Đặc khu Bạch Long Vĩ", "11948"),
        ("Huyện Côn Đảo", "Đặc khu Côn Đảo", "26732"),
        ("Huyện Cồn Cỏ", "Đặc khu Cồn Cỏ", "19742"),
        ("Huyện Hoàng Sa", "Đặc khu Hoàng Sa", "20333"),
        ("Huyện Lý Sơn", "Đặc khu Lý Sơn", "21548"),
    ]
