"""Fixtures of the portal tests: catalogue data through the real services, a known calendar, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from motcua.calendars import services as calendar_services
from motcua.calendars.selectors import calendar_cache_clear
from motcua.catalog.content import ChannelContent, FeeContent

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Tuesday 01/12/2026 09:00, a working day with no holiday in the next fortnight.
TUESDAY_MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=VN)


@pytest.fixture
def calendar_loaded(db: None) -> Iterator[None]:
    """The national calendar with the official decisions, compiled afresh for the test."""
    calendar_services.calendars_load_reference()
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture
def tuesday_morning() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(TUESDAY_MORNING, tick=False) as traveller:
        yield traveller


def fee(amount_vnd: int | None = 0, text: str = "", *, understood: bool = True) -> FeeContent:
    return {
        "amount_vnd": amount_vnd,
        "amount": None if amount_vnd is None else str(amount_vnd),
        "currency": "VND",
        "is_free": amount_vnd == 0,
        "understood": understood,
        "text": text,
    }


def channel(
    kind: str = "in_person",
    value: str | None = "7",
    unit: str = "working_days",
    *,
    text: str = "",
    source: str = "explicit",
    fees: list[FeeContent] | None = None,
) -> ChannelContent:
    return {
        "channel": kind,
        "time_limit_value": value,
        "time_limit_unit": unit,
        "time_limit_source": source,
        "time_limit_text": text or (f"{value} ngày làm việc" if value else ""),
        "description": "",
        "fees": [fee()] if fees is None else fees,
    }


def document(name: str, *, case: str = "", originals: int | None = 1, copies: int | None = 0, **extra: Any) -> Any:
    return {
        "case_name": case,
        "name": name,
        "originals": originals,
        "copies": copies,
        "quantity_text": "",
        "templates": [],
        "is_required": True,
        "reusable_from_data": False,
        **extra,
    }
