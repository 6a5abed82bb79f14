"""The portal parser on the real records: 1,316 procedures of three ministries (shared/data/procedures).

The counts below were measured on these files; a change in the parser that moves them must say why.
The data lives beside the repository (`../shared`), or where MOTCUA_SHARED_DIR points.
"""

from __future__ import annotations

import os
import re
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from motcua.catalog.portal import parser
from motcua.catalog.portal.parser import (
    Channel,
    FeeState,
    FlagCode,
    ParsedProcedure,
    ParseStatistics,
    RecordRejected,
    TimeUnit,
    UnitSource,
    channel_row_summary,
    clean_text,
    parse_record,
    read_jsonl,
    summarize,
)
from motcua.catalog.portal.xlsx import XlsxRow, read_xlsx

_REPOSITORY = Path(__file__).resolve().parents[5]
SHARED = Path(os.environ.get("MOTCUA_SHARED_DIR") or _REPOSITORY.parent / "shared")
PROCEDURES = SHARED / "data" / "procedures"
FILES = ("bo-cong-an.jsonl", "bo-tai-chinh.jsonl", "bo-tu-phap.jsonl")

pytestmark = pytest.mark.skipif(
    not all((PROCEDURES / name).is_file() for name in FILES),
    reason=f"the shared portal records are not at {PROCEDURES} (set MOTCUA_SHARED_DIR to the shared/ folder)",
)


class Parsed:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, object]] = {}
        self.procedures: dict[str, ParsedProcedure] = {}
        self.rejected: list[tuple[str, int, str]] = []
        started = time.perf_counter()
        for name in FILES:
            for line, record in read_jsonl(PROCEDURES / name):
                if isinstance(record, RecordRejected):
                    self.rejected.append((name, line, record.reason))
                    continue
                try:
                    procedure = parse_record(record)
                except RecordRejected as exc:
                    self.rejected.append((name, line, exc.reason))
                    continue
                self.records[procedure.code] = record
                self.procedures[procedure.code] = procedure
        self.seconds = time.perf_counter() - started
        self.statistics: ParseStatistics = summarize(self.procedures.values())


_PARSED: list[Parsed] = []


@pytest.fixture
def parsed() -> Parsed:
    """Parsed once for the module (the parser is pure, so sharing the result is safe)."""
    if not _PARSED:
        _PARSED.append(Parsed())
    return _PARSED[0]


def test_every_record_is_parsed_and_none_rejected(parsed: Parsed) -> None:
    stats = parsed.statistics
    # Printed on purpose (pytest -s): the importer's issue asks for these numbers with every run.
    report = [
        f"parsed {stats.records} records in {parsed.seconds:.2f} s; channel rows {stats.channel_rows}",
        f"time limits: {stats.time_limit_sources}",
        f"fees: {stats.fee_states}, understood {stats.share_fees_understood:.2%} of rows stating a fee",
        f"flags (records carrying each): {stats.flags}",
    ]
    print("\n" + "\n".join(report))  # noqa: T201
    assert parsed.rejected == []
    assert stats.records == 1316
    assert not any(f.code == FlagCode.INTERNAL_ERROR for p in parsed.procedures.values() for f in p.flags)
    # The parser's speed is measured by bench/catalog_import.py, not asserted here.


def test_channel_rows_time_limits_and_fees_are_counted_as_measured(parsed: Parsed) -> None:
    stats = parsed.statistics
    sources = stats.time_limit_sources
    assert stats.channel_rows == 3317
    # Measured: explicit 2550, inferred 124, unknown 541 (475 a number without a unit, 38 time and fee
    # digits that cannot be told apart, 28 text), absent 102.
    assert sources[UnitSource.EXPLICIT] >= 2550
    assert sources[UnitSource.INFERRED] >= 124
    assert sources[UnitSource.UNKNOWN] <= 541
    assert sources[UnitSource.ABSENT] <= 102
    assert sum(sources.values()) == stats.channel_rows
    # Measured: 2807 understood, 85 kept as text (47 amounts under 1,000 đồng that the note does not
    # explain, 38 ambiguous cells), 425 rows without a fee ("Không có thông tin").
    assert stats.fee_states[FeeState.UNDERSTOOD] >= 2807
    assert stats.share_fees_understood >= 0.97
    assert stats.fee_states[FeeState.ABSENT] == 425


_EXPLICIT_CELL = re.compile(
    r"^(?:Trực tuyến|Trực tiếp|Dịch vụ bưu chính)(\d+) (Ngày làm việc|Giờ làm việc|Ngày|Giờ|Tháng|Năm)"
    r"(Miễn phí|Không có thông tin|[\d,.]+ (?:Việt Nam Đồng|VNĐ|USD))"
)


