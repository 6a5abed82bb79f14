"""Shared fixtures of the dossier tests: two provinces, their agencies and officers of every role,
and helpers walking a dossier through the services (as test_journey_birth_registration.py does).

Province 79 (Hồ Chí Minh City): ward Sài Gòn (People's Committee and its service centre), ward Bến
Thành, and the provincial service centre. Province 01 (Hà Nội): ward Hoàn Kiếm and its centre.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import translation

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel, Officer, OfficerRole
from motcua.calendars import services as calendar_services
from motcua.calendars.selectors import calendar_cache_clear
from motcua.catalog.tests import factories
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.geo.models import AdministrativeUnit, UnitKind, UnitLevel

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROCEDURE = "1.001193"
SPECIALISTS_UNIT = "Tư pháp - hộ tịch"
COUNTER_UNIT = "Bộ phận Một cửa"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


# Monday 2 March 2026, 09:00: an ordinary working day.
MONDAY = at(3, 2, 9)


def make_agency(
    code: str, name: str, kind: str, level: str, parent: Agency | None = None, unit: AdministrativeUnit | None = None
) -> Agency:
    return Agency.objects.create(
        code=code,
        name=name,
        name_folded=name.lower(),
        kind=kind,
        level=level,
        parent=parent,
        administrative_unit=unit,
    )


def make_officer(username: str, agency: Agency, unit: str, *roles: str) -> Officer:
    # No password: hashing one costs a quarter of a second; tests log in with force_login or a token.
    user = get_user_model().objects.create_user(username=username, password=None)
    return Officer.objects.create(
        user=user, agency=agency, unit=unit, full_name=username.replace("_", " ").title(), roles=list(roles)
    )


def _unit(code: str, level: str, kind: str, name: str, parent: AdministrativeUnit | None = None) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code=code, level=level, kind=kind, name=name, name_folded=name.lower(), parent=parent
    )


@dataclass
class World:
    # Province 79
    ward: Agency  # Ủy ban nhân dân phường Sài Gòn: competent for birth registration
    centre: Agency  # its service centre (receives for it)
    other_ward: Agency  # Ủy ban nhân dân phường Bến Thành, same province
    province_centre: Agency  # the provincial service centre of 79
    # Province 01
    ward_b: Agency
    centre_b: Agency
    # Officers of province 79
    receiver: Officer
    returner: Officer
    specialist: Officer
    colleague: Officer  # same unit as the specialist
    surveyor: Officer  # a specialist of another unit of the ward
    clerk: Officer
    unit_leader: Officer
    leader: Officer
    administrator: Officer
    # Officers of province 01
    receiver_b: Officer
    specialist_b: Officer
    leader_b: Officer

    def officers(self) -> dict[str, Officer]:
        return {name: value for name, value in vars(self).items() if isinstance(value, Officer)}


def build_world() -> World:
    """Calendars, the procedure 1.001193 (1 working day, 15:00 cut-off), agencies and officers."""
    calendar_services.calendars_load_reference()
    calendar_cache_clear()
    channels = factories.content()["channels"]
    for channel in channels:
        channel["time_limit_value"] = "1"
        channel["time_limit_text"] = "1 ngày làm việc"
    with time_machine.travel(at(1, 5, 9)):
        factories.procedure(PROCEDURE, "Đăng ký khai sinh", channels=channels, same_day_cutoff="15:00")

    hcm = _unit("79", UnitLevel.PROVINCE, UnitKind.CENTRAL_CITY, "Thành phố Hồ Chí Minh")
    saigon = _unit("26740", UnitLevel.COMMUNE, UnitKind.WARD, "Phường Sài Gòn", hcm)
    benthanh = _unit("26743", UnitLevel.COMMUNE, UnitKind.WARD, "Phường Bến Thành", hcm)
    hanoi = _unit("01", UnitLevel.PROVINCE, UnitKind.CENTRAL_CITY, "Thành phố Hà Nội")
    hoankiem = _unit("00070", UnitLevel.COMMUNE, UnitKind.WARD, "Phường Hoàn Kiếm", hanoi)

    commune, centre_kind = AgencyKind.COMMUNE_PEOPLES_COMMITTEE, AgencyKind.COMMUNE_SERVICE_CENTRE
    ward = make_agency("267.40.00.X79", "Ủy ban nhân dân phường Sài Gòn", commune, AgencyLevel.COMMUNE, unit=saigon)
    centre = make_agency(
        "267.40.01.X79", "Trung tâm Phục vụ hành chính công phường Sài Gòn", centre_kind, AgencyLevel.COMMUNE, ward
    )
    other_ward = make_agency(
        "267.43.00.X79", "Ủy ban nhân dân phường Bến Thành", commune, AgencyLevel.COMMUNE, unit=benthanh
    )
    province_centre = make_agency(
        "000.00.01.H79",
        "Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh",
        AgencyKind.PROVINCIAL_SERVICE_CENTRE,
        AgencyLevel.PROVINCE,
        unit=hcm,
    )
    ward_b = make_agency(
        "001.70.00.X01", "Ủy ban nhân dân phường Hoàn Kiếm", commune, AgencyLevel.COMMUNE, unit=hoankiem
    )
    centre_b = make_agency(
        "001.70.01.X01", "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", centre_kind, AgencyLevel.COMMUNE, ward_b
    )
    R = OfficerRole
    return World(
        ward=ward,
        centre=centre,
        other_ward=other_ward,
        province_centre=province_centre,
        ward_b=ward_b,
        centre_b=centre_b,
        receiver=make_officer("receiver", centre, COUNTER_UNIT, R.RECEIVING_OFFICER),
        returner=make_officer("returner", centre, COUNTER_UNIT, R.RETURNING_OFFICER),
        specialist=make_officer("specialist", ward, SPECIALISTS_UNIT, R.SPECIALIST),
        colleague=make_officer("colleague", ward, SPECIALISTS_UNIT, R.SPECIALIST),
        surveyor=make_officer("surveyor", ward, "Địa chính - xây dựng", R.SPECIALIST),
        clerk=make_officer("clerk", ward, "Văn phòng - văn thư", R.CLERK),
        unit_leader=make_officer("unit_leader", ward, SPECIALISTS_UNIT, R.UNIT_LEADER),
        leader=make_officer("leader", ward, "Lãnh đạo UBND", R.AGENCY_LEADER),
        administrator=make_officer("administrator", ward, "Văn phòng - văn thư", R.AGENCY_ADMINISTRATOR),
        receiver_b=make_officer("receiver_b", centre_b, COUNTER_UNIT, R.RECEIVING_OFFICER),
        specialist_b=make_officer("specialist_b", ward_b, SPECIALISTS_UNIT, R.SPECIALIST),
        leader_b=make_officer("leader_b", ward_b, "Lãnh đạo UBND", R.AGENCY_LEADER),
    )


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def english() -> Iterator[None]:
    """Pin the English source messages (Vietnamese is the default language)."""
    with translation.override("en"):
        yield


# -- walking a dossier through the services ----------------------------------------------------------------


def submit(
    receiving: Agency, competent: Agency, *, name: str = "Nguyễn Văn An", id_number: str = "079086012345"
) -> Dossier:
    return services.dossier_submit(
        procedure_code=PROCEDURE,
        channel="online",
        applicant=services.Applicant(name=name, id_number=id_number),
        receiving_agency=receiving,
        competent_agency=competent,
    )


def received(w: World, *, name: str = "Nguyễn Văn An", id_number: str = "079086012345") -> Dossier:
    """Received at the Sài Gòn centre for the ward (no step yet)."""
    dossier = submit(w.centre, w.ward, name=name, id_number=id_number)
    return services.dossier_receive(dossier=dossier, officer=w.receiver)


def with_specialist(w: World, **kwargs: str) -> Dossier:
    """Received, then handed over by the counter to the specialist's unit, assigned to the specialist."""
    dossier = received(w, **kwargs)
    services.dossier_hand_over(
        dossier=dossier,
        officer=w.receiver,
        step_name="Thẩm định",
        role=OfficerRole.SPECIALIST,
        unit=SPECIALISTS_UNIT,
        budget=Decimal(4),
        agency=w.ward,
        assignee=w.specialist,
    )
    return Dossier.objects.get(pk=dossier.pk)


def received_b(w: World) -> Dossier:
    """A dossier of province 01, received at the Hoàn Kiếm centre and with its specialist."""
    dossier = submit(w.centre_b, w.ward_b, name="Trần Thị Bình", id_number="001186000001")
    services.dossier_receive(dossier=dossier, officer=w.receiver_b)
    services.dossier_hand_over(
        dossier=dossier,
        officer=w.receiver_b,
        step_name="Thẩm định",
        role=OfficerRole.SPECIALIST,
        unit=SPECIALISTS_UNIT,
        budget=Decimal(4),
        agency=w.ward_b,
        assignee=w.specialist_b,
    )
    return Dossier.objects.get(pk=dossier.pk)
