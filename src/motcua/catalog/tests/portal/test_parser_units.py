"""Each small parser of the portal records on short strings, the nasty ones included."""

from __future__ import annotations

import importlib
import json
import random
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from motcua.catalog.portal import parser
from motcua.catalog.portal.parser import (
    Channel,
    FeeState,
    FlagCode,
    ParsedDocument,
    ParsedFee,
    ParsedTimeLimit,
    RecordRejected,
    TimeUnit,
    UnitSource,
    channel_row_summary,
    clean_block,
    clean_text,
    parse_amount,
    parse_channels,
    parse_documents,
    parse_fee,
    parse_legal_basis,
    parse_quantity,
    parse_record,
    parse_results,
    parse_steps,
    parse_time_limit,
    read_jsonl,
    split_list,
    split_templates,
)
from motcua.catalog.portal.xlsx import UNKNOWN_COLUMN, XlsxFormatError, XlsxRow, read_xlsx

WD, WH, H, D, M, Y = (
    TimeUnit.WORKING_DAYS,
    TimeUnit.WORKING_HOURS,
    TimeUnit.HOURS,
    TimeUnit.DAYS,
    TimeUnit.MONTHS,
    TimeUnit.YEARS,
)
EXPLICIT, UNKNOWN, ABSENT = UnitSource.EXPLICIT, UnitSource.UNKNOWN, UnitSource.ABSENT
HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  Đăng ký\u00a0thường\ttrú \n ", "Đăng ký thường trú"),
        (nfd("Đăng ký thường trú"), "Đăng ký thường trú"),  # decomposed diacritics → NFC
        ("Đăng\u00ad ký\u200b thường trú\u200e", "Đăng ký thường trú"),  # soft hyphen, zero-width, LRM
        ("bad \udcff byte", "bad \ufffd byte"),  # a lone surrogate from a lossy decoder
        (12, "12"),
    ],
)
def test_clean_text(raw: object, expected: str) -> None:
    assert clean_text(raw) == expected
    assert unicodedata.is_normalized("NFC", clean_text(raw))


def test_clean_block_keeps_lines() -> None:
    assert clean_block("Bước 1:  a \r\n\r\n\t Bước 2: b  ") == "Bước 1: a\nBước 2: b"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Cấp bộ, Cấp tỉnh, Cấp xã", ("Cấp bộ", "Cấp tỉnh", "Cấp xã")),
        ("Công dân Việt Nam, Cán bộ, công chức, viên chức", ("Công dân Việt Nam", "Cán bộ, công chức, viên chức")),
        (
            "Tổ chức (không bao gồm doanh nghiệp, HTX), Doanh nghiệp",
            ("Tổ chức (không bao gồm doanh nghiệp, HTX)", "Doanh nghiệp"),
        ),
        ("Đăng ký, quản lý cư trú", ("Đăng ký, quản lý cư trú",)),
        ("Không có thông tin", ()),
        ("", ()),
    ],
)
def test_split_list(raw: str, expected: tuple[str, ...]) -> None:
    assert split_list(raw) == expected


