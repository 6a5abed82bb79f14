"""A local SMTP server for development: `motcua mail-standin --port N` (aiosmtpd).

Every message it accepts is written, exactly as received, to `<dir>/<time>-<id>.eml`, and one line
is appended to `<dir>/index.jsonl` (file, envelope sender and recipients, subject, time), so a
developer can open what the platform sent and a test can read it back. Nothing is relayed.

A recipient that is not an e-mail address is refused with `553 5.1.3`, as a real server would, so
the permanent-refusal path of services.notification_send can be seen working locally.

aiosmtpd is a development dependency (`pip install -e '.[dev]'`, which `make run` does); it is
imported only when the stand-in starts.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["MailStore", "make_controller"]


class MailStore:
    """The aiosmtpd handler: checks recipients, stores each message as a .eml file."""

    def __init__(self, directory: Path, *, quiet: bool = False) -> None:
        self.directory = directory
        self.index = directory / "index.jsonl"
        self.quiet = quiet
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            validate_email(address)
        except ValidationError:
            return "553 5.1.3 The recipient is not a valid e-mail address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        subject = str(email.message_from_bytes(raw, policy=email.policy.default).get("Subject", "")).strip()
        self.store(raw, mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos), subject=subject)
        return "250 Message accepted for delivery"

    def store(self, raw: bytes, *, mail_from: str, rcpt_tos: list[str], subject: str) -> Path:
        received_at = datetime.now(UTC)
        path = self.directory / f"{received_at:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
        with self._lock:
            path.write_bytes(raw)
            record: dict[str, Any] = {
                "file": path.name,
                "received_at": received_at.isoformat(),
                "mail_from": mail_from,
                "rcpt_tos": rcpt_tos,
                "subject": subject,
            }
            with self.index.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if not self.quiet:
            print(f"Mail from {mail_from} to {', '.join(rcpt_tos)}: {subject} ({path.name})", flush=True)  # noqa: T201
        return path

    def messages(self) -> list[dict[str, Any]]:
        """The index, oldest first."""
        if not self.index.exists():
            return []
        with self.index.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]


def make_controller(*, host: str, port: int, store: MailStore) -> Controller:
    """An SMTP server on host:port handing messages to `store`; call start() and stop()."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError as exc:  # a production install without the dev extras
        raise RuntimeError("The mail stand-in needs aiosmtpd: pip install -e '.[dev]'") from exc
    return Controller(store, hostname=host, port=port, enable_SMTPUTF8=True)
