"""Dates and times as Vietnamese administrative documents write them (Decree 30/2020/NĐ-CP).

Documents are issued in Vietnamese whatever the reader's interface language, so these strings are
not translated: "16 giờ 20 phút, ngày 27 tháng 11 năm 2026".
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def date_words(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    # Decree 30/2020 Appendix I: day and month below 10 ("01", "02") are written with a leading zero
    # in the place-and-date line; years in full.
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def datetime_words(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.hour:02d} giờ {local.minute:02d} phút, {date_words(local)}"


def short_datetime(value: datetime) -> str:
    local = timezone.localtime(value)
    return local.strftime("%H:%M %d/%m/%Y")


def money(amount: int) -> str:
    """10000 -> "10.000 đồng" (Vietnamese digit grouping)."""
    return f"{amount:,}".replace(",", ".") + " đồng"
