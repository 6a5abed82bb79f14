"""Fixtures of the notification tests: the dossier world, a real SMTP server (aiosmtpd) and the SMS
stand-in, each on a free local port, and a helper that delivers the outbox like the worker does."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.smtp import SMTP, Envelope, Session
from pytest_django import Settings

from motcua.core.events import DeliveryReport, deliver_pending
from motcua.core.models import DeliveryState, EventDelivery
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import PROCEDURE, World, build_world
from motcua.notifications.mail_standin import MailStore, make_controller
from motcua.notifications.sms_standin import PATH, SmsStandin, make_server

EMAIL = "an.nguyen@example.vn"
PHONE = "0912 345 678"


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def deliver(at: datetime) -> DeliveryReport:
    """Deliver everything due at `at`, pass after pass (one event per dossier and handler per pass)."""
    total = DeliveryReport()
    with time_machine.travel(at, tick=False):
        while True:
            report = deliver_pending(now=at)
            total += report
            if report.claimed == 0:
                return total


def redeliver_all() -> int:
    """Put every delivery back to pending, as after a worker whose lease expired: the at-least-once case."""
    return EventDelivery.objects.update(state=DeliveryState.PENDING, lease_until=None, lease_token=None)


def online(
    world: World,
    *,
    email: str = EMAIL,
    phone: str = PHONE,
    name: str = "Nguyễn Văn An",
    id_number: str = "079086012345",
) -> Dossier:
    """An online submission to the Sài Gòn centre for the ward, with the applicant's contacts."""
    return services.dossier_submit(
        procedure_code=PROCEDURE,
        channel="online",
        applicant=services.Applicant(name=name, id_number=id_number, email=email, phone=phone),
        receiving_agency=world.centre,
        competent_agency=world.ward,
    )


class FlakyMailStore(MailStore):
    """A server that answers "451 try again later" to the first `failures` messages (greylisting)."""

    def __init__(self, directory: Path, *, failures: int = 0, refuse: frozenset[str] = frozenset()) -> None:
        super().__init__(directory, quiet=True)
        self.failures = failures
        self.refuse = refuse
        self.refused_data = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refused_data < self.failures:
            self.refused_data += 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


class SmtpServer:
    def __init__(self, store: FlakyMailStore) -> None:
        self.store = store
        self.port = free_port()
        self.controller: Any = None

    def start(self) -> None:
        self.controller = make_controller(host="127.0.0.1", port=self.port, store=self.store)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(tmp_path: Path, settings: Settings) -> Iterator[SmtpServer]:
    """A real SMTP server on a free port, with Django's SMTP backend pointed at it."""
    server = SmtpServer(FlakyMailStore(tmp_path / "mail"))
    # aiosmtpd logs every SMTP command at INFO.
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Dịch vụ công <no-reply@dichvucong.example.vn>"
    yield server
    server.stop()
    mail_log.setLevel(level)


class Gateway:
    def __init__(self, directory: Path, token: str = "") -> None:
        self.directory = directory
        self.token = token
        self.server: SmsStandin | None = None
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def start(self) -> None:
        self.server = make_server(
            host="127.0.0.1", port=self.port, directory=self.directory, token=self.token, quiet=True
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def messages(self) -> list[dict[str, Any]]:
        assert self.server is not None
        return self.server.store.messages()


@pytest.fixture
def gateway(tmp_path: Path, settings: Settings) -> Iterator[Gateway]:
    """The SMS stand-in on a free port, with the platform's SMS settings pointed at it."""
    stand_in = Gateway(tmp_path / "sms", token="test-token")
    stand_in.start()
    settings.SMS_GATEWAY_URL = stand_in.url
    settings.SMS_GATEWAY_TOKEN = "test-token"
    settings.SMS_BRANDNAME = "UBND SAIGON"
    settings.SMS_TIMEOUT_SECONDS = 5
    yield stand_in
    stand_in.stop()
