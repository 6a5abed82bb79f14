"""The development stand-ins as commands: `motcua mail-standin` and `motcua sms-standin` start, keep
what they receive under the directory given, refuse bad input clearly, and stop on SIGTERM."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from motcua.notifications.mail_standin import MailStore, make_controller
from motcua.notifications.tests.conftest import free_port


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the command exited early: {process.communicate()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "x"), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "motcua", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    return process.returncode, out + err


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[tuple[MailStore, int]]:
    store = MailStore(tmp_path / "mail", quiet=True)
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port, store=store)
    controller.start()
    yield store, port
    controller.stop()


def test_the_mail_stand_in_keeps_each_message_as_sent(mail_server: tuple[MailStore, int]) -> None:
    store, port = mail_server
    message = EmailMessage()
    message["From"] = "no-reply@dichvucong.example.vn"
    message["To"] = "an.nguyen@example.vn"
    message["Subject"] = "Hồ sơ đã được tiếp nhận"
    message.set_content("Kính gửi ông Nguyễn Văn An")

    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message)

    [record] = store.messages()
    assert record["rcpt_tos"] == ["an.nguyen@example.vn"]
    assert record["subject"] == "Hồ sơ đã được tiếp nhận"
    raw = (store.directory / record["file"]).read_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert "Kính gửi ông Nguyễn Văn An" in parsed.get_content()


def test_the_mail_stand_in_refuses_a_recipient_that_is_not_an_address(mail_server: tuple[MailStore, int]) -> None:
    store, port = mail_server

    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("no-reply@dichvucong.example.vn", ["not-an-address"], b"Subject: x\r\n\r\nx")

    assert refused.value.recipients["not-an-address"][0] == 553
    assert store.messages() == []


def test_the_sms_stand_in_command_serves_stores_and_stops(tmp_path: Path) -> None:
    port = free_port()
    process = start("sms-standin", "--port", str(port), "--dir", str(tmp_path))
    try:
        wait_for_port(port, process)
        body = json.dumps({"request_id": "c-1", "brandname": "MOTCUA", "phone": "84912345678", "message": "Xin chao"})
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/sms",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (local test server)
            answer = json.loads(response.read())
    finally:
        code, output = stop(process)

    assert answer["status"] == "accepted"
    assert code == 0, output
    assert f"SMS stand-in on http://127.0.0.1:{port}/api/sms" in output
    assert "SMS to 84912345678 from MOTCUA: Xin chao" in output
    assert "SMS stand-in stopped." in output
    [line] = (tmp_path / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["message_id"] == answer["message_id"]


def test_the_mail_stand_in_command_serves_stores_and_stops(tmp_path: Path) -> None:
    port = free_port()
    process = start("mail-standin", "--port", str(port), "--dir", str(tmp_path))
    try:
        wait_for_port(port, process)
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.sendmail("a@example.vn", ["b@example.vn"], "Subject: Xin chào\r\n\r\nNội dung".encode())
    finally:
        code, output = stop(process)

    assert code == 0, output
    assert "Mail from a@example.vn to b@example.vn" in output
    assert "Mail stand-in stopped." in output
    assert len(list(tmp_path.glob("*.eml"))) == 1


@pytest.mark.parametrize(("command", "port"), [("sms-standin", "0"), ("sms-standin", "abc"), ("mail-standin", "70000")])
def test_a_bad_port_is_refused_with_a_clear_message(command: str, port: str) -> None:
    result = subprocess.run(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "motcua", command, "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SECRET_KEY": "x"},
        check=False,
    )

    assert result.returncode != 0
    assert f"must be a port number from 1 to 65535, not '{port}'" in result.stderr