# --------------------------------------------------------------------------------------------------
# Time limits
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value", "unit", "source", "flag"),
    [
        ("7 Ngày làm việc", Decimal(7), WD, EXPLICIT, None),
        ("2 Giờ làm việc", Decimal(2), WH, EXPLICIT, None),
        ("8 Giờ", Decimal(8), H, EXPLICIT, None),
        ("30 Ngày", Decimal(30), D, EXPLICIT, None),
        ("3 Tháng", Decimal(3), M, EXPLICIT, None),
        ("1 Năm", Decimal(1), Y, EXPLICIT, None),
        ("05 ngày làm việc", Decimal(5), WD, EXPLICIT, None),
        ("0,5 Ngày làm việc", Decimal("0.5"), WD, EXPLICIT, None),
        ("1/2 ngày", Decimal("0.5"), D, EXPLICIT, None),
        ("  7\u00a0Ngày\tlàm  việc ", Decimal(7), WD, EXPLICIT, None),
        (nfd("7 Ngày làm việc"), Decimal(7), WD, EXPLICIT, None),
        ("Trong ngày", Decimal(0), WD, EXPLICIT, FlagCode.TIME_LIMIT_SAME_DAY),
        ("05 - 07 ngày làm việc", Decimal(7), WD, EXPLICIT, FlagCode.TIME_LIMIT_RANGE),
        ("từ 3 đến 5 ngày", Decimal(5), D, EXPLICIT, FlagCode.TIME_LIMIT_RANGE),
        ("15 ngày; trường hợp phức tạp 30 ngày", Decimal(30), D, EXPLICIT, FlagCode.TIME_LIMIT_SEVERAL_VALUES),
        ("1", Decimal(1), None, UNKNOWN, FlagCode.TIME_UNIT_UNKNOWN),
        ("12", Decimal(12), None, UNKNOWN, FlagCode.TIME_UNIT_UNKNOWN),
        ("0,5", Decimal("0.5"), None, UNKNOWN, FlagCode.TIME_UNIT_UNKNOWN),
        ("", None, None, ABSENT, None),
        (None, None, None, ABSENT, None),
        ("Không có thông tin", None, None, ABSENT, None),
        ("Không quy định", None, None, ABSENT, None),
        ("Không", None, None, ABSENT, None),
        ("3 ngày làm việc hoặc 2 tháng", None, None, UNKNOWN, FlagCode.TIME_LIMIT_UNPARSED),
        ("Hệ thống phản hồi tự động.", None, None, UNKNOWN, FlagCode.TIME_LIMIT_UNPARSED),
        ("Ngày làm việc", None, None, UNKNOWN, FlagCode.TIME_LIMIT_UNPARSED),
        ("\ufffd\ufffd", None, None, UNKNOWN, FlagCode.TIME_LIMIT_UNPARSED),
    ],
)
def test_parse_time_limit(
    cell: str | None, value: Decimal | None, unit: TimeUnit | None, source: UnitSource, flag: FlagCode | None
) -> None:
    limit = parse_time_limit(cell)
    assert (limit.value, limit.unit, limit.source) == (value, unit, source)
    assert [f.code for f in limit.flags] == ([flag] if flag else [])
    assert limit.text == clean_text(cell)  # the cell is kept as written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trong thời hạn 05 ngày làm việc kể từ ngày nhận đủ hồ sơ", [(Decimal(5), WD)]),
        ("không quá 10 (mười) ngày làm việc", [(Decimal(10), WD)]),
        ("07 ngày làm việc, kể từ ngày nhận đủ hồ sơ", [(Decimal(7), WD)]),
        ("chậm nhất là 01 ngày kể từ thời điểm kết thúc", [(Decimal(1), D)]),
        ("Thông tư số 55/2021/TT-BCA ngày 15 tháng 5 năm 2021", []),  # a date, not a limit
        ("nếu tiếp nhận hồ sơ sau 15 giờ thì trả kết quả", []),  # a clock time
        ("thẻ có giá trị 5 năm", []),  # a validity, no word of a time limit
        ("", []),
    ],
)
def test_find_time_statements(text: str, expected: list[tuple[Decimal, TimeUnit]]) -> None:
    assert [(s.value, s.unit) for s in parser.find_time_statements(text)] == expected


# --------------------------------------------------------------------------------------------------
# Amounts and fees
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10,000", Decimal(10000)),
        ("10.000", Decimal(10000)),
        ("10,000,000", Decimal(10000000)),
        ("1.500.000", Decimal(1500000)),
        ("135", Decimal(135)),
        ("0", Decimal(0)),
        ("0,5", Decimal("0.5")),
        ("1.234,5", Decimal("1234.5")),
        ("1,234.56", Decimal("1234.56")),
        ("10,00,000", None),
        ("1.000,000", None),
        ("", None),
        ("abc", None),
    ],
)
def test_parse_amount(text: str, expected: Decimal | None) -> None:
    assert parse_amount(text) == expected


def fee(
    amount_vnd: int | None, *, free: bool = False, understood: bool = True, currency: str | None = "VND"
) -> tuple[int | None, bool, bool, str | None]:
    return amount_vnd, free, understood, currency


@pytest.mark.parametrize(
    ("cell", "expected", "flags"),
    [
        ("Miễn phí", [fee(0, free=True)], []),
        ("Miễn phí(Không thu lệ phí)", [fee(0, free=True)], []),
        ("Không", [fee(0, free=True)], []),
        ("0 Đồng", [fee(0, free=True)], []),
        ("10,000 Việt Nam Đồng", [fee(10_000)], []),
        ("10.000 Đồng", [fee(10_000)], []),
        ("1.500.000 VNĐ", [fee(1_500_000)], []),
        ("10,000,000 Việt Nam Đồng(* Theo Thông tư 25/2022/TT-BTC)", [fee(10_000_000)], []),
        ("Lệ phí : 50.000 Đồng", [fee(50_000)], []),
        (
            "Lệ phí : 50.000 Đồng (cấp mới) Phí : 20,000 Đồng (cấp bản sao)",
            [fee(50_000), fee(20_000)],
            [],
        ),
        ("50 USD", [fee(None, currency="USD")], [FlagCode.FEE_FOREIGN_CURRENCY]),
        ("0,5% giá trị hợp đồng", [fee(None, currency=None)], [FlagCode.FEE_PERCENTAGE]),
        ("20 VNĐ(20.000 vnđ /tờ khai)", [fee(20_000)], [FlagCode.FEE_AMOUNT_FROM_NOTE]),
        ("155 VNĐ(Thẻ tạm trú: 155 USD/thẻ.)", [fee(None, currency="USD")], [FlagCode.FEE_CURRENCY_FROM_NOTE]),
        ("25 VNĐ", [fee(None, understood=False, currency=None)], [FlagCode.FEE_AMOUNT_IMPLAUSIBLE]),
        ("1 Việt Nam Đồng", [fee(None, understood=False, currency=None)], [FlagCode.FEE_AMOUNT_IMPLAUSIBLE]),
        ("1.234,5 Đồng", [fee(None, understood=False, currency=None)], [FlagCode.FEE_NOT_UNDERSTOOD]),
        ("Theo quy định của HĐND tỉnh", [fee(None, understood=False, currency=None)], [FlagCode.FEE_NOT_UNDERSTOOD]),
        ("12345", [fee(None, understood=False, currency=None)], [FlagCode.FEE_NOT_UNDERSTOOD]),
        (
            "Miễn phí(- Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần)",
            [fee(0, free=True)],
            [FlagCode.FEE_NOTE_HAS_AMOUNT],
        ),
        ("Không có thông tin", [], []),
        ("", [], []),
        (None, [], []),
    ],
)
def test_parse_fee(
    cell: str | None, expected: list[tuple[int | None, bool, bool, str | None]], flags: list[FlagCode]
) -> None:
    fees = parse_fee(cell)
    assert [(f.amount_vnd, f.is_free, f.understood, f.currency) for f in fees] == expected
    assert [flag.code for f in fees for flag in f.flags] == flags
    assert all(f.text for f in fees)  # the cell is kept as written


