"""A local stand-in for a brandname SMS gateway: `motcua sms-standin --port N`.

It speaks the protocol of sms.py (the module docstring there is its reference) with the standard
library's http.server, checks each request as strictly as a real gateway would, and appends every
accepted message as one JSON line to `<dir>/messages.jsonl` instead of sending it:

    POST /api/sms            send one message (200 accepted, or a problem)
    GET  /api/sms/messages   every message stored so far, oldest first (for people and tests)

A refused request gets a problem+json body (RFC 9457) naming the field at fault:
400 (malformed JSON or a field), 401 (token), 404 (path), 405 (method), 411 (no Content-Length),
413 (body over 16 KiB), 415 (not JSON). A `request_id` seen before is answered with the first
message id and `"duplicate": true` and is not stored again, as gateways do, so a client's retry
after a lost answer never sends twice. Stored request ids survive a restart (read back from the
file).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from motcua.notifications.sms import BRANDNAME_PATTERN, GSM7_BASIC, GSM7_EXTENSION, PHONE_PATTERN

__all__ = ["MAX_BODY", "PATH", "MessageStore", "SmsStandin", "make_server"]

PATH = "/api/sms"
MAX_BODY = 16 * 1024
# A long message is split into concatenated segments of 153 GSM-7 septets or 67 UCS-2 characters;
# like the gateways, the stand-in takes at most 3 segments.
MAX_SEGMENTS = 3
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}\Z")
_FIELDS = frozenset({"request_id", "brandname", "phone", "message", "unicode"})


class Problem(Exception):
    def __init__(self, status: HTTPStatus, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field

    def body(self) -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": "about:blank",
            "title": self.status.phrase,
            "status": int(self.status),
            "code": self.code,
            "detail": self.detail,
        }
        if self.field is not None:
            problem["field"] = self.field
        return problem


def _segments(message: str, *, unicode: bool) -> int:
    if unicode:
        length, single, part = len(message.encode("utf-16-be")) // 2, 70, 67
    else:
        length, single, part = 0, 160, 153
        for ch in message:
            if ch in GSM7_BASIC:
                length += 1
            elif ch in GSM7_EXTENSION:
                length += 2
            else:
                raise Problem(
                    HTTPStatus.BAD_REQUEST,
                    "not_gsm7",
                    f'{ch!r} is not a GSM-7 character: remove diacritics, or send with "unicode": true',
                    "message",
                )
    return 1 if length <= single else -(-length // part)


def validate(payload: object) -> dict[str, Any]:
    """The message of a request body, checked field by field; Problem (400) on the first fault."""
    if not isinstance(payload, dict):
        raise Problem(HTTPStatus.BAD_REQUEST, "invalid_body", "The body must be a JSON object.")
    unknown = sorted(set(payload) - _FIELDS)
    if unknown:
        raise Problem(HTTPStatus.BAD_REQUEST, "unknown_field", f"Unknown field {unknown[0]!r}.", unknown[0])
    request_id = payload.get("request_id")
    if not isinstance(request_id, str) or not _REQUEST_ID.match(request_id):
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            "invalid_request_id",
            "request_id must be 1 to 64 letters, digits, '-' or '_'.",
            "request_id",
        )
    brandname = payload.get("brandname")
    if not isinstance(brandname, str) or not BRANDNAME_PATTERN.match(brandname):
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            "invalid_brandname",
            "brandname must be 1 to 11 letters, digits, spaces, dots or dashes.",
            "brandname",
        )
    phone = payload.get("phone")
    if not isinstance(phone, str) or not PHONE_PATTERN.match(phone):
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            "invalid_phone",
            "phone must be a Vietnamese mobile number written 84 + 9 digits, e.g. 84912345678.",
            "phone",
        )
    unicode = payload.get("unicode", False)
    if not isinstance(unicode, bool):
        raise Problem(HTTPStatus.BAD_REQUEST, "invalid_unicode", "unicode must be true or false.", "unicode")
    message = payload.get("message")
    if not isinstance(message, str) or not message.strip():
        raise Problem(HTTPStatus.BAD_REQUEST, "invalid_message", "message must be a non-empty string.", "message")
    segments = _segments(message, unicode=unicode)
    if segments > MAX_SEGMENTS:
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            "message_too_long",
            f"message takes {segments} segments; at most {MAX_SEGMENTS} are accepted.",
            "message",
        )
    return {
        "request_id": request_id,
        "brandname": brandname,
        "phone": phone,
        "message": message,
        "unicode": unicode,
        "segments": segments,
    }


class MessageStore:
    """Accepted messages, one JSON line each, and the request ids already taken."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "messages.jsonl"
        self._lock = threading.Lock()
        self._by_request: dict[str, str] = {}
        directory.mkdir(parents=True, exist_ok=True)
        for record in self.messages():
            self._by_request[record["request_id"]] = record["message_id"]

    def messages(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def accept(self, message: Mapping[str, Any]) -> tuple[str, bool]:
        """Store the message unless its request_id was accepted before; (message id, duplicate)."""
        with self._lock:
            known = self._by_request.get(message["request_id"])
            if known is not None:
                return known, True
            message_id = uuid.uuid4().hex
            record = {"message_id": message_id, "received_at": datetime.now(UTC).isoformat(), **message}
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._by_request[message["request_id"]] = message_id
            return message_id, False


class SmsStandin(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, store: MessageStore, token: str = "", quiet: bool = False) -> None:
        super().__init__(address, _Handler)
        self.store = store
        self.token = token
        self.quiet = quiet

    def say(self, line: str) -> None:
        """One line on standard output per message or refusal (the stand-in's log)."""
        if not self.quiet:
            print(line, flush=True)  # noqa: T201


class _Handler(BaseHTTPRequestHandler):
    server: SmsStandin
    server_version = "motcua-sms-standin/1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per message or refusal instead (do_POST, _fail), not an access log

    def _answer(self, status: HTTPStatus, body: object, *, problem: bool = False) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        kind = "application/problem+json" if problem else "application/json"
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, problem: Problem) -> None:
        self.server.say(f"Refused {self.command} {self.path}: {int(problem.status)} {problem.code}: {problem.detail}")
        self._answer(problem.status, problem.body(), problem=True)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == f"{PATH}/messages":
            self._answer(HTTPStatus.OK, self.server.store.messages())
        elif self.path.split("?", 1)[0] == PATH:
            self._fail(Problem(HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", f"Send with POST {PATH}."))
        else:
            self._fail(Problem(HTTPStatus.NOT_FOUND, "not_found", f"Nothing here; messages are sent to POST {PATH}."))

    def do_POST(self) -> None:
        try:
            message = self._read()
        except Problem as problem:
            self._fail(problem)
            return
        message_id, duplicate = self.server.store.accept(message)
        note = " (duplicate, not sent again)" if duplicate else ""
        self.server.say(f"SMS to {message['phone']} from {message['brandname']}: {message['message']}{note}")
        self._answer(
            HTTPStatus.OK,
            {
                "status": "accepted",
                "message_id": message_id,
                "request_id": message["request_id"],
                "segments": message["segments"],
                "duplicate": duplicate,
            },
        )

    def _read(self) -> dict[str, Any]:
        if self.path.split("?", 1)[0] != PATH:
            raise Problem(HTTPStatus.NOT_FOUND, "not_found", f"Nothing here; messages are sent to POST {PATH}.")
        if self.server.token and self.headers.get("Authorization", "") != f"Bearer {self.server.token}":
            raise Problem(
                HTTPStatus.UNAUTHORIZED, "unauthorized", "Send the gateway token as 'Authorization: Bearer …'."
            )
        media_type = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            raise Problem(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Send application/json.")
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise Problem(HTTPStatus.LENGTH_REQUIRED, "length_required", "Send a Content-Length header.")
        try:
            length = int(length_header)
        except ValueError:
            raise Problem(HTTPStatus.BAD_REQUEST, "invalid_length", "Content-Length must be a number.") from None
        if length < 0 or length > MAX_BODY:
            # The body is not read: close the connection rather than leave it in the stream.
            self.close_connection = True
            raise Problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", f"The body is limited to {MAX_BODY} bytes.")
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Problem(HTTPStatus.BAD_REQUEST, "invalid_json", f"The body is not JSON in UTF-8: {exc}") from None
        return validate(payload)


def make_server(*, host: str, port: int, directory: Path, token: str = "", quiet: bool = False) -> SmsStandin:
    """A stand-in bound to host:port (0: a free port, see `server_address`), not yet serving."""
    return SmsStandin((host, port), store=MessageStore(directory), token=token, quiet=quiet)
