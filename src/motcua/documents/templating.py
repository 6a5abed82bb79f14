"""Operator-editable document templates: publish a new version, find the one in use.

An edit never changes a published version: it appends version n+1 (the audit trail of what every
issued paper looked like). The template in use for an agency is its newest own version, else the
newest national version, else the packaged default (version 0). A new version is compiled and
rendered with sample data before it is accepted, so a broken template never reaches a counter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils.translation import gettext as _

from motcua.core import clock
from motcua.core.errors import InvalidInput
from motcua.documents.models import DocumentTemplate, TemplateKind
from motcua.documents.rendering import (
    Issuer,
    QrPayload,
    TemplateSource,
    default_source,
    document_render,
    render_html,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from motcua.agencies.models import Agency

MAX_TEMPLATE_CHARS = 100_000


class TemplateInvalid(InvalidInput):
    code = "template_invalid"


def _source(template: DocumentTemplate) -> TemplateSource:
    return TemplateSource(
        kind=template.kind,
        title=template.title,
        body=template.body,
        stylesheet=template.stylesheet,
        version=template.version,
        agency_code=template.agency.code if template.agency_id and template.agency else "",
    )


def document_template_current(*, kind: str, agency: Agency | None = None) -> TemplateSource:
    """The template in use for `kind` at `agency` (selector)."""
    if kind not in TemplateKind.values:
        raise InvalidInput(_("Unknown document kind: %(kind)s.") % {"kind": kind}, field="kind")
    candidates = DocumentTemplate.objects.filter(kind=kind).select_related("agency")
    if agency is not None:
        own = candidates.filter(agency=agency).order_by("-version").first()
        if own is not None:
            return _source(own)
    national = candidates.filter(agency__isnull=True).order_by("-version").first()
    if national is not None:
        return _source(national)
    return default_source(kind)


def sample_context() -> dict[str, Any]:
    """Data shaped like the real context of every kind, to try a template before accepting it."""
    person = {"name": "Nguyễn Văn A", "id_number": "079090001234", "address": "Phường Sài Gòn, TP. Hồ Chí Minh"}
    return {
        "dossier": {"code": "000.00.00.X00-261127-0001"},
        "procedure": {"code": "1.000000", "name": "Thủ tục mẫu"},
        "applicant": person | {"phone": "0900000000", "email": "a@example.vn"},
        "agency": {"name": "Cơ quan mẫu"},
        "receiving_agency": {"name": "Bộ phận Một cửa mẫu"},
        "officer": {"name": "Trần Thị B", "position": "Chuyên viên"},
        "issued_on": "ngày 27 tháng 11 năm 2026",
        "issued_at": "16 giờ 20 phút, ngày 27 tháng 11 năm 2026",
        "received_at": "16 giờ 20 phút, ngày 27 tháng 11 năm 2026",
        "received_on": "27/11/2026",
        "submitted_at": "16 giờ 20 phút, ngày 27 tháng 11 năm 2026",
        "appointment_at": "15 giờ 00 phút, ngày 08 tháng 12 năm 2026",
        "time_limit": "07 ngày làm việc",
        "documents": [{"name": "Tờ khai", "originals": 1, "copies": 0}],
        "missing": [{"document": "Tờ khai", "reason": "Chưa ký"}],
        "items": [{"document": "Tờ khai", "reason": "Chưa ký"}],
        "number": 1,
        "reason": "Lý do mẫu",
        "previous_appointment": "15 giờ 00 phút, ngày 08 tháng 12 năm 2026",
        "new_appointment": "15 giờ 00 phút, ngày 10 tháng 12 năm 2026",
        "steps": [],
        "result": {
            "code": "000.00.00.X00-261127-0001-KQ1",
            "name": "Kết quả mẫu",
            "details": "Nội dung kết quả mẫu",
            "validity": "Không thời hạn",
        },
        "signer_name": "Phạm Văn C",
        "signer_title": "Chủ tịch",
    }


def document_template_check(*, kind: str, title: str, body: str, stylesheet: str = "") -> TemplateSource:
    """Refuse a template that could not be used: unknown kind, empty, too long, or one that does not
    compile or render with sample data in the sandbox. Returns it ready to render (for a preview)."""
    if kind not in TemplateKind.values:
        raise InvalidInput(_("Unknown document kind: %(kind)s.") % {"kind": kind}, field="kind")
    if not title.strip():
        raise InvalidInput(_("A template needs a title."), field="title")
    if not body.strip():
        raise InvalidInput(_("A template needs a body."), field="body")
    if len(body) + len(stylesheet) > MAX_TEMPLATE_CHARS:
        raise InvalidInput(_("The template is too long."), field="body")
    if "</style" in stylesheet.lower():
        raise InvalidInput(_("The stylesheet may not close the style element."), field="stylesheet")
    source = TemplateSource(kind=kind, title=title.strip(), body=body, stylesheet=stylesheet)
    try:
        render_html(source=source, context=sample_context(), issuer=SAMPLE_ISSUER, qr=sample_qr(title))
    except (TemplateSyntaxError, TemplateDoesNotExist) as exc:
        raise TemplateInvalid(_("The template cannot be used: %(error)s") % {"error": exc}, field="body") from exc
    return source


SAMPLE_ISSUER = Issuer(name="Ủy ban nhân dân phường mẫu", parent_name="Ủy ban nhân dân tỉnh mẫu", place="Tỉnh mẫu")


def sample_qr(title: str) -> QrPayload:
    return QrPayload(
        dossier_code="000.00.00.X00-261127-0001",
        procedure_code="1.000000",
        applicant_id="079090001234",
        document_name=title,
        issued_at=clock.now(),
    )


def document_template_preview(*, source: TemplateSource) -> bytes:
    """The template rendered with sample data, as the PDF an operator checks before publishing."""
    return document_render(
        source=source, context=sample_context(), issuer=SAMPLE_ISSUER, qr=sample_qr(source.title)
    ).pdf


@transaction.atomic
def document_template_publish(
    *,
    kind: str,
    title: str,
    body: str,
    stylesheet: str = "",
    agency: Agency | None = None,
    note: str = "",
    user: User | None = None,
) -> DocumentTemplate:
    """Append a new version of a template after checking that it compiles and renders."""
    document_template_check(kind=kind, title=title, body=body, stylesheet=stylesheet)
    # Lock the scope's rows so two operators publishing at once get versions n+1 and n+2.
    scope = DocumentTemplate.objects.select_for_update().filter(kind=kind, agency=agency)
    latest = scope.aggregate(n=Max("version"))["n"] or 0
    return DocumentTemplate.objects.create(
        kind=kind,
        agency=agency,
        version=latest + 1,
        title=title.strip(),
        body=body,
        stylesheet=stylesheet,
        note=note,
        created_by=user,
    )
