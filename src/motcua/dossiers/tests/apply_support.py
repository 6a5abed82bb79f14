"""A citizen with a full identity and drafts of the test procedure (dossiers.tests.conftest's world),
built through the real services: for the tests of dossiers.drafts and of the portal's apply pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from motcua.agencies.models import Agency
from motcua.citizens.claims import IdentityClaims
from motcua.citizens.models import Citizen
from motcua.citizens.services import citizen_sign_in_from_claims
from motcua.dossiers import drafts
from motcua.dossiers.models import Draft
from motcua.dossiers.tests.conftest import PROCEDURE, World

NGOC_ID = "079190001234"
NGOC = "Trần Thị Bích Ngọc"
FORM = "Tờ khai đăng ký khai sinh"  # the component the test procedure lists (required: entered by an operator)

# The generic form (catalog.eforms.DEFAULT_SCHEMA) filled in, as the citizen would after the prefill.
FILLED = {
    "requester_name": NGOC,
    "requester_id": NGOC_ID,
    "requester_birth_date": "1990-07-02",
    "requester_address": "45 đường Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
    "requester_phone": "0908123456",
    "requester_email": "ngoc@example.vn",
    "request": "Đăng ký khai sinh cho con gái tôi.",
    "commitment": "yes",
}


def ngoc(personal_id: str = NGOC_ID, name: str = NGOC) -> Citizen:
    """A citizen of Phường Sài Gòn as a sign-in through the identity provider creates her: every
    identity claim given, so that the e-form can be prefilled."""
    return citizen_sign_in_from_claims(
        claims=IdentityClaims(
            issuer="https://idp.example.vn",
            subject=f"subject-{personal_id}",
            acr="urn:motcua:idp-standin:level:2",
            assurance_level=2,
            personal_id=personal_id,
            full_name=name,
            birth_date=date(1990, 7, 2),
            gender="female",
            address="45 đường Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
            commune_code="26740",
            phone="0908123456",
            email="ngoc@example.vn",
            businesses=None,
        )
    )


def setup(
    w: World,
    citizen: Citizen,
    *,
    principal_kind: str = Draft.PrincipalKind.SELF,
    principal_identifier: str | None = None,
    case_name: str = "",
    competent: Agency | None = None,
    receiving: Agency | None = None,
) -> drafts.Setup:
    """For herself by default, at the Sài Gòn ward, received by the ward's centre."""
    return drafts.Setup(
        principal_kind=principal_kind,
        principal_identifier=principal_identifier or citizen.personal_id,
        case_name=case_name,
        competent_agency=competent or w.ward,
        receiving_agency=receiving or w.centre,
    )


def start(w: World, citizen: Citizen, **choices: Any) -> Draft:
    return drafts.draft_start(citizen=citizen, procedure_code=PROCEDURE, setup=setup(w, citizen, **choices))
