"""The applicant's side of a dossier (issue #6 item 4): who follows which dossier, what they are told,
answering a supplement request, withdrawing, and the public look-up's second factor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from pytest_django import Settings

from motcua.citizens.services import authorisation_revoke
from motcua.core.errors import InvalidInput, NotFound
from motcua.documents.models import StoredFile, TemplateKind
from motcua.documents.tests import samples
from motcua.documents.uploads import FileTypeMismatch, FileTypeNotAllowed
from motcua.dossiers import services
from motcua.dossiers.applicant_actions import (
    SupplementDocumentMissing,
    SupplementDocumentNotRequested,
    SupplementFile,
    SupplementNotRequested,
    dossier_supplement_answer,
    dossier_withdraw_by_applicant,
)
from motcua.dossiers.lookup import applicant_initials, dossier_lookup, lookup_secret, normalise_secret
from motcua.dossiers.models import Dossier, DossierDocument, HistoryEntry
from motcua.dossiers.services import DossierChanged, TransitionNotAllowed
from motcua.dossiers.slips import slip_context
from motcua.dossiers.tests.applicant_support import (
    AN_ID,
    BINH_ID,
    BIRTH_CERTIFICATE,
    COMPANY_TAX_CODE,
    FORM,
    citizen,
    company,
    received,
    represent,
    result_ready,
    submit,
    supplement_requested,
)
from motcua.dossiers.tests.conftest import MONDAY, TZ, World, at
from motcua.dossiers.tracking import (
    citizen_status,
    dossier_date_changes,
    dossier_get_for_citizen,
    dossier_timeline,
    dossiers_visible_to_citizen,
)
from motcua.dossiers.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def storage_root(settings: Settings, tmp_path: Path) -> Path:
    return samples.use_tmp_storage(settings, tmp_path)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def the_two_files() -> list[SupplementFile]:
    return [
        SupplementFile(component=FORM, content=samples.pdf_bytes("To khai"), name="to-khai.pdf"),
        SupplementFile(component=BIRTH_CERTIFICATE, content=samples.png_bytes(), name="giay-chung-sinh.png"),
    ]


# -- who sees which dossier ----------------------------------------------------------------------------


def test_a_citizen_sees_their_own_dossiers_and_nobody_elses(world: World, clock: time_machine.Traveller) -> None:
    an = citizen()
    mine = received(world)
    not_yet_received = submit(world.centre, world.ward)
    binhs = received(world, name="Trần Thị Bình", id_number=BINH_ID)

    visible = set(dossiers_visible_to_citizen(citizen=an))

    assert visible == {mine, not_yet_received}
    assert binhs not in visible
    assert dossier_get_for_citizen(citizen=an, reference=mine.code or "") == mine
    # Before receipt, the dossier is found by its UUID.
    assert dossier_get_for_citizen(citizen=an, reference=str(not_yet_received.uuid)) == not_yet_received


def test_another_persons_dossier_is_not_found_like_a_code_that_does_not_exist(
    world: World, clock: time_machine.Traveller
) -> None:
    an = citizen()
    binhs = received(world, name="Trần Thị Bình", id_number=BINH_ID)
    assert binhs.code is not None

    with pytest.raises(NotFound) as theirs:
        dossier_get_for_citizen(citizen=an, reference=binhs.code)
    with pytest.raises(NotFound) as nowhere:
        dossier_get_for_citizen(citizen=an, reference="000.00.00.X00-260302-9999")

    assert str(theirs.value.message).replace(binhs.code, "CODE") == str(nowhere.value.message).replace(
        "000.00.00.X00-260302-9999", "CODE"
    )


def test_an_authorised_agent_sees_the_principals_dossiers_while_the_authorisation_is_in_force(
    world: World, clock: time_machine.Traveller
) -> None:
    an = citizen()
    companys = received(world, name="Công ty TNHH Thương mại Hàng Bạc", id_number=COMPANY_TAX_CODE)
    authorisation = represent(an, company())

    assert companys in set(dossiers_visible_to_citizen(citizen=an))

    authorisation_revoke(authorisation=authorisation, reason="Hết nhu cầu ủy quyền")

    assert companys not in set(dossiers_visible_to_citizen(citizen=an))


def test_an_authorisation_for_other_procedures_does_not_open_the_principals_dossier(
    world: World, clock: time_machine.Traveller
) -> None:
    an = citizen()
    companys = received(world, name="Công ty TNHH Thương mại Hàng Bạc", id_number=COMPANY_TAX_CODE)
    represent(an, company(), procedure_codes=("2.000986",))

    assert companys not in set(dossiers_visible_to_citizen(citizen=an))


@pytest.mark.skipif(
    not any(f.name == "submitted_by" for f in Dossier._meta.get_fields()), reason="Dossier.submitted_by not there yet"
)
def test_the_submitter_sees_the_dossier_they_submitted_for_someone_else(
    world: World, clock: time_machine.Traveller
) -> None:
    an = citizen()
    for_binh = received(world, name="Trần Thị Bình", id_number=BINH_ID)
    assert for_binh not in set(dossiers_visible_to_citizen(citizen=an))

    Dossier.objects.filter(pk=for_binh.pk).update(submitted_by=an)

    assert for_binh in set(dossiers_visible_to_citizen(citizen=an))


# -- what the applicant is told ------------------------------------------------------------------------


def test_every_state_has_a_status_written_for_the_citizen() -> None:
    dossier = Dossier(state=State.SUPPLEMENT_REQUESTED)
    status = citizen_status(dossier)
    assert status.needs_action
    assert "paused" in str(status.explanation)
    for state in State:
        dossier.state = state
        assert str(citizen_status(dossier).title)


def test_the_dates_and_the_history_in_plain_language(world: World, clock: time_machine.Traveller) -> None:
    dossier = supplement_requested(world)
    due_before = Dossier.objects.get(pk=dossier.pk).appointment_at
    clock.move_to(at(3, 4, 9))  # Wednesday
    dossier_supplement_answer(dossier=dossier, citizen=citizen(), files=the_two_files())
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.due_at is not None
    services.dossier_apologise(
        dossier=dossier,
        officer=world.specialist,
        reason="Cần xác minh thêm với bệnh viện.",
        explanation_to_head="Chờ bệnh viện trả lời.",
        new_appointment_at=at(3, 10, 16),
    )
    dossier = Dossier.objects.get(pk=dossier.pk)

    changes = dossier_date_changes(dossier=dossier)

    assert [(c.before, c.after) for c in changes] == [
        (None, due_before),
        (due_before, None),
        (due_before, dossier.due_at),
        (dossier.due_at, at(3, 10, 16)),
    ]
    assert [c.what for c in changes] == [
        "Received: the appointment is set.",
        "Documents requested: the time limit stopped running.",
        "Documents sent: the time limit runs again, moved by the time it stood still.",
        "Apology for the delay: new appointment.",
    ]
    titles = [e.title for e in dossier_timeline(dossier=dossier)]
    assert titles[:3] == [
        "The dossier was submitted.",
        "The agency received the dossier; the time limit starts.",
        "Handling started.",
    ]
    assert "The agency asked for more documents; the time limit is paused until they are sent." in titles
    assert "The requested documents were sent; the time limit runs again." in titles
    assert titles[-1].startswith("The agency apologised for the delay and gave a new appointment: ")
    request = next(e for e in dossier_timeline(dossier=dossier) if e.title.startswith("The agency asked"))
    assert request.details == (
        f"{FORM}: Thiếu chữ ký của người yêu cầu.",
        f"{BIRTH_CERTIFICATE}: Bản chụp không đọc được.",
    )
    # Officers' names stay in the back office.
    shown = " ".join(e.title + " ".join(e.details) for e in dossier_timeline(dossier=dossier))
    assert world.specialist.full_name not in shown and world.receiver.full_name not in shown


# -- answering a supplement request ----------------------------------------------------------------------


def test_the_supplement_adds_exactly_the_requested_documents_and_restarts_the_clock(
    world: World, clock: time_machine.Traveller
) -> None:
    an = citizen()
    dossier = supplement_requested(world)
    appointment_before = dossier.appointment_at
    assert appointment_before is not None and dossier.due_at is None
    clock.move_to(at(3, 4, 9))  # Wednesday 09:00: two working days later

    after = dossier_supplement_answer(
        dossier=dossier, citizen=an, files=the_two_files(), expected_revision=dossier.revision
    )

    assert after.state == State.IN_PROCESS
    # The due moment moved by the working time the clock stood still (Monday 09:00 → Wednesday 09:00).
    assert after.due_at == datetime(2026, 3, 5, 9, 0, tzinfo=TZ) and appointment_before == at(3, 3, 9)
    added = DossierDocument.objects.filter(dossier=dossier).order_by("component")
    assert [(d.component, d.version, d.origin) for d in added] == [
        (BIRTH_CERTIFICATE, 1, "uploaded"),
        (FORM, 1, "uploaded"),
    ]
    assert dossier.supplement_requests_made.get().answered_at == at(3, 4, 9)
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None and entry.action == "supplement" and entry.actor == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("content", "name", "refusal"),
    [
        (samples.pe_bytes(), "to-khai.pdf", FileTypeMismatch),
        (samples.gif_bytes(), "scan.gif", FileTypeNotAllowed),
    ],
)
def test_a_refused_file_changes_nothing(
    world: World,
    clock: time_machine.Traveller,
    storage_root: Path,
    content: bytes,
    name: str,
    refusal: type[Exception],
) -> None:
    dossier = supplement_requested(world)
    files = [
        SupplementFile(component=FORM, content=samples.pdf_bytes("To khai"), name="to-khai.pdf"),
        SupplementFile(component=BIRTH_CERTIFICATE, content=content, name=name),
    ]
    history = HistoryEntry.objects.filter(dossier=dossier).count()

    with pytest.raises(refusal) as refused:
        dossier_supplement_answer(dossier=dossier, citizen=citizen(), files=files)

    assert isinstance(refused.value, InvalidInput) and refused.value.field == "document_1"
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.state, after.revision, after.due_at) == (State.SUPPLEMENT_REQUESTED, dossier.revision, None)
    assert not DossierDocument.objects.filter(dossier=dossier).exists()
    assert not StoredFile.objects.exists() and samples.files_in(storage_root) == []
    assert HistoryEntry.objects.filter(dossier=dossier).count() == history


def test_only_the_requested_documents_are_taken_and_all_of_them(world: World, clock: time_machine.Traveller) -> None:
    dossier = supplement_requested(world)
    an = citizen()
    extra = [*the_two_files(), SupplementFile(component="Sổ hộ khẩu", content=samples.pdf_bytes(), name="x.pdf")]

    with pytest.raises(SupplementDocumentNotRequested):
        dossier_supplement_answer(dossier=dossier, citizen=an, files=extra)
    with pytest.raises(SupplementDocumentMissing) as missing:
        dossier_supplement_answer(dossier=dossier, citizen=an, files=the_two_files()[:1])

    assert missing.value.field == "document_1" and BIRTH_CERTIFICATE in str(missing.value.message)
    assert not DossierDocument.objects.filter(dossier=dossier).exists()
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUPPLEMENT_REQUESTED


def test_a_supplement_on_a_changed_dossier_or_for_someone_else_is_refused(
    world: World, clock: time_machine.Traveller
) -> None:
    dossier = supplement_requested(world)

    with pytest.raises(DossierChanged):
        dossier_supplement_answer(
            dossier=dossier, citizen=citizen(), files=the_two_files(), expected_revision=dossier.revision - 1
        )
    with pytest.raises(NotFound):
        dossier_supplement_answer(dossier=dossier, citizen=citizen(BINH_ID, "Trần Thị Bình"), files=the_two_files())
    assert not DossierDocument.objects.filter(dossier=dossier).exists()

    processing = received(world)
    with pytest.raises(SupplementNotRequested):
        dossier_supplement_answer(dossier=processing, citizen=citizen(), files=the_two_files())


# -- withdrawing -----------------------------------------------------------------------------------------


def test_the_applicant_withdraws_with_a_reason(world: World, clock: time_machine.Traveller) -> None:
    dossier = received(world)
    an = citizen()

    with pytest.raises(InvalidInput) as no_reason:
        dossier_withdraw_by_applicant(dossier=dossier, citizen=an, reason="   ")
    assert no_reason.value.field == "reason"
    assert Dossier.objects.get(pk=dossier.pk).state == State.RECEIVED

    after = dossier_withdraw_by_applicant(
        dossier=dossier, citizen=an, reason="Đã  nộp ở nơi khác", expected_revision=dossier.revision
    )

    assert after.state == State.WITHDRAWN and after.status_code == 7
    entry = HistoryEntry.objects.filter(dossier=dossier).order_by("-sequence").first()
    assert entry is not None and (entry.action, entry.reason, entry.actor_role) == (
        "withdraw",
        "Đã nộp ở nơi khác",
        "applicant",
    )
    with pytest.raises(TransitionNotAllowed):
        dossier_withdraw_by_applicant(dossier=dossier, citizen=an, reason="again")


def test_a_representative_is_named_in_the_history(world: World, clock: time_machine.Traveller) -> None:
    an = citizen()
    represent(an, company())
    companys = received(world, name="Công ty TNHH Thương mại Hàng Bạc", id_number=COMPANY_TAX_CODE)

    dossier_withdraw_by_applicant(dossier=companys, citizen=an, reason="Công ty đổi kế hoạch")

    entry = HistoryEntry.objects.filter(dossier=companys).order_by("-sequence").first()
    assert entry is not None and (entry.actor, entry.actor_role) == ("Nguyễn Văn An", "representative")


# -- the public look-up ----------------------------------------------------------------------------------


def test_the_look_up_secret_is_stable_per_dossier_and_printed_on_the_receipt(
    world: World, clock: time_machine.Traveller
) -> None:
    one, other = received(world), received(world)

    secret = lookup_secret(dossier=one)

    assert len(secret) == 9 and secret[4] == "-" and secret == lookup_secret(dossier=one)
    assert secret != lookup_secret(dossier=other)
    context, _issued_at, _issuer = slip_context(dossier=one, kind=TemplateKind.RECEIPT)
    assert context["lookup_secret"] == secret


def test_the_look_up_takes_the_id_number_or_the_secret(world: World, clock: time_machine.Traveller) -> None:
    dossier = received(world)
    assert dossier.code is not None
    secret = lookup_secret(dossier=dossier)
    # Typed back leniently: lower case, without the dash, O for 0 and l for 1.
    typed = secret.replace("-", " ").lower().replace("0", "o").replace("1", "l")

    by_id = dossier_lookup(code=dossier.code, second_factor=AN_ID)
    by_secret = dossier_lookup(code=f"  {dossier.code} ", second_factor=typed)

    assert by_id is not None and by_id == by_secret
    assert normalise_secret(typed) == secret.replace("-", "")
    assert (by_id.code, by_id.status_code, by_id.applicant_initials) == (dossier.code, 2, "N. V. A.")
    assert by_id.appointment_at == dossier.appointment_at


def test_a_wrong_second_factor_and_an_unknown_code_both_find_nothing(
    world: World, clock: time_machine.Traveller
) -> None:
    dossier = received(world)
    not_received = submit(world.centre, world.ward)
    assert dossier.code is not None

    assert dossier_lookup(code=dossier.code, second_factor=BINH_ID) is None
    assert dossier_lookup(code=dossier.code, second_factor="ABCD-EFGH") is None
    assert dossier_lookup(code=dossier.code, second_factor="") is None
    assert dossier_lookup(code="000.00.00.X00-260302-9999", second_factor=AN_ID) is None
    assert dossier_lookup(code=str(not_received.uuid), second_factor=AN_ID) is None


def test_the_previous_secret_key_still_opens_printed_receipts(
    world: World, clock: time_machine.Traveller, settings: Settings
) -> None:
    dossier = received(world)
    assert dossier.code is not None
    printed = lookup_secret(dossier=dossier)

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 20

    assert lookup_secret(dossier=dossier) != printed
    assert dossier_lookup(code=dossier.code, second_factor=printed) is not None


def test_the_public_view_holds_nothing_personal_beyond_initials(world: World, clock: time_machine.Traveller) -> None:
    dossier = result_ready(world, name="Lê Thị Cúc")
    assert dossier.code is not None

    found = dossier_lookup(code=dossier.code, second_factor=AN_ID)

    assert found is not None
    shown = " ".join(str(getattr(found, name)) for name in found.__slots__)
    assert "Lê Thị Cúc" not in shown and AN_ID not in shown and "Cúc" not in shown
    assert found.applicant_initials == "L. T. C."
    assert applicant_initials("  Nguyễn   văn an ") == "N. V. A."
