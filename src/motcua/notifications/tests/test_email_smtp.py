"""E-mail to the applicant over real SMTP: a local aiosmtpd server started by the test receives the
message, which is read back and decoded. A server that fails leads to a retry by the outbox, then
to one message; a recipient the server refuses is recorded as failed and not retried."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from email.message import EmailMessage

import pytest
import time_machine

from motcua.core.models import DeliveryState, EventDelivery
from motcua.dossiers.tests.conftest import MONDAY, World
from motcua.notifications.models import Channel, Notification
from motcua.notifications.tests.conftest import EMAIL, SmtpServer, deliver, online


def received_messages(smtp: SmtpServer) -> list[EmailMessage]:
    found = []
    for record in smtp.store.messages():
        raw = (smtp.store.directory / record["file"]).read_bytes()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def email_delivery() -> EventDelivery:
    return EventDelivery.objects.get(handler_name="notifications.applicant_email")


@pytest.mark.django_db
def test_the_e_mail_goes_over_smtp_in_vietnamese_and_utf8(world: World, smtp: SmtpServer) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, phone="")

    deliver(MONDAY)

    [notification] = Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL)
    [message] = received_messages(smtp)
    assert smtp.store.messages()[0]["rcpt_tos"] == [EMAIL]
    assert message["To"] == EMAIL
    assert message["From"] == "Dịch vụ công <no-reply@dichvucong.example.vn>"
    # Django folds a long encoded subject onto the next line ("Subject:" CRLF " =?utf-8?b?…?="); the
    # unfolded value starts with that space, which readers ignore.
    assert message["Subject"].strip() == notification.subject
    assert "Mới đăng ký, chờ tiếp nhận" in message["Subject"]
    assert message["Message-ID"] == f"<{notification.uuid}@dichvucong.example.vn>"
    assert message["Content-Language"] == "vi"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert body.replace("\r\n", "\n").strip() == notification.body.strip()
    assert "Nguyễn Văn An" in body and "Đăng ký khai sinh" in body and "Ủy ban nhân dân phường Sài Gòn" in body
    assert notification.sent_at == MONDAY and notification.attempts == 1
    assert notification.provider_message_id == message["Message-ID"]


@pytest.mark.django_db(transaction=True)
def test_a_server_that_answers_try_again_later_is_retried_then_the_mail_is_sent_once(
    world: World, smtp: SmtpServer
) -> None:
    smtp.store.failures = 1  # "451 4.3.0 Try again later" to the first message
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, phone="")

    first = deliver(MONDAY)

    assert first.retried == 1
    [notification] = Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL)
    assert notification.sent_at is None and notification.attempts == 1
    assert "451" in notification.last_error
    delivery = email_delivery()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.next_attempt_at == MONDAY + timedelta(seconds=10)
    assert received_messages(smtp) == []

    second = deliver(MONDAY + timedelta(seconds=11))

    assert second.delivered >= 1 and second.retried == 0
    notification.refresh_from_db()
    assert notification.sent_at == MONDAY + timedelta(seconds=11)
    assert notification.attempts == 2 and notification.last_error == ""
    assert len(received_messages(smtp)) == 1
    assert Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_server_that_is_down_is_retried_until_it_is_back(world: World, smtp: SmtpServer) -> None:
    smtp.stop()
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, phone="")

    assert deliver(MONDAY).retried == 1
    [notification] = Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL)
    assert notification.sent_at is None and "ConnectionRefusedError" in notification.last_error

    smtp.start()
    deliver(MONDAY + timedelta(seconds=11))

    notification.refresh_from_db()
    assert notification.sent_at is not None and notification.attempts == 2
    assert [m["Message-ID"] for m in received_messages(smtp)] == [f"<{notification.uuid}@dichvucong.example.vn>"]


@pytest.mark.django_db
def test_a_recipient_the_server_refuses_is_recorded_as_failed_and_not_retried(world: World, smtp: SmtpServer) -> None:
    smtp.store.refuse = frozenset({EMAIL})  # "550 5.1.1 No such mailbox here"
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, phone="")

    report = deliver(MONDAY)

    assert report.retried == report.failed == 0
    [notification] = Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL)
    assert notification.failed_at == MONDAY and notification.sent_at is None
    assert "550" in notification.last_error
    assert EMAIL not in notification.last_error  # the error goes to logs: no personal data (domain §13)
    assert email_delivery().state == DeliveryState.DELIVERED
    assert received_messages(smtp) == []


@pytest.mark.django_db
def test_an_address_that_is_not_one_is_recorded_as_failed_without_calling_the_server(
    world: World, smtp: SmtpServer
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, email="an.nguyen@", phone="")

    deliver(MONDAY)

    [notification] = Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL)
    assert notification.failed_at is not None and notification.last_error == "not a valid e-mail address"
    assert notification.address == "an.nguyen@"
    assert received_messages(smtp) == []