def test_a_fee_keeps_its_note_and_text() -> None:
    (parsed,) = parse_fee("10,000 Việt Nam Đồng(Trường hợp nộp trực tuyến thu 10.000 đồng/lần.)")
    assert parsed == ParsedFee(
        10_000,
        False,
        True,
        "10,000 Việt Nam Đồng(Trường hợp nộp trực tuyến thu 10.000 đồng/lần.)",
        Decimal(10000),
        "VND",
        None,
        "",
        "Trường hợp nộp trực tuyến thu 10.000 đồng/lần.",
    )
    (percent,) = parse_fee("0,5% giá trị tài sản")
    assert percent.percent == Decimal("0.5")


# --------------------------------------------------------------------------------------------------
# Channel table
# --------------------------------------------------------------------------------------------------


def test_channel_table_rows_cells_and_descriptions() -> None:
    table = (
        HEADER + "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(thu 10.000 đồng/lần)Trực tuyến: nộp qua Cổng."
        "Trực tiếp7 Ngày làm việc20,000 Việt Nam ĐồngTrực tiếp tại Công an cấp xã."
        "Dịch vụ bưu chính15 NgàyKhông có thông tinGửi qua dịch vụ bưu chính công ích."
    )
    channels, flags = parse_channels(table)
    assert [(c.channel, c.time_limit.value, c.time_limit.unit) for c in channels] == [
        (Channel.ONLINE, Decimal(7), WD),
        (Channel.IN_PERSON, Decimal(7), WD),
        (Channel.POSTAL, Decimal(15), D),
    ]
    assert [[f.amount_vnd for f in c.fees] for c in channels] == [[10_000], [20_000], []]
    # "Trực tuyến: nộp …" and "Trực tiếp tại …" are descriptions, not rows.
    assert [c.description for c in channels] == [
        "Trực tuyến: nộp qua Cổng.",
        "Trực tiếp tại Công an cấp xã.",
        "Gửi qua dịch vụ bưu chính công ích.",
    ]
    assert [f.code for f in flags] == [FlagCode.FEE_ABSENT]
    assert channel_row_summary(channels[2]).fee is FeeState.ABSENT


@pytest.mark.parametrize(
    ("table", "steps", "value", "unit", "source", "flag"),
    [
        (HEADER + "Trực tuyến1Miễn phí", "", Decimal(1), None, UNKNOWN, FlagCode.TIME_UNIT_UNKNOWN),
        # A statement of another number is no evidence for this one.
        (HEADER + "Trực tuyến1Miễn phí", "Trong thời hạn 03 ngày làm việc", Decimal(1), None, UNKNOWN, None),
        (
            HEADER + "Trực tuyến1Miễn phí",
            "Trong thời hạn 01 ngày làm việc kể từ ngày nhận đủ hồ sơ",
            Decimal(1),
            WD,
            UnitSource.INFERRED,
            FlagCode.TIME_UNIT_INFERRED,
        ),
        (
            HEADER + "Trực tuyến5Miễn phíKhông quá 05 ngày làm việc kể từ khi nhận đủ hồ sơ.",
            "",
            Decimal(5),
            WD,
            UnitSource.INFERRED,
            FlagCode.TIME_UNIT_INFERRED,
        ),
        (
            HEADER + "Trực tuyến5Miễn phí",
            "trong thời hạn 05 ngày; hồ sơ bổ sung trong thời hạn 05 ngày làm việc",
            Decimal(5),
            None,
            UNKNOWN,
            FlagCode.TIME_UNIT_CONFLICT,
        ),
        (
            HEADER + "Trực tiếp2 GiờMiễn phíTrực tuyến2Miễn phí",
            "",
            Decimal(2),
            H,
            UnitSource.INFERRED,
            FlagCode.TIME_UNIT_INFERRED,
        ),
    ],
)
def test_a_lost_unit_comes_only_from_the_same_record(
    table: str, steps: str, value: Decimal, unit: TimeUnit | None, source: UnitSource, flag: FlagCode | None
) -> None:
    channels, flags = parse_channels(table, steps=steps)
    limit = channels[-1].time_limit
    assert (limit.value, limit.unit, limit.source) == (value, unit, source)
    if flag:
        assert flag in {f.code for f in flags}


