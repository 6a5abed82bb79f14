"""Dossier components (dossiers/documents.py): files added version by version at the counter and
during processing, who may add them and when, and the digitisation flags the indicators count."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db.models import Max
from pytest_django import Settings
from pytest_django.fixtures import DjangoAssertNumQueries

from motcua.core.errors import InvalidInput, NotFound
from motcua.core.models import OutboxEvent
from motcua.documents.models import StoredFile
from motcua.documents.storage import storage_name_for
from motcua.documents.tests import samples
from motcua.documents.uploads import UploadRefused, UploadRules
from motcua.dossiers import documents, history, services
from motcua.dossiers.documents import (
    DigitisationFlags,
    DigitisedNeedsOfficer,
    DocumentsClosed,
    SourceReferenceRequired,
    can_add_document,
    dossier_components,
    dossier_digitisation_flags,
    dossier_document_add,
    dossiers_digitisation_flags,
)
from motcua.dossiers.models import Dossier, DossierDocument, HistoryEntry, ResultDocument
from motcua.dossiers.services import DossierChanged
from motcua.dossiers.tests.conftest import MONDAY, PROCEDURE, World, received, received_b, submit, with_specialist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FORM = "Tờ khai đăng ký khai sinh"  # the component the test procedure lists
Origin = DossierDocument.Origin


@pytest.fixture(autouse=True)
def storage_root(settings: Settings, tmp_path: Path) -> Path:
    return samples.use_tmp_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _monday() -> Iterator[None]:
    with time_machine.travel(MONDAY):
        yield


def walk_in(w: World) -> Dossier:
    """A walk-in dossier received at the Sài Gòn centre's counter."""
    return services.dossier_receive_at_counter(
        procedure_code=PROCEDURE,
        applicant=services.Applicant(name="Lê Thị Cúc", id_number="079186000123"),
        officer=w.receiver,
        competent_agency=w.ward,
    )


def last_entry(dossier: Dossier) -> HistoryEntry:
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None
    return entry


# -- adding -------------------------------------------------------------------------------------------------


