"""The importer on real data (the three shared ministry files) and on broken input."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from motcua.catalog import exchange, selectors
from motcua.catalog.importing import import_files
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.search import procedure_search
from motcua.catalog.tests import factories

pytestmark = pytest.mark.django_db

_REPOSITORY = Path(__file__).resolve().parents[4]
SHARED = Path(os.environ.get("MOTCUA_SHARED_DIR") or _REPOSITORY.parent / "shared")
PROCEDURES = SHARED / "data" / "procedures"
SHARED_FILES = [PROCEDURES / f"{name}.jsonl" for name in ("bo-tu-phap", "bo-cong-an", "bo-tai-chinh")]
needs_shared = pytest.mark.skipif(
    not all(p.is_file() for p in SHARED_FILES), reason=f"the shared portal records are not at {PROCEDURES}"
)


def _export() -> list[dict[str, Any]]:
    return list(exchange.export_catalog(Procedure.objects.order_by("code")))


@needs_shared
@pytest.mark.slow
def test_importing_the_three_shared_files_twice_gives_the_same_catalog(client: Client) -> None:
    first = import_files(SHARED_FILES, actor="test")
    assert (first.records, first.created, len(first.rejected)) == (1316, 1316, 0)
    assert first.published == 1316
    # Every channel row's time limit is classified, and the fees that are stated are understood.
    sources = first.time_limit_sources
    assert sum(sources.values()) == first.channel_rows == 3317
    assert sources["explicit"] >= 2550 and sources["inferred"] >= 124
    assert first.fees_understood / first.fees_stated > 0.97
    before = _export()

    second = import_files(SHARED_FILES, actor="test")
    assert (second.created, second.updated, second.unchanged, len(second.rejected)) == (0, 0, 1316, 0)
    assert _export() == before

    residence = selectors.version_in_force(code="1.004222")
    online = residence.channels.get(channel="online")
    assert (online.time_limit_value, online.time_limit_unit, online.time_limit_source) == (
        Decimal(7),
        "working_days",
        "explicit",
    )
    assert [fee.amount_vnd for fee in online.fees.all()] == [10_000]
    group = selectors.version_in_force(code="2.000986")
    assert {"KQ.G01.000065", "KQ.G15.000031", "KQ.G18.000047"} <= {r.code for r in group.results.all()}
    # The birth registration record lost its units ("Trực tuyến1Miễn phí"): kept, marked unknown, flagged.
    birth = selectors.version_in_force(code="1.001193")
    assert {c.time_limit_source for c in birth.channels.all()} == {"unknown"}
    assert {c.time_limit_value for c in birth.channels.all()} == {1}
    assert any(f["code"] == "time_unit_unknown" for f in birth.flags)
    assert any(f["code"] == "incomplete_dd_time_limit" for f in birth.flags)
    # The record states its afternoon cut-off ("nếu tiếp nhận hồ sơ sau 15 giờ").
    assert birth.same_day_cutoff is not None and birth.same_day_cutoff.hour == 15

    # Search over the real catalogue (issue #3): folded, ranked.
    found = [p.code for p in procedure_search(q="khai sinh")]
    assert found[0] == "1.001193"
    assert {"2.000986", "2.001023"} <= set(found)
    assert procedure_search(q="thuong tru")[0].code == "1.004222"
    assert [p.code for p in procedure_search(q="1.004222")] == ["1.004222"]
    assert procedure_search(q="Đăng ký khai tử")[0].code == "1.000656"

    # What people see: the procedure pages as published (issue #3, "done when").
    page = client.get("/thu-tuc/1.004222/").content.decode()
    assert "7 ngày làm việc" in page and "10.000 đồng" in page
    group_page = client.get("/thu-tuc/2.000986/").content.decode()
    assert all(code in group_page for code in ("KQ.G01.000065", "KQ.G15.000031", "KQ.G18.000047"))


def _write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _record(code: str, name: str) -> dict[str, Any]:
    return {
        "ma_thu_tuc": code,
        "ten_thu_tuc": name,
        "cap_thuc_hien": "Cấp xã",
        "linh_vuc": "Hộ tịch",
        "doi_tuong_thuc_hien": "Công dân Việt Nam",
        "co_quan_thuc_hien": "Ủy ban nhân dân cấp xã",
        "trinh_tu_thuc_hien": "Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả.",
        "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp3 Ngày làm việcLệ phí : 8.000 Đồng",
        "thanh_phan_ho_so": "Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai theo mẫu.Tờ khai.docxBản chính: 1 Bản sao: 0",
        "can_cu_phap_ly": "Tên văn bản pháp lýMã văn bảnLuật Hộ tịch 201460/2014/QH13",
        "ket_qua_xu_ly": "Giấy xác nhậnMã: KQ.G15.000099",
    }


def test_broken_rows_are_rejected_one_by_one_and_the_good_ones_imported(tmp_path: Path) -> None:
    good = json.dumps(_record("1.900001", "Thủ tục thử nghiệm"), ensure_ascii=False)
    path = _write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            good,
            '{"ma_thu_tuc": "1.900002", "ten_thu_tuc": ',  # truncated line
            "[1, 2, 3]",  # not an object
            json.dumps({"ten_thu_tuc": "Không có mã"}, ensure_ascii=False),  # no code
            json.dumps(_record("1.900003", "Thủ tục thứ hai"), ensure_ascii=False),
        ],
    )
    summary = import_files([path], actor="test")
    assert (summary.created, summary.records) == (2, 5)
    rejected = dict(summary.rejected)
    assert set(rejected) == {"mixed.jsonl:2", "mixed.jsonl:3", "mixed.jsonl:4"}
    assert all(reason for reason in rejected.values())
    assert sorted(Procedure.objects.values_list("code", flat=True)) == ["1.900001", "1.900003"]
    version = selectors.version_in_force(code="1.900001")
    assert version.channels.get().time_limit_value == 3
    assert version.channels.get().fees.get().amount_vnd == 8_000


def test_files_that_cannot_be_read_are_named_in_the_summary(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"format": "something-else"}', encoding="utf-8")
    summary = import_files(
        [tmp_path / "missing.jsonl", tmp_path / "notes.txt", tmp_path / "broken.json", tmp_path / "other.json"],
        actor="test",
    )
    reasons = dict(summary.rejected)
    assert reasons[str(tmp_path / "missing.jsonl")] == "no such file"
    assert "unknown file type" in reasons["notes.txt"]
    assert "not valid JSON" in reasons["broken.json"]
    assert "motcua-catalog" in reasons["other.json"]
    assert not Procedure.objects.exists()


def test_a_spreadsheet_with_a_missing_column_is_refused_clearly(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["STT", "Tên thủ tục", "Lĩnh vực", "Cột lạ"])
    sheet.append([1, "Thủ tục không mã", "Hộ tịch", "x"])
    workbook.save(tmp_path / "list.xlsx")
    summary = import_files([tmp_path / "list.xlsx"], actor="test")
    assert summary.rejected, "a list without its code column must be refused"
    assert any("Mã" in reason for _where, reason in summary.rejected)
    assert not Procedure.objects.exists()


def test_a_list_row_without_a_record_becomes_a_draft_for_an_operator(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["STT", "Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"])
    sheet.append([1, "1.900009", "Thủ tục chỉ có trong danh sách", "Bộ Tư pháp", "Sở Tư pháp", "Hộ tịch"])
    workbook.save(tmp_path / "list.xlsx")
    summary = import_files([tmp_path / "list.xlsx"], actor="test")
    assert (summary.list_rows, summary.created, summary.drafts, summary.rejected) == (1, 1, 1, [])
    version = ProcedureVersion.objects.get(procedure__code="1.900009")
    assert version.status == ProcedureVersion.Status.DRAFT
    assert version.implementing_agency == "Sở Tư pháp"


def test_export_then_import_is_lossless(tmp_path: Path) -> None:
    from motcua.catalog import services

    v1 = factories.procedure()
    services.flow_create_default(version=v1, actor="test")
    draft = services.version_create_draft(procedure=v1.procedure, actor="test")
    services.version_update_draft(version=draft, content=factories.content(name="Đăng ký khai sinh (mới)"), actor="t")
    factories.procedure("1.004222", "Đăng ký thường trú")
    before = _export()
    output = tmp_path / "catalog.json"
    call_command("export-procedures", "--output", str(output))

    # An empty catalogue (the audit rows protect their procedures, so they go first).
    from motcua.catalog.models import CatalogChange

    CatalogChange.objects.all().delete()
    for procedure in Procedure.objects.all():
        procedure.versions.all().delete()
        procedure.delete()
    summary = import_files([output], actor="test")
    assert (summary.created, summary.rejected) == (2, [])
    assert _export() == before
    again = import_files([output], actor="test")
    assert again.unchanged == 2


def test_the_xlsx_export_lists_the_versions_in_force(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    factories.procedure()
    output = tmp_path / "catalog.xlsx"
    call_command("export-procedures", "--output", str(output))
    rows = list(load_workbook(output).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "Mã thủ tục"
    assert rows[1][:2] == ("1.001193", "Đăng ký khai sinh")