def test_time_and_fee_digits_run_together() -> None:
    # The note says 20.000 đồng: time 1, fee 20 (thousand đồng).
    (row,), flags = parse_channels(HEADER + "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)")
    assert (row.time_limit.value, row.time_limit.source) == (Decimal(1), UNKNOWN)
    assert [(f.amount_vnd, f.understood) for f in row.fees] == [(20_000, True)]
    assert FlagCode.CHANNEL_CELLS_SPLIT_BY_EVIDENCE in {f.code for f in flags}
    # Nothing decides between 1 + 20, 12 + 0 and no time + 120.
    (row,), flags = parse_channels(HEADER + "Trực tuyến120 VNĐ")
    assert (row.time_limit.value, row.time_limit.source, row.time_limit.text) == (None, UNKNOWN, "120")
    assert [(f.understood, f.text) for f in row.fees] == [(False, "120 VNĐ")]
    assert FlagCode.CHANNEL_CELLS_AMBIGUOUS in {f.code for f in flags}
    assert channel_row_summary(row).has_time_value is False
    # Grouping tells: "1100,000" can only be 1 + 100,000.
    (row,), _ = parse_channels(HEADER + "Trực tiếp1100,000 VNĐ")
    assert (row.time_limit.value, [f.amount_vnd for f in row.fees]) == (Decimal(1), [100_000])


@pytest.mark.parametrize(
    ("table", "flag"),
    [
        ("", FlagCode.CHANNEL_TABLE_ABSENT),
        (None, FlagCode.CHANNEL_TABLE_ABSENT),
        ("Không có thông tin", FlagCode.CHANNEL_TABLE_ABSENT),
        (HEADER + "nộp hồ sơ tại bộ phận một cửa", FlagCode.CHANNEL_TABLE_UNPARSED),
        ("12345", FlagCode.CHANNEL_TABLE_HEADER_MISSING),
    ],
)
def test_channel_tables_without_rows(table: str | None, flag: FlagCode) -> None:
    channels, flags = parse_channels(table)
    assert channels == ()
    assert flag in {f.code for f in flags}


def test_a_channel_table_without_its_header_still_reads() -> None:
    channels, flags = parse_channels("Trực tiếp3 Ngày làm việcMiễn phí")
    assert [(c.channel, c.time_limit.value) for c in channels] == [(Channel.IN_PERSON, Decimal(3))]
    assert [f.code for f in flags] == [FlagCode.CHANNEL_TABLE_HEADER_MISSING]


# --------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 bản chính", (1, None)),
        ("0 bản chính,1 bản sao", (0, 1)),
        ("1 bản chính, 2 bản sao", (1, 2)),
        ("Bản chính: 1 Bản sao: 0", (1, 0)),
        ("bản chính: 2, bản sao: 3", (2, 3)),
        ("2 bản sao", (None, 2)),
        ("", (None, None)),
        (None, (None, None)),
        ("một bản", (None, None)),
    ],
)
def test_parse_quantity(text: str | None, expected: tuple[int | None, int | None]) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("row", "name", "templates"),
    [
        (
            "Văn bản đề nghị điều chỉnh dự án đầu tưMẫu I.1.8.a.docx",
            "Văn bản đề nghị điều chỉnh dự án đầu tư",
            ("Mẫu I.1.8.a.docx",),
        ),
        (
            "Phiếu đề nghị (Mẫu DC02 ban hành kèm theo Thông tư số 17/2024/TT-BCA)Mẫu DC02 Phiếu đề nghị.doc",
            "Phiếu đề nghị (Mẫu DC02 ban hành kèm theo Thông tư số 17/2024/TT-BCA)",
            ("Mẫu DC02 Phiếu đề nghị.doc",),
        ),
        ("Tờ khai (mẫu NA5) của Bộ Công an.NA5.doc", "Tờ khai (mẫu NA5) của Bộ Công an.", ("NA5.doc",)),
        ("Giấy đề nghị;Mẫu số 69.docxMẫu số 70.docx", "Giấy đề nghị;", ("Mẫu số 69.docx", "Mẫu số 70.docx")),
        ("Đơn xin nhận con nuôi1.nxinnhnconnui.doc", "Đơn xin nhận con nuôi", ("1.nxinnhnconnui.doc",)),
        (
            "Giấy phép theo Nghị định 155/2020/NĐ-CPMẫu số 07.docx",
            "Giấy phép theo Nghị định 155/2020/NĐ-CP",
            ("Mẫu số 07.docx",),
        ),
        (
            "Tờ khai (mẫu CT01-BCA ban hành kèm theo Thông tư).",
            "Tờ khai (mẫu CT01-BCA ban hành kèm theo Thông tư).",
            (),
        ),
        ("", "", ()),
    ],
)
def test_split_templates(row: str, name: str, templates: tuple[str, ...]) -> None:
    assert split_templates(row)[:2] == (name, templates)


