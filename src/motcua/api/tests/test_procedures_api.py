"""GET /api/v1/procedures and /api/v1/procedures/{code}: shape, pages, versions, problems.

Search itself is tested in motcua/catalog/tests/test_search.py; here, the wiring.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from motcua.catalog import services
from motcua.catalog.models import Field, Procedure
from motcua.catalog.search import today
from motcua.catalog.tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/procedures"
FREE = {"amount_vnd": 0, "amount": "0.00", "currency": "VND", "is_free": True, "understood": True, "text": "Miễn phí"}


def detail(code: str) -> str:
    return f"/api/v1/procedures/{code}"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are pinned in English (the source); Vietnamese is the default for real requests."""
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue() -> None:
    factories.procedure("1.001193", "Đăng ký khai sinh")
    factories.procedure(
        "2.001023",
        "Liên thông thủ tục hành chính về đăng ký khai sinh, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    )
    factories.procedure(
        "1.004222",
        "Đăng ký thường trú",
        fields=["Cư trú"],
        implementing_agency="Công an cấp xã",
        competent_agency="Công an cấp xã",
        online_level="partial",
    )


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _named(body: dict[str, Any]) -> set[str]:
    return {e.get("parameter") or e.get("field") for e in body.get("errors", [])}


# -- the list ----------------------------------------------------------------------------------------


def test_the_list_answers_a_page_of_summaries(client: Client, catalogue: None) -> None:
    response = client.get(LIST, {"q": "khai sinh"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    first = body["results"][0]
    assert first == {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "fields": ["Hộ tịch"],
        "levels": ["commune"],
        "online_level": "full",
        "channels": [
            {
                "channel": "in_person",
                "time_limit": {"value": 0.0, "unit": "working_days", "text": "Ngay trong ngày tiếp nhận hồ sơ"},
                "fees": [FREE],
            },
            {
                "channel": "online",
                "time_limit": {"value": 0.0, "unit": "working_days", "text": "Ngay trong ngày tiếp nhận hồ sơ"},
                "fees": [FREE],
            },
        ],
        "url": "http://testserver/api/v1/procedures/1.001193",
    }
    assert [r["code"] for r in body["results"]] == ["1.001193", "2.001023"]


def test_the_list_is_searched_and_filtered_like_the_catalogue(client: Client, catalogue: None) -> None:
    def codes(**params: str) -> list[str]:
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return [r["code"] for r in response.json()["results"]]

    assert codes(q="dang ki khai sin")[:2] == ["1.001193", "2.001023"]
    assert codes(q="1.0042") == ["1.004222"]
    assert codes(field="Cư trú") == ["1.004222"]
    assert codes(field=str(Field.objects.get(name="Hộ tịch").pk), q="dang ky") == ["1.001193", "2.001023"]
    assert codes(level="commune", online_level="partial") == ["1.004222"]
    assert codes(agency="cong an", channel="online") == ["1.004222"]
    assert codes(q="", field="", level="") == ["1.001193", "1.004222", "2.001023"]


def test_the_list_is_paginated(client: Client, catalogue: None) -> None:
    for i in range(22):
        factories.procedure(f"1.1{i:05d}", f"Cấp giấy phép hoạt động số {i + 1}")
    first = client.get(LIST, {"q": "giay phep"}).json()
    assert first["count"] == 22
    assert len(first["results"]) == 20
    assert first["next"] == "http://testserver/api/v1/procedures?page=2&q=giay+phep"
    second = client.get(first["next"]).json()
    assert [r["code"] for r in second["results"]] == ["1.100020", "1.100021"]
    assert second["previous"] == "http://testserver/api/v1/procedures?q=giay+phep"
    body = _problem(client.get(LIST, {"q": "giay phep", "page": "3"}), 404)
    assert body["code"] == "not_found"


def test_a_page_costs_a_fixed_number_of_queries(
    client: Client, catalogue: None, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for i in range(25):
        factories.procedure(f"1.2{i:05d}", f"Đăng ký hoạt động số {i + 1}")
    # Check the exact matches, count them, read the page; then versions, fields, channels, fees.
    with django_assert_max_num_queries(9):
        response = client.get(LIST, {"q": "dang ky"})
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"level": "district_office"}, "level"),
        ({"online_level": "total"}, "online_level"),
        ({"channel": "pigeon"}, "channel"),
        ({"field": "Thiên văn"}, "field"),
        ({"field": "99999"}, "field"),
        ({"q": "x" * 201}, "q"),
        ({"page": "two"}, "page"),
        ({"page": "0"}, "page"),
    ],
)
def test_a_bad_filter_is_a_problem_naming_the_parameter(
    client: Client, catalogue: None, params: dict[str, str], parameter: str
) -> None:
    body = _problem(client.get(LIST, params), 400)
    assert body["code"] == "invalid_input"
    assert _named(body) == {parameter}