def test_every_stated_time_limit_and_fee_is_extracted(parsed: Parsed) -> None:
    """A row "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng…" gives 7 working days and its fee."""
    units = {
        "Ngày làm việc": TimeUnit.WORKING_DAYS,
        "Giờ làm việc": TimeUnit.WORKING_HOURS,
        "Ngày": TimeUnit.DAYS,
        "Giờ": TimeUnit.HOURS,
        "Tháng": TimeUnit.MONTHS,
    }
    checked = 0
    for procedure in parsed.procedures.values():
        for row in procedure.channels:
            match = _EXPLICIT_CELL.match(row.raw)
            if not match:
                continue
            checked += 1
            assert row.time_limit.value == Decimal(match.group(1)), (procedure.code, row.raw[:80])
            assert row.time_limit.unit is units[match.group(2)], (procedure.code, row.raw[:80])
            assert row.time_limit.source is UnitSource.EXPLICIT
            if match.group(3) == "Không có thông tin":
                assert row.fees == ()
            else:
                assert row.fees and row.fees[0].text.startswith(match.group(3)), (procedure.code, row.raw[:80])
                amount = re.match(r"[\d,.]+", match.group(3))
                if match.group(3) == "Miễn phí" or (amount and int(re.sub(r"\D", "", amount.group(0))) >= 1000):
                    assert row.fees[0].understood, (procedure.code, row.raw[:80])
    assert checked >= 2500


def test_an_inferred_unit_is_stated_with_the_same_number_in_the_same_record(parsed: Parsed) -> None:
    """The flag quotes the statement; it is in the record (or is another row's cell), number and unit."""
    unit_words = {
        TimeUnit.WORKING_DAYS: "ngày làm việc",
        TimeUnit.WORKING_HOURS: "giờ làm việc",
        TimeUnit.DAYS: "ngày",
        TimeUnit.HOURS: "giờ",
        TimeUnit.MONTHS: "tháng",
        TimeUnit.YEARS: "năm",
    }
    inferred = 0
    for code, procedure in parsed.procedures.items():
        record_text = clean_text(" ".join(str(v) for v in parsed.records[code].values())).casefold()
        for row in procedure.channels:
            limit = row.time_limit
            if limit.source is not UnitSource.INFERRED:
                continue
            inferred += 1
            assert limit.unit is not None and limit.value is not None
            (flag,) = [f for f in limit.flags if f.code == FlagCode.TIME_UNIT_INFERRED]
            source, quoted = flag.detail.split(" from ", 1)[1].split(": '", 1)
            quoted = quoted.removesuffix("'")
            if source == "another row of the table":
                assert any(
                    (other.time_limit.value, other.time_limit.unit, other.time_limit.source)
                    == (limit.value, limit.unit, UnitSource.EXPLICIT)
                    for other in procedure.channels
                ), (code, flag.detail)
                continue
            assert quoted.casefold() in record_text, (code, quoted)
            statement = quoted.casefold()
            assert re.search(
                rf"(?<!\d)0*{limit.value.normalize():f}\s*(?:\([^)]*\)\s*)?{unit_words[limit.unit]}", statement
            )
    assert inferred >= 124


