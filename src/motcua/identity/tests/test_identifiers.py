"""Personal identification numbers and tax codes: table-driven, no database.

Personal numbers below are made up in the real shape (province, century/gender, year, 6 random
digits); no real person's number is used. Enterprise codes marked "published" are the codes of
well-known state enterprises as they appear on their invoices and in public registries.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.functional import Promise

from motcua.core.errors import InvalidInput
from motcua.core.text import fold, nfc
from motcua.identity.identifiers import (
    BIRTH_REGISTRATION_PROVINCES,
    Gender,
    IdentifierErrorCode,
    InvalidIdentifier,
    PersonalId,
    TaxCode,
    TaxCodeKind,
    parse_personal_id,
    parse_tax_code,
    tax_code_check_digit,
    validate_personal_id,
)
from motcua.identity.validators import validate_personal_id_number, validate_tax_code

TODAY = date(2026, 11, 28)


# --- Personal identification number: valid numbers -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "province", "century", "gender", "two_digits", "year"),
    [
        pytest.param("001087012345", "001", "Hà Nội", 20, Gender.MALE, 87, 1987, id="hanoi-1987-male"),
        pytest.param("001190654321", "001", "Hà Nội", 20, Gender.FEMALE, 90, 1990, id="hanoi-1990-female"),
        pytest.param("001205000001", "001", "Hà Nội", 21, Gender.MALE, 5, 2005, id="hanoi-2005-male"),
        pytest.param("079303004567", "079", "Hồ Chí Minh", 21, Gender.FEMALE, 3, 2003, id="hcm-2003-female"),
        pytest.param("079062123456", "079", "Hồ Chí Minh", 20, Gender.MALE, 62, 1962, id="hcm-1962-male"),
        pytest.param("079199999999", "079", "Hồ Chí Minh", 20, Gender.FEMALE, 99, 1999, id="hcm-1999-female"),
        pytest.param("079200000000", "079", "Hồ Chí Minh", 21, Gender.MALE, 0, 2000, id="hcm-2000-male"),
        pytest.param("046310777777", "046", "Thừa Thiên Huế", 21, Gender.FEMALE, 10, 2010, id="hue-2010"),
        pytest.param("096326000042", "096", "Cà Mau", 21, Gender.FEMALE, 26, 2026, id="camau-this-year"),
        pytest.param("024100000100", "024", "Bắc Giang", 20, Gender.FEMALE, 0, 1900, id="bacgiang-1900"),
    ],
)
def test_parse_personal_id_decodes_the_first_six_digits(value, code, province, century, gender, two_digits, year):
    personal_id = parse_personal_id(value)

    assert personal_id == PersonalId(
        number=value,
        birth_registration_code=code,
        province_name=province,
        century=century,
        gender=gender,
        birth_year_two_digits=two_digits,
        birth_year=year,
    )
    assert validate_personal_id(value, today=TODAY) == personal_id


@pytest.mark.parametrize(
    ("digit", "century", "gender", "year"),
    [
        ("0", 20, Gender.MALE, 1945),
        ("1", 20, Gender.FEMALE, 1945),
        ("2", 21, Gender.MALE, 2045),
        ("3", 21, Gender.FEMALE, 2045),
        ("4", 22, Gender.MALE, 2145),
        ("5", 22, Gender.FEMALE, 2145),
        ("6", 23, Gender.MALE, 2245),
        ("7", 23, Gender.FEMALE, 2245),
        ("8", 24, Gender.MALE, 2345),
        ("9", 24, Gender.FEMALE, 2345),
    ],
)
def test_century_gender_digit_table(digit, century, gender, year):
    # Thông tư 07/2016/TT-BCA art. 7: 20th century (1900-1999) 0/1, 21st 2/3, ... 24th 8/9.
    personal_id = parse_personal_id(f"001{digit}45123456")

    assert (personal_id.century, personal_id.gender, personal_id.birth_year) == (century, gender, year)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(" 001087012345", id="leading-space"),
        pytest.param("001087012345\n", id="trailing-newline"),
        pytest.param("\t001087012345  ", id="tabs-and-spaces"),
        pytest.param("\u00a0001087012345\u00a0", id="no-break-spaces"),
    ],
)
def test_surrounding_whitespace_is_ignored(value):
    assert parse_personal_id(value).number == "001087012345"


def test_validate_accepts_a_consistent_birth_date_and_gender():
    personal_id = validate_personal_id("079303004567", birth_date=date(2003, 2, 14), gender="female", today=TODAY)

    assert personal_id.birth_year == 2003
    assert validate_personal_id("001087012345", birth_date=date(1987, 12, 31), gender=Gender.MALE, today=TODAY)


# --- Personal identification number: refusals ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        pytest.param(
            "00108701234",
            "personal_id_format",
            "The personal identification number must have exactly 12 digits; it has 11.",
            id="11-digits",
        ),
        pytest.param(
            "0010870123456",
            "personal_id_format",
            "The personal identification number must have exactly 12 digits; it has 13.",
            id="13-digits",
        ),
        pytest.param(
            "012345678",
            "personal_id_format",
            "The personal identification number must have exactly 12 digits; it has 9.",
            id="old-9-digit-cmnd",
        ),
        pytest.param(
            "   ",
            "personal_id_format",
            "The personal identification number is empty; it must have exactly 12 digits.",
            id="blank",
        ),
        pytest.param(
            "00108701234A",
            "personal_id_format",
            "The personal identification number may contain only the digits 0 to 9; “A” at position 12 is not allowed.",
            id="letter",
        ),
        pytest.param(
            "001.087.012345",
            "personal_id_format",
            "The personal identification number may contain only the digits 0 to 9; “.” at position 4 is not allowed.",
            id="dots",
        ),
        pytest.param(
            "001-087-012345",
            "personal_id_format",
            "The personal identification number may contain only the digits 0 to 9; “-” at position 4 is not allowed.",
            id="hyphens",
        ),
        pytest.param(
            "001 087 012345",
            "personal_id_format",
            "The personal identification number must be written as 12 digits without spaces; "
            "there is a space at position 4.",
            id="inner-spaces",
        ),
        pytest.param(
            "００１０８７０１２３４５",
            "personal_id_format",
            "The personal identification number may contain only the digits 0 to 9; “０” at position 1 is not allowed.",
            id="full-width-digits",
        ),
        pytest.param(
            "٠٠١٠٨٧٠١٢٣٤٥",
            "personal_id_format",
            "The personal identification number may contain only the digits 0 to 9; “٠” at position 1 is not allowed.",
            id="arabic-indic-digits",
        ),
        pytest.param(
            "003087012345",
            "personal_id_province",
            "The personal identification number starts with 003, which is not the code of a province "
            "where births are registered; check the first three digits.",
            id="province-003",
        ),
        pytest.param("005087012345", "personal_id_province", None, id="province-005"),
        pytest.param("000087012345", "personal_id_province", None, id="province-000"),
        pytest.param("097087012345", "personal_id_province", None, id="province-097"),
        pytest.param("100087012345", "personal_id_province", None, id="province-100"),
        pytest.param("790087012345", "personal_id_province", None, id="gso-code-without-leading-zero"),
    ],
)
def test_parse_personal_id_refusals(value, code, message):
    with pytest.raises(InvalidIdentifier) as caught:
        parse_personal_id(value)

    assert caught.value.code == code
    if message is not None:
        assert str(caught.value.message) == message


@pytest.mark.parametrize(
    ("value", "kwargs", "code", "message"),
    [
        pytest.param(
            "001005012345",
            {"birth_date": date(2005, 3, 1)},
            "personal_id_century",
            "The fourth digit of the personal identification number (0) is for people born from 1900 "
            "to 1999, but the date of birth is in 2005.",
            id="born-2005-coded-1905",
        ),
        pytest.param(
            "001103012345",
            {"birth_date": date(2003, 7, 9), "gender": "female"},
            "personal_id_century",
            "The fourth digit of the personal identification number (1) is for people born from 1900 "
            "to 1999, but the date of birth is in 2003.",
            id="woman-born-2003-coded-1903",
        ),
        pytest.param(
            "001215012345",
            {"birth_date": date(1915, 3, 1)},
            "personal_id_century",
            "The fourth digit of the personal identification number (2) is for people born from 2000 "
            "to 2099, but the date of birth is in 1915.",
            id="born-1915-coded-2015",
        ),
        pytest.param(
            "001087012345",
            {"birth_date": date(1988, 1, 1)},
            "personal_id_birth_date_mismatch",
            "The fifth and sixth digits of the personal identification number (87) must be the last "
            "two digits of the year of birth, but the date of birth is in 1988.",
            id="year-digits-mismatch",
        ),
        pytest.param(
            "001087012345",
            {"gender": "female"},
            "personal_id_gender_mismatch",
            "The personal identification number is that of a man, but the gender given is female.",
            id="man-declared-female",
        ),
        pytest.param(
            "079303004567",
            {"birth_date": date(2003, 2, 14), "gender": Gender.MALE},
            "personal_id_gender_mismatch",
            "The personal identification number is that of a woman, but the gender given is male.",
            id="woman-declared-male",
        ),
        pytest.param(
            "001230012345",
            {},
            "personal_id_future_birth_year",
            "The personal identification number gives 2030 as the year of birth, which is in the "
            "future; check the fourth to sixth digits.",
            id="born-2030",
        ),
        pytest.param("001227012345", {}, "personal_id_future_birth_year", None, id="born-next-year"),
        pytest.param("001487012345", {}, "personal_id_future_birth_year", None, id="22nd-century"),
        pytest.param(
            "001230012345",
            {"birth_date": date(2030, 1, 1)},
            "personal_id_future_birth_year",
            None,
            id="future-even-if-consistent",
        ),
    ],
)
def test_validate_personal_id_refusals(value, kwargs, code, message):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_personal_id(value, today=TODAY, **kwargs)

    assert caught.value.code == code
    if message is not None:
        assert str(caught.value.message) == message


def test_an_unknown_gender_value_is_a_programming_error():
    with pytest.raises(ValueError, match="nam"):
        validate_personal_id("001087012345", gender="nam", today=TODAY)


def test_a_non_string_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_personal_id(1087012345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_tax_code(100112437)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("frozen_at", "accepted"),
    [
        (datetime(2029, 12, 31, 16, 59, tzinfo=UTC), False),  # 23:59 on 31/12/2029 in Hà Nội
        (datetime(2029, 12, 31, 17, 0, tzinfo=UTC), True),  # 00:00 on 01/01/2030 in Hà Nội
    ],
)
def test_today_defaults_to_the_clock_in_the_deployment_time_zone(frozen_at, accepted):
    with time_machine.travel(frozen_at, tick=False):
        if accepted:
            assert validate_personal_id("001230012345").birth_year == 2030
        else:
            with pytest.raises(InvalidIdentifier) as caught:
                validate_personal_id("001230012345")
            assert caught.value.code == "personal_id_future_birth_year"


# --- Province table -------------------------------------------------------------------------------


def test_province_table_has_the_63_pre_2025_provinces():
    assert len(BIRTH_REGISTRATION_PROVINCES) == 63
    assert {"001", "079", "096"} <= BIRTH_REGISTRATION_PROVINCES.keys()
    assert not {"003", "005", "007", "009", "097"} & BIRTH_REGISTRATION_PROVINCES.keys()
    assert all(name == nfc(name) for name in BIRTH_REGISTRATION_PROVINCES.values())


def test_province_table_matches_the_gso_codes_of_vietnam_provinces_legacy():
    legacy = pytest.importorskip("vietnam_provinces.legacy")
    # The appendix of Thông tư 07/2016 predates Huế becoming a centrally-run city (2025).
    renamed = {"046": ("Thừa Thiên Huế", "Thành phố Huế")}

    gso = {f"0{int(p.code):02d}": p.name for p in legacy.Province.iter_all()}

    assert gso.keys() == BIRTH_REGISTRATION_PROVINCES.keys()
    for code, legacy_name in gso.items():
        ours = BIRTH_REGISTRATION_PROVINCES[code]
        if code in renamed:
            assert (ours, legacy_name) == renamed[code]
            continue
        short = legacy_name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        assert fold(ours) == fold(short), code


# --- Tax codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_nine", "check"),
    [
        ("010004751", 6),  # the worked example cited by vn-ident
        ("010011243", 7),
        ("010010007", 9),
        ("010010910", 6),
        ("031440905", 8),
        ("123456789", 3),  # 513 mod 11 = 7; 10 - 7 = 3
        ("560123456", 2),
        ("987654321", None),  # 957 = 87 x 11: remainder 0, "10" is not a digit
    ],
)
def test_tax_code_check_digit(first_nine, check):
    assert tax_code_check_digit(first_nine) == check


@pytest.mark.parametrize("bad", ["01000475", "0100047516", "01000475a", "０１０００４７５１"])
def test_tax_code_check_digit_needs_nine_ascii_digits(bad):
    with pytest.raises(ValueError, match="9 ASCII digits"):
        tax_code_check_digit(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            "0100112437", TaxCode(number="0100112437", kind=TaxCodeKind.INDEPENDENT), id="published-vietcombank"
        ),
        pytest.param("0100100079", TaxCode(number="0100100079", kind=TaxCodeKind.INDEPENDENT), id="published-evn"),
        pytest.param("0100109106", TaxCode(number="0100109106", kind=TaxCodeKind.INDEPENDENT), id="published-viettel"),
        pytest.param("1234567893", TaxCode(number="1234567893", kind=TaxCodeKind.INDEPENDENT), id="computed"),
        pytest.param(
            " 5601234562 ", TaxCode(number="5601234562", kind=TaxCodeKind.INDEPENDENT), id="computed-with-spaces"
        ),
        pytest.param(
            "0100112437-001",
            TaxCode(
                number="0100112437-001",
                kind=TaxCodeKind.DEPENDENT_UNIT,
                parent_number="0100112437",
                branch_number="001",
            ),
            id="branch-001",
        ),
        pytest.param(
            "0314409058-999",
            TaxCode(
                number="0314409058-999",
                kind=TaxCodeKind.DEPENDENT_UNIT,
                parent_number="0314409058",
                branch_number="999",
            ),
            id="branch-999",
        ),
    ],
)
def test_parse_tax_code_accepts(value, expected):
    assert parse_tax_code(value) == expected


def test_a_personal_id_is_an_individuals_tax_code_by_default():
    tax_code = parse_tax_code("079303004567")

    assert tax_code.kind is TaxCodeKind.PERSONAL_ID
    assert tax_code.number == "079303004567"
    assert tax_code.personal_id == parse_personal_id("079303004567")
    assert tax_code.parent_number is None
    assert tax_code.branch_number is None


def test_a_personal_id_can_be_refused_as_tax_code():
    with pytest.raises(InvalidIdentifier) as caught:
        parse_tax_code("079303004567", accept_personal_id=False)

    assert caught.value.code == "tax_code_personal_id_not_accepted"


def test_a_personal_id_given_as_tax_code_is_checked_as_a_personal_id():
    with pytest.raises(InvalidIdentifier) as caught:
        parse_tax_code("003087012345")

    assert caught.value.code == "personal_id_province"


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        pytest.param(
            "0100112438",
            "tax_code_check_digit",
            "The tax code 0100112438 does not pass its check digit, so at least one digit is mistyped; "
            "compare it with the registration certificate.",
            id="vietcombank-last-digit-wrong",
        ),
        pytest.param("0100233480", "tax_code_check_digit", None, id="stdnum-negative-example"),
        pytest.param("0101001243", "tax_code_check_digit", None, id="two-digits-swapped"),
        pytest.param("0100112438-001", "tax_code_check_digit", None, id="branch-of-a-bad-code"),
        pytest.param(
            "0100112437-000",
            "tax_code_branch",
            "The branch number after the hyphen runs from 001 to 999; 000 is never issued.",
            id="branch-000",
        ),
        pytest.param(
            "0100000003",
            "tax_code_sequence",
            "Digits 3 to 9 of a tax code are a sequence number from 0000001 to 9999999; 0000000 is never issued.",
            id="sequence-zero-with-valid-check-digit",
        ),
        pytest.param(
            "0100112437001",
            "tax_code_format",
            "A dependent unit's tax code is written with a hyphen after the tenth digit, followed by the "
            "3-digit branch number: 0100112437-001.",
            id="13-digits-without-hyphen",
        ),
        pytest.param(
            "010011243-7001",
            "tax_code_format",
            "A dependent unit's tax code is written with a hyphen after the tenth digit, followed by the "
            "3-digit branch number: 0100112437-001.",
            id="hyphen-misplaced",
        ),
        pytest.param(
            "0100112437--001",
            "tax_code_format",
            "A dependent unit's tax code is 10 digits, one hyphen, then a 3-digit branch number; "
            "“0100112437--001” does not have that form.",
            id="double-hyphen",
        ),
        pytest.param("0100112437-01", "tax_code_format", None, id="2-digit-branch"),
        pytest.param("0100112437-0001", "tax_code_format", None, id="4-digit-branch"),
        pytest.param("0100112437-", "tax_code_format", None, id="trailing-hyphen"),
        pytest.param(
            "0100112437_001",
            "tax_code_format",
            "A tax code may contain only digits and, before a branch number, a hyphen “-”; “_” at "
            "position 11 is not allowed.",
            id="underscore",
        ),
        pytest.param("0100112437.001", "tax_code_format", None, id="dot-separator"),
        pytest.param("0100112437/001", "tax_code_format", None, id="slash-separator"),
        pytest.param("0100112437\u2013001", "tax_code_format", None, id="en-dash"),
        pytest.param(
            "0100112437 001",
            "tax_code_format",
            "The tax code must be written without spaces; there is a space at position 11.",
            id="space-separator",
        ),
        pytest.param("01.00.112.437", "tax_code_format", None, id="dotted-groups"),
        pytest.param(
            "010011243",
            "tax_code_format",
            "A tax code has 10 digits, or 10 digits, a hyphen and a 3-digit branch number; this one has 9 digits.",
            id="9-digits",
        ),
        pytest.param("01001124371", "tax_code_format", None, id="11-digits"),
        pytest.param("MST0100112437", "tax_code_format", None, id="prefix-letters"),
        pytest.param(
            "",
            "tax_code_format",
            "The tax code is empty; it must have 10 digits, or 10 digits, a hyphen and a 3-digit branch number.",
            id="empty",
        ),
    ],
)
def test_parse_tax_code_refusals(value, code, message):
    with pytest.raises(InvalidIdentifier) as caught:
        parse_tax_code(value)

    assert caught.value.code == code
    if message is not None:
        assert str(caught.value.message) == message


@pytest.mark.parametrize("tenth", "0123456789")
def test_no_tenth_digit_completes_a_prefix_whose_remainder_is_zero(tenth):
    with pytest.raises(InvalidIdentifier) as caught:
        parse_tax_code(f"987654321{tenth}")

    assert caught.value.code == "tax_code_check_digit"


# --- The error object ------------------------------------------------------------------------------


def test_invalid_identifier_is_an_invalid_input_with_a_lazy_message_and_params():
    with pytest.raises(InvalidIdentifier) as caught:
        parse_personal_id("00108701234")
    error = caught.value

    assert isinstance(error, InvalidInput)
    assert error.status == 400
    assert error.code == "personal_id_format"
    assert error.code in set(IdentifierErrorCode)
    assert isinstance(error.message, Promise)
    assert error.params == {"length": 11}
    assert str(error) == str(error.message)
    assert error.field is None


def test_results_are_frozen_slotted_dataclasses():
    personal_id = parse_personal_id("001087012345")
    tax_code = parse_tax_code("0100112437")

    with pytest.raises(dataclasses.FrozenInstanceError):
        personal_id.number = "079303004567"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tax_code.number = "0100100079"  # type: ignore[misc]
    assert not hasattr(personal_id, "__dict__")
    assert not hasattr(tax_code, "__dict__")


# --- Django validators ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["001087012345", " 079303004567 "])
def test_validate_personal_id_number_accepts(value):
    validate_personal_id_number(value)  # does not raise


@pytest.mark.parametrize("value", ["0100112437", "0100112437-001", "001087012345"])
def test_validate_tax_code_accepts(value):
    validate_tax_code(value)  # does not raise


@pytest.mark.parametrize(
    ("validator", "parser", "value"),
    [
        pytest.param(validate_personal_id_number, parse_personal_id, "00108701234", id="pid-length"),
        pytest.param(validate_personal_id_number, parse_personal_id, "005087012345", id="pid-province"),
        pytest.param(validate_personal_id_number, parse_personal_id, "00108701234%", id="pid-percent-sign"),
        pytest.param(validate_tax_code, parse_tax_code, "0100112438", id="tax-check-digit"),
        pytest.param(validate_tax_code, parse_tax_code, "0100112437-000", id="tax-branch"),
        pytest.param(validate_tax_code, parse_tax_code, "0100112437%001", id="tax-percent-sign"),
        pytest.param(validate_tax_code, parse_tax_code, "003087012345", id="tax-as-pid-province"),
    ],
)
def test_validators_raise_the_same_message_and_code(validator, parser, value):
    with pytest.raises(InvalidIdentifier) as domain:
        parser(value)
    with pytest.raises(ValidationError) as django:
        validator(value)

    assert django.value.code == domain.value.code
    assert django.value.messages == [str(domain.value.message)]


def test_validators_refuse_a_future_birth_year_from_the_clock():
    with time_machine.travel(datetime(2026, 11, 28, 3, 0, tzinfo=UTC), tick=False):
        for validator in (validate_personal_id_number, validate_tax_code):
            with pytest.raises(ValidationError) as caught:
                validator("001230012345")
            assert caught.value.code == "personal_id_future_birth_year"
