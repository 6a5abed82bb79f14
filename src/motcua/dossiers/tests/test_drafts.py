"""Drafts of online applications: prefilled from the identity, saved with a revision check, files
kept by the upload rules, submitted all or nothing (dossiers.drafts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings

from motcua.catalog import services as catalog_services
from motcua.catalog.eform_services import eform_publish
from motcua.catalog.eforms import DEFAULT_SCHEMA, OnlineHandling, default_schema, schema_parse
from motcua.catalog.models import EForm, ProcedureVersion
from motcua.catalog.tests import factories
from motcua.citizens.models import Authorisation
from motcua.citizens.services import authorisation_grant, business_register
from motcua.core.errors import InvalidInput
from motcua.documents.models import StoredFile
from motcua.documents.selectors import StoredFileMissing
from motcua.documents.storage import document_storage
from motcua.documents.tests.samples import pdf_bytes, use_tmp_storage
from motcua.documents.uploads import FileTypeMismatch
from motcua.dossiers import drafts, services
from motcua.dossiers.models import Dossier, DossierDocument, Draft, DraftFile
from motcua.dossiers.policies import ReceiptNotAllowed
from motcua.dossiers.tests.apply_support import FILLED, FORM, NGOC_ID, ngoc, setup, start
from motcua.dossiers.tests.conftest import MONDAY, PROCEDURE, World, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def monday() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def storage(settings: Settings, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


def _filled(draft: Draft, **changes: str) -> Draft:
    return drafts.draft_save(draft=draft, expected_revision=draft.revision, values={**FILLED, **changes})


def default_schema_raw(title: str = "Đơn") -> dict[str, object]:
    return {**DEFAULT_SCHEMA, "title": title}


def _named(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _attach(draft: Draft, component: str = FORM) -> DraftFile:
    return drafts.draft_file_upload(draft=draft, component=component, content=pdf_bytes("to khai"))


# -- starting -------------------------------------------------------------------------------------------------


def test_a_draft_starts_prefilled_from_the_identity(world: World, monday: time_machine.Traveller) -> None:
    draft = start(world, ngoc())
    assert draft.status == Draft.Status.OPEN
    assert draft.procedure_version.procedure.code == PROCEDURE
    assert draft.eform is None  # no e-form published: the generic one
    assert draft.data == {
        "requester_name": "Trần Thị Bích Ngọc",
        "requester_id": NGOC_ID,
        "requester_birth_date": "1990-07-02",
        "requester_address": "45 đường Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
        "requester_phone": "0908123456",
        "requester_email": "ngoc@example.vn",
    }


def test_a_draft_pins_the_eform_revision_in_use(world: World, monday: time_machine.Traveller) -> None:
    version = ProcedureVersion.objects.get(procedure__code=PROCEDURE)
    eform = eform_publish(procedure=version.procedure, schema=default_schema_raw(), actor="test")
    draft = start(world, ngoc())
    eform_publish(procedure=version.procedure, schema=default_schema_raw(title="Khác"), actor="test")
    draft.refresh_from_db()
    assert draft.eform == eform
    assert EForm.objects.count() == 2


def test_only_for_someone_the_citizen_may_act_for(world: World, monday: time_machine.Traveller) -> None:
    citizen = ngoc()
    business = business_register(tax_code="0102345677", name="Công ty TNHH Hàng Bạc")
    with pytest.raises(drafts.PrincipalNotAllowed, match="no authorisation in force"):
        start(world, citizen, principal_kind="business", principal_identifier=business.tax_code)
    authorisation_grant(
        agent=citizen,
        kind=Authorisation.Kind.AUTHORISED_PERSON,
        valid_from=at(1, 1, 0).date(),
        document_reference="Giấy ủy quyền số 1/2026",
        business=business,
        procedure_codes=["1.004222"],
    )
    with pytest.raises(drafts.PrincipalNotAllowed, match=r"does not cover procedure 1\.001193"):
        start(world, citizen, principal_kind="business", principal_identifier=business.tax_code)
    assert not Draft.objects.exists()


def test_any_centre_of_the_province_receives_but_not_another_provinces(
    world: World, monday: time_machine.Traveller
) -> None:
    citizen = ngoc()
    # Nghị định 118/2025/NĐ-CP: the provincial centre receives for the ward, whatever the commune.
    assert start(world, citizen, receiving=world.province_centre).receiving_agency == world.province_centre
    with pytest.raises(ReceiptNotAllowed, match="only for agencies of its own province") as refused:
        start(world, citizen, receiving=world.centre_b)
    assert refused.value.field == "receiving_agency"
    assert Draft.objects.count() == 1


def test_the_competent_agency_must_decide_the_procedure(world: World, monday: time_machine.Traveller) -> None:
    with pytest.raises(InvalidInput, match="does not decide this procedure") as refused:
        start(world, ngoc(), competent=world.centre)
    assert refused.value.field == "competent_agency"


def test_the_lists_offer_the_agencies_of_the_province(world: World, monday: time_machine.Traveller) -> None:
    version = ProcedureVersion.objects.get(procedure__code=PROCEDURE)
    hcm = drafts.province_of(world.ward)
    assert hcm is not None and hcm.code == "79"
    assert set(drafts.competent_candidates(version=version, province=hcm)) == {world.ward, world.other_ward}
    assert drafts.receiving_default(competent=world.ward) == world.centre
    # The other ward has no centre of its own: the provincial one receives its dossiers by default.
    assert drafts.receiving_default(competent=world.other_ward) == world.province_centre
    assert drafts.receiving_candidates(competent=world.ward) == [world.centre, world.province_centre, world.ward]


def test_a_procedure_without_an_online_channel_cannot_be_started(world: World, monday: time_machine.Traveller) -> None:
    channels = [c for c in factories.content()["channels"] if c["channel"] == "in_person"]
    factories.procedure("1.000894", "Đăng ký kết hôn", channels=channels)
    citizen = ngoc()
    with pytest.raises(drafts.NotOnline, match="cannot be submitted online"):
        drafts.draft_start(citizen=citizen, procedure_code="1.000894", setup=setup(world, citizen))


# -- saving ---------------------------------------------------------------------------------------------------


def test_a_save_keeps_what_was_entered_even_if_invalid(world: World, monday: time_machine.Traveller) -> None:
    draft = start(world, ngoc())
    saved = _filled(draft, requester_phone="12345", requester_birth_date="31/02/1990")
    assert saved.revision == 2
    assert (saved.data["requester_phone"], saved.data["requester_birth_date"]) == ("12345", "31/02/1990")


def test_a_save_from_a_stale_revision_is_refused_and_changes_nothing(
    world: World, monday: time_machine.Traveller
) -> None:
    draft = start(world, ngoc())
    first_tab = _filled(draft, request="Từ thẻ thứ nhất.")
    with pytest.raises(drafts.DraftChanged, match="saved from another tab or device") as refused:
        drafts.draft_save(draft=draft, expected_revision=1, values={**FILLED, "request": "Từ thẻ thứ hai."})
    assert refused.value.code == "draft_changed"
    draft.refresh_from_db()
    assert (draft.revision, draft.data["request"]) == (first_tab.revision, "Từ thẻ thứ nhất.")


def test_the_signed_in_persons_id_number_is_never_taken_from_the_form(
    world: World, monday: time_machine.Traveller
) -> None:
    draft = _filled(start(world, ngoc()), requester_id="001085012345")
    assert draft.data["requester_id"] == NGOC_ID
    assert drafts.draft_check(draft=draft).form.cleaned["requester_id"] == NGOC_ID


def test_a_refused_file_stores_nothing_and_an_accepted_one_replaces_the_earlier(
    world: World, monday: time_machine.Traveller, storage: Path
) -> None:
    draft = start(world, ngoc())
    with pytest.raises(FileTypeMismatch):
        drafts.draft_file_upload(draft=draft, component=FORM, content=_named(b"MZ" + b"\0" * 200, "to-khai.pdf"))
    assert not StoredFile.objects.exists()
    first = _attach(draft)
    second = drafts.draft_file_upload(draft=draft, component=FORM, content=_named(pdf_bytes("moi"), "moi.pdf"))
    assert DraftFile.objects.get(draft=draft).file == second.file != first.file
    with pytest.raises(InvalidInput, match="no component to attach"):
        drafts.draft_file_upload(draft=draft, component="Giấy tờ bịa", content=pdf_bytes())


# -- document slots -------------------------------------------------------------------------------------------


def test_documents_are_required_as_the_operator_entered_them_or_as_the_eform_says(world: World) -> None:
    version = ProcedureVersion.objects.get(procedure__code=PROCEDURE)
    generic = default_schema()
    [slot] = drafts.document_slots(version=version, schema=generic, case="")
    assert (slot.component, slot.handling) == (FORM, OnlineHandling.REQUIRED)
    schema = schema_parse({**default_schema_raw(), "documents": [{"match": "to khai", "online": "form"}]})
    [slot] = drafts.document_slots(version=version, schema=schema, case="")
    assert slot.handling is OnlineHandling.FORM and not slot.takes_file


def test_an_imported_versions_documents_are_optional_and_cases_filter_them(world: World) -> None:
    documents = [
        factories.content()["documents"][0],
        {**factories.content()["documents"][0], "name": "Hợp đồng thuê nhà", "case_name": "Nhà thuê"},
        {**factories.content()["documents"][0], "name": "Giấy chứng nhận quyền sở hữu", "case_name": "Nhà của mình"},
    ]
    outcome = catalog_services.procedure_import(
        code="1.004222",
        content=factories.content("Đăng ký thường trú", documents=documents),
        source_record={},
        actor="test",
        source="portal_import",
    )
    version = outcome.version
    schema = default_schema()
    assert drafts.version_cases(version=version, schema=schema) == ["Nhà thuê", "Nhà của mình"]
    slots = drafts.document_slots(version=version, schema=schema, case="Nhà thuê")
    assert [(s.component, s.handling) for s in slots] == [
        (FORM, OnlineHandling.OPTIONAL),
        ("Hợp đồng thuê nhà", OnlineHandling.OPTIONAL),
    ]


# -- submitting -----------------------------------------------------------------------------------------------


def test_an_incomplete_draft_is_not_submitted(world: World, monday: time_machine.Traveller, storage: Path) -> None:
    draft = _filled(start(world, ngoc()), request="", requester_phone="12345")
    with pytest.raises(drafts.DraftIncomplete) as refused:
        drafts.draft_submit(draft=draft, expected_revision=draft.revision)
    assert set(refused.value.errors) == {"request", "requester_phone"}
    assert refused.value.missing == [FORM]
    assert "3 problems" in str(refused.value.message)
    assert not Dossier.objects.exists()


def test_submission_creates_one_dossier_with_its_files_and_closes_the_draft(
    world: World, monday: time_machine.Traveller, storage: Path
) -> None:
    citizen = ngoc()
    draft = _filled(start(world, citizen, receiving=world.province_centre), requester_phone="+84 908 123 456")
    attached = _attach(draft)

    dossier = drafts.draft_submit(draft=draft, expected_revision=draft.revision)

    assert Dossier.objects.count() == 1
    assert (dossier.state, dossier.status_code, dossier.channel) == ("submitted", 1, "online")
    assert (dossier.receiving_agency, dossier.competent_agency) == (world.province_centre, world.ward)
    assert dossier.submitted_by == citizen
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Trần Thị Bích Ngọc", NGOC_ID)
    assert dossier.applicant_phone == "0908123456"  # normalised
    assert dossier.summary == FILLED["request"]
    assert dossier.form_data["values"]["requester_phone"] == "0908123456"
    assert dossier.form_data["values"]["request"] == FILLED["request"]
    assert dossier.form_data["eform"] == {"revision": 0, "title": default_schema().title.vi}
    assert dossier.form_data["submitter"] == {"name": "Trần Thị Bích Ngọc", "personal_id": NGOC_ID}
    [document] = DossierDocument.objects.filter(dossier=dossier)
    assert (document.component, document.version, document.origin) == (FORM, 1, "uploaded")
    assert document.file.sha256 == attached.file.sha256
    assert list(dossier.history.values_list("action", flat=True)) == ["submit", "add_document"]

    draft.refresh_from_db()
    assert (draft.status, draft.dossier, draft.data) == (Draft.Status.SUBMITTED, dossier, {})
    assert not draft.files.exists()
    # A second press of "submit" (or the back button) finds the same dossier.
    assert drafts.draft_submit(draft=draft, expected_revision=draft.revision - 1) == dossier
    assert Dossier.objects.count() == 1
    with pytest.raises(drafts.DraftChanged, match="already been submitted"):
        drafts.draft_save(draft=draft, expected_revision=draft.revision, values=FILLED)


def test_nothing_is_created_when_a_file_cannot_be_added(
    world: World, monday: time_machine.Traveller, storage: Path
) -> None:
    draft = _filled(start(world, ngoc()))
    attached = _attach(draft)
    document_storage().delete(attached.file.storage_name)  # the disk lost it
    with pytest.raises(StoredFileMissing):
        drafts.draft_submit(draft=draft, expected_revision=draft.revision)
    assert not Dossier.objects.exists()
    draft.refresh_from_db()
    assert draft.status == Draft.Status.OPEN and draft.files.count() == 1 and draft.data["request"]


def test_a_stale_submission_is_refused(world: World, monday: time_machine.Traveller, storage: Path) -> None:
    draft = _filled(start(world, ngoc()))
    _attach(draft)
    with pytest.raises(drafts.DraftChanged):
        drafts.draft_submit(draft=draft, expected_revision=draft.revision - 1)
    assert not Dossier.objects.exists()


def test_a_new_version_in_force_is_checked_before_submitting(
    world: World, monday: time_machine.Traveller, storage: Path
) -> None:
    draft = _filled(start(world, ngoc()))
    _attach(draft)
    amendment = catalog_services.version_create_draft(procedure=draft.procedure_version.procedure, actor="test")
    catalog_services.version_publish(version=amendment, actor="test")
    with pytest.raises(drafts.ProcedureVersionChanged, match="A new version of this procedure came into force"):
        drafts.draft_submit(draft=draft, expected_revision=draft.revision)
    rebased = drafts.draft_rebase(draft=draft)
    assert rebased.procedure_version == amendment
    assert rebased.data["request"] == FILLED["request"]
    dossier = drafts.draft_submit(draft=rebased, expected_revision=rebased.revision)
    assert dossier.procedure_version == amendment


def test_the_provisional_appointment_is_the_one_a_receipt_now_would_give(
    world: World, monday: time_machine.Traveller, storage: Path
) -> None:
    draft = _filled(start(world, ngoc()))
    _attach(draft)
    dossier = drafts.draft_submit(draft=draft, expected_revision=draft.revision)
    provisional = services.dossier_deadline_if_received(dossier=dossier)
    assert provisional.due_at == at(3, 3, 9)  # 1 working day from Monday 09:00
    assert provisional.lines()[-1] == "Due: Tuesday 03/03/2026 09:00."
    received = services.dossier_receive(dossier=dossier, officer=world.receiver)
    assert received.appointment_at == provisional.due_at


def test_a_dossier_for_a_business_names_the_business_as_applicant(
    world: World, monday: time_machine.Traveller, storage: Path
) -> None:
    citizen = ngoc()
    business = business_register(tax_code="0102345677", name="Công ty TNHH Hàng Bạc", address="12 Hàng Bạc, Hà Nội")
    authorisation_grant(
        agent=citizen,
        kind=Authorisation.Kind.LEGAL_REPRESENTATIVE,
        valid_from=at(1, 1, 0).date(),
        document_reference="Điều lệ công ty",
        business=business,
        all_procedures=True,
    )
    draft = _filled(start(world, citizen, principal_kind="business", principal_identifier="0102345677"))
    _attach(draft)
    dossier = drafts.draft_submit(draft=draft, expected_revision=draft.revision)
    assert (dossier.applicant_kind, dossier.applicant_name, dossier.applicant_id_number) == (
        "business",
        "Công ty TNHH Hàng Bạc",
        "0102345677",
    )
    assert dossier.applicant_address == "12 Hàng Bạc, Hà Nội"
    assert dossier.applicant_phone == "0908123456"  # whom to contact: the person who submitted it
    assert dossier.submitted_by == citizen
    assert dossier.form_data["on_behalf_of"] == {
        "kind": "business",
        "name": "Công ty TNHH Hàng Bạc",
        "identifier": "0102345677",
    }