def test_the_counter_digitises_the_papers_of_a_walk_in_dossier(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    revision = dossier.revision
    events = OutboxEvent.objects.count()
    data = samples.pdf_bytes("To khai")

    document = dossier_document_add(
        dossier=dossier,
        component=f"  {FORM} ",
        content=data,
        name="to-khai.pdf",
        origin=Origin.DIGITISED,
        officer=world.receiver,
        role="receiving_officer",
        expected_revision=revision,
    )

    document.refresh_from_db()
    assert (document.component, document.version, document.origin) == (FORM, 1, "digitised")
    assert document.added_by == world.receiver
    assert document.file.content_type == "application/pdf" and document.file.size == len(data)
    assert document.file.created_by == world.receiver.user
    assert (storage_root / document.file.storage_name).read_bytes() == data
    dossier.refresh_from_db()
    assert dossier.revision == revision + 1
    entry = last_entry(dossier)
    assert (entry.action, entry.from_state, entry.to_state) == ("add_document", "received", "received")
    assert (entry.actor, entry.actor_role) == (world.receiver.full_name, "receiving_officer")
    assert entry.data == {
        "component": FORM,
        "version": 1,
        "origin": "digitised",
        "source_reference": "",
        "file": str(document.file.uuid),
        "name": "to-khai.pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "sha256": document.file.sha256,
    }
    # Published like every history entry, and the chain still verifies.
    assert OutboxEvent.objects.count() == events + 1
    assert OutboxEvent.objects.order_by("-id")[0].payload["action"] == "add_document"
    assert history.verify(dossier) == []


def test_a_second_version_of_a_component_keeps_the_first(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    first = dossier_document_add(
        dossier=dossier,
        component=FORM,
        content=samples.jpeg_bytes(),
        name="scan.jpg",
        origin=Origin.DIGITISED,
        officer=world.receiver,
    )
    second = dossier_document_add(
        dossier=dossier,
        component=FORM,
        content=samples.pdf_bytes(),
        name="scan-ro.pdf",
        origin=Origin.DIGITISED,
        officer=world.receiver,
    )
    assert (first.version, second.version) == (1, 2)
    assert first.file.storage_name != second.file.storage_name
    assert (storage_root / first.file.storage_name).read_bytes() == samples.jpeg_bytes()
    rows = documents.dossier_documents(dossier=dossier)
    assert [(d.version, d.is_latest) for d in rows] == [(1, False), (2, True)]  # type: ignore[attr-defined]


def test_the_same_bytes_in_two_components_share_storage_but_not_rows(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    data = samples.pdf_bytes()
    a = dossier_document_add(
        dossier=dossier, component=FORM, content=data, name="a.pdf", origin=Origin.DIGITISED, officer=world.receiver
    )
    b = dossier_document_add(
        dossier=dossier,
        component="Giấy chứng sinh",
        content=data,
        name="b.pdf",
        origin=Origin.DIGITISED,
        officer=world.receiver,
    )
    assert a.file_id != b.file_id and a.file.storage_name == b.file.storage_name
    assert samples.files_in(storage_root) == [storage_root / storage_name_for(a.file.sha256)]


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (samples.elf_bytes, "giay-chung-sinh.pdf", "file_type_mismatch"),
        (lambda: samples.pdf_bytes()[:-50], "giay-chung-sinh.pdf", "pdf_malformed"),
        (lambda: b"", "giay-chung-sinh.pdf", "file_empty"),
    ],
)
def test_a_refused_file_changes_nothing_and_stores_nothing(
    world: World, storage_root: Path, content: object, name: str, code: str
) -> None:
    dossier = walk_in(world)
    entries, revision = HistoryEntry.objects.count(), dossier.revision
    assert callable(content)
    with pytest.raises(UploadRefused) as refused:
        dossier_document_add(
            dossier=dossier,
            component=FORM,
            content=content(),
            name=name,
            origin=Origin.DIGITISED,
            officer=world.receiver,
        )
    assert refused.value.code == code and f"“{name}”" in str(refused.value.message)
    dossier.refresh_from_db()
    assert dossier.revision == revision and HistoryEntry.objects.count() == entries
    assert not DossierDocument.objects.exists() and not StoredFile.objects.exists()
    assert samples.files_in(storage_root) == []


def test_an_oversized_file_is_refused_by_the_component_rules(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    with pytest.raises(UploadRefused) as refused:
        dossier_document_add(
            dossier=dossier,
            component=FORM,
            content=samples.pdf_bytes(pages=5),
            name="a.pdf",
            origin=Origin.DIGITISED,
            officer=world.receiver,
            rules=UploadRules(max_bytes=1024),
        )
    assert refused.value.code == "file_too_large"
    assert samples.files_in(storage_root) == []


def test_a_stale_revision_is_refused_before_anything_is_stored(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    with pytest.raises(DossierChanged):
        dossier_document_add(
            dossier=dossier,
            component=FORM,
            content=samples.pdf_bytes(),
            origin=Origin.DIGITISED,
            name="a.pdf",
            officer=world.receiver,
            expected_revision=dossier.revision - 1,
        )
    assert not DossierDocument.objects.exists()
    assert samples.files_in(storage_root) == []


def test_files_are_refused_once_the_result_is_ready_or_the_dossier_closed(world: World, storage_root: Path) -> None:
    refused_dossier = submit(world.centre, world.ward)
    services.dossier_refuse(dossier=refused_dossier, officer=world.receiver, legal_reason="Không thuộc thẩm quyền.")
    ready = with_specialist(world)
    services.dossier_mark_result_ready(dossier=ready, officer=world.leader, results=[{"name": "Giấy khai sinh"}])
    for dossier, label in ((refused_dossier, "Not received"), (ready, "Result ready")):
        with pytest.raises(DocumentsClosed) as closed:
            dossier_document_add(
                dossier=dossier,
                component=FORM,
                content=samples.pdf_bytes(),
                name="a.pdf",
                origin=Origin.UPLOADED,
            )
        assert closed.value.status == 409
        assert str(closed.value.message) == f"Files cannot be added to a dossier that is “{label}”."
    assert not DossierDocument.objects.exists()
    assert samples.files_in(storage_root) == []


def test_the_applicant_supplements_while_a_supplement_is_requested(world: World) -> None:
    dossier = with_specialist(world)
    services.dossier_request_supplement(
        dossier=dossier, officer=world.specialist, items=[{"document": FORM, "reason": "Thiếu chữ ký"}]
    )
    document = dossier_document_add(
        dossier=dossier, component=FORM, content=samples.pdf_bytes(), name="to-khai-ky.pdf", origin=Origin.UPLOADED
    )
    assert document.added_by is None
    entry = last_entry(dossier)
    assert (entry.actor, entry.actor_role, entry.to_state) == ("Nguyễn Văn An", "applicant", "supplement_requested")


def test_arguments_are_checked_before_the_file_is_read(world: World, storage_root: Path) -> None:
    dossier = walk_in(world)
    pdf = samples.pdf_bytes()
    with pytest.raises(SourceReferenceRequired) as reused:
        dossier_document_add(dossier=dossier, component=FORM, content=pdf, name="a.pdf", origin=Origin.REUSED)
    assert reused.value.field == "source_reference"
    with pytest.raises(DigitisedNeedsOfficer):
        dossier_document_add(dossier=dossier, component=FORM, content=pdf, name="a.pdf", origin=Origin.DIGITISED)
    with pytest.raises(InvalidInput) as blank:
        dossier_document_add(dossier=dossier, component="  ", content=pdf, name="a.pdf", origin=Origin.UPLOADED)
    assert blank.value.field == "component"
    with pytest.raises(InvalidInput) as origin:
        dossier_document_add(dossier=dossier, component=FORM, content=pdf, name="a.pdf", origin="scanned")
    assert str(origin.value.message) == "The origin of a file is one of: uploaded, digitised, reused."
    assert samples.files_in(storage_root) == []
    reused_ok = dossier_document_add(
        dossier=dossier,
        component="Giấy chứng nhận kết hôn",
        content=pdf,
        name="kq.pdf",
        origin=Origin.REUSED,
        source_reference=" 267.40.00.X79-250101-0001-KQ1 ",
    )
    assert reused_ok.source_reference == "267.40.00.X79-250101-0001-KQ1"


# -- who may add ----------------------------------------------------------------------------------------------


def test_who_may_add_files_follows_the_desk_the_dossier_is_at(world: World) -> None:
    submitted = submit(world.centre, world.ward)
    assert can_add_document(world.receiver, submitted).role == "receiving_officer"
    refused = can_add_document(world.specialist, submitted)
    assert not refused and refused.code == "not_found"  # a specialist sees a dossier only at their step

    dossier = received(world)
    assert can_add_document(world.receiver, dossier)  # received, not handed over yet: still at the counter
    decision = can_add_document(world.leader, dossier)
    assert decision and decision.role == "agency_leader"

    services.dossier_hand_over(
        dossier=dossier,
        officer=world.receiver,
        step_name="Thẩm định",
        role="specialist",
        unit=world.specialist.unit,
        budget=Decimal(4),
        agency=world.ward,
        assignee=world.specialist,
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert can_add_document(world.specialist, dossier).role == "specialist"
    counter = can_add_document(world.receiver, dossier)
    assert not counter and counter.code == "not_assigned"
    assert counter.reason == "This dossier is not at your desk; files are added by whoever holds it now."
    clerk = can_add_document(world.clerk, dossier)
    assert not clerk and clerk.code == "not_found"
    assert can_add_document(world.leader_b, dossier).code == "not_found"
    assert can_add_document(world.specialist_b, received_b(world)).role == "specialist"


def test_the_role_refusal_names_who_adds_files_at_intake(world: World) -> None:
    submitted = submit(world.centre, world.ward)
    decision = can_add_document(world.administrator, submitted)
    assert not decision
    assert decision.code == "role_not_allowed"
    assert decision.reason == (
        "Your roles do not allow you to add files to a dossier at this stage; it is for: One-stop receiving officer."
    )


# -- reading --------------------------------------------------------------------------------------------------


def test_components_list_the_procedures_own_first_even_without_a_file(world: World) -> None:
    dossier = walk_in(world)
    assert [(c.name, c.is_required, c.latest) for c in dossier_components(dossier=dossier)] == [(FORM, True, None)]
    dossier_document_add(
        dossier=dossier,
        component="Ảnh chụp giấy chứng sinh",
        content=samples.png_bytes(),
        name="a.png",
        origin=Origin.UPLOADED,
    )
    dossier_document_add(dossier=dossier, component=FORM, content=samples.pdf_bytes(), name="v1.pdf", origin="uploaded")
    latest = dossier_document_add(
        dossier=dossier,
        component=FORM,
        content=samples.pdf_bytes("v2"),
        name="v2.pdf",
        origin="digitised",
        officer=world.receiver,
    )
    components = dossier_components(dossier=dossier)
    assert [(c.name, c.is_required, len(c.versions)) for c in components] == [
        (FORM, True, 2),
        ("Ảnh chụp giấy chứng sinh", None, 1),
    ]
    assert components[0].latest == latest


def test_document_lookup_is_scoped_to_the_dossier(world: World) -> None:
    ours = walk_in(world)
    theirs = received_b(world)
    document = dossier_document_add(
        dossier=theirs, component=FORM, content=samples.pdf_bytes(), name="a.pdf", origin=Origin.UPLOADED
    )
    assert documents.dossier_document_get(dossier=theirs, file_uuid=str(document.file.uuid)) == document
    for key in (str(document.file.uuid), "not-a-uuid"):
        with pytest.raises(NotFound):
            documents.dossier_document_get(dossier=ours, file_uuid=key)


def test_digitisation_flags(world: World, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    plain = walk_in(world)
    assert dossier_digitisation_flags(dossier=plain) == DigitisationFlags()

    dossier = with_specialist(world)
    add = dossier_document_add
    add(
        dossier=dossier,
        component=FORM,
        content=samples.pdf_bytes("a"),
        name="a.pdf",
        origin="digitised",
        officer=world.specialist,
    )
    add(dossier=dossier, component=FORM, content=samples.pdf_bytes("b"), name="b.pdf", origin="uploaded")
    add(
        dossier=dossier,
        component="Giấy chứng sinh",
        content=samples.pdf_bytes("c"),
        name="c.pdf",
        origin="digitised",
        officer=world.specialist,
    )
    add(
        dossier=dossier,
        component="CCCD",
        content=samples.jpeg_bytes(),
        name="c.jpg",
        origin="reused",
        source_reference="CSDLQG-DC",
    )
    results = services.dossier_mark_result_ready(
        dossier=dossier, officer=world.leader, results=[{"name": "Giấy khai sinh"}, {"name": "Trích lục"}]
    )
    signed = StoredFile.objects.first()
    assert signed is not None
    # Only a result with its file and a signature counts as issued electronically.
    ResultDocument.objects.filter(pk=results[0].pk).update(file=signed, signed_at=MONDAY)
    ResultDocument.objects.filter(pk=results[1].pk).update(file=signed)

    flags = dossier_digitisation_flags(dossier=dossier)
    assert flags == DigitisationFlags(
        components=3,
        uploaded_components=1,
        digitised_components=2,
        reused_components=1,
        results=2,
        electronic_results=1,
    )
    assert flags.has_digitised_components and flags.has_reused_components and flags.has_electronic_result
    assert not dossier_digitisation_flags(dossier=plain).has_digitised_components

    with django_assert_num_queries(3):
        every = dossiers_digitisation_flags(dossiers=Dossier.objects.all())
    assert every == {plain.pk: DigitisationFlags(), dossier.pk: flags}
    assert DossierDocument.objects.aggregate(Max("version"))["version__max"] == 2
