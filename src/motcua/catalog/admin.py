"""Operators manage the catalogue here. Drafts are editable; published versions are read-only and
change only through a new version (the "amend" action); publication goes through the service, so
the completeness check and the audit always apply."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.catalog import services
from motcua.catalog.eform_services import eform_publish
from motcua.catalog.eforms import DEFAULT_SCHEMA, EFormInvalid, schema_parse
from motcua.catalog.models import (
    CatalogChange,
    ChannelOption,
    DocumentRequirement,
    EForm,
    Fee,
    Field,
    FlowStep,
    LegalBasis,
    Procedure,
    ProcedureVersion,
    ProcessingFlow,
    ResultType,
)
from motcua.core.errors import DomainError


class _DraftOnlyInline(admin.StackedInline):  # type: ignore[type-arg]
    extra = 0

    def _editable(self, obj: Any) -> bool:
        return obj is None or getattr(obj, "is_editable", True)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ChannelInline(_DraftOnlyInline):
    model = ChannelOption
    fields = (
        "order",
        "channel",
        "time_limit_value",
        "time_limit_unit",
        "time_limit_source",
        "time_limit_text",
        "description",
    )


class DocumentInline(_DraftOnlyInline):
    model = DocumentRequirement
    fields = ("order", "case_name", "name", "originals", "copies", "templates", "is_required", "reusable_from_data")


class LegalBasisInline(_DraftOnlyInline):
    model = LegalBasis
    fields = ("order", "title", "number", "issued_on", "effective_on")


class ResultInline(_DraftOnlyInline):
    model = ResultType
    fields = ("order", "name", "code", "requires_paper")


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin[ProcedureVersion]):
    list_display = ("procedure", "number", "name", "status", "online_level", "effective_from", "effective_to")
    list_filter = ("status", "online_level", "source")
    search_fields = ("procedure__code", "name")
    readonly_fields = (
        "procedure",
        "number",
        "status",
        "effective_from",
        "effective_to",
        "published_at",
        "flags",
        "source",
    )
    inlines = [ChannelInline, DocumentInline, LegalBasisInline, ResultInline]
    actions = ["publish_drafts"]
    filter_horizontal = ("fields",)

    def has_change_permission(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> bool:
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new version is a draft of a procedure: the "amend" action on procedures

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.version_draft_edited(version=form.instance, actor=request.user.get_username())

    @admin.action(description=_("Publish the selected drafts"))
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        for version in queryset:
            try:
                services.version_publish(
                    version=version, actor=request.user.get_username(), user_id=getattr(request.user, "pk", None)
                )
            except DomainError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(version)s published.") % {"version": version}, messages.SUCCESS)


class VersionInline(admin.TabularInline[ProcedureVersion, Procedure]):
    model = ProcedureVersion
    fields = ("number", "status", "name", "effective_from", "effective_to")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin[Procedure]):
    list_display = ("code", "name", "is_abolished", "popularity")
    list_filter = ("is_abolished",)
    search_fields = ("code", "name", "search_text")
    readonly_fields = ("code", "name", "created_at")
    fields = ("code", "name", "popularity", "is_abolished", "created_at")
    inlines = [VersionInline]
    actions = ["amend"]

    @admin.action(description=_("Create a draft amendment of the selected procedures"))
    def amend(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> None:
        for procedure in queryset:
            try:
                draft = services.version_create_draft(procedure=procedure, actor=request.user.get_username())
            except DomainError as exc:
                self.message_user(request, f"{procedure.code}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Draft %(version)s created.") % {"version": draft}, messages.SUCCESS)


class FlowStepInline(admin.TabularInline[FlowStep, ProcessingFlow]):
    model = FlowStep
    extra = 0


@admin.register(ProcessingFlow)
class ProcessingFlowAdmin(admin.ModelAdmin[ProcessingFlow]):
    list_display = ("name", "version", "agency", "channel", "is_default")
    list_filter = ("is_default", "channel")
    search_fields = ("name", "version__procedure__code")
    raw_id_fields = ("version",)
    autocomplete_fields = ("agency",)
    inlines = [FlowStepInline]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin[Field]):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    readonly_fields = ("name_folded",)

    def save_model(self, request: HttpRequest, obj: Field, form: Any, change: bool) -> None:
        from motcua.core.text import fold

        obj.name_folded = fold(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(CatalogChange)
class CatalogChangeAdmin(admin.ModelAdmin[CatalogChange]):
    list_display = ("at", "procedure", "version", "action", "actor")
    list_filter = ("action",)
    search_fields = ("procedure__code", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CatalogChange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CatalogChange | None = None) -> bool:
        return False


admin.site.register(Fee)


class EFormForm(forms.ModelForm[EForm]):
    class Meta:
        model = EForm
        fields = ("procedure", "procedure_version", "schema", "note")
        widgets = {"schema": forms.Textarea(attrs={"rows": 40, "cols": 120, "spellcheck": "false"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "schema" in data:
            try:
                schema_parse(data["schema"])
            except EFormInvalid as exc:
                raise ValidationError({"schema": str(exc.message)}) from exc
        version = data.get("procedure_version")
        if version is not None and data.get("procedure") is not None and version.procedure_id != data["procedure"].pk:
            raise ValidationError({"procedure_version": _("The version chosen is not a version of this procedure.")})
        return data


@admin.register(EForm)
class EFormAdmin(admin.ModelAdmin[EForm]):
    """Each save publishes a checked new revision (eform_publish); revisions are never changed."""

    form = EFormForm
    list_display = ("procedure", "procedure_version", "revision", "source", "note", "created_at", "created_by")
    list_filter = ("source",)
    search_fields = ("procedure__code", "procedure__name", "note")
    autocomplete_fields = ("procedure",)
    raw_id_fields = ("procedure_version",)

    def has_change_permission(self, request: HttpRequest, obj: EForm | None = None) -> bool:
        return False  # a revision stays as citizens filled it in: edit = add a revision

    def has_delete_permission(self, request: HttpRequest, obj: EForm | None = None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Start from the procedure's newest revision (?procedure=<id>), else the generic form."""
        raw = request.GET.get("procedure", "")
        latest = EForm.objects.filter(procedure_id=int(raw)).order_by("-revision").first() if raw.isdigit() else None
        return {"procedure": int(raw) if latest else None, "schema": latest.schema if latest else DEFAULT_SCHEMA}

    def save_model(self, request: HttpRequest, obj: EForm, form: Any, change: bool) -> None:
        saved = eform_publish(
            procedure=obj.procedure,
            procedure_version=obj.procedure_version,
            schema=obj.schema,
            note=obj.note,
            user=request.user if request.user.is_authenticated else None,
        )
        obj.pk, obj.revision = saved.pk, saved.revision