def test_dang_ky_thuong_tru_1004222(parsed: Parsed) -> None:
    procedure = parsed.procedures["1.004222"]
    assert procedure.name == "Đăng ký thường trú"
    assert procedure.decision_number == "1523/QĐ-BCA-C06"
    assert procedure.levels == ("Cấp xã",)
    assert procedure.applicants == ("Người Việt Nam định cư ở nước ngoài", "Công dân Việt Nam")
    online, in_person = procedure.channels
    assert online.channel is Channel.ONLINE
    assert (online.time_limit.value, online.time_limit.unit, online.time_limit.source) == (
        Decimal(7),
        TimeUnit.WORKING_DAYS,
        UnitSource.EXPLICIT,
    )
    assert [(f.amount_vnd, f.is_free, f.understood) for f in online.fees] == [(10_000, False, True)]
    assert online.fees[0].note.startswith("Trường hợp công dân nộp hồ sơ qua cổng dịch vụ công trực tuyến")
    assert in_person.channel is Channel.IN_PERSON
    assert (in_person.time_limit.value, in_person.time_limit.unit) == (Decimal(7), TimeUnit.WORKING_DAYS)
    assert [(f.amount_vnd, f.understood) for f in in_person.fees] == [(20_000, True)]
    assert [r.code for r in procedure.results] == ["KQ.G01.000064", "KQ.G01.000065", "KQ.G01.000067", "KQ.G01.000066"]
    assert procedure.results[0].name == "Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cư"
    for result in procedure.results:
        assert not re.search(r"Từ khóa|Mô tả|Chọn|Nộp hồ sơ|Tỉnh/ Thành phố", result.name)
    assert FlagCode.RESULTS_GARBAGE_DROPPED in procedure.flag_codes()
    assert [s.order for s in procedure.steps] == [1, 2, 3, 4, 5]
    assert procedure.steps[0].text == "Cá nhân, tổ chức chuẩn bị hồ sơ theo quy định của pháp luật."
    basis = {b.number: b for b in procedure.legal_basis}
    assert basis["68/2020/QH14"].title == "Luật Cư trú 2020"
    assert basis["154/2024/NĐ-CP"].title == "Nghị định quy định chi tiết một số điều và biện pháp thi hành Luật Cư trú"
    assert basis["53/2025/TT-BCA"].issued_on == date(2025, 7, 1)
    assert basis["57/2021/TT-BCA"].title == "Thông tư 57/2021/TT-BCA"
    assert len(procedure.legal_basis) == 11
    first_case = procedure.document_cases[0]
    assert first_case.case_name == "Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình"
    assert [(d.originals, d.copies) for d in first_case.documents] == [(1, None), (1, None)]


def test_dang_ky_khai_sinh_1001193_lost_its_units(parsed: Parsed) -> None:
    """ "Trực tuyến1Miễn phí…": the number is kept, no unit, as nothing in the record states one for 1."""
    procedure = parsed.procedures["1.001193"]
    assert procedure.name == "Thủ tục đăng ký khai sinh"
    assert [c.channel for c in procedure.channels] == [Channel.ONLINE, Channel.POSTAL, Channel.IN_PERSON]
    for row in procedure.channels:
        assert (row.time_limit.value, row.time_limit.unit, row.time_limit.source) == (
            Decimal(1),
            None,
            UnitSource.UNKNOWN,
        )
        assert [(f.amount_vnd, f.is_free, f.understood) for f in row.fees] == [(0, True, True)]
        summary = channel_row_summary(row)
        assert (summary.time_limit, summary.fee) == (UnitSource.UNKNOWN, FeeState.UNDERSTOOD)
    unknown = [f for f in procedure.flags if f.code == FlagCode.TIME_UNIT_UNKNOWN]
    assert [f.detail.split(":")[0] for f in unknown] == ["online", "postal", "in_person"]
    assert [c.case_name for c in procedure.document_cases] == [
        "* Giấy tờ phải nộp:",
        "* Giấy tờ phải xuất trình:",
        "* Lưu ý:",
        "",
    ]
    submitted = procedure.document_cases[0].documents
    assert len(submitted) == 5
    assert submitted[0].name.startswith("Trường hợp trẻ em bị bỏ rơi thì phải có biên bản")
    assert submitted[4].name.startswith("Giấy chứng sinh; trường hợp không có Giấy chứng sinh")
    assert [(d.originals, d.quantity_text) for d in submitted][:3] == [
        (1, "1 bản chính"),
        (1, "1 bản chính"),
        (0, "0 bản chính"),
    ]
    assert [(r.name, r.code) for r in procedure.results] == [("Giấy khai sinh", "KQ.G15.000031")]


def test_lien_thong_2000986_results(parsed: Parsed) -> None:
    """The interlinked group's results as the record lists them.

    The issue speaks of three results (the birth certificate, the residence notification and the
    health-insurance card); the record also lists the refusal slip KQ.G01.000067, so four.
    """
    procedure = parsed.procedures["2.000986"]
    assert [(r.code, r.name) for r in procedure.results] == [
        ("KQ.G01.000065", "Thông báo kết quả giải quyết thủ tục về cư trú, hủy bỏ thủ tục về cư trú"),
        ("KQ.G01.000067", "Phiếu từ chối tiếp nhận, giải quyết hồ sơ (lĩnh vực cư trú)"),
        ("KQ.G15.000031", "Giấy khai sinh"),
        ("KQ.G18.000047", "Thẻ bảo hiểm y tế"),
    ]
    (row,) = procedure.channels
    # The cell says 20 (calendar) days; its description says 20 working days: kept, and flagged.
    assert (row.time_limit.value, row.time_limit.unit, row.time_limit.source) == (
        Decimal(20),
        TimeUnit.DAYS,
        UnitSource.EXPLICIT,
    )
    assert FlagCode.TIME_UNIT_DISAGREES in procedure.flag_codes()


