"""Demo officers and dossiers in every state, some late, so that a newcomer can walk the whole flow.

Everything goes through the real services; what happened in the past is recorded at its moment
with `core.clock.recorded_at`, counted in working days back from today on the national calendar,
so the demo is as fresh (and as late) on any day it is loaded. The dossiers are of 1.004222
(Đăng ký thường trú, 7 working days, published with its unit) at Công an phường Sài Gòn, received
at the commune's public administration service centre (Phường Sài Gòn, Thành phố Hồ Chí Minh).

The results of the dossiers that reached "result ready" were signed and issued electronically
(dossiers.results) before being returned, with the police's key from the development CA
(documents.pki, ADR 0007), so that a newcomer downloads a signed result from the back office and
checks it at /xac-minh/. That certificate is issued as of the first day of the demo's history, so
that it was in force when those results were signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel, Officer, OfficerRole
from motcua.calendars.selectors import calendar_get
from motcua.core import clock
from motcua.core.text import fold
from motcua.documents.pki import (
    NoSigningKey,
    dev_root_ensure,
    dev_signing_certificate_issue,
    signing_key_for_agency,
    signing_key_import,
)
from motcua.dossiers import results, services
from motcua.dossiers.models import Dossier

PROCEDURE = "1.004222"
PASSWORD = "motcua-demo-2026"  # noqa: S105 (published demo password; load-demo refuses without DEBUG)
CENTRE_CODE = "267.40.01.X79"
PROVINCIAL_POLICE_CODE = "000.00.03.X79"
# Placeholder in the rule of agencies.services (VVV.ZZ.SS.Xpp, SS = 03 police), like every commune code.
POLICE_CODE = "267.40.03.X79"


@dataclass(frozen=True, slots=True)
class DemoOfficer:
    username: str
    full_name: str
    unit: str
    role: str
    at_centre: bool


OFFICERS = (
    DemoOfficer("motcua", "Nguyễn Thị Mai", "Bộ phận Một cửa", OfficerRole.RECEIVING_OFFICER, True),
    DemoOfficer("chuyenvien", "Trần Văn Bình", "Đội Cảnh sát quản lý hành chính", OfficerRole.SPECIALIST, False),
    DemoOfficer("truongdoi", "Lê Minh Châu", "Đội Cảnh sát quản lý hành chính", OfficerRole.UNIT_LEADER, False),
    DemoOfficer("lanhdao", "Phạm Quốc Dũng", "Ban Chỉ huy Công an phường", OfficerRole.AGENCY_LEADER, False),
    DemoOfficer("vanthu", "Hoàng Thị Em", "Văn thư", OfficerRole.CLERK, False),
    DemoOfficer("traketqua", "Vũ Thị Giang", "Bộ phận Một cửa", OfficerRole.RETURNING_OFFICER, True),
    DemoOfficer("quantri", "Đỗ Văn Hải", "Văn phòng", OfficerRole.AGENCY_ADMINISTRATOR, False),
)


def _police(centre: Agency) -> Agency:
    police = Agency.objects.filter(code=POLICE_CODE).first()
    if police is None:
        parent = Agency.objects.filter(code=PROVINCIAL_POLICE_CODE).first()
        name = "Công an phường Sài Gòn"
        police = Agency.objects.create(
            code=POLICE_CODE,
            name=name,
            name_folded=fold(name),
            short_name="CA phường Sài Gòn",
            kind=AgencyKind.VERTICAL_AGENCY,
            level=AgencyLevel.COMMUNE,
            parent=parent,
            administrative_unit=centre.administrative_unit,
        )
    return police


def _officers(centre: Agency, police: Agency) -> dict[str, Officer]:
    found: dict[str, Officer] = {}
    user_model = get_user_model()
    for spec in OFFICERS:
        user, _created = user_model.objects.get_or_create(username=spec.username)
        user.set_password(PASSWORD)
        user.is_staff = spec.role == OfficerRole.AGENCY_ADMINISTRATOR
        user.save()
        officer, _created = Officer.objects.update_or_create(
            user=user,
            defaults={
                "agency": centre if spec.at_centre else police,
                "unit": spec.unit,
                "full_name": spec.full_name,
                "roles": [spec.role],
            },
        )
        found[spec.role] = officer
    return found


def _working_days_ago(n: int, hour: int, minute: int = 0) -> datetime:
    """The moment `hour:minute` on the n-th working day before today (national calendar)."""
    calendar = calendar_get()
    day = clock.today()
    while calendar.working_days_between(day, clock.today()) < n or not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=calendar.tz)


@dataclass(frozen=True, slots=True)
class Story:
    applicant: str
    id_number: str
    steps: tuple[tuple[int, int, str], ...]  # (working days ago, hour, what happens)


# Each story ends in a different state; "late" ones pass their due moment.
STORIES = (
    Story("Nguyễn Văn An", "079086000101", ((0, 8, "submit"),)),
    Story("Trần Thị Bảo", "079186000102", ((1, 9, "submit"), (0, 9, "incomplete"))),
    Story("Lê Hoàng Cường", "079086000103", ((2, 9, "submit"), (1, 10, "refuse"))),
    Story("Phạm Thị Dung", "079186000104", ((0, 9, "counter"),)),
    Story("Hoàng Văn Đức", "079086000105", ((2, 9, "counter"), (2, 10, "hand_over"))),
    Story("Vũ Thị Hà", "079186000106", ((4, 9, "counter"), (4, 10, "hand_over"), (3, 9, "supplement_request"))),
    Story("Đặng Minh Khoa", "079086000107", ((3, 9, "counter"), (3, 10, "hand_over"), (1, 9, "payment_request"))),
    Story("Bùi Thị Lan", "079186000108", ((2, 9, "counter"), (1, 9, "withdraw"))),
    Story("Đỗ Văn Minh", "079086000109", ((5, 9, "counter"), (5, 10, "hand_over"), (2, 9, "stop"))),
    Story(
        "Ngô Thị Nga",
        "079186000110",
        ((6, 9, "counter"), (6, 10, "hand_over"), (4, 9, "hand_over_leader"), (1, 9, "result"), (1, 10, "issue")),
    ),
    Story(
        "Dương Văn Phúc",
        "079086000111",
        (
            (7, 9, "counter"),
            (7, 10, "hand_over"),
            (5, 9, "hand_over_leader"),
            (3, 9, "result"),
            (3, 10, "issue"),
            (2, 9, "return"),
        ),
    ),
    # Late: received 10 working days ago with a 7-day limit, still in process, no apology.
    Story("Lý Thị Quỳnh", "079186000112", ((10, 9, "counter"), (10, 10, "hand_over"))),
    # Will be late: the agency apologised the day before the due moment, with a new appointment.
    Story("Mai Văn Sơn", "079086000113", ((7, 9, "counter"), (7, 10, "hand_over"), (1, 10, "apologise"))),
    # Returned late: the result came two working days after the due moment.
    Story(
        "Tạ Thị Tâm",
        "079186000114",
        ((12, 9, "counter"), (12, 10, "hand_over"), (3, 9, "result"), (3, 11, "issue_by_clerk"), (2, 14, "return")),
    ),
)

# The first working day of the demo's history (the oldest step of a story).
HISTORY_DAYS = max(days_ago for story in STORIES for days_ago, _hour, _what in story.steps)


def _play(story: Story, centre: Agency, police: Agency, officers: dict[str, Officer]) -> None:
    applicant = services.Applicant(
        name=story.applicant,
        id_number=story.id_number,
        phone="0901234567",
        email=f"{story.id_number}@example.invalid",
        address="Phường Sài Gòn, Thành phố Hồ Chí Minh",
    )
    dossier: Dossier | None = None
    receiver = officers[OfficerRole.RECEIVING_OFFICER]
    specialist = officers[OfficerRole.SPECIALIST]
    leader = officers[OfficerRole.AGENCY_LEADER]

    def act(what: str) -> Dossier | None:
        nonlocal dossier
        if what == "submit":
            return services.dossier_submit(
                procedure_code=PROCEDURE,
                channel="online",
                applicant=applicant,
                receiving_agency=centre,
                competent_agency=police,
                summary="Đăng ký thường trú vào chỗ ở hợp pháp",
            )
        if what == "counter":
            return services.dossier_receive_at_counter(
                procedure_code=PROCEDURE,
                applicant=applicant,
                officer=receiver,
                competent_agency=police,
                summary="Đăng ký thường trú vào chỗ ở hợp pháp",
            )
        assert dossier is not None
        if what == "incomplete":
            services.dossier_mark_incomplete(
                dossier=dossier,
                officer=receiver,
                missing=[{"document": "Giấy tờ chứng minh chỗ ở hợp pháp", "reason": "Chưa có trong hồ sơ"}],
            )
        elif what == "refuse":
            services.dossier_refuse(
                dossier=dossier,
                officer=receiver,
                legal_reason="Chỗ ở thuộc địa điểm không được đăng ký thường trú mới (Điều 23 Luật Cư trú 2020).",
            )
        elif what == "hand_over":
            services.dossier_hand_over(
                dossier=dossier,
                officer=receiver,
                step_name="Kiểm tra, xác minh điều kiện đăng ký thường trú",
                role=OfficerRole.SPECIALIST,
                unit=specialist.unit,
                budget=Decimal(4),
                budget_unit="working_days",
                agency=police,
                assignee=specialist,
            )
        elif what == "hand_over_leader":
            services.dossier_hand_over(
                dossier=dossier,
                officer=specialist,
                step_name="Lãnh đạo Công an phường duyệt",
                role=OfficerRole.AGENCY_LEADER,
                unit=leader.unit,
                budget=Decimal(1),
                budget_unit="working_days",
                agency=police,
                assignee=leader,
            )
        elif what == "supplement_request":
            services.dossier_request_supplement(
                dossier=dossier,
                officer=specialist,
                items=[{"document": "Hợp đồng thuê nhà", "reason": "Chưa được công chứng, chứng thực"}],
            )
        elif what == "payment_request":
            services.dossier_request_payment(
                dossier=dossier, officer=specialist, amount_vnd=20_000, description="Lệ phí đăng ký cư trú"
            )
        elif what == "withdraw":
            services.dossier_withdraw(dossier=dossier, reason="Gia đình chuyển đến địa phương khác")
        elif what == "stop":
            services.dossier_stop(
                dossier=dossier, officer=leader, reason="Người đề nghị đã đăng ký thường trú nơi khác"
            )
        elif what == "apologise":
            assert dossier.due_at is not None
            services.dossier_apologise(
                dossier=dossier,
                officer=leader,
                reason="Cần xác minh thêm với địa phương nơi cư trú trước đây",
                explanation_to_head="Chậm do chờ kết quả xác minh; đã xin lỗi và hẹn lại công dân",
                new_appointment_at=dossier.due_at + timedelta(days=3),
            )
        elif what == "result":
            services.dossier_mark_result_ready(
                dossier=dossier,
                officer=leader,
                results=[
                    {
                        "name": "Thông báo kết quả giải quyết thủ tục về cư trú",
                        "result_type_code": "KQ.G01.000065",
                    }
                ],
            )
        elif what in ("issue", "issue_by_clerk"):
            results.result_document_issue(
                result=dossier.results.get(),
                officer=officers[OfficerRole.CLERK if what == "issue_by_clerk" else OfficerRole.AGENCY_LEADER],
                details="Đã đăng ký thường trú tại Phường Sài Gòn, Thành phố Hồ Chí Minh.",
                validity="Không thời hạn",
            )
        elif what == "return":
            services.dossier_return_result(dossier=dossier, officer=officers[OfficerRole.RETURNING_OFFICER])
        dossier.refresh_from_db()
        return dossier

    for days_ago, hour, what in story.steps:
        with clock.recorded_at(_working_days_ago(days_ago, hour)):
            result = act(what)
        if result is not None:
            dossier = result


def _signing_key(police: Agency) -> None:
    """The police's signing key from the development CA (SIGNING_PKI_DIR), in force since the first
    day of the demo's history, unless it already has one in force then."""
    since = _working_days_ago(HISTORY_DAYS, 8)
    try:
        signing_key_for_agency(agency=police, at=since)
    except NoSigningKey:
        with clock.recorded_at(since):  # the certificate's validity starts then (pki._BACKDATE before)
            root, _created = dev_root_ensure(directory=Path(settings.SIGNING_PKI_DIR).resolve())
            files = dev_signing_certificate_issue(root=root, agency_code=police.code, agency_name=police.name)
            signing_key_import(
                agency=police,
                pkcs12_path=files.pkcs12_path,
                passphrase_source=files.passphrase_source,
                label=f"{police.code} – development certificate (demo)",
            )


def demo_dossiers_load() -> int:
    """Officers of every role and dossiers in every state, the police's signing key, results signed;
    nothing is created twice."""
    centre = Agency.objects.get(code=CENTRE_CODE)
    with transaction.atomic():
        police = _police(centre)
        officers = _officers(centre, police)
        _signing_key(police)
        created = 0
        for story in STORIES:
            if Dossier.objects.filter(applicant_id_number=story.id_number).exists():
                continue
            _play(story, centre, police, officers)
            created += 1
    return created
