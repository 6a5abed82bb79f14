"""Ratings in the admin: read-only. A rating is the applicant's word; nobody edits it (models.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.ratings.models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin[Rating]):
    list_display = ("created_at", "dossier", "version", "overall")
    list_filter = ("overall",)
    search_fields = ("=dossier__code",)
    readonly_fields = [field.name for field in Rating._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
