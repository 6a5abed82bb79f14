"""Notifications in the admin: read-only, for operators to see what was sent and what failed.

A failed e-mail or SMS (server down past the last retry) is retried from Core → Event deliveries
("Retry now"); one given up because of its address (`failed at`) needs a corrected address and a
new event, never an edit here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = (
        "created_at",
        "channel",
        "kind",
        "audience",
        "officer",
        "dossier",
        "sent_at",
        "failed_at",
        "attempts",
    )
    list_filter = ("channel", "kind", "audience")
    search_fields = ("=source_event_id", "=dossier__code")
    readonly_fields = [field.name for field in Notification._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
