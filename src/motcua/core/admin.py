"""The outbox in the admin: read-only, for operators to see what was published and what failed.

Nothing can be added, changed or deleted here (events are history; deliveries are the worker's).
The one action, "Retry now", gives failed deliveries a fresh series of attempts through
core.events.retry_failed_deliveries; it needs the permission to change event deliveries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.core import events
from motcua.core.models import EventDelivery, OutboxEvent


class _ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventDeliveryInline(admin.TabularInline[EventDelivery, OutboxEvent]):
    model = EventDelivery
    fields = ("handler_name", "state", "attempts", "next_attempt_at", "delivered_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(_ReadOnlyAdmin):
    list_display = ("id", "event_type", "aggregate_type", "aggregate_id", "aggregate_sequence", "occurred_at")
    # Exact matches only: they use the unique (aggregate, sequence) index instead of scanning the table.
    search_fields = ("=aggregate_id", "=event_type")
    list_filter = ("aggregate_type",)
    show_full_result_count = False
    inlines = [EventDeliveryInline]


class HandlerFilter(admin.SimpleListFilter):
    """The handlers subscribed in this process (no SELECT DISTINCT over the whole table)."""

    title = _("handler")
    parameter_name = "handler"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in events.handler_names()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(handler_name=self.value()) if self.value() else queryset


@admin.register(EventDelivery)
class EventDeliveryAdmin(_ReadOnlyAdmin):
    list_display = (
        "id",
        "handler_name",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "aggregate_sequence",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", HandlerFilter)
    search_fields = ("=aggregate_id",)
    list_select_related = ("event",)
    show_full_result_count = False
    actions = ["retry_now"]

    @admin.display(description=_("event type"), ordering="event__event_type")
    def event_type(self, obj: EventDelivery) -> str:
        return obj.event.event_type

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("core.change_eventdelivery")

    @admin.action(description=_("Retry now (failed deliveries)"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[EventDelivery]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        count = events.retry_failed_deliveries(delivery_ids=ids)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed delivery will be tried again now.",
                "%(count)d failed deliveries will be tried again now.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
        if count < len(ids):
            self.message_user(request, _("Only failed deliveries can be retried; the others were left alone."))
