"""The data of the browser tests, made as an operator makes it on a new server: the real commands and
services, nothing written to the tables directly except the officers' accounts (which have no service
yet; demo/dossiers.py creates its officers the same way).

- Reference data: `motcua load-reference-data` (administrative units, agencies, working calendars).
- Catalogue: `motcua import-procedures` on the demo's real portal records whose name contains
  "khai sinh" (so that a search for "đăng ký khai sinh" has several answers to choose from), then
  the operator's amendment of 1.001193 that the catalogue needs before a dossier can be received:
  the portal publishes its time limit as a bare "1" and no implementing agency, so the time limit is
  given its unit (1 working day, Luật Hộ tịch 2014 Art 16) and the People's Committee of the commune
  is named (catalog.services draft, update, publish); then its reference flow
  (`catalog.services.flows_load_reference`) and its e-form (`motcua load-eforms`).
- People: officers of Phường Sài Gòn (Thành phố Hồ Chí Minh) with passwords: the receiving and
  returning officers at the ward's public administration service centre, the civil-status
  specialist and the chairman at the ward's People's Committee.
- Signatures: `motcua create-dev-ca --agency <the ward>`, so that the result is signed with the
  ward's key from the development CA (trusted while SIGNATURE_TRUST_DEV_CA is on).

`citizen_dossiers` gives a signed-in citizen dossiers at the stages the pages show (the tests of the
pages other than the journey), through the same services as the pages, and delivers the events to
their inbox as the worker would (`motcua deliver-events`).
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command

from motcua.agencies.models import Agency, Officer, OfficerRole
from motcua.catalog import services as catalog_services
from motcua.catalog.content import read_content
from motcua.catalog.eforms import OnlineHandling
from motcua.catalog.selectors import version_in_force
from motcua.citizens.models import Citizen
from motcua.core.text import fold
from motcua.demo.services import DEMO_PROCEDURES
from motcua.documents.selectors import stored_file_read
from motcua.documents.tests.samples import pdf_bytes
from motcua.dossiers import drafts, results, services
from motcua.dossiers.models import Dossier, Draft

PROCEDURE = "1.001193"
PASSWORD = "e2e-officer-password-2026"  # a throwaway test database
WARD_CODE = "267.40.00.X79"  # Ủy ban nhân dân phường Sài Gòn
CENTRE_CODE = "267.40.01.X79"  # Trung tâm Phục vụ hành chính công phường Sài Gòn
COUNTER_UNIT = "Bộ phận Một cửa"
CIVIL_STATUS_UNIT = "Công chức Tư pháp - hộ tịch"
LEADERS_UNIT = "Chủ tịch / Phó Chủ tịch Ủy ban nhân dân cấp xã"


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    full_name: str
    role: str
    password: str = PASSWORD


@dataclass(frozen=True, slots=True)
class World:
    ward: Agency
    centre: Agency
    receiver: Login
    specialist: Login
    leader: Login
    returner: Login


def _catalogue(directory: Path) -> None:
    """The real records of the birth registration procedures, imported as an operator would."""
    path = directory / "khai-sinh.jsonl"
    with gzip.open(DEMO_PROCEDURES, "rt", encoding="utf-8") as source, path.open("w", encoding="utf-8") as target:
        for line in source:
            if "khai sinh" in fold(json.loads(line)["ten_thu_tuc"]):
                target.write(line)
    call_command(
        "import-procedures", str(path), "--default-flows", "--no-progress", "--actor", "e2e", stdout=io.StringIO()
    )


def _complete_birth_registration() -> None:
    """The operator's amendment of 1.001193: the unit of its time limit and the agency that handles it."""
    version = version_in_force(code=PROCEDURE)
    draft = catalog_services.version_create_draft(procedure=version.procedure, actor="e2e operator")
    content = read_content(draft)
    for channel in content["channels"]:
        channel["time_limit_unit"] = "working_days"
        channel["time_limit_source"] = "manual"
    content["competent_agency"] = content["competent_agency"] or "Ủy ban nhân dân cấp xã"
    content["implementing_agency"] = content["implementing_agency"] or "Ủy ban nhân dân cấp xã"
    catalog_services.version_update_draft(version=draft, content=content, actor="e2e operator")
    catalog_services.version_publish(version=draft, actor="e2e operator")
    catalog_services.flows_load_reference(actor="e2e operator")
    call_command("load-eforms", stdout=io.StringIO())


def _officer(login: Login, agency: Agency, unit: str) -> Login:
    user = get_user_model().objects.create_user(username=login.username, password=login.password)
    Officer.objects.create(user=user, agency=agency, unit=unit, full_name=login.full_name, roles=[login.role])
    return login


def build_world(directory: Path) -> World:
    """Everything the browser tests need, on an empty database (about 10 s, most of it the units)."""
    call_command("load-reference-data", stdout=io.StringIO())
    _catalogue(directory)
    _complete_birth_registration()
    ward = Agency.objects.get(code=WARD_CODE)
    centre = Agency.objects.get(code=CENTRE_CODE)
    R = OfficerRole
    world = World(
        ward=ward,
        centre=centre,
        receiver=_officer(Login("tiepnhan", "Nguyễn Thị Mai", R.RECEIVING_OFFICER), centre, COUNTER_UNIT),
        specialist=_officer(Login("hotich", "Trần Văn Bình", R.SPECIALIST), ward, CIVIL_STATUS_UNIT),
        leader=_officer(Login("chutich", "Phạm Quốc Dũng", R.AGENCY_LEADER), ward, LEADERS_UNIT),
        returner=_officer(Login("traketqua", "Vũ Thị Giang", R.RETURNING_OFFICER), centre, COUNTER_UNIT),
    )
    # Into SIGNING_PKI_DIR, where the verifier also finds the development root.
    call_command("create-dev-ca", "--agency", ward.code, stdout=io.StringIO())
    return world


