"""SMS: the text rules (no diacritics, GSM-7, one segment), phone numbers, the HTTP backend against
the stand-in gateway started on a free port, the gateway's refusals, and a gateway that is down."""

from __future__ import annotations

import http.client
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from motcua.dossiers.tests.conftest import MONDAY, World
from motcua.notifications.models import Channel, Notification
from motcua.notifications.sms import (
    SMS_LIMIT,
    HttpSmsBackend,
    InvalidPhone,
    SmsError,
    SmsMessage,
    gsm7_septets,
    is_gsm7,
    normalise_phone,
    to_sms_text,
)
from motcua.notifications.sms_standin import MAX_BODY, PATH, MessageStore
from motcua.notifications.tests.conftest import Gateway, deliver, online

# -- the text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hồ sơ đã được tiếp nhận", "Ho so da duoc tiep nhan"),
        ("ĐĂNG KÝ KHAI SINH", "DANG KY KHAI SINH"),
        ("Ủy ban nhân dân phường Sài Gòn", "Uy ban nhan dan phuong Sai Gon"),
        ("Nguyễn Thị Hương – “Hẹn trả” … ‘mới’", "Nguyen Thi Huong - \"Hen tra\" ... 'moi'"),
        ("Dòng 1\n\nDòng 2\u00a0 cuối", "Dong 1 Dong 2 cuoi"),
        ("Mã 北京 ở đây", "Ma ?? o day"),
        ("Giá: 50.000 đồng {phí}", "Gia: 50.000 dong {phi}"),
    ],
)
def test_texts_lose_their_diacritics_and_stay_gsm7(text: str, expected: str) -> None:
    folded = to_sms_text(text)
    assert folded == expected
    assert is_gsm7(folded)


def test_a_long_text_is_cut_to_one_segment_at_a_word() -> None:
    text = "Hồ sơ của ông bà sẽ được trả kết quả muộn, chúng tôi xin lỗi. " * 5

    folded = to_sms_text(text)

    assert gsm7_septets(folded) <= SMS_LIMIT
    assert folded.endswith("...") and not folded.endswith(" ...")
    assert folded.startswith("Ho so cua ong ba se duoc tra ket qua muon")
    assert to_sms_text("x" * 160) == "x" * 160


def test_extension_characters_count_twice() -> None:
    assert gsm7_septets("a{b}") == 6
    assert gsm7_septets(to_sms_text("[" * 100)) <= SMS_LIMIT
    with pytest.raises(ValueError, match="not a GSM-7 character"):
        gsm7_septets("ơ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "84912345678"),
        ("0912 345 678", "84912345678"),
        ("+84 912.345.678", "84912345678"),
        ("84386123456", "84386123456"),
        ("(+84) 70-123-4567", "84701234567"),
    ],
)
def test_mobile_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "028 3829 1234", "091234567", "09123456789", "0112345678", "abc", "+1 202 555 0100"]
)
def test_what_is_not_a_vietnamese_mobile_number_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone, match="not a Vietnamese mobile number"):
        normalise_phone(raw)


# -- the HTTP backend and the stand-in --------------------------------------------------------------


TOKEN = "test-token"


def backend(gateway: Gateway, *, token: str = TOKEN) -> HttpSmsBackend:
    return HttpSmsBackend(url=gateway.url, brandname="MOTCUA", token=token, timeout=5)


@pytest.fixture
def standin(tmp_path: Path) -> Any:
    stand_in = Gateway(tmp_path / "sms", token=TOKEN)
    stand_in.start()
    yield stand_in
    stand_in.stop()


def test_the_backend_hands_the_message_to_the_gateway(standin: Gateway) -> None:
    message = SmsMessage(request_id="n-1", phone="84912345678", text="Ho so 1: Duoc tiep nhan.")

    message_id = backend(standin).send(message)

    [stored] = standin.messages()
    assert stored["message_id"] == message_id
    assert (stored["request_id"], stored["phone"], stored["message"]) == ("n-1", "84912345678", message.text)
    assert (stored["brandname"], stored["unicode"], stored["segments"]) == ("MOTCUA", False, 1)
    lines = (standin.directory / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["message_id"] for line in lines] == [message_id]


def test_a_request_sent_twice_is_sent_once_and_the_restarted_gateway_remembers_it(standin: Gateway) -> None:
    message = SmsMessage(request_id="n-2", phone="84912345678", text="Lan 1")

    first = backend(standin).send(message)
    again = backend(standin).send(message)

    assert again == first
    assert len(standin.messages()) == 1
    assert MessageStore(standin.directory).accept({"request_id": "n-2"}) == (first, True)


def test_the_gateway_refuses_a_wrong_number_for_good_and_a_wrong_token_for_now(standin: Gateway) -> None:
    with pytest.raises(SmsError) as refused:
        backend(standin).send(SmsMessage(request_id="n-3", phone="842838291234", text="x"))
    assert refused.value.permanent and refused.value.code == "invalid_phone"
    assert "400" in str(refused.value)

    with pytest.raises(SmsError) as unauthorised:
        backend(standin, token="wrong").send(SmsMessage(request_id="n-4", phone="84912345678", text="x"))
    assert not unauthorised.value.permanent and unauthorised.value.code == "unauthorized"
    assert standin.messages() == []


