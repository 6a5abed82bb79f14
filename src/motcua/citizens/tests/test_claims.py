"""claims_map: the provider's claims, checked and mapped, or a refusal naming the claim."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import translation

from motcua.citizens.claims import BusinessClaim, claims_map
from motcua.citizens.errors import SignInErrorCode, SignInFailed

pytestmark = pytest.mark.usefixtures("frozen_clock")

CLAIMS: dict[str, Any] = {
    "sub": "s",
    "personal_id": "001085012345",
    "name": "  Nguyễn   Văn An ",
    "birthdate": "1985-03-14",
    "gender": "male",
    "address": {"formatted": "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội", "commune_code": "70"},
    "phone_number": "+84 912 345 678",
    "email": "an@example.com",
    "businesses": [{"tax_code": "0102345677", "name": "Công ty TNHH Hàng Bạc", "address": "Hà Nội"}],
    "unrelated": "dropped",
}


def _map(claims: dict[str, Any], mapping: dict[str, str] | None = None):
    return claims_map(claims=claims, mapping=mapping or {}, issuer="i", subject="s", acr="a", assurance_level=2)


def test_it_maps_the_stand_in_claims() -> None:
    mapped = _map(CLAIMS)

    assert mapped.personal_id == "001085012345"
    assert mapped.full_name == "Nguyễn Văn An"
    assert mapped.birth_date == date(1985, 3, 14)
    assert mapped.gender == "male"
    assert mapped.address == "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert mapped.commune_code == "00070"
    assert mapped.phone == "0912345678"
    assert mapped.businesses == (BusinessClaim("0102345677", "Công ty TNHH Hàng Bạc", "Hà Nội"),)


def test_the_claim_names_are_configurable() -> None:
    vneid_like = {
        "so_dinh_danh": "079190001234",
        "ho_ten": "Trần Thị Bích Ngọc",
        "ngay_sinh": "02/07/1990",
        "gioi_tinh": "Nữ",
        "dia_chi": "Phường Sài Gòn",
    }
    mapping = {
        "personal_id": "so_dinh_danh",
        "full_name": "ho_ten",
        "birth_date": "ngay_sinh",
        "gender": "gioi_tinh",
        "address": "dia_chi",
        "commune_code": "",
        "businesses": "",
    }

    mapped = _map(vneid_like, mapping)

    assert (mapped.personal_id, mapped.birth_date, mapped.gender) == ("079190001234", date(1990, 7, 2), "female")
    assert mapped.address == "Phường Sài Gòn"
    assert (mapped.phone, mapped.email, mapped.businesses, mapped.commune_code) == (None, None, None, None)


REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "no personal id": ({"personal_id": None}, "“personal_id” (personal identification number) is missing"),
    "no name": ({"name": None}, "“name” (full name) is missing"),
    "name not text": ({"name": 12}, "“name” must be text"),
    "malformed personal id": ({"personal_id": "00108501234"}, "exactly 12 digits"),
    "personal id of another year": ({"birthdate": "1986-03-14"}, "last two digits of the year of birth"),
    "personal id of a woman": ({"gender": "female"}, "that of a man"),
    "bad date": ({"birthdate": "14-03-1985"}, "not a date in the form YYYY-MM-DD"),
    "future date": ({"birthdate": "2027-01-01", "personal_id": "001227012345"}, "in the future"),
    "bad phone": ({"phone_number": "12345"}, "not a Vietnamese phone number"),
    "bad e-mail": ({"email": "an@"}, "not an e-mail address"),
    "bad commune": ({"address": {"formatted": "x", "commune_code": "7a"}}, "not a 5-digit commune code"),
    "businesses not a list": ({"businesses": {"tax_code": "0102345677"}}, "must be a list of businesses"),
    "business tax code": ({"businesses": [{"tax_code": "0102345678", "name": "A"}]}, "check digit"),
    "business without name": ({"businesses": [{"tax_code": "0102345677"}]}, "has no name"),
    "address too long": ({"address": {"formatted": "x" * 501}}, "longer than 500 characters"),
}


@pytest.mark.parametrize(("changes", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_bad_claim_refuses_the_sign_in_and_names_it(changes: dict[str, Any], message: str) -> None:
    with translation.override("en"), pytest.raises(SignInFailed) as refused:
        _map(CLAIMS | changes)

    assert refused.value.code == SignInErrorCode.CLAIMS_INVALID
    assert message in str(refused.value.message)
    assert refused.value.status == 400


def test_an_unknown_gender_value_is_not_stored() -> None:
    assert _map(CLAIMS | {"gender": "other"}).gender is None
