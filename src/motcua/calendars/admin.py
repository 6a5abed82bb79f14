from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from motcua.calendars import services
from motcua.calendars.models import CalendarChange, CalendarException, OpeningHours, WorkingCalendar


class OpeningHoursInline(admin.TabularInline[OpeningHours, WorkingCalendar]):
    model = OpeningHours
    extra = 0


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(admin.ModelAdmin[WorkingCalendar]):
    list_display = ("code", "name", "timezone", "is_national")
    search_fields = ("code", "name")
    inlines = [OpeningHoursInline]

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        calendar = form.instance
        services.calendar_changed(
            calendar_code=calendar.code,
            action="calendar_changed" if change else "calendar_created",
            summary=f"{calendar.name}: hours {', '.join(str(h) for h in calendar.opening_hours.all())}",
            actor=request.user.get_username(),
        )


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin[CalendarException]):
    list_display = ("day", "kind", "name_vi", "calendar", "legal_basis", "swapped_with")
    list_filter = ("kind", "calendar")
    search_fields = ("name_vi", "name_en", "legal_basis")
    date_hierarchy = "day"

    def save_model(self, request: HttpRequest, obj: CalendarException, form: ModelForm[Any], change: bool) -> None:
        # Through the service: the change is audited and every process recompiles its calendars.
        if change and obj.pk:
            original = CalendarException.objects.get(pk=obj.pk)
            if (original.day, original.calendar_id) != (obj.day, obj.calendar_id):
                services.calendar_exception_delete(exception=original, actor=request.user.get_username())
        saved = services.calendar_exception_save(
            calendar=obj.calendar,
            day=obj.day,
            kind=obj.kind,
            name_vi=obj.name_vi,
            name_en=obj.name_en,
            legal_basis=obj.legal_basis,
            swapped_with=obj.swapped_with,
            actor=request.user.get_username(),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarException) -> None:
        services.calendar_exception_delete(exception=obj, actor=request.user.get_username())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarException]) -> None:
        for exception in queryset:
            services.calendar_exception_delete(exception=exception, actor=request.user.get_username())


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin[CalendarChange]):
    list_display = ("at", "calendar_code", "action", "summary", "actor")
    list_filter = ("action",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CalendarChange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CalendarChange | None = None) -> bool:
        return False
