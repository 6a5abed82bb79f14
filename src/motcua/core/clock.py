"""The one source of "now", so that tests can freeze it (time-machine) and code never builds naive datetimes."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
