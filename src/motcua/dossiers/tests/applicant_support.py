"""Citizens and dossiers at the stages the applicant acts on, built through the real services
(for the tests of dossiers.tracking, dossiers.applicant_actions, ratings and the portal pages)."""

from __future__ import annotations

from datetime import date

from motcua.citizens.claims import IdentityClaims
from motcua.citizens.models import Authorisation, Business, Citizen
from motcua.citizens.services import authorisation_grant, business_register, citizen_sign_in_from_claims
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import World, received, submit, with_specialist

AN_ID = "079086012345"  # the default applicant of dossiers.tests.conftest
BINH_ID = "001186000001"
FORM = "Tờ khai đăng ký khai sinh"  # the component the test procedure lists
BIRTH_CERTIFICATE = "Giấy chứng sinh"
COMPANY_TAX_CODE = "0102345677"


def citizen(personal_id: str = AN_ID, name: str = "Nguyễn Văn An") -> Citizen:
    """A citizen as a sign-in through the identity provider creates them."""
    return citizen_sign_in_from_claims(
        claims=IdentityClaims(
            issuer="https://idp.example.vn",
            subject=f"subject-{personal_id}",
            acr="urn:motcua:idp-standin:level:2",
            assurance_level=2,
            personal_id=personal_id,
            full_name=name,
            birth_date=None,
            gender=None,
            address=None,
            commune_code=None,
            phone=None,
            email=None,
            businesses=None,
        )
    )


def company() -> Business:
    return business_register(tax_code=COMPANY_TAX_CODE, name="Công ty TNHH Thương mại Hàng Bạc")


def represent(agent: Citizen, business: Business, *, procedure_codes: tuple[str, ...] = ()) -> Authorisation:
    """The agent may act for the business: for every procedure, or only for `procedure_codes`."""
    return authorisation_grant(
        agent=agent,
        kind=Authorisation.Kind.AUTHORISED_PERSON,
        valid_from=date(2026, 1, 1),
        document_reference="Giấy ủy quyền số 12/2026",
        business=business,
        all_procedures=not procedure_codes,
        procedure_codes=procedure_codes,
    )


def supplement_requested(w: World, *, id_number: str = AN_ID) -> Dossier:
    """With the specialist, who asked for two documents with their reasons (the clock stops)."""
    dossier = with_specialist(w, id_number=id_number)
    services.dossier_request_supplement(
        dossier=dossier,
        officer=w.specialist,
        items=[
            {"document": FORM, "reason": "Thiếu chữ ký của người yêu cầu."},
            {"document": BIRTH_CERTIFICATE, "reason": "Bản chụp không đọc được."},
        ],
    )
    return Dossier.objects.get(pk=dossier.pk)


def result_ready(w: World, *, id_number: str = AN_ID, name: str = "Nguyễn Văn An") -> Dossier:
    dossier = with_specialist(w, id_number=id_number, name=name)
    services.dossier_mark_result_ready(dossier=dossier, officer=w.specialist, results=[{"name": "Giấy khai sinh"}])
    return Dossier.objects.get(pk=dossier.pk)


__all__ = [
    "AN_ID",
    "BINH_ID",
    "BIRTH_CERTIFICATE",
    "COMPANY_TAX_CODE",
    "FORM",
    "citizen",
    "company",
    "received",
    "represent",
    "result_ready",
    "submit",
    "supplement_requested",
]