def test_a_gateway_that_is_down_is_a_failure_for_now(standin: Gateway) -> None:
    standin.stop()

    with pytest.raises(SmsError) as down:
        backend(standin).send(SmsMessage(request_id="n-5", phone="84912345678", text="x"))

    assert not down.value.permanent and down.value.code == "unreachable"


@pytest.mark.parametrize(
    ("url", "brandname"),
    [("ftp://gateway.example.vn/sms", "MOTCUA"), ("http://gateway/sms", "TÊN QUÁ DÀI"), ("http://g/sms", "")],
)
def test_a_misconfigured_gateway_stops_at_start_up(url: str, brandname: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend(url=url, brandname=brandname)


# -- bad input to the stand-in ------------------------------------------------------------------------

GOOD: dict[str, Any] = {"request_id": "r-1", "brandname": "MOTCUA", "phone": "84912345678", "message": "Xin chao"}


def post(
    gateway: Gateway,
    body: bytes,
    *,
    path: str = PATH,
    content_type: str = "application/json",
    token: str | None = TOKEN,
    method: str = "POST",
) -> tuple[int, str, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    return response.status, response.getheader("Content-Type", ""), answer


def as_json(**changes: Any) -> bytes:
    return json.dumps({**GOOD, **changes}, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("body", "options", "status", "code", "field"),
    [
        (b"{not json", {}, 400, "invalid_json", None),
        (b"\xff\xfe", {}, 400, "invalid_json", None),
        (b"[1, 2]", {}, 400, "invalid_body", None),
        (as_json(extra=1), {}, 400, "unknown_field", "extra"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "request_id"}).encode(),
            {},
            400,
            "invalid_request_id",
            "request_id",
        ),
        (as_json(request_id="có dấu"), {}, 400, "invalid_request_id", "request_id"),
        (as_json(brandname="BRANDNAME-TOO-LONG"), {}, 400, "invalid_brandname", "brandname"),
        (as_json(phone="0912345678"), {}, 400, "invalid_phone", "phone"),
        (as_json(phone=84912345678), {}, 400, "invalid_phone", "phone"),
        (as_json(message=""), {}, 400, "invalid_message", "message"),
        (as_json(message="Hồ sơ đã được tiếp nhận"), {}, 400, "not_gsm7", "message"),
        (as_json(message="x" * (3 * 153 + 1)), {}, 400, "message_too_long", "message"),
        (as_json(message="ơ" * 202, unicode=True), {}, 400, "message_too_long", "message"),
        (as_json(unicode="yes"), {}, 400, "invalid_unicode", "unicode"),
        (as_json(), {"content_type": "text/plain"}, 415, "unsupported_media_type", None),
        (as_json(), {"token": None}, 401, "unauthorized", None),
        (as_json(), {"token": "wrong"}, 401, "unauthorized", None),
        (as_json(), {"path": "/api/other"}, 404, "not_found", None),
        (b"x" * (MAX_BODY + 1), {}, 413, "too_large", None),
        (b"", {"method": "GET"}, 405, "method_not_allowed", None),
    ],
)
def test_bad_input_to_the_stand_in_gets_a_problem_and_stores_nothing(
    standin: Gateway, body: bytes, options: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    got_status, content_type, problem = post(standin, body, **options)

    assert got_status == status
    assert content_type == "application/problem+json; charset=utf-8"
    assert problem["status"] == status and problem["code"] == code
    assert problem.get("field") == field
    assert problem["detail"] and problem["title"]
    assert standin.messages() == []


def test_the_stand_in_accepts_unicode_when_asked(standin: Gateway) -> None:
    status, _type, answer = post(standin, as_json(message="Hồ sơ đã được tiếp nhận", unicode=True))

    assert status == 200 and answer["status"] == "accepted" and answer["duplicate"] is False
    assert standin.messages()[0]["message"] == "Hồ sơ đã được tiếp nhận"


# -- through the outbox: a gateway that is down, then back -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_gateway_that_is_down_is_retried_then_the_sms_is_sent_once(world: World, gateway: Gateway) -> None:
    gateway.stop()
    with time_machine.travel(MONDAY, tick=False):
        dossier = online(world, email="")

    assert deliver(MONDAY).retried == 1
    [sms] = Notification.objects.filter(dossier=dossier, channel=Channel.SMS)
    assert sms.sent_at is None and sms.attempts == 1 and "unreachable" in sms.last_error

    gateway.start()
    deliver(MONDAY + timedelta(seconds=11))

    sms.refresh_from_db()
    assert sms.sent_at is not None and sms.attempts == 2 and sms.last_error == ""
    [stored] = gateway.messages()
    assert stored["request_id"] == str(sms.uuid) and stored["message"] == sms.body
    assert sms.provider_message_id == stored["message_id"]
