"""Issuing a result electronically (issue #5 items 3–4): rendered with the dossier's data and the QR
code, signed with the competent agency's key, stored, recorded; checked by us and by pdfsig.
Also the slips that carry the agency's seal (dossiers.seals)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone, translation
from pytest_django import Settings

from motcua.core.errors import InvalidInput
from motcua.documents.models import SigningKey, StoredFile
from motcua.documents.selectors import stored_file_read
from motcua.documents.tests.pdf import pdf_fonts, pdf_qr_codes, pdf_text
from motcua.documents.tests.samples import files_in
from motcua.documents.tests.signing_support import (
    DevPki,
    append_text_after_signing,
    dev_pki_build,
    flip_byte_in_first_stream,
    nss_db,
    pdfsig,
)
from motcua.documents.verification import NotSigned, Verdict, pdf_verify
from motcua.dossiers import history, services
from motcua.dossiers.models import Dossier, HistoryEntry, ResultDocument
from motcua.dossiers.policies import ActionNotPermitted
from motcua.dossiers.results import (
    ISSUE_RESULT,
    SIGNING_REASON,
    NoSigningKeyForResult,
    ResultAlreadyIssued,
    ResultNotIssuable,
    can_issue_result,
    result_document_issue,
    result_rows,
)
from motcua.dossiers.seals import SEAL_ROLE, slip_pdf
from motcua.dossiers.services import DossierChanged
from motcua.dossiers.tests.conftest import World, with_specialist
from motcua.dossiers.tests.results_support import RESULT_NAME, result_ready, use_pki, ward_key

pytestmark = pytest.mark.django_db

DETAILS = "Đã đăng ký khai sinh cho cháu Nguyễn Thị Bình, sinh ngày 12/03/2026."
VALIDITY = "Không thời hạn"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return dev_pki_build(tmp_path_factory.mktemp("results-pki"))


@pytest.fixture(scope="session")
def nssdb(tmp_path_factory: pytest.TempPathFactory, pki: DevPki) -> Path:
    return nss_db(tmp_path_factory.mktemp("results-nss"), pki.root_pem)


@pytest.fixture(autouse=True)
def storage(settings: Settings, pki: DevPki, tmp_path: Path) -> Path:
    return use_pki(settings, pki, tmp_path)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def key(world: World, pki: DevPki) -> SigningKey:
    return ward_key(world.ward, pki)


@pytest.fixture
def result(world: World) -> ResultDocument:
    return result_ready(world)


def issue(result: ResultDocument, world: World, **kwargs: object) -> ResultDocument:
    arguments: dict[str, object] = {"officer": world.leader, "details": DETAILS, "validity": VALIDITY, **kwargs}
    return result_document_issue(result=result, **arguments)  # type: ignore[arg-type]


def signed_bytes(result: ResultDocument) -> bytes:
    assert result.file is not None
    return stored_file_read(stored=result.file)


@pytest.fixture
def issued(world: World, key: SigningKey, result: ResultDocument) -> ResultDocument:
    return issue(result, world)


# -- the document ----------------------------------------------------------------------------------------


def test_the_result_prints_the_dossiers_data_in_vietnamese_with_fonts_embedded(
    issued: ResultDocument, tmp_path: Path
) -> None:
    dossier = issued.dossier
    pdf = signed_bytes(issued)
    text = pdf_text(pdf, tmp_path)
    assert "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert f"Mã kết quả: {issued.code}" in text and issued.code == f"{dossier.code}-KQ1"
    assert "Kính gửi: Nguyễn Văn An (số định danh / mã số thuế 079086012345)" in text
    assert "Đăng ký khai sinh (mã thủ tục 1.001193)" in text
    assert f"Kết quả: {RESULT_NAME}" in text
    assert DETAILS in text
    assert f"Thời hạn, phạm vi có hiệu lực: {VALIDITY}" in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG SÀI GÒN" in text  # the issuer: the competent agency
    assert "LÃNH ĐẠO CƠ QUAN" in text  # the signer's title over the signature
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # every font embedded, the stamp's too
    assert any("BeVietnamPro" in row[0] for row in fonts)


def test_the_qr_code_carries_the_fields_of_circular_01_2023_and_the_result_code(
    issued: ResultDocument, tmp_path: Path
) -> None:
    dossier = issued.dossier
    (code,) = pdf_qr_codes(signed_bytes(issued), tmp_path)
    qr = json.loads(code)
    assert qr["MaHoSo"] == dossier.code
    assert qr["MaTTHC"] == "1.001193"
    assert qr["SoDinhDanh"] == "079086012345"
    assert qr["TenGiayTo"] == RESULT_NAME
    assert qr["MaKetQua"] == issued.code
    assert qr["HieuLuc"] == VALIDITY
    assert issued.signed_at is not None
    assert qr["ThoiGianCap"] == timezone.localtime(issued.signed_at).isoformat(timespec="minutes")


def test_the_stamp_names_the_signer_and_role_and_the_signature_is_valid_for_us_and_pdfsig(
    issued: ResultDocument, tmp_path: Path, nssdb: Path
) -> None:
    pdf = signed_bytes(issued)
    text = pdf_text(pdf, tmp_path)
    assert "Ký bởi: Leader" in text
    assert "Lãnh đạo cơ quan, Ủy ban nhân dân phường Sài Gòn" in text

    report = pdf_verify(pdf=pdf)
    assert report.verdict == Verdict.VALID
    (check,) = report.signatures
    assert check.signer_name == "Leader"
    assert check.reason == SIGNING_REASON
    assert check.location == "Phường Sài Gòn"
    assert check.certificate.common_name == "Ủy ban nhân dân phường Sài Gòn"
    assert check.covers_entire_file

    out = pdfsig(pdf, tmp_path, nssdb)
    assert "Signature is Valid." in out, out
    assert "Certificate is Trusted." in out, out
    assert "Total document signed" in out, out


def test_a_tampered_copy_fails_our_check_and_pdfsig(issued: ResultDocument, tmp_path: Path, nssdb: Path) -> None:
    pdf = signed_bytes(issued)
    tampered = flip_byte_in_first_stream(pdf)
    assert pdf_verify(pdf=tampered).verdict == Verdict.INVALID
    out = pdfsig(tampered, tmp_path, nssdb)
    assert "Signature is Valid." not in out and "Digest Mismatch" in out, out

    changed = append_text_after_signing(pdf)
    assert pdf_verify(pdf=changed).verdict == Verdict.CHANGED
    assert "Not total document signed" in pdfsig(changed, tmp_path, nssdb)


# -- what is recorded --------------------------------------------------------------------------------------


def test_the_result_records_its_file_signer_and_moment_and_the_history_says_so(
    world: World, key: SigningKey, result: ResultDocument
) -> None:
    before = Dossier.objects.get(pk=result.dossier_id)
    issued = issue(result, world)
    issued.refresh_from_db()
    assert issued.file is not None and issued.signed_by == world.leader and issued.signed_at is not None
    assert issued.file.content_type == "application/pdf" and issued.file.original_name == f"{issued.code}.pdf"
    assert issued.file.confidentiality == "personal"
    after = Dossier.objects.get(pk=result.dossier_id)
    assert after.state == before.state == "result_ready" and after.revision == before.revision + 1
    entry = after.history.order_by("-sequence").first()
    assert entry is not None and entry.action == ISSUE_RESULT
    assert (entry.actor, entry.actor_role, entry.from_state, entry.to_state) == (
        "Leader",
        "agency_leader",
        "result_ready",
        "result_ready",
    )
    assert entry.data["result"] == issued.code
    assert entry.data["sha256"] == issued.file.sha256
    assert entry.data["file"] == str(issued.file.uuid)
    assert entry.data["certificate"] == key.fingerprint_sha256
    assert entry.data["validity"] == VALIDITY
    assert history.verify(after) == []


def test_a_clerk_of_the_competent_agency_issues_even_once_the_dossier_left_their_desk(
    world: World, key: SigningKey, result: ResultDocument, tmp_path: Path
) -> None:
    issued = result_document_issue(result=result, officer=world.clerk)
    assert issued.signed_by == world.clerk
    assert "Văn thư, Ủy ban nhân dân phường Sài Gòn" in pdf_text(signed_bytes(issued), tmp_path)
    assert HistoryEntry.objects.get(dossier=result.dossier, action=ISSUE_RESULT).actor_role == "clerk"


# -- refusals: nothing changes -------------------------------------------------------------------------------


def assert_nothing_changed(result: ResultDocument, revision: int, storage: Path) -> None:
    result.refresh_from_db()
    assert result.file is None and result.signed_at is None and result.signed_by is None
    assert not StoredFile.objects.exists()
    dossier = Dossier.objects.get(pk=result.dossier_id)
    assert dossier.revision == revision
    assert not dossier.history.filter(action=ISSUE_RESULT).exists()
    assert files_in(storage) == []


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("unit_leader", 403, "role_not_allowed"),  # sees the whole agency, does not sign its results
        ("receiver", 403, "not_competent_agency"),  # the receiving centre sees it, the ward decides
        ("specialist", 404, "not_found"),  # the dossier left their desk
        ("leader_b", 404, "not_found"),  # another province
    ],
)
def test_only_a_leader_or_clerk_of_the_competent_agency_issues(
    world: World, key: SigningKey, result: ResultDocument, storage: Path, who: str, status: int, code: str
) -> None:
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    with pytest.raises(ActionNotPermitted) as caught:
        result_document_issue(result=result, officer=getattr(world, who))
    assert (caught.value.status, caught.value.code) == (status, code)
    assert_nothing_changed(result, revision, storage)


def test_without_a_signing_key_it_says_what_to_do_and_stores_nothing(
    world: World, result: ResultDocument, storage: Path
) -> None:
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    with pytest.raises(NoSigningKeyForResult) as caught:
        issue(result, world)
    assert caught.value.status == 409 and caught.value.code == "no_signing_key"
    assert "motcua create-dev-ca" in str(caught.value.message)
    assert "Ủy ban nhân dân phường Sài Gòn" in str(caught.value.message)
    assert_nothing_changed(result, revision, storage)


def test_a_signed_result_is_never_replaced(world: World, key: SigningKey, result: ResultDocument) -> None:
    issued = issue(result, world)
    with pytest.raises(ResultAlreadyIssued) as caught:
        issue(result, world)
    assert caught.value.status == 409 and "next code" in str(caught.value.message)
    assert StoredFile.objects.get() == issued.file
    assert HistoryEntry.objects.filter(dossier=result.dossier, action=ISSUE_RESULT).count() == 1


def test_a_returned_result_is_not_issued_afterwards(
    world: World, key: SigningKey, result: ResultDocument, storage: Path
) -> None:
    services.dossier_return_result(dossier=result.dossier, officer=world.returner)
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    with pytest.raises(ResultNotIssuable) as caught:
        issue(result, world)
    assert caught.value.status == 409
    assert_nothing_changed(result, revision, storage)


def test_a_stale_revision_is_refused_before_anything_is_signed(
    world: World, key: SigningKey, result: ResultDocument, storage: Path
) -> None:
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    with pytest.raises(DossierChanged):
        issue(result, world, expected_revision=revision - 1)
    assert_nothing_changed(result, revision, storage)
    assert issue(result, world, expected_revision=revision).file is not None


def test_too_long_details_are_refused(world: World, key: SigningKey, result: ResultDocument, storage: Path) -> None:
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    with pytest.raises(InvalidInput, match="At most 200 characters") as caught:
        issue(result, world, validity="x" * 201)
    assert caught.value.field == "validity"
    assert_nothing_changed(result, revision, storage)


def test_a_failure_after_signing_leaves_no_row_and_changes_nothing(
    world: World, key: SigningKey, result: ResultDocument
) -> None:
    revision = Dossier.objects.get(pk=result.dossier_id).revision
    with (
        mock.patch("motcua.dossiers.results.history.append", side_effect=RuntimeError("database went away")),
        pytest.raises(RuntimeError),
    ):
        issue(result, world)
    result.refresh_from_db()
    assert result.file is None and not StoredFile.objects.exists()
    assert Dossier.objects.get(pk=result.dossier_id).revision == revision
    # The signed bytes were stored before the transaction: unreferenced, reported by documents-check.


def test_the_page_rows_say_who_may_issue_what(world: World, key: SigningKey, result: ResultDocument) -> None:
    dossier = result.dossier
    assert [row.can_issue for row in result_rows(officer=world.leader, dossier=dossier)] == [True]
    assert [row.can_issue for row in result_rows(officer=world.unit_leader, dossier=dossier)] == [False]
    issue(result, world)
    (row,) = result_rows(officer=world.leader, dossier=dossier)
    assert row.is_issued and not row.can_issue
    assert can_issue_result(world.clerk, dossier).role == "clerk"


# -- sealed slips ------------------------------------------------------------------------------------------------


def stopped(world: World) -> Dossier:
    dossier = with_specialist(world)
    return services.dossier_stop(dossier=dossier, officer=world.leader, reason="Người yêu cầu đã chết")


def test_the_stop_notice_is_sealed_by_the_agency_when_it_has_a_key(
    world: World, key: SigningKey, tmp_path: Path, nssdb: Path
) -> None:
    slip = slip_pdf(dossier=stopped(world), kind="stop")
    assert slip.sealed
    report = pdf_verify(pdf=slip.pdf)
    assert report.verdict == Verdict.VALID
    assert report.signatures[0].signer_name == "Ủy ban nhân dân phường Sài Gòn"
    text = pdf_text(slip.pdf, tmp_path)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert f"{SEAL_ROLE}, Ủy ban nhân dân phường Sài Gòn" in text
    assert "Signature is Valid." in pdfsig(slip.pdf, tmp_path, nssdb)


def test_without_a_key_the_slip_is_given_unsealed_and_slips_signed_by_hand_are_never_sealed(
    world: World, pki: DevPki
) -> None:
    dossier = stopped(world)
    unsealed = slip_pdf(dossier=dossier, kind="stop")
    assert not unsealed.sealed
    with pytest.raises(NotSigned):
        pdf_verify(pdf=unsealed.pdf)
    ward_key(world.ward, pki)
    receipt = slip_pdf(dossier=dossier, kind="receipt")
    assert not receipt.sealed
    with pytest.raises(NotSigned):
        pdf_verify(pdf=receipt.pdf)
    assert not slip_pdf(dossier=dossier, kind="stop", sealed=False).sealed
