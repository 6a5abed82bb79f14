"""Fixtures of the citizens tests: verified identities as the OpenID Connect adapter hands them over."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from motcua.citizens.claims import BusinessClaim, IdentityClaims

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Tuesday 01/12/2026 09:00 in Viet Nam.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=VN)
ISSUER = "https://idp.example.vn"

AN = IdentityClaims(
    issuer=ISSUER,
    subject="subject-an",
    acr="urn:motcua:idp-standin:level:2",
    assurance_level=2,
    personal_id="001085012345",
    full_name="Nguyễn Văn An",
    birth_date=date(1985, 3, 14),
    gender="male",
    address="Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
    commune_code=None,
    phone="0912345678",
    email="an@example.com",
    businesses=None,
)
HANG_BAC = BusinessClaim(tax_code="0102345677", name="Công ty TNHH Thương mại Hàng Bạc", address="Hà Nội")


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def identity() -> Callable[..., IdentityClaims]:
    """AN with some fields replaced."""

    def make(**changes: Any) -> IdentityClaims:
        return replace(AN, **changes)

    return make
