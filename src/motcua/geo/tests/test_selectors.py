from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest

from motcua.core.errors import NotFound
from motcua.geo import selectors
from motcua.geo.models import AdministrativeUnit, UnitLevel
from motcua.geo.services import LoadSummary

pytestmark = pytest.mark.django_db


def _codes(units: Iterable[AdministrativeUnit]) -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in units]


def test_it_resolves_a_pre_2025_commune_to_its_successor(loaded_units: LoadSummary) -> None:
    # Phường Phạm Ngũ Lão (26749, Quận 1) was merged whole into Phường Bến Thành (26743).
    result = selectors.unit_resolve_current(code="26749", level=UnitLevel.COMMUNE)
    assert _codes(result) == [("26743", "Phường Bến Thành")]


def test_it_resolves_old_phuong_ben_nghe_to_phuong_sai_gon(loaded_units: LoadSummary) -> None:
    # 26740 is also a current code (Sài Gòn), so the old unit is asked for by the date it was recorded.
    result = selectors.unit_resolve_current(code="26740", level=UnitLevel.COMMUNE, at=date(2024, 5, 1))
    assert _codes(result) == [("26740", "Phường Sài Gòn")]


def test_a_reused_code_resolves_by_the_date_it_was_recorded(loaded_units: LoadSummary) -> None:
    # 26737 was Phường Đa Kao (partly merged into Tân Định and Sài Gòn); it is now Phường Tân Định.
    assert _codes(selectors.unit_resolve_current(code="26737", level=UnitLevel.COMMUNE)) == [
        ("26737", "Phường Tân Định")
    ]
    assert _codes(selectors.unit_resolve_current(code="26737", level=UnitLevel.COMMUNE, at=date(2025, 6, 30))) == [
        ("26737", "Phường Tân Định"),
        ("26740", "Phường Sài Gòn"),
    ]


def test_a_current_code_resolves_to_itself(loaded_units: LoadSummary) -> None:
    assert _codes(selectors.unit_resolve_current(code="26743", level=UnitLevel.COMMUNE)) == [
        ("26743", "Phường Bến Thành")
    ]


def test_a_split_commune_resolves_to_every_successor(loaded_units: LoadSummary) -> None:
    result = selectors.unit_resolve_current(code="00019", level=UnitLevel.COMMUNE)
    assert [u.code for u in result] == ["00004", "00070", "00190", "00226"]


def test_a_dissolved_district_resolves_to_the_communes_it_became(loaded_units: LoadSummary) -> None:
    result = selectors.unit_resolve_current(code="760", level=UnitLevel.DISTRICT)  # Quận 1, HCM
    assert _codes(result) == [
        ("26737", "Phường Tân Định"),
        ("26740", "Phường Sài Gòn"),
        ("26743", "Phường Bến Thành"),
        ("26758", "Phường Cầu Ông Lãnh"),
    ]
    assert _codes(selectors.unit_resolve_current(code="755", level=UnitLevel.DISTRICT)) == [
        ("26732", "Đặc khu Côn Đảo")
    ]


def test_an_old_province_resolves_to_the_province_it_joined(loaded_units: LoadSummary) -> None:
    # Old Yên Bái (15) joined Lào Cai, which took the code 15.
    assert _codes(selectors.unit_resolve_current(code="15", level=UnitLevel.PROVINCE, at=date(2025, 1, 1))) == [
        ("15", "Tỉnh Lào Cai")
    ]
    assert _codes(selectors.unit_resolve_current(code="10", level=UnitLevel.PROVINCE)) == [("15", "Tỉnh Lào Cai")]


def test_it_raises_not_found_for_an_unknown_code(loaded_units: LoadSummary) -> None:
    with pytest.raises(NotFound):
        selectors.unit_resolve_current(code="99999", level=UnitLevel.COMMUNE)
    with pytest.raises(NotFound):
        selectors.unit_get(code="26749", level=UnitLevel.COMMUNE)  # not in force today


def test_unit_get_at_a_date_returns_the_unit_then_in_force(loaded_units: LoadSummary) -> None:
    assert selectors.unit_get(code="26740", level=UnitLevel.COMMUNE, at=date(2025, 6, 30)).name == "Phường Bến Nghé"
    assert selectors.unit_get(code="26740", level=UnitLevel.COMMUNE, at=date(2025, 7, 1)).name == "Phường Sài Gòn"
    assert selectors.unit_get(code="26740", level=UnitLevel.COMMUNE).name == "Phường Sài Gòn"


def test_the_province_of_a_commune_is_right(loaded_units: LoadSummary) -> None:
    sai_gon = selectors.unit_get(code="26740", level=UnitLevel.COMMUNE)
    province = selectors.unit_province(unit=sai_gon)
    assert (province.code, province.name) == ("79", "Thành phố Hồ Chí Minh")
    ben_nghe = selectors.unit_get(code="26740", level=UnitLevel.COMMUNE, at=date(2025, 6, 30))
    old_province = selectors.unit_province(unit=ben_nghe)
    assert (old_province.code, old_province.valid_to) == ("79", date(2025, 6, 30))
    # Thủ Dầu Một (old Bình Dương) is a ward of HCM since the merger.
    thu_dau_mot = selectors.unit_get(code="25747", level=UnitLevel.COMMUNE)
    assert selectors.unit_province(unit=thu_dau_mot).code == "79"


def test_communes_of_a_province(loaded_units: LoadSummary) -> None:
    communes = selectors.communes_of(province_code="79")
    assert communes.count() == 168
    assert "26740" in set(communes.values_list("code", flat=True))
    assert selectors.communes_of(province_code="01").count() == 126
    with pytest.raises(NotFound):
        selectors.communes_of(province_code="77")  # Bà Rịa - Vũng Tàu, merged into HCM


def test_provinces_list_has_the_34_provinces_by_code(loaded_units: LoadSummary) -> None:
    codes = list(selectors.provinces_list().values_list("code", flat=True))
    assert len(codes) == 34
    assert codes[0] == "01"
    assert codes == sorted(codes)


def test_it_searches_without_diacritics(loaded_units: LoadSummary) -> None:
    assert _codes(selectors.unit_search(q="ben thanh", level=UnitLevel.COMMUNE)) == [("26743", "Phường Bến Thành")]
    assert _codes(selectors.unit_search(q="PHƯỜNG SÀI GÒN")) == [("26740", "Phường Sài Gòn")]
    assert not selectors.unit_search(q="Bến Nghé").exists()
    assert _codes(selectors.unit_search(q="ben nghe", include_expired=True)) == [("26740", "Phường Bến Nghé")]
    by_code = selectors.unit_search(q="2674", level=UnitLevel.COMMUNE)
    assert _codes(by_code) == [("26743", "Phường Bến Thành"), ("26740", "Phường Sài Gòn")]
    assert not selectors.unit_search(q="  ").exists()
