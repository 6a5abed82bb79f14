from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel, agency_code_validator
from motcua.agencies.services import agency_save

MESSAGE = (
    "Enter an agency code in the form V1V2V3.Z1Z2.Y1Y2.MX1X2 (digits, and one capital letter "
    "before the last two digits), for example 000.00.04.G18."
)


@pytest.mark.parametrize(
    "code",
    [
        "000.00.04.G18",  # a level-2 unit of Bộ Y tế (QCVN 102:2016 example)
        "000.00.00.G09",  # Bộ Nội vụ
        "000.00.00.H38",  # Ủy ban nhân dân tỉnh Lào Cai
        "267.40.00.X79",  # a placeholder of rule X
    ],
)
def test_it_accepts_well_formed_agency_codes(code: str) -> None:
    agency_code_validator(code)


@pytest.mark.parametrize(
    "code",
    [
        "000.00.04.g18",  # lower-case letter
        "00.00.04.G18",  # V1V2V3 has three digits
        "000.00.04.G1",  # two digits after the letter
        "000.00.04.018",  # no letter
        "000-00-04-G18",  # dots, not dashes
        "000.00.04.G18\n",
        "G18",
        "",
    ],
)
def test_it_rejects_malformed_agency_codes_with_a_clear_message(code: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        agency_code_validator(code)
    assert error.value.code == "invalid_agency_code"
    with translation.override("en"):
        assert error.value.messages == [MESSAGE]


@pytest.mark.django_db
def test_an_operator_cannot_save_a_malformed_code() -> None:
    agency = Agency(code="000.00.04.G1", name="Bộ Y tế", kind=AgencyKind.MINISTRY, level=AgencyLevel.CENTRAL)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        agency_save(agency=agency)
    assert error.value.message_dict["code"] == [MESSAGE]


@pytest.mark.django_db
def test_agency_save_folds_the_name_and_refuses_a_cycle() -> None:
    ministry = agency_save(
        agency=Agency(code="000.00.00.G18", name="Bộ Y tế", kind=AgencyKind.MINISTRY, level=AgencyLevel.CENTRAL)
    )
    unit = agency_save(
        agency=Agency(
            code="000.00.04.G18",
            name="Cục Y tế",
            kind=AgencyKind.MINISTRY_UNIT,
            level=AgencyLevel.CENTRAL,
            parent=ministry,
        )
    )
    assert Agency.objects.get(pk=ministry.pk).name_folded == "bo y te"

    ministry.parent = unit
    with pytest.raises(ValidationError) as error:
        agency_save(agency=ministry)
    assert "parent" in error.value.message_dict