def test_documents_cases_quantities_and_templates() -> None:
    text = (
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng"
        "- Tờ khai đăng ký khai sinh theo mẫuMẫu TK1.docx1 bản chính"
        "Bảng kê theo Nghị định 100/2020/NĐ-CP ngày 28/8/20201 bản chính"  # a count glued after a year
        "Hóa đơn thương mại: 01 bản chụp;0 bản chính,1 bản sao"  # "01 bản chụp" is in the name
        "* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượng"
        "Hộ chiếu hoặc thẻ căn cướcBản chính: 1 Bản sao: 0"
    )
    cases, flags = parse_documents(text)
    assert flags == ()
    assert [c.case_name for c in cases] == ["* Giấy tờ phải nộp:", "* Giấy tờ phải xuất trình:"]
    assert cases[0].documents == (
        ParsedDocument("Tờ khai đăng ký khai sinh theo mẫu", 1, None, "1 bản chính", ("Mẫu TK1.docx",)),
        ParsedDocument("Bảng kê theo Nghị định 100/2020/NĐ-CP ngày 28/8/2020", 1, None, "1 bản chính"),
        ParsedDocument("Hóa đơn thương mại: 01 bản chụp;", 0, 1, "0 bản chính,1 bản sao"),
    )
    assert cases[1].documents == (ParsedDocument("Hộ chiếu hoặc thẻ căn cước", 1, 0, "Bản chính: 1 Bản sao: 0"),)


def test_documents_without_heading_and_text_that_is_not_a_row() -> None:
    cases, flags = parse_documents("--Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đề nghị1 bản chínhGhi chú cuối")
    assert [(c.case_name, [d.name for d in c.documents]) for c in cases] == [("", ["Đơn đề nghị"])]
    assert [(f.code, f.detail) for f in flags] == [
        (FlagCode.DOCUMENTS_UNPARSED, "text after the last quantity: 'Ghi chú cuối'")
    ]
    for nasty in ("", None, "Không có thông tin", "123", "\ufffd\ufffd"):
        cases, flags = parse_documents(nasty)
        assert cases == ()
        assert {f.code for f in flags} <= {FlagCode.DOCUMENTS_ABSENT, FlagCode.DOCUMENTS_UNPARSED}


# --------------------------------------------------------------------------------------------------
# Legal basis
# --------------------------------------------------------------------------------------------------

LEGAL = "Tên văn bản pháp lýMã văn bản"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LEGAL + "Luật Cư trú 202068/2020/QH14", [("Luật Cư trú 2020", "68/2020/QH14", None)]),
        (
            LEGAL + "Thông tư 57/2021/TT-BCA57/2021/TT-BCALuật 49/2019/QH1449/2019/QH14",
            [("Thông tư 57/2021/TT-BCA", "57/2021/TT-BCA", None), ("Luật 49/2019/QH14", "49/2019/QH14", None)],
        ),
        (
            LEGAL + "Nghị định 154/2024/NĐ-CP ngày 26/11/2024 của Chính phủ154/2024/NĐ-CP",
            [("Nghị định 154/2024/NĐ-CP ngày 26/11/2024 của Chính phủ", "154/2024/NĐ-CP", date(2024, 11, 26))],
        ),
        (
            LEGAL + "Thông tư số 55/2021/TT-BCA ngày 15 tháng 5 năm 2021 của Bộ Công an55/2021/TT-BCA",
            [
                (
                    "Thông tư số 55/2021/TT-BCA ngày 15 tháng 5 năm 2021 của Bộ Công an",
                    "55/2021/TT-BCA",
                    date(2021, 5, 15),
                )
            ],
        ),
        # The date of another document named in the title is not this one's.
        (
            LEGAL
            + "Thông tư sửa đổi Thông tư số 23/2021/TT-BTC ngày 30 tháng 3 năm 2021 của Bộ Tài chính31/2025/TT-BTC",
            [
                (
                    "Thông tư sửa đổi Thông tư số 23/2021/TT-BTC ngày 30 tháng 3 năm 2021 của Bộ Tài chính",
                    "31/2025/TT-BTC",
                    None,
                )
            ],
        ),
        (
            LEGAL + "Thông tư số 53/2025/TT-BCAngày 01/7/2025 của Bộ Công an.53/2025/TT-BCA"
            "Nghị quyết 66.7/2025/NQ-CP66.7/2025/NQ-CPQuyết định1523/QĐ-BCA-C06",
            [
                ("Thông tư số 53/2025/TT-BCAngày 01/7/2025 của Bộ Công an", "53/2025/TT-BCA", date(2025, 7, 1)),
                ("Nghị quyết 66.7/2025/NQ-CP", "66.7/2025/NQ-CP", None),
                ("Quyết định", "1523/QĐ-BCA-C06", None),
            ],
        ),
        (
            LEGAL
            + "Phí xuất nhập cảnh25/2021/TT-BTCQUY ĐỊNH MỨC THU PHÍ25/2021/TT-BTCSửa đổi Thông tư 08.a/2010/TT-BTP",
            [
                ("Phí xuất nhập cảnh", "25/2021/TT-BTC", None),
                ("QUY ĐỊNH MỨC THU PHÍ", "25/2021/TT-BTC", None),
                ("Sửa đổi Thông tư", "08.a/2010/TT-BTP", None),
            ],
        ),
        ("Không có thông tin", []),
        ("", []),
        (None, []),
    ],
)
def test_parse_legal_basis(text: str | None, expected: list[tuple[str, str, date | None]]) -> None:
    items, _ = parse_legal_basis(text)
    assert [(b.title, b.number, b.issued_on) for b in items] == expected


