"""The demo identities: valid numbers, real post-2025 addresses, several provinces, one business."""

from __future__ import annotations

from datetime import date

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

from motcua.identity.identifiers import parse_personal_id, parse_tax_code, validate_personal_id
from motcua.idp_standin.identities import demo_identities, demo_identity


def test_there_are_at_least_four_identities_from_different_provinces() -> None:
    identities = demo_identities()
    assert len(identities) >= 4
    assert len({identity.province_code for identity in identities}) == len(identities)


def test_every_personal_id_agrees_with_the_birth_date_and_gender() -> None:
    for identity in demo_identities():
        parsed = validate_personal_id(
            identity.personal_id, birth_date=identity.birthdate, gender=identity.gender, today=date(2026, 12, 1)
        )
        assert parsed.birth_year == identity.birthdate.year


def test_every_address_is_a_commune_in_force_since_the_2025_reform() -> None:
    for identity in demo_identities():
        ward = Ward.from_code(WardCode(int(identity.commune_code)))
        province = Province.from_code(ProvinceCode(int(identity.province_code)))
        assert ward.name == identity.commune, identity.key
        assert int(ward.province_code) == int(identity.province_code), identity.key
        assert province.name == identity.province, identity.key


def test_one_identity_represents_a_business_with_a_valid_tax_code() -> None:
    businesses = [b for identity in demo_identities() for b in identity.businesses]
    assert businesses
    for business in businesses:
        assert parse_tax_code(business.tax_code, accept_personal_id=False).kind == "independent"


def test_claims_follow_the_scopes() -> None:
    an, hoa = demo_identity("nguyen-van-an"), demo_identity("pham-thi-hoa")
    assert an is not None and hoa is not None
    assert set(an.claims({"profile"})) == {"name", "birthdate", "gender", "personal_id"}
    assert an.claims({"address"})["address"]["commune_code"] == "00070"
    assert an.claims({"business"})["businesses"][0]["tax_code"] == "0102345677"
    assert an.claims(set()) == {}
    assert an.subject == an.subject != hoa.subject
    assert parse_personal_id(an.personal_id).province_name == "Hà Nội"
