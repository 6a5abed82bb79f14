"""/thu-tuc/<code>/: the version in force in plain words, other versions, the not-found page."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from motcua.catalog import services
from motcua.catalog.models import Procedure
from motcua.catalog.tests import factories
from motcua.portal.tests.conftest import VN, channel, document, fee
from motcua.portal.tests.html import find, parse, text_of, within

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]


def _url(code: str = "1.001193") -> str:
    return reverse("portal:procedure_detail", args=[code])


@pytest.fixture
def marriage(tuesday_morning: time_machine.Traveller) -> None:
    """A procedure with cases, fees, a 7-working-day limit, an unknown unit and two results."""
    factories.procedure(
        "1.000894",
        "Đăng ký kết hôn",
        applicants=["Công dân Việt Nam", "Người nước ngoài cư trú tại Việt Nam"],
        conditions="Nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi.",
        receiving_address="Bộ phận Một cửa Ủy ban nhân dân xã",
        channels=[
            channel("in_person", "7", fees=[fee(10_000, "10.000 đồng")]),
            channel("online", "7", fees=[fee(0, "Miễn phí")]),
            channel("postal", "15", "", source="unknown", text="15", fees=[]),
        ],
        documents=[
            document("Tờ khai đăng ký kết hôn", templates=["Mẫu tờ khai đăng ký kết hôn.docx"]),
            document("Giấy xác nhận tình trạng hôn nhân", case="Trường hợp cư trú ở xã khác", originals=1, copies=1),
            document("Văn bản ủy quyền", case="Trường hợp ủy quyền", is_required=False),
        ],
        results=[
            {"name": "Giấy chứng nhận kết hôn", "code": "KQ.G15.000031", "requires_paper": True},
            {"name": "Trích lục kết hôn", "code": "KQ.G15.000032", "requires_paper": False},
        ],
        legal_basis=[
            {"title": "Luật Hộ tịch", "number": "60/2014/QH13", "issued_on": "2014-11-20", "effective_on": None}
        ],
    )


@pytest.mark.usefixtures("marriage")
class TestContent:
    def test_what_to_bring_grouped_by_case_with_quantities_and_templates(self, client: Client) -> None:
        response = client.get(_url("1.000894"))
        assert response.status_code == 200
        elements = parse(response.content)
        section = find(elements, "section", id="documents")[0]
        assert [h.text for h in within(section, "h3")] == [
            "Trong mọi trường hợp",
            "Trường hợp cư trú ở xã khác",
            "Trường hợp ủy quyền",
        ]
        text = " ".join(section.text.split())
        assert "Tờ khai đăng ký kết hôn Số lượng: 1 bản chính Mẫu cần điền: Mẫu tờ khai đăng ký kết hôn.docx" in text
        assert "Giấy xác nhận tình trạng hôn nhân Số lượng: 1 bản chính, 1 bản sao" in text
        assert "Văn bản ủy quyền Số lượng: 1 bản chính Chỉ nộp nếu thuộc trường hợp của bạn." in text

    def test_fees_per_channel(self, client: Client) -> None:
        section = find(parse(client.get(_url("1.000894")).content), "section", id="fees")[0]
        text = " ".join(section.text.split())
        assert "Trực tiếp 10.000 đồng" in text
        assert "Trực tuyến Miễn phí" in text
        assert "Dịch vụ bưu chính công ích Không nêu phí, lệ phí cho cách nộp này." in text

    def test_how_long_with_the_estimate_from_today(self, client: Client) -> None:
        section = find(parse(client.get(_url("1.000894")).content), "section", id="time")[0]
        text = " ".join(section.text.split())
        assert "Khoảng 7 ngày làm việc: nếu nộp hôm nay, dự kiến có kết quả vào Thứ Năm 10/12/2026." in text
        # The unit of the postal limit was lost: said as published, and no date is promised.
        assert "Thời hạn: 15 (theo công bố; không nêu đơn vị là ngày hay giờ)" in text
        assert text.count("dự kiến có kết quả") == 2
        assert "Hồ sơ tiếp nhận sau 15:00 được tính từ ngày làm việc tiếp theo." in text

    def test_the_estimate_moves_with_the_clock(self, client: Client) -> None:
        with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=VN), tick=False):
            text = text_of(client.get(_url("1.000894")).content)
        # Fri 04/12 + 7 working days → Tue 15/12/2026.
        assert "dự kiến có kết quả vào Thứ Ba 15/12/2026." in text

    def test_who_where_conditions_steps_results_and_legal_basis(self, client: Client) -> None:
        elements = parse(client.get(_url("1.000894")).content)

        def section(name: str) -> str:
            return " ".join(find(elements, "section", id=name)[0].text.split())

        assert "Người nước ngoài cư trú tại Việt Nam" in section("who")
        assert "Bộ phận Một cửa Ủy ban nhân dân xã" in section("where")
        assert "Nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi." in section("conditions")
        assert "Bước 2: Công chức tư pháp - hộ tịch kiểm tra, trình ký." in section("steps")
        results = section("results")
        assert "Giấy chứng nhận kết hôn (mã kết quả KQ.G15.000031). Trả kết quả bằng bản giấy." in results
        assert "Trích lục kết hôn (mã kết quả KQ.G15.000032)" in results
        assert "60/2014/QH13 Luật Hộ tịch (ban hành ngày 20/11/2014)" in section("legal")

    def test_the_version_online_level_and_online_button(self, client: Client) -> None:
        response = client.get(_url("1.000894"))
        elements = parse(response.content)
        text = text_of(response.content)
        # The first version imported has no published start date.
        assert "Phiên bản 1" in text and "Phiên bản 1, có hiệu lực từ" not in text
        assert "Dịch vụ công trực tuyến toàn trình" in text
        button = [a for a in find(elements, "a") if a.text.strip() == "Nộp hồ sơ trực tuyến"]
        assert [a.attrs["href"] for a in button] == ["/thu-tuc/1.000894/nop-ho-so/"]
        assert "không phải phiên bản đang có hiệu lực" not in text


def test_without_an_online_channel_it_explains_how_to_submit(client: Client, tuesday_morning: object) -> None:
    factories.procedure(online_level="none", channels=[channel("in_person", "3"), channel("postal", "3")])
    response = client.get(_url())
    text = text_of(response.content)
    assert "Nộp hồ sơ trực tuyến" not in text
    assert "nop-ho-so" not in response.content.decode()
    assert "Thủ tục này không nộp trực tuyến được." in text
    assert "Hãy nộp hồ sơ trực tiếp tại cơ quan, hoặc gửi qua dịch vụ bưu chính công ích." in text


class TestVersions:
    @pytest.fixture(autouse=True)
    def _two_versions(self) -> None:
        with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=VN), tick=False):
            factories.procedure(channels=[channel("in_person", "5")])
        with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=VN), tick=False):
            factories.procedure(channels=[channel("in_person", "3")])

    @pytest.fixture(autouse=True)
    def _july(self, _two_versions: None) -> object:
        with time_machine.travel(datetime(2026, 7, 1, 9, 0, tzinfo=VN), tick=False) as traveller:
            yield traveller

    def test_the_page_shows_the_version_in_force(self, client: Client) -> None:
        text = text_of(client.get(_url()).content)
        assert "Phiên bản 2, có hiệu lực từ 01/06/2026" in text
        assert "Thời hạn: 3 ngày làm việc" in text
        assert "không phải phiên bản đang có hiệu lực" not in text

    @pytest.mark.parametrize("query", [{"version": "1"}, {"at": "2026-03-01"}, {"at": "01/03/2026"}])
    def test_an_older_version_by_number_or_date_with_a_notice(self, client: Client, query: dict[str, str]) -> None:
        response = client.get(_url(), query)
        assert response.status_code == 200
        text = text_of(response.content)
        assert "Phiên bản 1, có hiệu lực đến 31/05/2026" in text
        assert "Thời hạn: 5 ngày làm việc" in text
        assert "Đây không phải phiên bản đang có hiệu lực." in text
        assert any(a.attrs.get("href") == _url() for a in find(parse(response.content), "a") if "phiên bản 2" in a.text)

    def test_the_list_of_versions_marks_the_one_shown(self, client: Client) -> None:
        section = find(parse(client.get(_url(), {"version": "1"}).content), "section", id="versions")[0]
        links = within(section, "a")
        assert [a.attrs["href"] for a in links] == [f"{_url()}?version=1", f"{_url()}?version=2"]
        assert [a.attrs["href"] for a in links if a.attrs.get("aria-current") == "page"] == [f"{_url()}?version=1"]
        assert "(đang có hiệu lực)" in section.text

    def test_a_draft_is_not_public(self, client: Client) -> None:
        services.version_create_draft(procedure=Procedure.objects.get(code="1.001193"), actor="test")
        response = client.get(_url(), {"version": "3"})
        assert response.status_code == 404
        assert "Thủ tục 1.001193 không có phiên bản 3." in text_of(response.content)

    @pytest.mark.parametrize(
        ("query", "status", "message"),
        [
            ({"version": "9"}, 404, "Thủ tục 1.001193 không có phiên bản 9."),
            ({"version": "abc"}, 400, "Phiên bản phải là một số nguyên, ví dụ 2."),
            ({"version": "0"}, 400, "Phiên bản phải là một số nguyên, ví dụ 2."),
            ({"at": "hôm qua"}, 400, "Hãy nhập ngày theo dạng DD/MM/YYYY hoặc YYYY-MM-DD, ví dụ 01/07/2025."),
            ({"at": "2026-02-30"}, 400, "Hãy nhập ngày theo dạng DD/MM/YYYY hoặc YYYY-MM-DD, ví dụ 01/07/2025."),
            (
                {"version": "1", "at": "2026-03-01"},
                400,
                "Hãy chọn hoặc một phiên bản hoặc một ngày, không chọn cả hai.",
            ),
        ],
    )
    def test_bad_or_unknown_versions_are_explained(
        self, client: Client, query: dict[str, str], status: int, message: str
    ) -> None:
        response = client.get(_url(), query)
        assert response.status_code == status
        assert message in text_of(response.content)


class TestNotFound:
    def test_an_unknown_code_gives_a_friendly_page(self, client: Client) -> None:
        response = client.get(_url("9.999999"))
        assert response.status_code == 404
        elements = parse(response.content)
        assert [h.text for h in find(elements, "h1")] == ["Không tìm thấy thủ tục"]
        assert "Không có thủ tục nào có mã 9.999999." in text_of(response.content)
        assert find(elements, "input", name="q"), "the page offers the search box"
        assert find(elements, "header"), "the page has the site header of base.html"

    def test_in_english(self, client: Client) -> None:
        response = client.get(_url("9.999999"), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert [h.text for h in find(parse(response.content), "h1")] == ["Procedure not found"]
        assert "There is no procedure with the code 9.999999." in text_of(response.content)

    def test_any_unknown_address_uses_the_same_page(self, client: Client) -> None:
        response = client.get("/khong-co-trang-nay/")
        assert response.status_code == 404
        assert [h.text for h in find(parse(response.content), "h1")] == ["Không tìm thấy trang"]

    def test_a_procedure_not_in_force_today(self, client: Client, tuesday_morning: object) -> None:
        services.procedure_import(
            code="3.000001",
            content=factories.content(steps=[]),  # incomplete and not published by an authority: a draft
            source_record={},
            actor="test",
            source="operator",
            already_published=False,
        )
        response = client.get(_url("3.000001"))
        assert response.status_code == 404
        assert "Thủ tục 3.000001 hiện không có phiên bản nào có hiệu lực." in text_of(response.content)
