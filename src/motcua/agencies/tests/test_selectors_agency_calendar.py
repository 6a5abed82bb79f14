from __future__ import annotations

from datetime import date

import pytest

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel
from motcua.agencies.selectors import agency_calendar
from motcua.calendars.models import OpeningHours, WorkingCalendar
from motcua.calendars.selectors import calendar_cache_clear

pytestmark = pytest.mark.django_db


def _agency(code: str, kind: str, level: str, parent: Agency | None = None) -> Agency:
    return Agency.objects.create(code=code, name=code, name_folded=code, kind=kind, level=level, parent=parent)


def test_an_agency_uses_its_own_then_its_ancestors_then_the_national_calendar() -> None:
    calendar_cache_clear()
    province = _agency("000.00.00.H29", AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE, AgencyLevel.PROVINCE)
    commune = _agency("267.40.00.X79", AgencyKind.COMMUNE_PEOPLES_COMMITTEE, AgencyLevel.COMMUNE, province)
    assert agency_calendar(agency=commune).rules.code == "VN"

    saturday = WorkingCalendar.objects.create(code="hcm-saturday", name="HCM", working_weekdays=[0, 1, 2, 3, 4])
    for weekday in range(6):
        OpeningHours.objects.create(calendar=saturday, weekday=weekday, opens_at="07:30", closes_at="11:30")
    province.calendar = saturday
    province.save()
    inherited = agency_calendar(agency=commune)
    assert inherited.rules.code == "hcm-saturday"
    assert inherited.opening_hours(date(2026, 3, 7))  # open on Saturday morning for reception
    assert not inherited.is_working_day(date(2026, 3, 7))
