"""Issue #6 item 5: the applicant hears of every change of national status code, and of an apology
with its new appointment, in the portal inbox, by e-mail and by SMS; a redelivered event adds
nothing and sends nothing twice.

E-mail goes to Django's test outbox here (test_email_smtp.py sends over real SMTP); SMS goes over
HTTP to the stand-in gateway.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext
from pytest_django import Settings

from motcua.agencies.models import OfficerRole
from motcua.core.errors import NotFound
from motcua.core.models import DeliveryState, EventDelivery
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import MONDAY, SPECIALISTS_UNIT, World, at
from motcua.notifications import selectors
from motcua.notifications import services as notification_services
from motcua.notifications.models import Audience, Channel, Kind, Notification
from motcua.notifications.sms import SMS_LIMIT, gsm7_septets
from motcua.notifications.tests.conftest import EMAIL, Gateway, deliver, online, redeliver_all

pytestmark = pytest.mark.django_db


def hand_over(world: World, dossier: Dossier) -> None:
    services.dossier_hand_over(
        dossier=dossier,
        officer=world.receiver,
        step_name="Thẩm định",
        role=OfficerRole.SPECIALIST,
        unit=SPECIALISTS_UNIT,
        budget=Decimal(4),
        agency=world.ward,
        assignee=world.specialist,
    )


def the_whole_life(world: World) -> Dossier:
    """Submitted online (1), received (2), handed over (4, then a hand-over: still 4), supplement
    requested (5) and given (4), result ready (9) and returned (10): seven status codes."""
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world)
        services.dossier_receive(dossier=dossier, officer=world.receiver)
        hand_over(world, dossier)
        services.dossier_request_supplement(
            dossier=dossier,
            officer=world.specialist,
            items=[{"document": "Giấy chứng sinh", "reason": "Bản chụp bị mờ, không đọc được số"}],
        )
    with time_machine.travel(at(3, 2, 10), tick=False):
        services.dossier_supplement(dossier=dossier, documents=["Giấy chứng sinh"])
        services.dossier_mark_result_ready(dossier=dossier, officer=world.clerk, results=[{"name": "Giấy khai sinh"}])
        services.dossier_return_result(dossier=dossier, officer=world.returner)
    return Dossier.objects.get(pk=dossier.pk)


def applicant_rows(dossier: Dossier, channel: str) -> list[Notification]:
    return list(
        Notification.objects.filter(dossier=dossier, audience=Audience.APPLICANT, channel=channel).order_by("pk")
    )


def test_it_tells_the_applicant_of_every_status_code_change(world: World, gateway: Gateway) -> None:
    dossier = the_whole_life(world)

    report = deliver(at(3, 2, 10))

    assert report.failed == report.retried == 0
    inbox = applicant_rows(dossier, Channel.INBOX)
    emails = applicant_rows(dossier, Channel.EMAIL)
    texts = applicant_rows(dossier, Channel.SMS)
    assert len(inbox) == len(emails) == len(texts) == 7
    assert {n.kind for n in inbox + emails + texts} == {Kind.STATUS_CHANGED}
    # The status names are the national ones, in Vietnamese (domain §2.3), in that order.
    statuses = [
        "Mới đăng ký, chờ tiếp nhận",
        "Được tiếp nhận",
        "Đang xử lý",
        "Yêu cầu bổ sung giấy tờ",
        "Đang xử lý",
        "Đã xử lý xong",
        "Đã trả kết quả",
    ]
    assert [status in n.subject for n, status in zip(emails, statuses, strict=True)] == [True] * 7
    assert [n.subject for n in inbox] == [n.subject for n in emails]
    # Submitted online, the dossier had no code yet: it gets one when received.
    assert dossier.code is not None and dossier.code not in emails[0].subject
    assert all(dossier.code in n.subject for n in emails[1:])
    # What the supplement request asks for, with its reason, reaches the applicant.
    assert "Giấy chứng sinh: Bản chụp bị mờ, không đọc được số" in emails[3].body
    assert "Nguyễn Văn An" in emails[0].body
    # Every e-mail went out, once, to the applicant's address.
    assert [m.subject for m in mail.outbox] == [n.subject for n in emails]
    assert {tuple(m.to) for m in mail.outbox} == {(EMAIL,)}
    assert all(n.sent_at is not None and n.attempts == 1 for n in emails + texts)
    # Every SMS reached the gateway: unaccented GSM-7, one segment, to the normalised number.
    sent = gateway.messages()
    assert [m["message"] for m in sent] == [n.body for n in texts]
    assert [m["request_id"] for m in sent] == [str(n.uuid) for n in texts]
    assert {m["phone"] for m in sent} == {"84912345678"}
    assert {m["brandname"] for m in sent} == {"UBND SAIGON"}
    assert all(gsm7_septets(m["message"]) <= SMS_LIMIT and m["segments"] == 1 for m in sent)
    assert "Duoc tiep nhan" in sent[1]["message"]
    assert [n.provider_message_id for n in texts] == [m["message_id"] for m in sent]


def test_a_redelivered_event_records_and_sends_nothing_twice(world: World, gateway: Gateway) -> None:
    dossier = the_whole_life(world)
    deliver(at(3, 2, 10))
    rows, emails, texts = Notification.objects.count(), len(mail.outbox), len(gateway.messages())

    assert redeliver_all() > 0
    report = deliver(at(3, 2, 11))

    assert report.delivered > 0 and report.failed == report.retried == 0
    assert Notification.objects.count() == rows
    assert len(mail.outbox) == emails
    assert len(gateway.messages()) == texts
    assert all(n.attempts == 1 for n in applicant_rows(dossier, Channel.EMAIL))


def test_without_contacts_the_applicant_is_told_in_the_portal_inbox_only(world: World, gateway: Gateway) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, email="", phone="")
        services.dossier_receive(dossier=dossier, officer=world.receiver)

    deliver(MONDAY)

    assert len(applicant_rows(dossier, Channel.INBOX)) == 2
    assert applicant_rows(dossier, Channel.EMAIL) == applicant_rows(dossier, Channel.SMS) == []
    assert mail.outbox == [] and gateway.messages() == []
    # The portal's inbox of this applicant, by personal ID number, newest first.
    assert [n.subject for n in selectors.applicant_inbox(id_number="079086012345")] == [
        n.subject for n in reversed(applicant_rows(dossier, Channel.INBOX))
    ]
    assert not selectors.applicant_inbox(id_number="001186000001").exists()


def test_a_submission_at_the_counter_is_announced_only_once_received(world: World, gateway: Gateway) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = services.dossier_receive_at_counter(
            procedure_code="1.001193",
            applicant=services.Applicant(name="Lê Thị Cúc", id_number="079186000123", email=EMAIL),
            officer=world.receiver,
            competent_agency=world.ward,
        )

    deliver(MONDAY)

    with translation.override("vi"):
        expected = gettext("Dossier %(code)s: %(status)s") % {"code": dossier.code, "status": "Được tiếp nhận"}
    assert [n.subject for n in applicant_rows(dossier, Channel.EMAIL)] == [expected]


def test_the_apology_and_new_appointment_reach_the_applicant(world: World, gateway: Gateway) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world)
        services.dossier_receive(dossier=dossier, officer=world.receiver)
    deliver(MONDAY)
    with time_machine.travel(at(3, 2, 15), tick=False):
        services.dossier_apologise(
            dossier=dossier,
            officer=world.specialist,
            reason="Phải xác minh thông tin với Ủy ban nhân dân phường Bến Thành",
            explanation_to_head="Cơ quan phối hợp chưa trả lời",
            new_appointment_at=at(3, 5, 16, 30),
        )

    deliver(at(3, 2, 15))

    [letter] = Notification.objects.filter(dossier=dossier, kind=Kind.APOLOGY, channel=Channel.EMAIL)
    assert "Phải xác minh thông tin với Ủy ban nhân dân phường Bến Thành" in letter.body
    assert "16:30, 05/03/2026" in letter.body  # the new appointment, in Vietnam's time
    assert "09:00, 03/03/2026" in letter.body  # the appointment it replaces
    assert mail.outbox[-1].subject == letter.subject
    [sms] = Notification.objects.filter(dossier=dossier, kind=Kind.APOLOGY, channel=Channel.SMS)
    assert gateway.messages()[-1]["message"] == sms.body
    assert "16:30, 05/03/2026" in sms.body and "Phai xac minh thong tin" in sms.body
    assert gsm7_septets(sms.body) <= SMS_LIMIT
    assert Notification.objects.filter(dossier=dossier, kind=Kind.APOLOGY, channel=Channel.INBOX).count() == 1


def test_with_sms_switched_off_no_sms_is_recorded(world: World, settings: Settings) -> None:
    settings.SMS_GATEWAY_URL = ""
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world)

    deliver(MONDAY)

    assert applicant_rows(dossier, Channel.SMS) == []
    assert len(applicant_rows(dossier, Channel.EMAIL)) == 1


def test_a_number_that_cannot_receive_sms_is_recorded_as_failed_and_not_retried(world: World, gateway: Gateway) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, phone="028 3829 1234")  # a landline in Hồ Chí Minh City

    report = deliver(MONDAY)

    assert report.retried == report.failed == 0
    [sms] = applicant_rows(dossier, Channel.SMS)
    assert sms.sent_at is None and sms.failed_at is not None
    assert "not a Vietnamese mobile number" in sms.last_error
    assert "3829" not in sms.last_error  # the error goes to logs: no personal data (domain §13)
    assert sms.address == "028 3829 1234"  # kept as given, with the reason
    assert gateway.messages() == []
    assert len(applicant_rows(dossier, Channel.EMAIL)) == 1 and len(mail.outbox) == 1
    sms_deliveries = EventDelivery.objects.filter(handler_name="notifications.applicant_sms")
    assert set(sms_deliveries.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


def test_the_applicant_marks_a_portal_notification_read(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world)
    deliver(MONDAY)
    [notification] = applicant_rows(dossier, Channel.INBOX)

    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        notification_services.applicant_notification_mark_read(
            id_number="079086012345", notification_id=notification.pk
        )

    notification.refresh_from_db()
    assert notification.read_at == MONDAY + timedelta(hours=1)
    with pytest.raises(NotFound):
        notification_services.applicant_notification_mark_read(
            id_number="001186000001", notification_id=notification.pk
        )