def test_legal_basis_that_cannot_be_split_is_kept_and_flagged() -> None:
    items, flags = parse_legal_basis(LEGAL + "Văn bản không có số hiệu")
    assert [(b.title, b.number) for b in items] == [("Văn bản không có số hiệu", "")]
    assert [f.code for f in flags] == [FlagCode.LEGAL_BASIS_UNPARSED]
    _, flags = parse_legal_basis(LEGAL + "Nghị định 01/2020/NĐ-CP ngày 31/02/2020 của Chính phủ01/2020/NĐ-CP")
    assert [f.code for f in flags] == [FlagCode.LEGAL_BASIS_DATE_MISMATCH]
    _, flags = parse_legal_basis("Không có thông tin")
    assert [f.code for f in flags] == [FlagCode.LEGAL_BASIS_ABSENT]


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------

GARBAGE = "Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ Thành phốNộp hồ sơ"


@pytest.mark.parametrize(
    ("text", "expected", "flags"),
    [
        (
            "Giấy khai sinhMã: KQ.G15.000031" + GARBAGE,
            [("Giấy khai sinh", "KQ.G15.000031")],
            [FlagCode.RESULTS_GARBAGE_DROPPED],
        ),
        (
            "Thẻ bảo hiểm y tếMã: KQ.G18.000047Quyết định hỗ trợMã: KQ.H52.000004",
            [("Thẻ bảo hiểm y tế", "KQ.G18.000047"), ("Quyết định hỗ trợ", "KQ.H52.000004")],
            [],
        ),
        (
            "Quyết định hành chínhMã: 000.00.00.G11-KQ1711KBNN thông báoMã: KQ.G12.01128",
            [("Quyết định hành chính", "000.00.00.G11-KQ1711"), ("KBNN thông báo", "KQ.G12.01128")],
            [FlagCode.RESULT_CODE_NONSTANDARD],
        ),
        ("Bản sao được chứng thựcMã: dsfas", [("Bản sao được chứng thực", None)], [FlagCode.RESULT_CODE_UNPARSED]),
        ("Kết quả không có mã", [("Kết quả không có mã", None)], [FlagCode.RESULT_CODE_MISSING]),
        (GARBAGE, [], [FlagCode.RESULTS_GARBAGE_DROPPED, FlagCode.RESULTS_ABSENT]),
        ("", [], [FlagCode.RESULTS_ABSENT]),
        (None, [], [FlagCode.RESULTS_ABSENT]),
    ],
)
def test_parse_results(text: str | None, expected: list[tuple[str, str | None]], flags: list[FlagCode]) -> None:
    results, found = parse_results(text)
    assert [(r.name, r.code) for r in results] == expected
    assert [f.code for f in found] == flags


# --------------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "flags"),
    [
        ("Bước 1: Nộp hồ sơ.\n Bước 2: Nhận kết quả.", [(1, "Nộp hồ sơ."), (2, "Nhận kết quả.")], []),
        ("- Bước 1. Nộp\n+ Bước 2 - Xử lý\na) Bước 3: Trả", [(1, "Nộp"), (2, "Xử lý"), (3, "Trả")], []),
        ("Trình tự thực hiện:\nBước 1: Nộp", [(1, "Nộp")], []),
        ("Người dân nộp hồ sơ Bước 1: Nộp\nBước 2: Nhận", [(0, "Người dân nộp hồ sơ"), (1, "Nộp"), (2, "Nhận")], []),
        ("Bước 1: Nộp\nBước 3: Trả", [(1, "Nộp"), (3, "Trả")], [FlagCode.STEPS_NUMBERING_IRREGULAR]),
        (
            "Nộp hồ sơ tại bộ phận một cửa, thực hiện lại bước (i).",
            [(1, "Nộp hồ sơ tại bộ phận một cửa, thực hiện lại bước (i).")],
            [FlagCode.STEPS_UNNUMBERED],
        ),
        ("", [], [FlagCode.STEPS_ABSENT]),
        (None, [], [FlagCode.STEPS_ABSENT]),
    ],
)
def test_parse_steps(text: str | None, expected: list[tuple[int, str]], flags: list[FlagCode]) -> None:
    steps, found = parse_steps(text)
    assert [(s.order, s.text) for s in steps] == expected
    assert [f.code for f in found] == flags


# --------------------------------------------------------------------------------------------------
# Records and files
# --------------------------------------------------------------------------------------------------

RECORD: dict[str, object] = {
    "ma_thu_tuc": "1.004222",
    "ten_thu_tuc": "Đăng ký thường trú",
    "cap_thuc_hien": "Cấp xã",
    "co_quan_thuc_hien": "Không có thông tin",
    "cach_thuc_thuc_hien": HEADER + "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng",
    "ket_qua_xu_ly": "Thông báo kết quảMã: KQ.G01.000065",
}