def test_problems_are_in_vietnamese_by_default(client: Client) -> None:
    with translation.override("vi"):
        response = client.get(LIST, {"level": "nowhere"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response["Content-Language"] == "vi"
    assert _problem(response, 400)["title"] == "Dữ liệu không hợp lệ"


# -- one procedure -------------------------------------------------------------------------------------


def test_the_detail_has_every_component_of_the_version_in_force(client: Client, catalogue: None) -> None:
    version = factories.procedure("1.001193", "Đăng ký khai sinh")
    services.flow_create_default(version=version, actor="test")
    response = client.get(detail("1.001193"))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "1.001193"
    assert body["version"] == 1
    assert body["status"] == "published"
    # Imported from the national database: in force, since a date the record does not give.
    assert version.effective_from is None
    assert body["effective_from"] is None and body["effective_to"] is None
    assert body["fields"] == ["Hộ tịch"]
    assert body["levels"] == ["commune"] and body["levels_text"] == "Cấp xã"
    assert body["applicants"] == ["Công dân Việt Nam"]
    assert body["agencies"] == {
        "competent": "Ủy ban nhân dân cấp xã",
        "implementing": "Ủy ban nhân dân cấp xã",
        "delegated": "",
        "coordinating": "",
        "receiving_address": "",
        "publishing": None,
    }
    assert body["steps"][0] == "Bước 1: Nộp hồ sơ."
    assert body["channels"][0] == {
        "channel": "in_person",
        "description": "",
        "time_limit": {
            "value": 0.0,
            "unit": "working_days",
            "text": "Ngay trong ngày tiếp nhận hồ sơ",
            "unit_source": "explicit",
        },
        "fees": [FREE],
    }
    assert body["documents"] == [
        {
            "case": "",
            "name": "Tờ khai đăng ký khai sinh",
            "originals": 1,
            "copies": 0,
            "quantity_text": "1 bản chính",
            "templates": ["Tờ khai đăng ký khai sinh.docx"],
            "is_required": True,
            "reusable_from_data": False,
        }
    ]
    assert body["legal_basis"] == [
        {"title": "Luật Hộ tịch 2014", "number": "60/2014/QH13", "issued_on": None, "effective_on": None}
    ]
    assert body["results"] == [{"name": "Giấy khai sinh", "code": "KQ.G15.000010", "requires_paper": False}]
    assert body["online_level"] == "full" and body["same_day_cutoff"] == "15:00"
    (flow,) = body["flows"]
    assert flow["is_default"] is True and flow["agency"] is None and flow["channel"] == ""
    assert [s["order"] for s in flow["steps"]] == [1, 2, 3, 4]
    assert sum(Decimal(str(s["budget"]["value"])) for s in flow["steps"]) == 8  # one working day
    assert {s["budget"]["unit"] for s in flow["steps"]} == {"working_hours"}
    assert set(flow["steps"][0]) == {"order", "name", "role", "unit", "parallel_with_previous", "budget"}


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def amended() -> date:
    """1.004222 with version 2 ("Đăng ký thường trú (sửa đổi)") in force from tomorrow; returns tomorrow."""
    factories.procedure("1.004222", "Đăng ký thường trú", fields=["Cư trú"])
    procedure = Procedure.objects.get(code="1.004222")
    draft = services.version_create_draft(procedure=procedure, actor="test")
    services.version_update_draft(
        version=draft, content=factories.content("Đăng ký thường trú (sửa đổi)", fields=["Cư trú"]), actor="test"
    )
    tomorrow = today() + timedelta(days=1)
    services.version_publish(version=draft, actor="test", effective_from=tomorrow)
    return tomorrow


def test_versions_are_chosen_by_number_or_by_day(client: Client, amended: date) -> None:
    def version(**params: str) -> tuple[int, str]:
        response = client.get(detail("1.004222"), params)
        assert response.status_code == 200, response.content
        return response.json()["version"], response.json()["status"]

    assert version() == (1, "amended")  # today, the first version is still in force
    assert version(at=today().isoformat()) == (1, "amended")
    assert version(at=amended.isoformat()) == (2, "published")
    assert version(version="2") == (2, "published")
    with time_machine.travel(_noon(amended), tick=False):
        assert version() == (2, "published")
        assert version(version="1") == (1, "amended")


def test_a_draft_is_not_public(client: Client, catalogue: None) -> None:
    services.version_create_draft(procedure=Procedure.objects.get(code="1.001193"), actor="test")
    body = _problem(client.get(detail("1.001193"), {"version": "2"}), 404)
    assert _named(body) == {"version"}


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"version": "two"}, 400, "version"),
        ({"version": "0"}, 400, "version"),
        ({"at": "2026-02-30"}, 400, "at"),
        ({"at": "01/07/2026"}, 400, "at"),
        ({"version": "1", "at": "2026-07-01"}, 400, "version"),
        ({"version": "9"}, 404, "version"),
    ],
)
def test_a_bad_version_or_day_is_a_problem_naming_it(
    client: Client, catalogue: None, params: dict[str, str], status: int, parameter: str
) -> None:
    body = _problem(client.get(detail("1.001193"), params), status)
    assert _named(body) == {parameter}


def test_an_unknown_code_is_a_404_problem(client: Client, catalogue: None) -> None:
    body = _problem(client.get(detail("9.999999")), 404)
    assert body["code"] == "not_found"
    assert _named(body) == {"code"}
    assert "9.999999" in body["detail"]


# -- the schema ----------------------------------------------------------------------------------------


def test_the_schema_documents_both_endpoints_with_their_problems(client: Client) -> None:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/procedures", "/api/v1/procedures/{code}"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "400", "404"} <= set(responses)
    parameters = {p["name"] for p in schema["paths"]["/api/v1/procedures"]["get"]["parameters"]}
    assert parameters == {"q", "field", "level", "agency", "online_level", "channel", "page"}
    summary = schema["components"]["schemas"]["ProcedureSummary"]["properties"]
    assert set(summary) == {"code", "name", "fields", "levels", "online_level", "channels", "url"}
