from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from motcua.geo.models import AdministrativeUnit, UnitKind, UnitLevel, UnitSuccession
from motcua.geo.services import unit_save

pytestmark = pytest.mark.django_db


def _unit(**fields: Any) -> AdministrativeUnit:
    values = {"code": "79", "level": UnitLevel.PROVINCE, "kind": UnitKind.CENTRAL_CITY, "name": "Thành phố Hồ Chí Minh"}
    values.update(fields)
    return AdministrativeUnit.objects.create(**values)


def test_it_refuses_two_units_in_force_with_the_same_code() -> None:
    _unit(valid_from=date(2025, 7, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        _unit(valid_from=date(2026, 1, 1))


def test_it_refuses_two_old_units_with_the_same_code_and_no_start_date() -> None:
    _unit(valid_to=date(2025, 6, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        _unit(valid_to=date(2020, 1, 1))


def test_the_same_code_may_name_an_old_and_a_new_unit() -> None:
    old = _unit(valid_to=date(2025, 6, 30))
    new = _unit(valid_from=date(2025, 7, 1))
    assert old.pk != new.pk


def test_it_refuses_a_kind_that_does_not_exist_at_the_level() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _unit(kind=UnitKind.WARD)


def test_it_refuses_a_unit_that_succeeds_itself() -> None:
    unit = _unit()
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitSuccession.objects.create(predecessor=unit, successor=unit, effective_on=date(2025, 7, 1))


def test_unit_save_folds_the_name_and_checks_the_code_length() -> None:
    unit = AdministrativeUnit(code="99", level=UnitLevel.PROVINCE, kind=UnitKind.PROVINCE, name="Tỉnh Đắk Thử")
    unit_save(unit=unit)
    assert AdministrativeUnit.objects.get(pk=unit.pk).name_folded == "tinh dak thu"

    unit.code = "999"
    with pytest.raises(ValidationError) as error:
        unit_save(unit=unit)
    assert "code" in error.value.message_dict


def test_is_valid_on_includes_both_bounds() -> None:
    unit = AdministrativeUnit(valid_from=date(2025, 7, 1), valid_to=date(2025, 12, 31))
    assert not unit.is_valid_on(date(2025, 6, 30))
    assert unit.is_valid_on(date(2025, 7, 1))
    assert unit.is_valid_on(date(2025, 12, 31))
    assert not unit.is_valid_on(date(2026, 1, 1))
