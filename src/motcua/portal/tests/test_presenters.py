"""The words of the catalogue pages: money, quantities, time limits and the estimated result date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import translation

from motcua.calendars.engine import CalendarRules, WorkingCalendar
from motcua.catalog.models import DocumentRequirement
from motcua.portal import presenters
from motcua.portal.presenters import FeeLine
from motcua.portal.tests.conftest import VN


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    """The statutory calendar alone (weekends and the public holidays of the Labour Code)."""
    return WorkingCalendar(CalendarRules())


@pytest.fixture
def vi() -> Iterator[None]:
    with translation.override("vi"):
        yield


@pytest.fixture
def en() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("vi")
class TestInVietnamese:
    @pytest.mark.parametrize(
        ("amount", "expected"),
        [(0, "0 đồng"), (500, "500 đồng"), (10_000, "10.000 đồng"), (1_234_567, "1.234.567 đồng")],
    )
    def test_amounts_use_dots_between_thousands(self, amount: int, expected: str) -> None:
        assert presenters.format_vnd(amount) == expected

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            ({"amount_vnd": 0, "is_free": True, "understood": True, "text": "Miễn phí"}, FeeLine("Miễn phí", "")),
            ({"amount_vnd": None, "is_free": True, "understood": True, "text": ""}, FeeLine("Miễn phí", "")),
            (
                {"amount_vnd": 10_000, "is_free": False, "understood": True, "text": "10.000 đồng"},
                FeeLine("10.000 đồng", ""),
            ),
            (
                {"amount_vnd": 8_000, "is_free": False, "understood": True, "text": "Lệ phí: 8.000 đồng/bản sao"},
                FeeLine("8.000 đồng", "Lệ phí: 8.000 đồng/bản sao"),
            ),
            (
                {"amount_vnd": None, "is_free": False, "understood": False, "text": "0,1% giá trị hợp đồng"},
                FeeLine("0,1% giá trị hợp đồng", ""),
            ),
            (
                {"amount_vnd": None, "is_free": False, "understood": False, "text": ""},
                FeeLine("Không nêu mức phí.", ""),
            ),
        ],
    )
    def test_a_fee_reads_as_free_an_amount_or_its_published_text(
        self, kwargs: dict[str, object], expected: FeeLine
    ) -> None:
        assert presenters.fee_line(**kwargs) == expected  # type: ignore[arg-type]

    def test_a_channel_without_fees_says_so_rather_than_free(self) -> None:
        assert presenters.fee_lines([]) == [FeeLine("Không nêu phí, lệ phí cho cách nộp này.", "")]

    @pytest.mark.parametrize(
        ("originals", "copies", "published", "expected"),
        [
            (1, 1, "", "1 bản chính, 1 bản sao"),
            (1, 0, "", "1 bản chính"),
            (0, 2, "", "2 bản sao"),
            (None, None, "01 bộ", "01 bộ"),
            (0, 0, "", ""),
        ],
    )
    def test_quantities_in_words(
        self, originals: int | None, copies: int | None, published: str, expected: str
    ) -> None:
        assert presenters.quantity_words(originals=originals, copies=copies, published=published) == expected

    @pytest.mark.parametrize(
        ("value", "unit", "published", "expected"),
        [
            (Decimal(7), "working_days", "", "7 ngày làm việc"),
            (Decimal(0), "working_days", "Ngay trong ngày", "trong ngày làm việc"),
            (Decimal("0.5"), "working_days", "", "0,5 ngày làm việc"),
            (Decimal(4), "working_hours", "", "4 giờ làm việc"),
            (Decimal(30), "days", "", "30 ngày"),
            (Decimal(2), "months", "", "2 tháng"),
            (Decimal(24), "hours", "", "24 giờ"),
            (Decimal(15), "", "15", "15 (theo công bố; không nêu đơn vị là ngày hay giờ)"),
            (None, "", "Theo thỏa thuận", "Theo thỏa thuận"),
            (None, "", "", "Không quy định thời hạn."),
        ],
    )
    def test_time_limits_in_words(self, value: Decimal | None, unit: str, published: str, expected: str) -> None:
        assert presenters.time_limit_words(value=value, unit=unit, published=published) == expected

    def test_the_estimate_counts_working_days_from_now(self, calendar: WorkingCalendar) -> None:
        # Tue 01/12/2026 09:00 + 7 working days (no holiday in between) → Thu 10/12/2026.
        sentence = presenters.due_sentence(
            calendar=calendar, now=datetime(2026, 12, 1, 9, 0, tzinfo=VN), value=Decimal(7), unit="working_days"
        )
        assert sentence == "Khoảng 7 ngày làm việc: nếu nộp hôm nay, dự kiến có kết quả vào Thứ Năm 10/12/2026."

    def test_the_estimate_skips_weekends_and_public_holidays(self, calendar: WorkingCalendar) -> None:
        # Wed 29/04/2026 09:00 + 3 working days: Reunification Day (Thu 30/04), Labour Day (Fri 01/05)
        # and the weekend are not counted → Mon 04/05 (1), Tue 05/05 (2), Wed 06/05 (3).
        sentence = presenters.due_sentence(
            calendar=calendar, now=datetime(2026, 4, 29, 9, 0, tzinfo=VN), value=Decimal(3), unit="working_days"
        )
        assert sentence == "Khoảng 3 ngày làm việc: nếu nộp hôm nay, dự kiến có kết quả vào Thứ Tư 06/05/2026."

    def test_a_same_day_procedure_after_the_cutoff_ends_the_next_working_day(self, calendar: WorkingCalendar) -> None:
        # Fri 04/12/2026 16:00, after the 15:00 cut-off → counted from Mon 07/12 → result that day.
        sentence = presenters.due_sentence(
            calendar=calendar,
            now=datetime(2026, 12, 4, 16, 0, tzinfo=VN),
            value=Decimal(0),
            unit="working_days",
            cutoff=time(15, 0),
        )
        assert sentence == "Trong ngày làm việc: nếu nộp hôm nay, dự kiến có kết quả vào Thứ Hai 07/12/2026."

    def test_working_hours_give_the_time_of_day(self, calendar: WorkingCalendar) -> None:
        # Tue 01/12 16:00: one hour that day, three more from 07:30 on Wed → 10:30.
        sentence = presenters.due_sentence(
            calendar=calendar, now=datetime(2026, 12, 1, 16, 0, tzinfo=VN), value=Decimal(4), unit="working_hours"
        )
        assert sentence == "Khoảng 4 giờ làm việc: nếu nộp hôm nay, dự kiến có kết quả vào Thứ Tư 02/12/2026 10:30."

    def test_half_a_working_day_is_four_working_hours(self, calendar: WorkingCalendar) -> None:
        sentence = presenters.due_sentence(
            calendar=calendar, now=datetime(2026, 12, 1, 9, 0, tzinfo=VN), value=Decimal("0.5"), unit="working_days"
        )
        assert sentence.endswith("Thứ Ba 01/12/2026 14:30.")

    @pytest.mark.parametrize(
        ("value", "unit", "now"),
        [
            (Decimal(15), "", datetime(2026, 12, 1, 9, 0, tzinfo=VN)),  # unit not stated
            (None, "working_days", datetime(2026, 12, 1, 9, 0, tzinfo=VN)),  # no time limit
            (Decimal(24), "hours", datetime(2026, 12, 1, 9, 0, tzinfo=VN)),  # hours: not working time
            (Decimal(3), "working_days", datetime(2200, 1, 6, 9, 0, tzinfo=VN)),  # outside the calendar
        ],
    )
    def test_no_estimate_when_it_cannot_be_computed(
        self, calendar: WorkingCalendar, value: Decimal | None, unit: str, now: datetime
    ) -> None:
        assert presenters.due_sentence(calendar=calendar, now=now, value=value, unit=unit) == ""

    def test_the_cutoff_in_words(self) -> None:
        assert presenters.cutoff_note(time(15, 0)) == "Hồ sơ tiếp nhận sau 15:00 được tính từ ngày làm việc tiếp theo."
        assert presenters.cutoff_note(None) == ""

    def test_documents_are_grouped_by_case_with_the_common_ones_first(self) -> None:
        documents = [
            DocumentRequirement(case_name="Trường hợp ủy quyền", name="Văn bản ủy quyền", originals=1, copies=0),
            DocumentRequirement(case_name="", name="Tờ khai", originals=1, copies=1, templates=["Mẫu TK01.docx"]),
            DocumentRequirement(case_name="Trường hợp ủy quyền", name="Giấy tờ tùy thân", originals=0, copies=1),
        ]
        groups = presenters.document_groups(documents)
        assert [g.case for g in groups] == ["", "Trường hợp ủy quyền"]
        assert [(d.name, d.quantity, d.templates) for d in groups[0].documents] == [
            ("Tờ khai", "1 bản chính, 1 bản sao", ["Mẫu TK01.docx"])
        ]
        assert [d.name for d in groups[1].documents] == ["Văn bản ủy quyền", "Giấy tờ tùy thân"]

    def test_levels_and_validity(self) -> None:
        assert presenters.level_labels(["province", "commune"]) == ["Cấp tỉnh", "Cấp xã"]
        assert presenters.level_labels([], "Cấp huyện") == ["Cấp huyện"]
        assert (
            presenters.validity_text(number=2, effective_from=date(2025, 7, 1), effective_to=None)
            == "Phiên bản 2, có hiệu lực từ 01/07/2025"
        )


@pytest.mark.usefixtures("en")
class TestInEnglish:
    def test_amounts_use_commas_between_thousands(self) -> None:
        assert presenters.format_vnd(10_000) == "10,000 dong"
        assert presenters.fee_line(amount_vnd=0, is_free=True, understood=True, text="Miễn phí") == FeeLine(
            "Free of charge", ""
        )

    def test_quantities_and_time_limits(self) -> None:
        assert presenters.quantity_words(originals=2, copies=1) == "2 originals, 1 copy"
        assert presenters.time_limit_words(value=Decimal(1), unit="working_days", published="") == "1 working day"
        assert (
            presenters.time_limit_words(value=Decimal(15), unit="", published="15 ngày")
            == "15 ngày (as published; the unit, days or hours, is not stated)"
        )

    def test_the_estimate(self, calendar: WorkingCalendar) -> None:
        sentence = presenters.due_sentence(
            calendar=calendar, now=datetime(2026, 12, 1, 9, 0, tzinfo=VN), value=Decimal(7), unit="working_days"
        )
        assert (
            sentence == "About 7 working days: if you submit today, you can expect the result on Thursday 10/12/2026."
        )
