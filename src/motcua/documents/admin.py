"""Operators edit document templates here: each save publishes a new version through the service.

Published versions are never changed or deleted (what every issued paper looked like stays known);
"add" starts from the version in use for the chosen kind and agency, and "Preview" renders any
version, or the form being edited, with sample data as a PDF.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.core.errors import InvalidInput
from motcua.documents.models import DocumentTemplate, TemplateKind
from motcua.documents.rendering import TemplateSource
from motcua.documents.templating import (
    document_template_check,
    document_template_current,
    document_template_preview,
    document_template_publish,
)


class DocumentTemplateForm(forms.ModelForm[DocumentTemplate]):
    class Meta:
        model = DocumentTemplate
        fields = ("kind", "agency", "title", "body", "stylesheet", "note")
        widgets = {
            "body": forms.Textarea(attrs={"rows": 30, "cols": 120, "spellcheck": "false"}),
            "stylesheet": forms.Textarea(attrs={"rows": 8, "cols": 120, "spellcheck": "false"}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            document_template_check(
                kind=data.get("kind", ""),
                title=data.get("title", ""),
                body=data.get("body", ""),
                stylesheet=data.get("stylesheet", ""),
            )
        except InvalidInput as exc:
            field = exc.field if exc.field in self.fields else None
            raise ValidationError({field: str(exc.message)} if field else str(exc.message)) from exc
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin[DocumentTemplate]):
    form = DocumentTemplateForm
    list_display = ("kind", "agency", "version", "title", "note", "created_at", "created_by", "preview_link")
    list_filter = ("kind",)
    search_fields = ("title", "agency__code", "agency__name", "note")
    autocomplete_fields = ("agency",)
    readonly_fields = ("version", "created_at", "created_by")

    def has_change_permission(self, request: HttpRequest, obj: DocumentTemplate | None = None) -> bool:
        return False  # a published version stays as it was: edit = add a version

    def has_delete_permission(self, request: HttpRequest, obj: DocumentTemplate | None = None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Start from the version in use for ?kind=&agency= (default: the receipt, national)."""
        kind = request.GET.get("kind", TemplateKind.RECEIPT)
        if kind not in TemplateKind.values:
            kind = TemplateKind.RECEIPT
        raw = request.GET.get("agency", "")
        agency = Agency.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        current = document_template_current(kind=kind, agency=agency)
        return {
            "kind": kind,
            "agency": agency.pk if agency else None,
            "title": current.title,
            "body": current.body,
            "stylesheet": current.stylesheet,
        }

    def save_model(self, request: HttpRequest, obj: DocumentTemplate, form: Any, change: bool) -> None:
        saved = document_template_publish(
            kind=obj.kind,
            title=obj.title,
            body=obj.body,
            stylesheet=obj.stylesheet,
            agency=obj.agency,
            note=obj.note,
            user=request.user if request.user.is_authenticated else None,
        )
        obj.pk, obj.version = saved.pk, saved.version

    @admin.display(description=_("preview"))
    def preview_link(self, obj: DocumentTemplate) -> SafeString:
        url = reverse("admin:documents_documenttemplate_preview", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">PDF</a>', url)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="documents_documenttemplate_preview",
            ),
            path(
                "default/<str:kind>/preview/",
                self.admin_site.admin_view(self.default_preview_view),
                name="documents_documenttemplate_default_preview",
            ),
        ]
        return own + super().get_urls()

    def _pdf(self, source: TemplateSource) -> HttpResponse:
        response = HttpResponse(document_template_preview(source=source), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{source.kind}-v{source.version}-preview.pdf"'
        return response

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = get_object_or_404(DocumentTemplate, pk=pk)
        return self._pdf(
            TemplateSource(
                kind=template.kind,
                title=template.title,
                body=template.body,
                stylesheet=template.stylesheet,
                version=template.version,
            )
        )

    def default_preview_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        if kind not in TemplateKind.values:
            return HttpResponse(status=404)
        return self._pdf(document_template_current(kind=kind))
