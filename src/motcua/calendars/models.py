"""Working calendars: opening hours per organisation and each year's official decisions.

The statutory holidays come from the `holidays` package (see engine.py); these tables hold what
an operator must be able to change without a deploy: the compensatory days off and swapped
working Saturdays decided each year, a province's own days, and each calendar's hours.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.calendars.engine import Interval

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class WorkingCalendar(models.Model):
    """A calendar: the national one (code VN) or an organisation's own hours on top of it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Ho_Chi_Minh")
    working_weekdays = models.JSONField(
        _("working weekdays"),
        default=list,
        help_text=_("Weekdays that count for time limits, Monday = 0 … Sunday = 6. Public servants: 0–4."),
    )
    is_national = models.BooleanField(
        _("national calendar"),
        default=False,
        help_text=_("The calendar used when an agency has none of its own."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_national"], condition=models.Q(is_national=True), name="calendars_one_national"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        days = self.working_weekdays
        if not isinstance(days, list) or not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValidationError({"working_weekdays": _("Give a list of weekdays from 0 (Monday) to 6 (Sunday).")})


class OpeningHours(models.Model):
    """One opening interval on one weekday, e.g. Monday 07:30–11:30."""

    calendar = models.ForeignKey(WorkingCalendar, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAY_CHOICES)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["calendar", "weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(opens_at__lt=models.F("closes_at")), name="calendars_hours_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def as_interval(self) -> Interval:
        return Interval(
            self.opens_at.hour * 3600 + self.opens_at.minute * 60,
            self.closes_at.hour * 3600 + self.closes_at.minute * 60,
        )


class CalendarException(models.Model):
    """A day that differs from the usual week by an official decision.

    `calendar` empty means national: it applies to every calendar. Example: 2 January 2026 off and
    Saturday 10 January 2026 worked instead (Công văn 12729/VPCP-KGVX, 25/12/2025).
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.CASCADE, related_name="exceptions", null=True, blank=True
    )
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        help_text=_("The decision or official letter, e.g. Công văn 12729/VPCP-KGVX."),
    )
    swapped_with = models.DateField(
        _("swapped with"), null=True, blank=True, help_text=_("For a swap: the other day of the pair.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="calendars_exception_unique_day"),
            models.UniqueConstraint(
                fields=["day"],
                condition=models.Q(calendar__isnull=True),
                name="calendars_national_exception_unique_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.get_kind_display()}: {self.name_vi}"


class CalendarRevision(models.Model):
    """A single counter bumped by every calendar change.

    Compiled calendars are cached per process (selectors.py); a process compares this number, at
    most every CALENDAR_CACHE_SECONDS, to know that an operator changed a day and recompile.
    """

    revision = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar revision")

    def __str__(self) -> str:
        return str(self.revision)


class CalendarChange(models.Model):
    """Append-only audit of calendar edits: who changed which day or hours, from what to what."""

    calendar_code = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=40)
    summary = models.TextField()
    actor = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar change")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"
