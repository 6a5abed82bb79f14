"""Malformed e-mail or SMS settings stop `motcua check` (and migrate, runserver) at start-up."""

from __future__ import annotations

import pytest
from pytest_django import Settings

from motcua.notifications.checks import notification_settings
from motcua.notifications.sms import backend_from_settings


def test_sound_settings_pass(settings: Settings) -> None:
    settings.SMS_GATEWAY_URL = "https://sms.example.vn/api/sms"
    settings.SMS_BRANDNAME = "UBND Q1"
    assert notification_settings() == []


@pytest.mark.parametrize(
    ("changes", "check_id", "words"),
    [
        ({"EMAIL_USE_TLS": True, "EMAIL_USE_SSL": True}, "notifications.E001", "both true"),
        ({"SMS_GATEWAY_URL": "sms.example.vn/api"}, "notifications.E002", "http:// or https://"),
        (
            {"SMS_GATEWAY_URL": "https://sms.example.vn/api", "SMS_BRANDNAME": "MỘT CỬA"},
            "notifications.E002",
            "1 to 11",
        ),
    ],
)
def test_malformed_settings_are_errors(
    settings: Settings, changes: dict[str, object], check_id: str, words: str
) -> None:
    for name, value in changes.items():
        setattr(settings, name, value)

    [error] = notification_settings()

    assert error.id == check_id and words in error.msg


def test_sms_is_off_without_a_gateway(settings: Settings) -> None:
    settings.SMS_GATEWAY_URL = ""
    assert backend_from_settings() is None
