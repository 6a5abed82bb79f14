"""Parsing and validation of personal identification numbers and tax (enterprise) codes.

Pure rules: no database access, so forms, serializers, services and imports can all call them.
Every refusal is an `InvalidIdentifier` with a stable `code` (see `IdentifierErrorCode`) and a
translatable message saying what is wrong; `motcua.identity.validators` wraps the same errors for
Django model and form fields.

Personal identification number (*số định danh cá nhân*, the number on the căn cước card), 12 digits
`PPP G YY RRRRRR`:

- `PPP`: code of the province where the birth was registered (or of the country, for a birth
  registered abroad).
- `G`: century of birth and gender (male 0 / female 1 for 1900-1999, 2/3 for 2000-2099, ...).
- `YY`: last two digits of the year of birth.
- `RRRRRR`: a random number.

Legal basis: Nghị định 137/2015/NĐ-CP art. 13 (structure: 6-digit code of century/gender, year of
birth and province/country of birth registration, then 6 random digits); Thông tư 07/2016/TT-BCA
art. 7 and Phụ lục I (province codes, century/gender codes), restated in Thông tư 59/2021/TT-BCA
art. 4 according to secondary sources (not checked against the signed text). Neither text defines
a check digit: the last six digits are random, so a personal identification number can only be
checked for shape, province code and consistency with the holder's declared date of birth and
gender, never proven correct.

Tax code (*mã số thuế*), which for an enterprise is also its enterprise code (*mã số doanh
nghiệp*): `N1N2 N3..N9 N10[-N11N12N13]` (Nghị định 126/2020/NĐ-CP art. 6; Thông tư 105/2020/TT-BTC
art. 5). N1N2 is the issuing province, N3..N9 a sequence from 0000001, N10 a check digit, and a
dependent unit (branch, representative office) adds a hyphen and a sequence 001-999.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from motcua.core import clock
from motcua.core.errors import InvalidInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "BIRTH_REGISTRATION_PROVINCES",
    "Gender",
    "IdentifierErrorCode",
    "InvalidIdentifier",
    "PersonalId",
    "TaxCode",
    "TaxCodeKind",
    "parse_personal_id",
    "parse_tax_code",
    "tax_code_check_digit",
    "validate_personal_id",
]


class IdentifierErrorCode(StrEnum):
    """The stable codes of `InvalidIdentifier`. Clients branch on these, never on the message."""

    PERSONAL_ID_FORMAT = "personal_id_format"
    PERSONAL_ID_PROVINCE = "personal_id_province"
    PERSONAL_ID_CENTURY = "personal_id_century"
    PERSONAL_ID_BIRTH_DATE_MISMATCH = "personal_id_birth_date_mismatch"
    PERSONAL_ID_GENDER_MISMATCH = "personal_id_gender_mismatch"
    PERSONAL_ID_FUTURE_BIRTH_YEAR = "personal_id_future_birth_year"
    TAX_CODE_FORMAT = "tax_code_format"
    TAX_CODE_SEQUENCE = "tax_code_sequence"
    TAX_CODE_CHECK_DIGIT = "tax_code_check_digit"
    TAX_CODE_BRANCH = "tax_code_branch"
    TAX_CODE_PERSONAL_ID_NOT_ACCEPTED = "tax_code_personal_id_not_accepted"


def _render(template: StrOrPromise, params: Mapping[str, Any]) -> str:
    return str(template) % params


# `template % params`, evaluated lazily so the message follows the language active when it is shown
# (the API renders it in the request's language). Module-level so the lazy message can be pickled.
_interpolate = lazy(_render, str)


class InvalidIdentifier(InvalidInput):
    """An identifier was refused. `code` is one of `IdentifierErrorCode`.

    `message` is the translated text (lazy); `template` and `params` are kept so that the Django
    validators can hand Django the same message in its own `ValidationError(message, params)` form.
    Services that know the field name may set `field` before re-raising.
    """

    code = "invalid_identifier"

    def __init__(
        self, code: IdentifierErrorCode, template: StrOrPromise, /, *, field: str | None = None, **params: Any
    ) -> None:
        super().__init__(_interpolate(template, params), field=field, **params)
        self.code = code.value
        self.template = template


# --- Personal identification number -------------------------------------------------------------


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


# Thông tư 07/2016/TT-BCA, Phụ lục I: the code of the province where the birth was registered, one
# per province-level unit as they stood in 2016 (63 units). Each code is "0" followed by the
# province's 2-digit GSO code (cross-checked in tests against vietnam_provinces.legacy). Names are
# the appendix's short names, kept as written there ("Thừa Thiên Huế", not the 2025 "Huế").
#
# Not included: the codes for births registered abroad (the *mã quốc gia* of the same article).
# Their table could not be confirmed from a reliable copy of the circular, so a number carrying one
# is refused as an unknown code until it is added here.
#
# After the 2025 merger (Nghị quyết 202/2025/QH15) the 34 provinces kept codes drawn from this same
# list (e.g. 024 is now Bắc Ninh, which absorbed Bắc Giang), so every code issued since is still in
# the table; but the name shown is the pre-2025 province's, because whether births registered from
# 01/7/2025 are coded by the new provinces is not yet settled (domain spec §10.1, open).
BIRTH_REGISTRATION_PROVINCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "001": "Hà Nội",
        "002": "Hà Giang",
        "004": "Cao Bằng",
        "006": "Bắc Kạn",
        "008": "Tuyên Quang",
        "010": "Lào Cai",
        "011": "Điện Biên",
        "012": "Lai Châu",
        "014": "Sơn La",
        "015": "Yên Bái",
        "017": "Hòa Bình",
        "019": "Thái Nguyên",
        "020": "Lạng Sơn",
        "022": "Quảng Ninh",
        "024": "Bắc Giang",
        "025": "Phú Thọ",
        "026": "Vĩnh Phúc",
        "027": "Bắc Ninh",
        "030": "Hải Dương",
        "031": "Hải Phòng",
        "033": "Hưng Yên",
        "034": "Thái Bình",
        "035": "Hà Nam",
        "036": "Nam Định",
        "037": "Ninh Bình",
        "038": "Thanh Hóa",
        "040": "Nghệ An",
        "042": "Hà Tĩnh",
        "044": "Quảng Bình",
        "045": "Quảng Trị",
        "046": "Thừa Thiên Huế",
        "048": "Đà Nẵng",
        "049": "Quảng Nam",
        "051": "Quảng Ngãi",
        "052": "Bình Định",
        "054": "Phú Yên",
        "056": "Khánh Hòa",
        "058": "Ninh Thuận",
        "060": "Bình Thuận",
        "062": "Kon Tum",
        "064": "Gia Lai",
        "066": "Đắk Lắk",
        "067": "Đắk Nông",
        "068": "Lâm Đồng",
        "070": "Bình Phước",
        "072": "Tây Ninh",
        "074": "Bình Dương",
        "075": "Đồng Nai",
        "077": "Bà Rịa - Vũng Tàu",
        "079": "Hồ Chí Minh",
        "080": "Long An",
        "082": "Tiền Giang",
        "083": "Bến Tre",
        "084": "Trà Vinh",
        "086": "Vĩnh Long",
        "087": "Đồng Tháp",
        "089": "An Giang",
        "091": "Kiên Giang",
        "092": "Cần Thơ",
        "093": "Hậu Giang",
        "094": "Sóc Trăng",
        "095": "Bạc Liêu",
        "096": "Cà Mau",
    }
)

PERSONAL_ID_LENGTH: Final = 12
_ASCII_DIGITS: Final = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class PersonalId:
    """A structurally valid personal identification number and what its first six digits say.

    `century` follows the circular's own definition: the 20th century is 1900-1999, the 21st
    2000-2099. `province_name` is the Thông tư 07/2016 name for the code; it is None only for a code
    outside the province table (none is accepted today: see BIRTH_REGISTRATION_PROVINCES).
    """

    number: str
    birth_registration_code: str
    province_name: str | None
    century: int
    gender: Gender
    birth_year_two_digits: int
    birth_year: int


def parse_personal_id(value: str) -> PersonalId:
    """Checks the shape and province code of a personal identification number and decodes it.

    Surrounding whitespace is ignored; anything else that is not one of exactly 12 ASCII digits
    (spaces or dots between groups, letters, other scripts' digits) is refused. Does not look at the
    clock: a number encoding a future year parses; `validate_personal_id` refuses it.
    Raises InvalidIdentifier (personal_id_format, personal_id_province).
    """
    number = _strip(value)
    if not number:
        raise InvalidIdentifier(
            IdentifierErrorCode.PERSONAL_ID_FORMAT,
            _("The personal identification number is empty; it must have exactly 12 digits."),
            length=0,
        )
    for position, character in enumerate(number, start=1):
        if character in _ASCII_DIGITS:
            continue
        if character.isspace():
            raise InvalidIdentifier(
                IdentifierErrorCode.PERSONAL_ID_FORMAT,
                _(
                    "The personal identification number must be written as 12 digits without spaces; "
                    "there is a space at position %(position)s."
                ),
                position=position,
            )
        raise InvalidIdentifier(
            IdentifierErrorCode.PERSONAL_ID_FORMAT,
            _(
                "The personal identification number may contain only the digits 0 to 9; "
                "“%(character)s” at position %(position)s is not allowed."
            ),
            character=character,
            position=position,
        )
    if len(number) != PERSONAL_ID_LENGTH:
        raise InvalidIdentifier(
            IdentifierErrorCode.PERSONAL_ID_FORMAT,
            _("The personal identification number must have exactly 12 digits; it has %(length)s."),
            length=len(number),
        )

    code = number[:3]
    province_name = BIRTH_REGISTRATION_PROVINCES.get(code)
    if province_name is None:
        raise InvalidIdentifier(
            IdentifierErrorCode.PERSONAL_ID_PROVINCE,
            _(
                "The personal identification number starts with %(prefix)s, which is not the code of a "
                "province where births are registered; check the first three digits."
            ),
            prefix=code,
        )

    # Thông tư 07/2016/TT-BCA art. 7: even digits are men, odd digits women; each pair of digits is
    # one century, starting with 0/1 for 1900-1999. All ten digits are therefore meaningful.
    century_gender = int(number[3])
    century = 20 + century_gender // 2
    two_digits = int(number[4:6])
    return PersonalId(
        number=number,
        birth_registration_code=code,
        province_name=province_name,
        century=century,
        gender=Gender.MALE if century_gender % 2 == 0 else Gender.FEMALE,
        birth_year_two_digits=two_digits,
        birth_year=(century - 1) * 100 + two_digits,
    )


def validate_personal_id(
    value: str,
    *,
    birth_date: date | None = None,
    gender: str | None = None,
    today: date | None = None,
) -> PersonalId:
    """Parses the number and checks it against what the holder declared.

    Refuses a number whose encoded year of birth is after the current year (`today`, by default
    today in the deployment's time zone from core.clock). With `birth_date`, the century digit and
    the two year digits must give its year; with `gender` ("male" or "female"), the century/gender
    digit must agree. The declared date itself is the caller's to check (a date in the future
    within the current year passes here).
    Raises InvalidIdentifier (the parse codes, personal_id_future_birth_year, personal_id_century,
    personal_id_birth_date_mismatch, personal_id_gender_mismatch); ValueError for a `gender` that
    is not a Gender value, which is a programming error.
    """
    declared_gender = Gender(gender) if gender is not None else None
    personal_id = parse_personal_id(value)
    current_year = (today or timezone.localdate(clock.now(), timezone.get_default_timezone())).year
    if personal_id.birth_year > current_year:
        raise InvalidIdentifier(
            IdentifierErrorCode.PERSONAL_ID_FUTURE_BIRTH_YEAR,
            _(
                "The personal identification number gives %(birth_year)s as the year of birth, "
                "which is in the future; check the fourth to sixth digits."
            ),
            birth_year=personal_id.birth_year,
        )

    if birth_date is not None:
        declared_century = birth_date.year // 100 + 1
        if declared_century != personal_id.century:
            first_year = (personal_id.century - 1) * 100
            raise InvalidIdentifier(
                IdentifierErrorCode.PERSONAL_ID_CENTURY,
                _(
                    "The fourth digit of the personal identification number (%(digit)s) is for people "
                    "born from %(first_year)s to %(last_year)s, but the date of birth is in %(birth_year)s."
                ),
                digit=personal_id.number[3],
                first_year=first_year,
                last_year=first_year + 99,
                birth_year=birth_date.year,
            )
        if birth_date.year % 100 != personal_id.birth_year_two_digits:
            raise InvalidIdentifier(
                IdentifierErrorCode.PERSONAL_ID_BIRTH_DATE_MISMATCH,
                _(
                    "The fifth and sixth digits of the personal identification number (%(digits)s) "
                    "must be the last two digits of the year of birth, but the date of birth is in "
                    "%(birth_year)s."
                ),
                digits=personal_id.number[4:6],
                birth_year=birth_date.year,
            )

    if declared_gender is not None and declared_gender != personal_id.gender:
        if personal_id.gender is Gender.MALE:
            template = _("The personal identification number is that of a man, but the gender given is female.")
        else:
            template = _("The personal identification number is that of a woman, but the gender given is male.")
        raise InvalidIdentifier(IdentifierErrorCode.PERSONAL_ID_GENDER_MISMATCH, template)
    return personal_id


# --- Tax code / enterprise code ------------------------------------------------------------------


class TaxCodeKind(StrEnum):
    # 10 digits: an enterprise, cooperative or other organisation, or (codes issued before the
    # switch to personal identification numbers) a household representative or an individual.
    INDEPENDENT = "independent"
    # 13 characters NNNNNNNNNN-NNN: a branch, representative office or other dependent unit.
    DEPENDENT_UNIT = "dependent_unit"
    # 12 digits: an individual's personal identification number used as tax code.
    PERSONAL_ID = "personal_id"


@dataclass(frozen=True, slots=True)
class TaxCode:
    """A valid tax code in its written form (`number`, with the hyphen for a dependent unit).

    `parent_number` is the 10-digit code of the unit a dependent unit belongs to and
    `branch_number` its 3-digit suffix; `personal_id` is set when the code is a personal
    identification number.
    """

    number: str
    kind: TaxCodeKind
    parent_number: str | None = None
    branch_number: str | None = None
    personal_id: PersonalId | None = None


# Weights of the check digit N10 over N1..N9. The decrees and circulars name N10 a check digit but
# do not print the formula; weights and rule come from public implementations that agree on them
# (python-stdnum `stdnum.vn.mst`, stdnum-js `vn/mst`, the vn-ident package, which cites the worked
# example 010004751 -> 6) and hold on published codes (Vietcombank 0100112437, EVN 0100100079,
# Viettel 0100109106; see the tests).
_TAX_CODE_WEIGHTS: Final = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_CODE_SHAPE: Final = re.compile(r"[0-9]{10}(?:-[0-9]{3})?", re.ASCII)
_TAX_CODE_CHARACTERS: Final = frozenset("0123456789-")


def tax_code_check_digit(first_nine: str) -> int | None:
    """The check digit N10 for the digits N1..N9, or None when no digit fits.

    N10 = 10 - (sum of N_i x weight_i mod 11). When the remainder is 0 the result would be 10,
    which is not a digit: no valid tax code starts with those nine digits. We refuse every tenth
    digit for them (as python-stdnum and vn-ident do) rather than map 10 to 0, which none of those
    sources does.
    """
    if len(first_nine) != 9 or not all(c in _ASCII_DIGITS for c in first_nine):
        raise ValueError(f"expected 9 ASCII digits, not {first_nine!r}")
    total = sum(weight * int(digit) for weight, digit in zip(_TAX_CODE_WEIGHTS, first_nine, strict=True))
    check = 10 - total % 11
    return check if check <= 9 else None


def parse_tax_code(value: str, *, accept_personal_id: bool = True) -> TaxCode:
    """Checks a tax code (= enterprise code) and tells which kind it is.

    Accepts 10 digits, or 10 digits, "-" and a branch number 001-999 (a dependent unit), with
    surrounding whitespace ignored. Spaces, dots, other dashes or a missing hyphen are refused
    with a message that shows the expected form. With `accept_personal_id` (the default), a 12-digit
    personal identification number is accepted as an individual's tax code: from 01/7/2025 the
    personal identification number replaces the individual's tax code (domain spec §10.2, [U]:
    hence the flag). It is then checked as by `parse_personal_id`, whose error codes it raises.
    Raises InvalidIdentifier (tax_code_format, tax_code_sequence, tax_code_check_digit,
    tax_code_branch, tax_code_personal_id_not_accepted, or a personal_id_* code).
    """
    number = _strip(value)
    if not number:
        raise InvalidIdentifier(
            IdentifierErrorCode.TAX_CODE_FORMAT,
            _("The tax code is empty; it must have 10 digits, or 10 digits, a hyphen and a 3-digit branch number."),
            length=0,
        )
    for position, character in enumerate(number, start=1):
        if character in _TAX_CODE_CHARACTERS:
            continue
        if character.isspace():
            raise InvalidIdentifier(
                IdentifierErrorCode.TAX_CODE_FORMAT,
                _("The tax code must be written without spaces; there is a space at position %(position)s."),
                position=position,
            )
        raise InvalidIdentifier(
            IdentifierErrorCode.TAX_CODE_FORMAT,
            _(
                "A tax code may contain only digits and, before a branch number, a hyphen “-”; "
                "“%(character)s” at position %(position)s is not allowed."
            ),
            character=character,
            position=position,
        )

    if number.isdigit() and len(number) == PERSONAL_ID_LENGTH:
        if not accept_personal_id:
            raise InvalidIdentifier(
                IdentifierErrorCode.TAX_CODE_PERSONAL_ID_NOT_ACCEPTED,
                _(
                    "A 12-digit personal identification number is not accepted as a tax code here; "
                    "enter the 10-digit tax code."
                ),
            )
        personal_id = parse_personal_id(number)
        return TaxCode(number=number, kind=TaxCodeKind.PERSONAL_ID, personal_id=personal_id)

    if _TAX_CODE_SHAPE.fullmatch(number) is None:
        raise _tax_code_shape_error(number)

    parent_number, _hyphen, branch_number = number.partition("-")
    # Thông tư 105/2020/TT-BTC art. 5: N3..N9 run from 0000001 to 9999999.
    if parent_number[2:9] == "0000000":
        raise InvalidIdentifier(
            IdentifierErrorCode.TAX_CODE_SEQUENCE,
            _("Digits 3 to 9 of a tax code are a sequence number from 0000001 to 9999999; 0000000 is never issued."),
        )
    if tax_code_check_digit(parent_number[:9]) != int(parent_number[9]):
        raise InvalidIdentifier(
            IdentifierErrorCode.TAX_CODE_CHECK_DIGIT,
            _(
                "The tax code %(number)s does not pass its check digit, so at least one digit is "
                "mistyped; compare it with the registration certificate."
            ),
            number=parent_number,
        )
    if not branch_number:
        return TaxCode(number=number, kind=TaxCodeKind.INDEPENDENT)
    if branch_number == "000":
        raise InvalidIdentifier(
            IdentifierErrorCode.TAX_CODE_BRANCH,
            _("The branch number after the hyphen runs from 001 to 999; 000 is never issued."),
        )
    return TaxCode(
        number=number,
        kind=TaxCodeKind.DEPENDENT_UNIT,
        parent_number=parent_number,
        branch_number=branch_number,
    )


def _tax_code_shape_error(number: str) -> InvalidIdentifier:
    digits = number.replace("-", "")
    if len(digits) == 13 and number.count("-") <= 1:
        # Thirteen digits with the hyphen missing or misplaced: show the one right way to write them.
        return InvalidIdentifier(
            IdentifierErrorCode.TAX_CODE_FORMAT,
            _(
                "A dependent unit's tax code is written with a hyphen after the tenth digit, followed "
                "by the 3-digit branch number: %(suggestion)s."
            ),
            suggestion=f"{digits[:10]}-{digits[10:]}",
        )
    if "-" in number:
        return InvalidIdentifier(
            IdentifierErrorCode.TAX_CODE_FORMAT,
            _(
                "A dependent unit's tax code is 10 digits, one hyphen, then a 3-digit branch number; "
                "“%(value)s” does not have that form."
            ),
            value=number,
        )
    return InvalidIdentifier(
        IdentifierErrorCode.TAX_CODE_FORMAT,
        _(
            "A tax code has 10 digits, or 10 digits, a hyphen and a 3-digit branch number; "
            "this one has %(length)s digits."
        ),
        length=len(number),
    )


def _strip(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"an identifier must be a str, not {type(value).__name__}")
    return value.strip()
