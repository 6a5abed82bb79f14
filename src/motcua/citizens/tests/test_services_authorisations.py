"""authorisation_grant / authorisation_revoke and the selector of whom a citizen may act for."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import translation

from motcua.citizens.models import Authorisation, AuthorisationRevocation, Business, Citizen
from motcua.citizens.selectors import authorisations_in_force, principals_for
from motcua.citizens.services import (
    authorisation_grant,
    authorisation_revoke,
    business_register,
    citizen_sign_in_from_claims,
)
from motcua.citizens.tests.conftest import AN, NOW
from motcua.core.errors import Conflict, InvalidInput
from motcua.identity.identifiers import InvalidIdentifier

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)


@pytest.fixture
def an(identity) -> Citizen:
    return citizen_sign_in_from_claims(claims=AN)


@pytest.fixture
def ngoc(identity) -> Citizen:
    return citizen_sign_in_from_claims(
        claims=identity(
            subject="subject-ngoc",
            personal_id="079190001234",
            full_name="Trần Thị Bích Ngọc",
            gender="female",
            birth_date=date(1990, 7, 2),
        )
    )


@pytest.fixture
def business() -> Business:
    return business_register(tax_code=" 0102345677 ", name="Công ty  TNHH Hàng Bạc", address="Hà Nội")


def test_it_registers_a_business_and_updates_its_name() -> None:
    first = business_register(tax_code="0102345677", name="Công ty A")
    second = business_register(tax_code="0102345677", name="Công ty B", address="Hà Nội")

    assert first.pk == second.pk
    second.refresh_from_db()
    assert (second.name, second.address) == ("Công ty B", "Hà Nội")


@pytest.mark.parametrize(
    ("tax_code", "code"),
    [
        ("0102345678", "tax_code_check_digit"),
        ("001085012345", "tax_code_personal_id_not_accepted"),
        ("", "tax_code_format"),
    ],
)
def test_a_business_with_a_bad_tax_code_is_refused(tax_code: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        business_register(tax_code=tax_code, name="Công ty A")

    assert (refused.value.code, refused.value.field) == (code, "tax_code")
    assert not Business.objects.exists()


def test_it_grants_an_authorisation_for_a_business(an: Citizen, business: Business) -> None:
    authorisation = authorisation_grant(
        agent=an,
        business=business,
        kind=Authorisation.Kind.AUTHORISED_PERSON,
        procedure_codes=["1.001193", " 2.000986", "1.001193"],
        valid_from=TODAY,
        valid_until=TODAY + timedelta(days=90),
        document_reference="Giấy ủy quyền số 12/2026/GUQ ngày 30/11/2026",
    )

    authorisation.refresh_from_db()
    assert authorisation.procedure_codes == ["1.001193", "2.000986"]
    assert authorisation.granted_at == NOW
    assert authorisation.source == Authorisation.Source.RECORDED
    principal = principals_for(citizen=an)[1]
    assert (principal.kind, principal.identifier, principal.procedure_codes) == (
        "business",
        "0102345677",
        ["1.001193", "2.000986"],
    )


def test_it_grants_an_authorisation_for_another_citizen(an: Citizen, ngoc: Citizen) -> None:
    authorisation_grant(
        agent=an,
        principal_citizen=ngoc,
        kind=Authorisation.Kind.AUTHORISED_PERSON,
        all_procedures=True,
        valid_from=TODAY,
        document_reference="Văn bản ủy quyền chứng thực số 345, quyển 01/2026",
    )

    principals = principals_for(citizen=an)
    assert [(p.kind, p.name, p.procedure_codes) for p in principals] == [
        ("self", "Nguyễn Văn An", None),
        ("citizen", "Trần Thị Bích Ngọc", None),
    ]
    assert principals_for(citizen=ngoc)[1:] == []


REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "no principal": ({"business": None}, "principal"),
    "two principals": ({"principal_citizen": "ngoc"}, "principal"),
    "unknown kind": ({"kind": "friend"}, "kind"),
    "no scope": ({"all_procedures": False, "procedure_codes": []}, "procedure_codes"),
    "both scopes": ({"procedure_codes": ["1.001193"]}, "procedure_codes"),
    "scope as a string": ({"all_procedures": False, "procedure_codes": "1.001193"}, "procedure_codes"),
    "bad procedure code": ({"all_procedures": False, "procedure_codes": ["khai sinh"]}, "procedure_codes"),
    "until before from": ({"valid_until": TODAY - timedelta(days=1)}, "valid_until"),
    "already ended": (
        {"valid_from": TODAY - timedelta(days=30), "valid_until": TODAY - timedelta(days=1)},
        "valid_until",
    ),
    "no document": ({"document_reference": "   "}, "document_reference"),
}


@pytest.mark.parametrize(("changes", "field"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_bad_grant_is_refused_and_nothing_is_stored(
    an: Citizen, ngoc: Citizen, business: Business, changes: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {
        "agent": an,
        "business": business,
        "kind": Authorisation.Kind.AUTHORISED_PERSON,
        "all_procedures": True,
        "valid_from": TODAY,
        "document_reference": "Giấy ủy quyền số 1",
    } | changes
    if arguments.get("principal_citizen") == "ngoc":
        arguments["principal_citizen"] = ngoc
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        authorisation_grant(**arguments)

    assert refused.value.field == field
    assert str(refused.value.message)
    assert not Authorisation.objects.exists()


def test_a_citizen_cannot_be_authorised_for_themselves(an: Citizen) -> None:
    with translation.override("en"), pytest.raises(InvalidInput, match="themselves"):
        authorisation_grant(
            agent=an,
            principal_citizen=an,
            kind=Authorisation.Kind.AUTHORISED_PERSON,
            all_procedures=True,
            valid_from=TODAY,
            document_reference="x",
        )


def _grant(an: Citizen, business: Business, **changes: Any) -> Authorisation:
    arguments: dict[str, Any] = {
        "agent": an,
        "business": business,
        "kind": Authorisation.Kind.LEGAL_REPRESENTATIVE,
        "all_procedures": True,
        "valid_from": TODAY,
        "document_reference": "Giấy chứng nhận đăng ký doanh nghiệp",
    }
    return authorisation_grant(**arguments | changes)


def test_revoking_appends_a_revocation_and_keeps_the_authorisation(an: Citizen, business: Business) -> None:
    authorisation = _grant(an, business)
    revocation = authorisation_revoke(authorisation=authorisation, reason="  Thay người đại diện  ", revoked_by=an.user)

    assert (revocation.reason, revocation.revoked_at, revocation.revoked_by_id) == (
        "Thay người đại diện",
        NOW,
        an.user_id,
    )
    assert Authorisation.objects.filter(pk=authorisation.pk).exists()
    assert list(authorisations_in_force(agent=an)) == []
    # It was in force until the revocation.
    assert list(authorisations_in_force(agent=an, at=NOW - timedelta(seconds=1))) == [authorisation]


def test_revoking_twice_is_a_conflict(an: Citizen, business: Business) -> None:
    authorisation = _grant(an, business)
    authorisation_revoke(authorisation=authorisation, reason="first")

    with pytest.raises(Conflict):
        authorisation_revoke(authorisation=authorisation, reason="second")
    assert AuthorisationRevocation.objects.get().reason == "first"


def test_a_revocation_needs_a_reason(an: Citizen, business: Business) -> None:
    authorisation = _grant(an, business)

    with pytest.raises(InvalidInput) as refused:
        authorisation_revoke(authorisation=authorisation, reason=" ")
    assert refused.value.field == "reason"
    assert not AuthorisationRevocation.objects.exists()


def test_only_authorisations_valid_today_are_in_force(an: Citizen, business: Business) -> None:
    later = _grant(an, business, valid_from=TODAY + timedelta(days=1))
    ending = _grant(an, business, valid_until=TODAY)

    assert list(authorisations_in_force(agent=an)) == [ending]
    # Validity days are Vietnamese days: at 23:59 in Viet Nam it is still the last day.
    with time_machine.travel(NOW.replace(hour=23, minute=59), tick=False):
        assert list(authorisations_in_force(agent=an)) == [ending]
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert list(authorisations_in_force(agent=an)) == [later]
