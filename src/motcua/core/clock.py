"""The one source of "now", so that tests can freeze it (time-machine) and code never builds naive datetimes."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    """Today in the deployment's zone (TIME_ZONE, Asia/Ho_Chi_Minh), not the UTC date.

    Between 00:00 and 07:00 in Vietnam the UTC date is still yesterday; legal dates (effective
    dates, the day a dossier is received) are Vietnamese dates.
    """
    return timezone.localdate(now())
