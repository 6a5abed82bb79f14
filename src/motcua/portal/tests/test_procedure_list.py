"""/thu-tuc/: the search box, the filters, the count, pagination, the empty state and bad values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from motcua.catalog.tests import factories
from motcua.portal.tests.conftest import channel
from motcua.portal.tests.html import find, parse, text_of

URL = reverse("portal:procedure_list")

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db: None) -> None:
    factories.procedure("1.001193", "Đăng ký khai sinh")
    factories.procedure(
        "1.000894",
        "Đăng ký kết hôn",
        channels=[channel("in_person", "5"), channel("postal", "5")],
        online_level="partial",
    )
    factories.procedure(
        "1.010940",
        "Cấp đổi giấy phép lái xe",
        fields=["Đường bộ"],
        levels=["province"],
        levels_text="Cấp tỉnh",
        implementing_agency="Sở Xây dựng",
        competent_agency="Sở Xây dựng",
        online_level="none",
        channels=[channel("in_person", "10")],
    )


def _codes(content: bytes) -> list[str]:
    return [
        a.attrs["href"].strip("/").split("/")[-1]
        for a in find(parse(content), "a")
        if "/thu-tuc/1." in a.attrs.get("href", "")
    ]


@pytest.mark.usefixtures("catalogue")
class TestResults:
    def test_without_a_query_it_lists_every_procedure_in_force_with_its_count(self, client: Client) -> None:
        response = client.get(URL)
        assert response.status_code == 200
        assert sorted(_codes(response.content)) == ["1.000894", "1.001193", "1.010940"]
        assert "Tìm thấy 3 thủ tục" in text_of(response.content)

    def test_a_query_finds_by_name_without_accents(self, client: Client) -> None:
        response = client.get(URL, {"q": "dang ky khai sinh"})
        assert _codes(response.content) == ["1.001193"]
        assert "Tìm thấy 1 thủ tục" in text_of(response.content)

    def test_a_query_finds_by_code(self, client: Client) -> None:
        assert _codes(client.get(URL, {"q": "1.000894"}).content) == ["1.000894"]

    @pytest.mark.parametrize(
        ("criteria", "expected"),
        [
            ({"field": "Đường bộ"}, ["1.010940"]),
            ({"level": "province"}, ["1.010940"]),
            ({"online_level": "partial"}, ["1.000894"]),
            ({"channel": "postal"}, ["1.000894"]),
            ({"agency": "Sở Xây dựng"}, ["1.010940"]),
            ({"q": "đăng ký", "online_level": "full"}, ["1.001193"]),
        ],
    )
    def test_filters_narrow_the_results(self, client: Client, criteria: dict[str, str], expected: list[str]) -> None:
        response = client.get(URL, criteria)
        assert response.status_code == 200
        assert sorted(_codes(response.content)) == expected

    def test_each_result_shows_its_facts_in_plain_words(self, client: Client) -> None:
        text = text_of(client.get(URL, {"q": "kết hôn"}).content)
        assert "1.000894" in text
        assert "Hộ tịch" in text  # field
        assert "Cấp xã" in text  # level
        assert "Dịch vụ công trực tuyến một phần" in text  # online level badge, in words
        assert "Trực tiếp: 5 ngày làm việc" in text
        assert "Dịch vụ bưu chính công ích: 5 ngày làm việc" in text

    def test_the_filters_keep_the_chosen_values(self, client: Client) -> None:
        elements = parse(client.get(URL, {"q": "khai sinh", "level": "commune"}).content)
        assert find(elements, "input", name="q")[0].attrs["value"] == "khai sinh"
        level = find(elements, "select", name="level")[0]
        assert [o.attrs["value"] for o in level.children if "selected" in o.attrs] == ["commune"]

    def test_no_result_gives_advice(self, client: Client) -> None:
        response = client.get(URL, {"q": "cấp phép bay không người lái", "level": "province"})
        assert response.status_code == 200
        text = text_of(response.content)
        assert "Tìm thấy 0 thủ tục" in text
        assert "Không có thủ tục nào phù hợp" in text
        assert "kiểm tra chính tả" in text
        # A link that keeps the words and drops the filters.
        assert any(a.text == "bỏ các bộ lọc" for a in find(parse(response.content), "a"))


class TestPagination:
    @pytest.fixture
    def many(self, db: None) -> None:
        for n in range(25):
            factories.procedure(f"2.{n:06d}", f"Thủ tục thử nghiệm số {n}")

    @pytest.mark.usefixtures("many")
    def test_twenty_per_page_with_accessible_links(self, client: Client) -> None:
        first = client.get(URL, {"q": "thu nghiem"})
        assert len(_codes_of_page(first.content)) == 20
        assert "Tìm thấy 25 thủ tục" in text_of(first.content)
        nav = find(parse(first.content), "nav", aria_label="Các trang kết quả")
        assert nav, "the pagination is a labelled navigation landmark"
        current = [
            a
            for a in find(parse(first.content), "a")
            if a.attrs.get("aria-current") == "page" and "page=" in a.attrs["href"]
        ]
        assert [a.attrs["href"] for a in current] == ["?q=thu+nghiem&page=1"]
        assert find(parse(first.content), "a", href="?q=thu+nghiem&page=2", rel="next")

        second = client.get(URL, {"q": "thu nghiem", "page": "2"})
        assert len(_codes_of_page(second.content)) == 5
        assert set(_codes_of_page(first.content)).isdisjoint(_codes_of_page(second.content))
        assert find(parse(second.content), "title")[0].text.startswith("Thủ tục hành chính (25 kết quả, trang 2/2)")
        assert "Đang hiển thị từ 21 đến 25." in text_of(second.content)

    @pytest.mark.usefixtures("many")
    def test_a_page_costs_the_same_few_queries_whatever_its_length(
        self, client: Client, django_assert_max_num_queries: Any
    ) -> None:
        # Fields for the filter, the search (count + page), the versions in force with their
        # fields, channels and fees: no query per row.
        with django_assert_max_num_queries(10):
            assert client.get(URL, {"q": "thu nghiem"}).status_code == 200

    @pytest.mark.usefixtures("many")
    @pytest.mark.parametrize("page", ["abc", "0", "999", ""])
    def test_a_bad_page_number_shows_a_page_rather_than_an_error(self, client: Client, page: str) -> None:
        assert client.get(URL, {"q": "thu nghiem", "page": page}).status_code == 200


def _codes_of_page(content: bytes) -> list[str]:
    return [a.attrs["href"] for a in find(parse(content), "a") if a.attrs.get("href", "").startswith("/thu-tuc/2.")]


@pytest.mark.usefixtures("catalogue")
class TestBadValues:
    @pytest.mark.parametrize(
        ("criteria", "message"),
        [
            ({"level": "galaxy"}, "Hãy chọn một cấp thực hiện trong danh sách; “galaxy” không có trong đó."),
            ({"online_level": "4"}, "Hãy chọn một mức dịch vụ công trực tuyến trong danh sách; “4” không có trong đó."),
            ({"channel": "fax"}, "Hãy chọn một cách nộp hồ sơ trong danh sách; “fax” không có trong đó."),
            ({"field": "Không tồn tại"}, "Hãy chọn một lĩnh vực trong danh sách; “Không tồn tại” không có trong đó."),
            ({"q": "x" * 201}, "Ô tìm kiếm chỉ nhận tối đa 200 ký tự."),
        ],
    )
    def test_a_bad_value_is_a_form_error_in_the_users_language(
        self, client: Client, criteria: dict[str, str], message: str
    ) -> None:
        response = client.get(URL, criteria)
        assert response.status_code == 400
        text = text_of(response.content)
        assert message in text
        assert "Một số tiêu chí tìm kiếm không dùng được" in text
        assert "Tìm thấy" not in text, "no results are listed for criteria that could not be read"
        elements = parse(response.content)
        invalid = [e for e in elements if e.attrs.get("aria-invalid") == "true"]
        assert len(invalid) == 1
        assert invalid[0].attrs["id"] + "_error" in invalid[0].attrs["aria-describedby"]
        assert "Lỗi:" in find(elements, "title")[0].text

    def test_the_error_is_in_english_for_an_english_reader(self, client: Client) -> None:
        response = client.get(URL, {"level": "galaxy"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert "Choose a level from the list; “galaxy” is not one of them." in text_of(response.content)
