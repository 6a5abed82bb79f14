"""Operators' screens for agencies: browse the hierarchy, correct placeholder codes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.agencies import selectors, services
from motcua.agencies.models import Agency
from motcua.core.text import fold


class TopLevelFilter(admin.SimpleListFilter):
    title = _("position")
    parameter_name = "position"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, Any]]:
        return [("top", _("Top of a hierarchy")), ("under", _("Under another agency"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "under":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ("code", "name", "kind", "level", "parent", "administrative_unit", "code_verified", "is_active")
    list_filter = ("level", "kind", "code_verified", "is_active", TopLevelFilter)
    search_fields = ("code", "name", "short_name")
    search_help_text = _("Code, or part of the name (with or without diacritics).")
    list_select_related = ("parent", "administrative_unit")
    autocomplete_fields = ("parent", "administrative_unit")
    readonly_fields = ("name_folded", "seed_key", "hierarchy", "children_link")
    fieldsets = (
        (None, {"fields": ("code", "code_verified", "name", "short_name", "name_folded")}),
        (_("Place"), {"fields": ("kind", "level", "parent", "hierarchy", "children_link", "administrative_unit")}),
        (_("Working calendar"), {"fields": ("calendar",)}),
        (_("Validity"), {"fields": ("is_active", "valid_from", "valid_to", "seed_key")}),
    )
    list_per_page = 50

    @admin.display(description=_("hierarchy"))
    def hierarchy(self, obj: Agency) -> SafeString | str:
        if obj.pk is None:
            return "-"
        chain = [*reversed(selectors.agency_ancestors(agency=obj)), obj]
        return format_html_join(
            " › ",
            '<a href="{}">{}</a>',
            ((reverse("admin:agencies_agency_change", args=[a.pk]), a.name) for a in chain),
        )

    @admin.display(description=_("units"))
    def children_link(self, obj: Agency) -> SafeString | str:
        if obj.pk is None:
            return "-"
        count = selectors.agency_children(agency=obj).count()
        if not count:
            return ngettext("%(count)d unit", "%(count)d units", 0) % {"count": 0}
        url = reverse("admin:agencies_agency_changelist") + "?" + urlencode({"parent__id__exact": obj.pk})
        label = ngettext("%(count)d unit", "%(count)d units", count) % {"count": count}
        return format_html('<a href="{}">{}</a>', url, label)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Agency], search_term: str
    ) -> tuple[QuerySet[Agency], bool]:
        term = fold(search_term)
        if not term:
            return queryset, False
        raw = search_term.strip()
        match = Q(name_folded__contains=term) | Q(short_name__icontains=raw) | Q(code__startswith=raw.upper())
        return queryset.filter(match), False

    def save_model(self, request: HttpRequest, obj: Agency, form: ModelForm[Agency], change: bool) -> None:
        services.agency_save(agency=obj)