def test_parse_record() -> None:
    parsed = parse_record(RECORD)
    assert (parsed.code, parsed.name, parsed.levels, parsed.implementing_agency) == (
        "1.004222",
        "Đăng ký thường trú",
        ("Cấp xã",),
        "",
    )
    assert parsed.channels[0].time_limit == ParsedTimeLimit(Decimal(7), WD, EXPLICIT, "7 Ngày làm việc")
    assert parsed.steps_text() == []
    assert {FlagCode.STEPS_ABSENT, FlagCode.DOCUMENTS_ABSENT, FlagCode.LEGAL_BASIS_ABSENT} <= parsed.flag_codes()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ma_thu_tuc": None}, "no procedure code (ma_thu_tuc)"),
        ({"ma_thu_tuc": "  "}, "no procedure code (ma_thu_tuc)"),
        ({"ma_thu_tuc": "1.0042"}, "'1.0042' is not a procedure code"),
        ({"ma_thu_tuc": "KQ.G01.000064"}, "'KQ.G01.000064' is not a procedure code"),
        ({"ten_thu_tuc": ""}, "1.004222: no procedure name (ten_thu_tuc)"),
        ({"ten_thu_tuc": "Không có thông tin"}, "1.004222: no procedure name (ten_thu_tuc)"),
    ],
)
def test_records_without_a_usable_code_or_name_are_rejected(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(RecordRejected) as raised:
        parse_record({**RECORD, **changes})
    assert raised.value.reason == reason


@pytest.mark.parametrize("code", ["1.000948.H38", " 1.004222 ", "2.000986"])
def test_national_and_localised_codes(code: str) -> None:
    assert parse_record({**RECORD, "ma_thu_tuc": code}).code == code.strip()


def test_a_record_with_wrong_types_and_broken_text_still_parses() -> None:
    parsed = parse_record(
        {
            **RECORD,
            "ten_thu_tuc": nfd("Đăng ký thường trú") + "\u200b",
            "cap_thuc_hien": ["Cấp tỉnh", "Cấp xã"],
            "linh_vuc": {"unexpected": "object"},
            "so_quyet_dinh": 1523,
            "yeu_cau_dieu_kien": "Giấy t\ufffd hợp lệ",
            "trinh_tu_thuc_hien": 12.5,
        }
    )
    assert parsed.name == "Đăng ký thường trú"
    assert parsed.levels == ("Cấp tỉnh", "Cấp xã")
    assert parsed.fields == ()
    assert parsed.decision_number == "1523"
    wrong = [f.detail for f in parsed.flags if f.code == FlagCode.FIELD_WRONG_TYPE]
    assert wrong == [
        "trinh_tu_thuc_hien: float read as text",
        "cap_thuc_hien: a list of texts, joined",
        "linh_vuc: dict ignored",
        "so_quyet_dinh: int read as text",
    ]
    assert FlagCode.TEXT_REPLACEMENT_CHAR in parsed.flag_codes()


def test_a_failing_field_parser_becomes_a_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(text: object) -> object:
        raise ValueError("boom")

    monkeypatch.setattr(parser, "parse_results", explode)
    parsed = parse_record(RECORD)
    assert parsed.results == ()
    assert [(f.code, f.detail) for f in parsed.flags if f.code == FlagCode.INTERNAL_ERROR] == [
        (FlagCode.INTERNAL_ERROR, "ket_qua_xu_ly: ValueError: boom")
    ]
    assert parsed.channels  # the other fields are still read


def test_parse_record_is_pure_and_repeatable() -> None:
    assert parse_record(RECORD) == parse_record(dict(RECORD))


def test_read_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    lines = [
        b"\xef\xbb\xbf" + json.dumps(RECORD, ensure_ascii=False).encode(),  # a byte-order mark
        b"",
        b"{not json",
        b"[1, 2]",
        json.dumps({**RECORD, "ten_thu_tuc": "Đăng ký"}, ensure_ascii=False).encode().replace("ý".encode(), b"\xff"),
        b"   ",
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    read = list(read_jsonl(path))
    assert [line for line, _ in read] == [1, 3, 4, 5]
    first, bad_json, not_object, bad_bytes = (item for _, item in read)
    assert isinstance(first, dict) and first["ma_thu_tuc"] == "1.004222"
    assert isinstance(bad_json, RecordRejected) and bad_json.reason.startswith("line 3: not valid JSON")
    assert not_object == RecordRejected("line 4: a JSON list, not an object")
    assert isinstance(bad_bytes, dict)
    parsed = parse_record(bad_bytes)
    assert parsed.name == "Đăng k\ufffd"
    assert FlagCode.TEXT_REPLACEMENT_CHAR in parsed.flag_codes()


# --------------------------------------------------------------------------------------------------
# XLSX list exports
# --------------------------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    openpyxl = importlib.import_module("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_read_xlsx_maps_columns_by_header(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["DANH SÁCH THỦ TỤC HÀNH CHÍNH"],
            [],
            ["Lĩnh vực", "Ghi chú", "Tên", "Mã số", "Cơ quan thực hiện"],  # reordered, with an unknown column
            ["Hộ tịch", "mới", "Đăng ký khai sinh", "1.001193", "Ủy ban nhân dân cấp xã\nSở Tư pháp"],
            [None, None, None, None, None],
            ["Hộ tịch", "", "Không mã", "", ""],
            ["Hộ tịch", "", "Mã hỏng", "1.00119", ""],
            ["Hộ tịch", "", "Mã là số", 1.00122, ""],
            ["Hộ tịch", "", "", "1.000656", ""],
        ],
    )
    read = list(read_xlsx(path))
    assert [line for line, _ in read] == [4, 6, 7, 8, 9]
    row = read[0][1]
    assert isinstance(row, XlsxRow)
    assert (row.code, row.name, row.implementing_agencies, row.fields, row.extra) == (
        "1.001193",
        "Đăng ký khai sinh",
        ("Ủy ban nhân dân cấp xã", "Sở Tư pháp"),
        ("Hộ tịch",),
        (("Ghi chú", "mới"),),
    )
    assert row.implementing_agency == "Ủy ban nhân dân cấp xã\nSở Tư pháp"
    assert row.field == "Hộ tịch"
    assert [f.code for f in row.flags] == [UNKNOWN_COLUMN]
    assert row.as_record()["ma_thu_tuc"] == "1.001193"
    reasons = [item.reason for _, item in read[1:] if isinstance(item, RecordRejected)]
    assert reasons == [
        "row 6: no procedure code",
        "row 7: '1.00119' is not a procedure code",
        "row 8: '1.00122' is not a procedure code (the cell holds a number, so trailing zeros may be lost: "
        "store codes as text)",
        "row 9: 1.000656 has no name",
    ]