# -- dossiers of a citizen, at the stages the pages show ----------------------------------------------------

# The e-form of 1.001193 filled in by a mother, beyond what her identity prefills.
BIRTH_FORM = {
    "requester_relation": "mother",
    "child_gender": "female",
    "child_birth_date": "2025-11-11",
    "child_birth_place": "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh",
    "child_ethnicity": "Kinh",
    "child_nationality": "Việt Nam",
    "child_hometown": "Thành phố Hồ Chí Minh",
    "mother_birth_year": "1990",
    "mother_ethnicity": "Kinh",
    "mother_nationality": "Việt Nam",
    "mother_residence": "45 đường Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
    "commitment": "yes",
}


@dataclass(frozen=True, slots=True)
class CitizenDossiers:
    submitted: Dossier  # sent online, waiting for the intake check
    received: Dossier  # received at the centre, not handed over yet (it can still be withdrawn)
    waiting: Dossier  # the specialist asked for the certificate of birth again: the clock stands still
    returned: Dossier  # the signed birth certificate was handed over
    result_pdf: bytes  # that certificate as issued


def _officer_of(login: Login) -> Officer:
    return Officer.objects.select_related("agency").get(user__username=login.username)


def _submitted(world: World, citizen: Citizen, child: str) -> Dossier:
    """Through the citizen's draft, as the apply pages do: the form, the certificate of birth, submit."""
    setup = drafts.Setup(
        principal_kind=Draft.PrincipalKind.SELF,
        principal_identifier=citizen.personal_id,
        case_name="",
        competent_agency=world.ward,
        receiving_agency=world.centre,
    )
    draft = drafts.draft_start(citizen=citizen, procedure_code=PROCEDURE, setup=setup)
    values = {**draft.data, **BIRTH_FORM, "child_name": child, "mother_name": citizen.full_name}
    draft = drafts.draft_save(draft=draft, expected_revision=draft.revision, values=values)
    schema = drafts.draft_schema(draft)
    for slot in drafts.document_slots(version=draft.procedure_version, schema=schema, case=""):
        if slot.handling == OnlineHandling.REQUIRED:
            drafts.draft_file_upload(
                draft=draft, component=slot.component, content=pdf_bytes(f"Giay chung sinh {fold(child)}")
            )
    draft.refresh_from_db()
    return drafts.draft_submit(draft=draft, expected_revision=draft.revision)


def _with_specialist(world: World, citizen: Citizen, child: str) -> Dossier:
    receiver = _officer_of(world.receiver)
    dossier = services.dossier_receive(dossier=_submitted(world, citizen, child), officer=receiver)
    services.dossier_hand_over(
        dossier=dossier,
        officer=receiver,
        step_name="Thẩm định, ghi Sổ đăng ký khai sinh, trình ký",
        role=OfficerRole.SPECIALIST,
        unit=CIVIL_STATUS_UNIT,
        budget=Decimal(4),
        budget_unit="working_hours",
        agency=world.ward,
        assignee=_officer_of(world.specialist),
    )
    return Dossier.objects.get(pk=dossier.pk)


def citizen_dossiers(world: World, citizen: Citizen) -> CitizenDossiers:
    submitted = _submitted(world, citizen, "Lê Thanh Tâm")
    received = services.dossier_receive(
        dossier=_submitted(world, citizen, "Lê Minh Khang"), officer=_officer_of(world.receiver)
    )
    waiting = _with_specialist(world, citizen, "Lê Bảo An")
    services.dossier_request_supplement(
        dossier=waiting,
        officer=_officer_of(world.specialist),
        items=[{"document": "Giấy chứng sinh", "reason": "Bản chụp bị mờ, không đọc được họ tên người mẹ."}],
    )
    leader = _officer_of(world.leader)
    returned = _with_specialist(world, citizen, "Lê Gia Hân")
    [result] = services.dossier_mark_result_ready(
        dossier=returned, officer=leader, results=[{"name": "Giấy khai sinh"}]
    )
    issued = results.result_document_issue(
        result=result, officer=leader, details="Họ, chữ đệm, tên: Lê Gia Hân.", validity="Không thời hạn"
    )
    assert issued.file is not None
    services.dossier_return_result(dossier=Dossier.objects.get(pk=returned.pk), officer=_officer_of(world.returner))
    call_command("deliver-events", stdout=io.StringIO())
    return CitizenDossiers(
        submitted=Dossier.objects.get(pk=submitted.pk),
        received=Dossier.objects.get(pk=received.pk),
        waiting=Dossier.objects.get(pk=waiting.pk),
        returned=Dossier.objects.get(pk=returned.pk),
        result_pdf=stored_file_read(stored=issued.file),
    )
