"""Operators' screens for administrative units (reference data, corrected by hand when a decree
changes a name or a boundary)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.core.text import fold
from motcua.geo import selectors, services
from motcua.geo.models import AdministrativeUnit, UnitSuccession


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, Any]]:
        return [
            ("current", _("In force today")),
            ("expired", _("No longer in force")),
            ("future", _("Not yet in force")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        day = selectors.today()
        if self.value() == "current":
            return queryset.filter(selectors.valid_on(day))
        if self.value() == "expired":
            return queryset.filter(valid_to__lt=day)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=day)
        return queryset


class _ReadOnlyLinkInline(admin.TabularInline[UnitSuccession, AdministrativeUnit]):
    model = UnitSuccession
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: AdministrativeUnit | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class SuccessorInline(_ReadOnlyLinkInline):
    fk_name = "predecessor"
    verbose_name = _("successor")
    verbose_name_plural = _("successors")
    fields = ("successor", "is_partial", "effective_on")
    readonly_fields = ("successor", "is_partial", "effective_on")


class PredecessorInline(_ReadOnlyLinkInline):
    fk_name = "successor"
    verbose_name = _("predecessor")
    verbose_name_plural = _("predecessors")
    fields = ("predecessor", "is_partial", "effective_on")
    readonly_fields = ("predecessor", "is_partial", "effective_on")


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin[AdministrativeUnit]):
    list_display = ("code", "name", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind", ValidityFilter)
    search_fields = ("code", "name", "name_folded")
    search_help_text = _("Code, or part of the name (with or without diacritics).")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("name_folded",)
    fields = ("code", "level", "kind", "name", "name_folded", "parent", "valid_from", "valid_to")
    inlines = (SuccessorInline, PredecessorInline)
    list_per_page = 50

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AdministrativeUnit], search_term: str
    ) -> tuple[QuerySet[AdministrativeUnit], bool]:
        term = fold(search_term)
        if not term:
            return queryset, False
        match = Q(name_folded__contains=term)
        if term.isdigit():
            match |= Q(code__startswith=term)
        return queryset.filter(match), False

    def save_model(
        self, request: HttpRequest, obj: AdministrativeUnit, form: ModelForm[AdministrativeUnit], change: bool
    ) -> None:
        services.unit_save(unit=obj)


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin[UnitSuccession]):
    list_display = ("predecessor", "successor", "is_partial", "effective_on")
    list_filter = ("is_partial", "effective_on", "predecessor__level")
    search_fields = ("predecessor__code", "predecessor__name_folded", "successor__code", "successor__name_folded")
    list_select_related = ("predecessor", "successor")
    autocomplete_fields = ("predecessor", "successor")
    list_per_page = 50

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[UnitSuccession], search_term: str
    ) -> tuple[QuerySet[UnitSuccession], bool]:
        term = fold(search_term)
        if not term:
            return queryset, False
        match = Q(predecessor__name_folded__contains=term) | Q(successor__name_folded__contains=term)
        if term.isdigit():
            match |= Q(predecessor__code__startswith=term) | Q(successor__code__startswith=term)
        return queryset.filter(match), False