def test_read_xlsx_names_a_missing_required_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "list.xlsx", [["Mã số", "Cơ quan thực hiện"], ["1.001193", "Sở Tư pháp"]])
    with pytest.raises(XlsxFormatError, match="missing column 'Tên'"):
        list(read_xlsx(path))
    path = write_xlsx(tmp_path / "other.xlsx", [["A", "B"], ["1", "2"]])
    with pytest.raises(XlsxFormatError, match="no header row with 'Mã số', 'Tên'"):
        list(read_xlsx(path))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(XlsxFormatError, match=r"not a readable \.xlsx file"):
        list(read_xlsx(broken))


# --------------------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------------------

RICH_RECORD: dict[str, object] = {
    **RECORD,
    "trinh_tu_thuc_hien": "Bước 1: Nộp hồ sơ.\nBước 2: Trong thời hạn 05 ngày làm việc, trả kết quả.",
    "cach_thuc_thuc_hien": HEADER + "Trực tuyến5Miễn phí(Không)Trực tiếp120 VNĐ(20.000 đ/tờ khai)Dịch vụ bưu chính"
    "7 Ngày làm việcLệ phí : 50.000 Đồng (cấp mới) Phí : 20,000 Đồng",
    "thanh_phan_ho_so": "* Giấy tờ:Tên giấy tờMẫu đơn, tờ khaiSố lượng"
    "Tờ khaiMẫu 01.docx1 bản chínhẢnh0 bản chính,1 bản sao",
    "can_cu_phap_ly": LEGAL + "Luật Cư trú 202068/2020/QH14Nghị định 154/2024/NĐ-CP ngày 26/11/2024154/2024/NĐ-CP",
    "ket_qua_xu_ly": "Thông báoMã: KQ.G01.000065" + GARBAGE,
    "raw_text": "Thời hạn giải quyết: 05 ngày làm việc",
}
JUNK = "0123456789()/.,:;-– \n\tTrực tuyếnTrực tiếpMiễn phíNgày làm việcVNĐBước Mã: KQ.bản chính\ufffd\u0300\u200b"


def test_mangled_records_never_crash_the_parser() -> None:
    """Truncated, spliced, reversed and junk-filled fields: a record is parsed or rejected, never a crash."""
    generator = random.Random(20260601)
    keys = list(RICH_RECORD)
    parsed = 0
    for _ in range(400):
        record = dict(RICH_RECORD)
        for key in generator.sample(keys, 3):
            value = record[key]
            text = value if isinstance(value, str) else ""
            operation = generator.randrange(5)
            if operation == 0:
                record[key] = text[: generator.randrange(len(text) + 1)]
            elif operation == 1:
                cut = generator.randrange(len(text) + 1)
                junk = "".join(generator.choice(JUNK) for _ in range(generator.randrange(1, 40)))
                record[key] = text[:cut] + junk + text[cut:]
            elif operation == 2:
                record[key] = text[::-1]
            elif operation == 3:
                record[key] = RICH_RECORD[generator.choice(keys)]
            else:
                record[key] = generator.choice([None, 7, 1.5, True, [], {}, ["a", 1]])
        try:
            procedure = parse_record(record)
        except RecordRejected:
            continue
        parsed += 1
        assert FlagCode.INTERNAL_ERROR not in procedure.flag_codes(), procedure.flags
    assert parsed > 250
