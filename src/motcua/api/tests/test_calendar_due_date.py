from __future__ import annotations

import pytest
from django.test import Client

from motcua.calendars import services
from motcua.calendars.selectors import calendar_cache_clear

URL = "/api/v1/calendar/due-date"


@pytest.fixture(autouse=True)
def _official_decisions(db: None) -> None:
    services.calendars_load_reference()
    calendar_cache_clear()


def test_it_returns_the_due_moment_and_its_explanation(client: Client) -> None:
    response = client.get(URL, {"start": "2026-02-13T16:20:00+07:00", "working_days": "3"})
    assert response.status_code == 200
    body = response.json()
    assert body["due"] == "2026-02-25T16:20:00+07:00"
    assert body["calendar"] == "VN"
    explanation = body["explanation"]
    assert explanation["counted_from"] == "2026-02-13T16:20:00+07:00"
    assert {d["date"] for d in explanation["skipped_days"]} >= {"2026-02-16", "2026-02-20"}
    # Vietnamese by default.
    assert any("Tết" in line for line in explanation["text"])
    assert explanation["text"][-1].startswith("Hạn")


def test_it_applies_the_cutoff_and_the_official_swap(client: Client) -> None:
    response = client.get(URL, {"start": "2026-01-09T15:30:00+07:00", "working_days": "1", "cutoff": "15:00"})
    # Fri 09/01 after 15:00 → counted from Sat 10/01 07:30, a working Saturday by decision → close of 10/01.
    assert response.json()["due"] == "2026-01-10T17:00:00+07:00"
    assert response.json()["explanation"]["shift"] == "after_cutoff"


def test_it_computes_working_hours(client: Client) -> None:
    response = client.get(URL, {"start": "2026-03-02T16:00:00+07:00", "working_hours": "2"})
    assert response.json()["due"] == "2026-03-03T08:30:00+07:00"


def test_it_answers_in_english_when_asked(client: Client) -> None:
    response = client.get(URL, {"start": "2026-02-13T16:20:00+07:00", "working_days": "3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["explanation"]["text"][-1].startswith("Due")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"working_days": "3"}, "start"),
        ({"start": "yesterday", "working_days": "3"}, "start"),
        ({"start": "2026-02-13T16:20:00+07:00"}, "working_days"),
        ({"start": "2026-02-13T16:20:00+07:00", "working_days": "3", "working_hours": "2"}, "working_days"),
        ({"start": "2026-02-13T16:20:00+07:00", "working_days": "-1"}, "working_days"),
        ({"start": "2026-02-13T16:20:00+07:00", "working_days": "three"}, "working_days"),
        ({"start": "2026-02-13T16:20:00+07:00", "working_hours": "x"}, "working_hours"),
        ({"start": "2026-02-13T16:20:00+07:00", "working_days": "1", "cutoff": "25:00"}, "cutoff"),
        ({"start": "2099-02-13T16:20:00+07:00", "working_days": "1"}, "start"),
    ],
)
def test_bad_parameters_get_a_problem_naming_the_parameter(
    client: Client, params: dict[str, str], parameter: str
) -> None:
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid_input"
    named = {e.get("parameter") or e.get("field") for e in body["errors"]}
    assert parameter in named


def test_an_unknown_calendar_is_a_404_problem(client: Client) -> None:
    response = client.get(URL, {"start": "2026-02-13T16:20:00+07:00", "working_days": "1", "calendar": "nope"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_errors_are_in_the_users_language(client: Client) -> None:
    vietnamese = client.get(URL, {"start": "hôm qua", "working_days": "3"}).json()
    assert vietnamese["errors"] == [
        {
            "parameter": "start",
            "message": "Nhập thời điểm tiếp nhận theo định dạng ngày giờ ISO 8601, ví dụ 2026-02-13T16:20:00+07:00.",
        }
    ]
    english = client.get(URL, {"start": "2026-02-13T16:20:00+07:00", "working_days": "4000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["errors"] == [
        {"parameter": "working_days", "message": "The number of working days cannot exceed 3650."}
    ]
