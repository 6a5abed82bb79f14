"""The slips of a dossier (Thông tư 03/2025 forms): which a dossier has, and what each one prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import translation

from motcua.agencies.models import OfficerRole
from motcua.documents.templating import document_template_publish
from motcua.documents.tests.pdf import pdf_qr_codes, pdf_text
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.slips import SlipNotAvailable, dossier_slips, slip_context, slip_render
from motcua.dossiers.tests.conftest import SPECIALISTS_UNIT, World, at, received, submit, with_specialist


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def kinds(dossier: Dossier) -> list[tuple[str, int]]:
    return [(ref.kind, ref.number) for ref in dossier_slips(dossier=dossier)]


def test_the_receipt_prints_the_code_the_hour_of_receipt_and_the_appointment(world: World, tmp_path: Path) -> None:
    # Friday 27 November 2026, 16:20: after the 15:00 cut-off, so the one working day counts from Monday.
    with time_machine.travel(at(11, 27, 16, 20), tick=False):
        dossier = received(world)
    assert dossier.code is not None and dossier.appointment_at is not None
    assert kinds(dossier) == [("receipt", 1), ("control", 1)]

    rendered = slip_render(dossier=dossier, kind="receipt")
    text = pdf_text(rendered.pdf, tmp_path)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert dossier.code in text
    assert "Nguyễn Văn An" in text and "079086012345" in text
    assert "16 giờ 20 phút, ngày 27 tháng 11 năm 2026" in text  # the hour and date of receipt (domain §2.6)
    local = dossier.appointment_at.astimezone(at(1, 1, 0).tzinfo)
    assert f"ngày {local.day:02d} tháng {local.month:02d} năm {local.year}" in text
    assert "01 ngày làm việc" in text
    assert "Trung tâm Phục vụ hành chính công phường Sài Gòn".upper() in text  # the issuer: the receiving centre
    qr = json.loads(pdf_qr_codes(rendered.pdf, tmp_path)[0])
    assert qr["MaHoSo"] == dossier.code
    assert qr["MaTTHC"] == "1.001193"
    assert qr["SoDinhDanh"] == "079086012345"
    assert qr["ThoiGianCap"] == "2026-11-27T16:20+07:00"
    assert qr["NgayHenTra"] == local.isoformat(timespec="minutes")


def test_a_reprint_is_the_same_paper_dated_when_the_act_happened(world: World) -> None:
    with time_machine.travel(at(11, 27, 10, 5), tick=False):
        dossier = received(world)
    with time_machine.travel(at(12, 3, 9, 0), tick=False):
        context, issued_at, _ = slip_context(dossier=dossier, kind="receipt")
    assert issued_at == at(11, 27, 10, 5)
    assert context["issued_on"] == "ngày 27 tháng 11 năm 2026"


def test_the_counters_list_of_documents_received_is_printed(world: World, tmp_path: Path) -> None:
    with time_machine.travel(at(11, 26, 9), tick=False):
        dossier = services.dossier_receive_at_counter(
            procedure_code="1.001193",
            applicant=services.Applicant(name="Lê Thị Bình", id_number="079186012345"),
            officer=world.receiver,
            competent_agency=world.ward,
            form_data={
                "documents_received": [
                    {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0},
                    {"name": "Giấy chứng sinh", "originals": 1, "copies": 1},
                ]
            },
        )
    text = pdf_text(slip_render(dossier=dossier, kind="receipt").pdf, tmp_path)
    assert "Tờ khai đăng ký khai sinh" in text and "Giấy chứng sinh" in text


def test_no_receipt_before_receipt_but_a_guidance_slip_for_an_incomplete_dossier(world: World, tmp_path: Path) -> None:
    dossier = submit(world.centre, world.ward)
    with pytest.raises(SlipNotAvailable):
        slip_render(dossier=dossier, kind="receipt")
    with pytest.raises(SlipNotAvailable):
        slip_render(dossier=dossier, kind="control")
    services.dossier_mark_incomplete(
        dossier=dossier,
        officer=world.receiver,
        missing=[{"document": "Giấy chứng sinh", "reason": "Bản chụp mờ, không đọc được số"}],
    )
    assert kinds(dossier) == [("guidance", 1)]
    text = pdf_text(slip_render(dossier=dossier, kind="guidance").pdf, tmp_path)
    assert "PHIẾU HƯỚNG DẪN HOÀN THIỆN HỒ SƠ" in text
    assert "Giấy chứng sinh" in text and "Bản chụp mờ, không đọc được số" in text
    with pytest.raises(SlipNotAvailable):
        slip_render(dossier=dossier, kind="guidance", number=2)


def test_the_refusal_slip_gives_the_legal_reason(world: World, tmp_path: Path) -> None:
    dossier = submit(world.centre, world.ward)
    reason = "Trẻ đã được đăng ký khai sinh tại nơi khác (Luật Hộ tịch 2014, Điều 13)"
    services.dossier_refuse(dossier=dossier, officer=world.receiver, legal_reason=reason)
    assert kinds(dossier) == [("refusal", 1)]
    text = pdf_text(slip_render(dossier=dossier, kind="refusal").pdf, tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and reason in text


def test_supplement_requests_apology_stop_and_the_control_slip(world: World, tmp_path: Path) -> None:
    with time_machine.travel(at(11, 23, 9), tick=False):
        dossier = with_specialist(world)
    with time_machine.travel(at(11, 23, 10), tick=False):
        services.dossier_request_supplement(
            dossier=dossier,
            officer=world.specialist,
            items=[{"document": "Giấy chứng sinh", "reason": "Thiếu chữ ký của người đỡ đẻ"}],
        )
    with time_machine.travel(at(11, 24, 9), tick=False):
        services.dossier_supplement(dossier=Dossier.objects.get(pk=dossier.pk), documents=["Giấy chứng sinh"])
    with time_machine.travel(at(11, 24, 10), tick=False):
        services.dossier_request_supplement(
            dossier=Dossier.objects.get(pk=dossier.pk),
            officer=world.specialist,
            items=[{"document": "Tờ khai", "reason": "Sai ngày sinh"}],
        )
    with time_machine.travel(at(11, 24, 14), tick=False):
        services.dossier_supplement(dossier=Dossier.objects.get(pk=dossier.pk), documents=["Tờ khai"])
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.due_at is not None
    with time_machine.travel(at(11, 24, 15), tick=False):
        services.dossier_apologise(
            dossier=dossier,
            officer=world.leader,
            reason="Phải xác minh thông tin với bệnh viện",
            explanation_to_head="Chờ văn bản trả lời của bệnh viện",
            new_appointment_at=dossier.due_at.replace(day=dossier.due_at.day + 2),
        )
    with time_machine.travel(at(11, 24, 16), tick=False):
        services.dossier_stop(
            dossier=Dossier.objects.get(pk=dossier.pk), officer=world.leader, reason="Người yêu cầu đề nghị dừng"
        )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert kinds(dossier) == [
        ("receipt", 1),
        ("control", 1),
        ("supplement", 1),
        ("supplement", 2),
        ("apology", 1),
        ("stop", 1),
    ]

    second = pdf_text(slip_render(dossier=dossier, kind="supplement", number=2).pdf, tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in second
    assert "yêu cầu lần 2" in second and "Sai ngày sinh" in second and "Thiếu chữ ký" not in second
    assert "10 giờ 00 phút, ngày 24 tháng 11 năm 2026" in second

    apology = pdf_text(slip_render(dossier=dossier, kind="apology").pdf, tmp_path)
    assert "Phải xác minh thông tin với bệnh viện" in apology
    assert "UỶ BAN" in apology.upper() or "ỦY BAN NHÂN DÂN PHƯỜNG SÀI GÒN" in apology  # issued by the ward

    stop = pdf_text(slip_render(dossier=dossier, kind="stop").pdf, tmp_path)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in stop and "Người yêu cầu đề nghị dừng" in stop

    control = pdf_text(slip_render(dossier=dossier, kind="control").pdf, tmp_path)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in control
    assert SPECIALISTS_UNIT in control and "Thẩm định" in control


def test_the_control_slip_has_a_row_per_hand_over_with_its_outcome(world: World) -> None:
    with time_machine.travel(at(11, 23, 9), tick=False):
        dossier = with_specialist(world)
    with time_machine.travel(at(11, 23, 10), tick=False):
        services.dossier_hand_over(
            dossier=dossier,
            officer=world.specialist,
            step_name="Ký duyệt",
            role=OfficerRole.AGENCY_LEADER,
            unit="Lãnh đạo UBND",
            budget=Decimal(2),
            agency=world.ward,
            assignee=world.leader,
        )
    context, _, _ = slip_context(dossier=Dossier.objects.get(pk=dossier.pk), kind="control")
    rows = context["steps"]
    assert [row["note"] for row in rows] == ["Tiếp nhận hồ sơ", "Thẩm định", "Ký duyệt"]
    assert rows[1]["outcome"] == "Trước hạn"  # 1 hour of 4 used
    assert rows[2]["outcome"] == "Đang xử lý"
    assert rows[2]["giver"] == world.specialist.full_name


def test_the_agencys_own_template_is_used(world: World, tmp_path: Path) -> None:
    document_template_publish(
        kind="receipt",
        title="Giấy biên nhận hồ sơ",
        body="<p>Mã: {{ dossier.code }} — mẫu riêng</p>",
        agency=world.centre,
    )
    dossier = received(world)
    rendered = slip_render(dossier=dossier, kind="receipt")
    assert rendered.template.version == 1 and rendered.template.agency_code == world.centre.code
    text = pdf_text(rendered.pdf, tmp_path)
    assert "GIẤY BIÊN NHẬN HỒ SƠ" in text and "mẫu riêng" in text
