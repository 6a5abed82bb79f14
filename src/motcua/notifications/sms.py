"""SMS through a brandname gateway: the interface, the HTTP backend, and the text rules.

Vietnamese brandname SMS gateways (the carriers' and the resellers') take one JSON request per
message and answer with an id. Our protocol is that shape, kept small, and `motcua sms-standin`
(sms_standin.py) speaks it locally:

    POST <SMS_GATEWAY_URL>
    Content-Type: application/json; charset=utf-8
    Authorization: Bearer <SMS_GATEWAY_TOKEN>          (when a token is configured)

    {"request_id": "5f0c…",        our notification's UUID: the gateway sends a request_id once
     "brandname": "MOTCUA",        the registered sender name, 1–11 letters, digits, ".", "-", " "
     "phone": "84912345678",       a Vietnamese mobile number, 84 + 9 digits
     "message": "Ho so …",         the text
     "unicode": false}             false: GSM-7 text; true: UCS-2 (we never send it, see below)

    200 {"status": "accepted", "message_id": "…", "request_id": "…", "segments": 1, "duplicate": false}
        "duplicate": true when the request_id was accepted before: the same message_id, nothing sent.
    400/413/415/422 application/problem+json {"type", "title", "status", "code", "detail", "field"}
        The message itself is wrong (phone, text): sending it again cannot succeed.
    401/403, 404, 408, 429, 5xx, no answer: the gateway, its address or its credentials are wrong or
        down for now: retried (the request_id makes the retry safe).

Texts are sent **without diacritics, in GSM-7, in one 160-character segment**. Brandname
customer-care templates at the Vietnamese carriers are registered and billed as unaccented text;
Unicode (UCS-2) cuts a segment to 70 characters, so a Vietnamese sentence with its diacritics
would take three segments or be refused. `to_sms_text` therefore folds "Hồ sơ đã được tiếp nhận"
to "Ho so da duoc tiep nhan" (đ → d), maps typographic punctuation to ASCII, and cuts what is
left to 160 septets. The full text goes by e-mail and to the portal inbox.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "BRANDNAME_PATTERN",
    "PHONE_PATTERN",
    "SMS_LIMIT",
    "HttpSmsBackend",
    "InvalidPhone",
    "SmsBackend",
    "SmsError",
    "SmsMessage",
    "backend_from_settings",
    "gsm7_septets",
    "is_gsm7",
    "normalise_phone",
    "to_sms_text",
]

# One GSM-7 segment.
SMS_LIMIT = 160

# GSM 03.38 basic character set (one septet each) and its extension table (two septets: escape + char).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# Vietnamese mobile numbers since the 2018 renumbering: 03x, 05x, 07x, 08x, 09x (10 digits with the
# leading 0), written internationally as 84 + 9 digits. Landlines (02x) cannot receive SMS.
PHONE_PATTERN = re.compile(r"^84[35789][0-9]{8}\Z")
BRANDNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-]{0,10}\Z")

_PUNCTUATION = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "…": "...",
        "•": "-",
        "\u00a0": " ",
    }
)
_SPACES = re.compile(r"\s+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


class InvalidPhone(ValueError):
    """Not a Vietnamese mobile number: an SMS to it cannot be sent."""


class SmsError(Exception):
    """The gateway did not accept the message. `permanent`: sending it again cannot succeed."""

    def __init__(self, message: str, *, permanent: bool, code: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True, slots=True)
class SmsMessage:
    request_id: str  # the gateway accepts one message per request_id: a retry never sends twice
    phone: str  # normalised: 84 + 9 digits
    text: str  # GSM-7, at most SMS_LIMIT septets (to_sms_text)


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> str:
        """Hand the message to the gateway and return its message id; raise SmsError if refused."""
        ...


def normalise_phone(raw: str) -> str:
    """`0912 345 678`, `+84 912.345.678` or `84912345678` → `84912345678`; InvalidPhone otherwise."""
    digits = _PHONE_SEPARATORS.sub("", raw)
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    if not PHONE_PATTERN.match(digits):
        raise InvalidPhone(f"{raw!r} is not a Vietnamese mobile number (10 digits starting with 03, 05, 07, 08, 09)")
    return digits


def gsm7_septets(text: str) -> int:
    """The length of `text` in GSM-7 septets (extension characters take two); ValueError if not GSM-7."""
    count = 0
    for ch in text:
        if ch in GSM7_BASIC:
            count += 1
        elif ch in GSM7_EXTENSION:
            count += 2
        else:
            raise ValueError(f"{ch!r} is not a GSM-7 character")
    return count


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def to_sms_text(text: str, *, limit: int = SMS_LIMIT) -> str:
    """Vietnamese text as one GSM-7 segment: no diacritics, ASCII punctuation, one line, cut to `limit`.

    Characters that survive neither folding nor the punctuation map (another script) become "?".
    A text longer than `limit` septets is cut at a word boundary when one is near and ends in "...".
    """
    folded = unicodedata.normalize("NFD", text.translate(_PUNCTUATION))
    plain = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    plain = unicodedata.normalize("NFC", plain)
    plain = "".join(ch if ch in GSM7_BASIC or ch in GSM7_EXTENSION else "?" for ch in plain)
    plain = _SPACES.sub(" ", plain).strip()
    if gsm7_septets(plain) <= limit:
        return plain
    budget = limit - 3
    cut: list[str] = []
    used = 0
    for ch in plain:
        size = 2 if ch in GSM7_EXTENSION else 1
        if used + size > budget:
            break
        cut.append(ch)
        used += size
    head = "".join(cut)
    space = head.rfind(" ")
    if space >= budget - 20:
        head = head[:space]
    return head.rstrip(" ,.;:-") + "..."


class HttpSmsBackend:
    """The JSON-over-HTTP protocol of the module docstring, with the standard library only."""

    def __init__(self, *, url: str, brandname: str, token: str = "", timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"SMS_GATEWAY_URL must be an http:// or https:// URL, not {url!r}")
        if not BRANDNAME_PATTERN.match(brandname):
            raise ImproperlyConfigured(
                f"SMS_BRANDNAME must be 1 to 11 letters, digits, spaces, dots or dashes, not {brandname!r}"
            )
        self.url = url
        self.brandname = brandname
        self.token = token
        self.timeout = timeout

    def send(self, message: SmsMessage) -> str:
        body = json.dumps(
            {
                "request_id": message.request_id,
                "brandname": self.brandname,
                "phone": message.phone,
                "message": message.text,
                "unicode": False,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 (checked scheme)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (checked scheme)
                status = response.status
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise _refusal(exc.code, exc.read()) from exc
        except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out
            raise SmsError(f"SMS gateway unreachable: {exc}", permanent=False, code="unreachable") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise SmsError(f"SMS gateway answered {status} with a body that is not JSON", permanent=False) from exc
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        if not (isinstance(message_id, str) and message_id) or answer.get("status") != "accepted":
            raise SmsError(f"SMS gateway answered {status} without accepting the message: {answer!r}", permanent=False)
        return message_id


# The message is at fault (phone, text): the same request will be refused again.
_PERMANENT_STATUSES = frozenset({400, 413, 415, 422})


def _refusal(status: int, raw: bytes) -> SmsError:
    code = ""
    detail = raw[:500].decode("utf-8", "replace")
    try:
        problem = json.loads(raw)
    except ValueError:
        problem = None
    if isinstance(problem, dict):
        code = str(problem.get("code") or "")
        detail = str(problem.get("detail") or problem.get("title") or detail)
    label = f"{status} {code}" if code else str(status)
    return SmsError(
        f"SMS gateway refused the message ({label}): {detail}", permanent=status in _PERMANENT_STATUSES, code=code
    )


def backend_from_settings() -> SmsBackend | None:
    """The configured gateway, or None when SMS_GATEWAY_URL is empty (SMS switched off)."""
    url: str = getattr(settings, "SMS_GATEWAY_URL", "")
    if not url:
        return None
    return HttpSmsBackend(
        url=url,
        brandname=getattr(settings, "SMS_BRANDNAME", "MOTCUA"),
        token=getattr(settings, "SMS_GATEWAY_TOKEN", ""),
        timeout=float(getattr(settings, "SMS_TIMEOUT_SECONDS", 10)),
    )
