"""System checks of the e-mail and SMS settings: a malformed value stops `motcua check`, `migrate`
and `runserver` at start-up instead of failing every notification later."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from motcua.notifications import sms


def notification_settings(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    if getattr(settings, "EMAIL_USE_TLS", False) and getattr(settings, "EMAIL_USE_SSL", False):
        problems.append(
            checks.Error(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both true; choose one (STARTTLS on 587, or TLS on 465).",
                id="notifications.E001",
            )
        )
    try:
        sms.backend_from_settings()
    except ImproperlyConfigured as exc:
        problems.append(checks.Error(str(exc), id="notifications.E002"))
    return problems


def register() -> None:
    checks.register(notification_settings, checks.Tags.compatibility)