def test_units_inferred_from_the_same_record(parsed: Parsed) -> None:
    # "Trực tuyến17Miễn phí…", the steps: "Bước 4: Trong thời hạn 17 ngày làm việc kể từ …".
    row = parsed.procedures["1.009755"].channels[0]
    assert (row.time_limit.value, row.time_limit.unit, row.time_limit.source) == (
        Decimal(17),
        TimeUnit.WORKING_DAYS,
        UnitSource.INFERRED,
    )
    # "Trực tuyến220 VNĐ(lệ phí hải quan 20.000 đồng/ tờ khai hải quan.)Trực tiếp2 GiờMiễn phí":
    # the note separates time 2 and fee 20 (thousand đồng); the other row gives the unit.
    online, in_person = parsed.procedures["1.007857"].channels
    assert (online.time_limit.value, online.time_limit.unit, online.time_limit.source) == (
        Decimal(2),
        TimeUnit.HOURS,
        UnitSource.INFERRED,
    )
    assert [(f.amount_vnd, f.understood) for f in online.fees] == [(20_000, True)]
    assert {FlagCode.CHANNEL_CELLS_SPLIT_BY_EVIDENCE, FlagCode.FEE_AMOUNT_FROM_NOTE} <= parsed.procedures[
        "1.007857"
    ].flag_codes()
    assert in_person.time_limit.source is UnitSource.EXPLICIT


def test_fees_in_usd_and_cells_that_cannot_be_separated(parsed: Parsed) -> None:
    # 1.003358: "145 USD(…)" is read; "155 VNĐ(… 155 USD/thẻ.)" takes the note's currency.
    fees = [f for row in parsed.procedures["1.003358"].channels for f in row.fees]
    assert {(f.amount, f.currency, f.amount_vnd, f.understood) for f in fees} == {
        (Decimal(145), "USD", None, True),
        (Decimal(155), "USD", None, True),
        (Decimal(165), "USD", None, True),
    }
    # 1.006429: "Trực tuyến120 VNĐ": 1 + 20, 12 + 0 or no time + 120; nothing in the record decides.
    (row,) = parsed.procedures["1.006429"].channels
    assert (row.time_limit.value, row.time_limit.source, row.time_limit.text) == (None, UnitSource.UNKNOWN, "120")
    assert [(f.understood, f.text) for f in row.fees] == [(False, "120 VNĐ")]
    assert FlagCode.CHANNEL_CELLS_AMBIGUOUS in parsed.procedures["1.006429"].flag_codes()


def test_documents_templates_and_copies(parsed: Parsed) -> None:
    documents = [d for case in parsed.procedures["1.009748"].document_cases for d in case.documents]
    assert documents[0].name.startswith("Văn bản đề nghị thực hiện dự án đầu tư")
    assert documents[0].form_templates == ("Mẫu I.1.1.docx",)
    assert (documents[1].originals, documents[1].copies) == (0, 1)
    # A count glued after a date in the name: "…ngày 28/8/2020" + "1 bản chính".
    (document,) = [d for case in parsed.procedures["1.009070"].document_cases for d in case.documents]
    assert document.name.endswith("Nghị định 100/2020/NĐ-CP ngày 28/8/2020")
    assert (document.originals, document.quantity_text) == (1, "1 bản chính")


def test_the_list_exports_name_the_same_procedures(parsed: Parsed) -> None:
    rows: list[XlsxRow] = []
    for name, count in (
        ("danh-sach-tthc-BoCongAn.xlsx", 339),
        ("danh-sach-tthc-BoTaiChinh.xlsx", 706),
        ("danh-sach-tthc-BoTuPhap.xlsx", 271),
    ):
        read = list(read_xlsx(PROCEDURES / name))
        assert [item for _, item in read if isinstance(item, RecordRejected)] == []
        assert len(read) == count
        assert read[0][0] == 3  # a title block, the header row, then the rows
        rows.extend(item for _, item in read if isinstance(item, XlsxRow))
    assert {row.code for row in rows} == set(parsed.procedures)
    by_code = {row.code: row for row in rows}
    assert by_code["1.004222"].name == parsed.procedures["1.004222"].name
    assert by_code["1.014966"].implementing_agencies == ("Chủ tịch ủy ban nhân dân cấp tỉnh", "Sở Tư Pháp")
    assert all(not row.flags and not row.extra for row in rows)


def test_the_module_is_pure() -> None:
    source = Path(parser.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:from|import) django", source, re.MULTILINE)
