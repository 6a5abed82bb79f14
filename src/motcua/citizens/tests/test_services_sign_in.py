"""citizen_sign_in_from_claims: one citizen per personal ID, no password, appended sign-ins, represented businesses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import translation

from motcua.citizens.errors import SignInErrorCode, SignInFailed
from motcua.citizens.models import Authorisation, Business, Citizen, SignIn
from motcua.citizens.selectors import principals_for
from motcua.citizens.services import citizen_sign_in_from_claims
from motcua.citizens.tests.conftest import AN, HANG_BAC, ISSUER, NOW
from motcua.geo.models import AdministrativeUnit, UnitKind, UnitLevel
from motcua.geo.services import unit_save

pytestmark = pytest.mark.django_db


def test_it_creates_the_citizen_with_a_user_without_password() -> None:
    citizen = citizen_sign_in_from_claims(claims=AN)

    citizen.refresh_from_db()
    assert citizen.personal_id == "001085012345"
    assert citizen.full_name == "Nguyễn Văn An"
    assert citizen.birth_date == date(1985, 3, 14)
    assert (citizen.gender, citizen.phone, citizen.email) == ("male", "0912345678", "an@example.com")
    assert citizen.assurance_level == 2
    assert (citizen.idp_issuer, citizen.idp_subject) == (ISSUER, "subject-an")
    assert citizen.created_at == citizen.last_sign_in_at == NOW
    user = User.objects.get(pk=citizen.user_id)
    assert not user.has_usable_password()
    assert not user.is_staff
    sign_in = SignIn.objects.get()
    assert (sign_in.citizen_id, sign_in.signed_in_at, sign_in.assurance_level) == (citizen.pk, NOW, 2)
    assert sign_in.acr == "urn:motcua:idp-standin:level:2"
    assert "personal_id" in sign_in.changed_fields and "address" in sign_in.changed_fields


def test_a_second_sign_in_updates_what_changed_and_appends_a_sign_in(identity) -> None:
    first = citizen_sign_in_from_claims(claims=AN)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        second = citizen_sign_in_from_claims(
            claims=identity(address="45 đường Lê Lợi, Phường Sài Gòn, TP Hồ Chí Minh", assurance_level=1, acr="l1")
        )

    assert second.pk == first.pk
    assert Citizen.objects.count() == 1 and User.objects.count() == 1
    second.refresh_from_db()
    assert second.address.startswith("45 đường Lê Lợi")
    assert second.assurance_level == 1
    assert second.last_sign_in_at == NOW + timedelta(days=3)
    assert second.created_at == NOW
    rows = list(SignIn.objects.order_by("signed_in_at"))
    assert [r.assurance_level for r in rows] == [2, 1]
    assert rows[1].changed_fields == ["address"]


def test_fields_the_provider_did_not_send_are_kept(identity) -> None:
    citizen_sign_in_from_claims(claims=AN)
    citizen = citizen_sign_in_from_claims(claims=identity(phone=None, email=None, address=None, birth_date=None))

    citizen.refresh_from_db()
    assert (citizen.phone, citizen.email) == ("0912345678", "an@example.com")
    assert citizen.address.startswith("Số 12")
    assert SignIn.objects.order_by("-pk")[0].changed_fields == []


def test_the_same_person_through_a_new_provider_account_keeps_one_citizen(identity) -> None:
    first = citizen_sign_in_from_claims(claims=AN)
    second = citizen_sign_in_from_claims(claims=identity(issuer="https://vneid.example", subject="other"))

    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.idp_issuer, second.idp_subject) == ("https://vneid.example", "other")


def test_a_subject_linked_to_another_personal_id_is_refused_without_changes(identity) -> None:
    citizen_sign_in_from_claims(claims=AN)
    with translation.override("en"), pytest.raises(SignInFailed) as refused:
        citizen_sign_in_from_claims(claims=identity(personal_id="079190001234", gender="female", birth_date=None))

    assert refused.value.code == SignInErrorCode.ACCOUNT_CONFLICT
    with translation.override("en"):  # the message is lazy: rendered in the active language
        assert "already linked to another personal identification number" in str(refused.value.message)
    assert list(Citizen.objects.values_list("personal_id", flat=True)) == ["001085012345"]
    assert SignIn.objects.count() == 1


def test_a_value_the_model_refuses_fails_the_sign_in_and_stores_nothing(identity) -> None:
    with pytest.raises(SignInFailed) as refused:
        citizen_sign_in_from_claims(claims=identity(phone="0" * 25))

    assert refused.value.code == SignInErrorCode.CLAIMS_INVALID
    assert not Citizen.objects.exists() and not User.objects.exists() and not SignIn.objects.exists()


def _commune(code: str, name: str) -> AdministrativeUnit:
    province = unit_save(
        unit=AdministrativeUnit(code="01", level=UnitLevel.PROVINCE, kind=UnitKind.CENTRAL_CITY, name="Hà Nội")
    )
    return unit_save(
        unit=AdministrativeUnit(code=code, level=UnitLevel.COMMUNE, kind=UnitKind.WARD, name=name, parent=province)
    )


def test_the_commune_code_links_the_unit_in_force(identity) -> None:
    hoan_kiem = _commune("00070", "Phường Hoàn Kiếm")
    citizen = citizen_sign_in_from_claims(claims=identity(commune_code="00070"))

    citizen.refresh_from_db()
    assert citizen.commune_id == hoan_kiem.pk


def test_an_unknown_commune_code_keeps_the_address_text(identity) -> None:
    citizen = citizen_sign_in_from_claims(claims=identity(commune_code="99999"))

    citizen.refresh_from_db()
    assert citizen.commune_id is None
    assert citizen.address.startswith("Số 12 phố Hàng Bạc")


def test_businesses_asserted_by_the_provider_become_authorisations(identity) -> None:
    citizen = citizen_sign_in_from_claims(claims=identity(businesses=(HANG_BAC,)))

    business = Business.objects.get()
    assert (business.tax_code, business.name) == ("0102345677", "Công ty TNHH Thương mại Hàng Bạc")
    authorisation = Authorisation.objects.get()
    assert authorisation.kind == Authorisation.Kind.LEGAL_REPRESENTATIVE
    assert authorisation.source == Authorisation.Source.IDENTITY_PROVIDER
    assert authorisation.all_procedures and authorisation.valid_until is None
    assert [p.identifier for p in principals_for(citizen=citizen)] == ["001085012345", "0102345677"]

    # Signing in again with the same assertion grants nothing new.
    citizen_sign_in_from_claims(claims=identity(businesses=(HANG_BAC,)))
    assert Authorisation.objects.count() == 1


def test_a_business_no_longer_asserted_is_revoked_not_deleted(identity) -> None:
    citizen = citizen_sign_in_from_claims(claims=identity(businesses=(HANG_BAC,)))
    citizen_sign_in_from_claims(claims=identity(businesses=()))

    authorisation = Authorisation.objects.get()
    assert authorisation.revocation.reason == "No longer asserted by the identity provider at sign-in."
    assert [p.kind for p in principals_for(citizen=citizen)] == ["self"]


def test_without_the_businesses_claim_the_authorisations_are_left_alone(identity) -> None:
    citizen_sign_in_from_claims(claims=identity(businesses=(HANG_BAC,)))
    citizen_sign_in_from_claims(claims=identity(businesses=None))

    assert not Authorisation.objects.filter(revocation__isnull=False).exists()
