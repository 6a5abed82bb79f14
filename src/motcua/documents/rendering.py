"""PDF documents from operator-editable templates: the page frame, the QR code, WeasyPrint.

Every paper the system issues has the same frame (Decree 30/2020 layout): the issuing agency at the
top left under the QR code, the national motto at the top right, then the body. The QR code is
printed top-left as Thông tư 01/2023/TT-VPCP Art 26 requires (domain §3.4) and carries the fields
it lists. The body and its stylesheet come from the newest `DocumentTemplate` version for the
agency (or the national one, or the packaged default) and are rendered by a sandboxed template
engine: no loaders, no tag libraries, autoescaping on, so an operator's template can neither read
files nor run code.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno
from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone

if TYPE_CHECKING:
    from django.template.base import Template

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates" / "documents" / "defaults"
SYSTEM_NAME = "motcua — Hệ thống thông tin giải quyết thủ tục hành chính"

# The id of the element of a template where the signature goes (the space under the signer's
# title): a signed document's visible stamp is put there (documents.signing.stamp_placement_for).
SIGNATURE_ANCHOR = "chu-ky"
_PT_PER_PX = 0.75  # CSS pixels (1/96 inch), as WeasyPrint lays out, to PDF points (1/72 inch)


@dataclass(frozen=True, slots=True)
class QrPayload:
    """The fields of Thông tư 01/2023/TT-VPCP Art 26 (domain §3.4), in that order."""

    dossier_code: str
    procedure_code: str
    applicant_id: str
    document_name: str
    issued_at: datetime
    system: str = SYSTEM_NAME
    appointment_at: datetime | None = None  # receipt slips
    validity: str = ""  # results
    # Results: the unified result code `<dossier code>-KQn` (Nghị định 45/2020/NĐ-CP Art 14(3);
    # `MaKetQua` in the DVCQG synchronisation, domain §3.2), which the verification page looks up.
    result_code: str = ""
    lookup_url: str = ""

    def text(self) -> str:
        data: dict[str, str] = {
            "MaHoSo": self.dossier_code,
            "MaTTHC": self.procedure_code,
            "SoDinhDanh": self.applicant_id,
            "TenGiayTo": self.document_name,
        }
        if self.result_code:
            data["MaKetQua"] = self.result_code
        data |= {
            "HeThong": self.system,
            "ThoiGianCap": timezone.localtime(self.issued_at).isoformat(timespec="minutes"),
        }
        if self.appointment_at is not None:
            data["NgayHenTra"] = timezone.localtime(self.appointment_at).isoformat(timespec="minutes")
        if self.validity:
            data["HieuLuc"] = self.validity
        if self.lookup_url:
            data["TraCuu"] = self.lookup_url
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def qr_data_uri(payload: QrPayload) -> str:
    """An SVG QR code (ISO/IEC 18004, error correction M) as a data URI for the page frame."""
    return str(segno.make(payload.text(), error="m", micro=False).svg_data_uri(scale=2, border=0))


@dataclass(frozen=True, slots=True)
class Issuer:
    name: str
    parent_name: str = ""
    place: str = ""


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """A body and stylesheet to render, with where they came from (recorded with the document)."""

    kind: str
    title: str
    body: str
    stylesheet: str = ""
    version: int = 0  # 0: the packaged default
    agency_code: str = ""

    @property
    def label(self) -> str:
        origin = self.agency_code or "national"
        return f"{self.kind} {origin} v{self.version}"


@dataclass(frozen=True, slots=True)
class Area:
    """A rectangle on one page of a PDF (0: the first page), in points from the page's lower-left
    corner, as PDF coordinates go."""

    page: int
    left: float
    bottom: float
    right: float
    top: float


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    pdf: bytes
    html: str
    template: TemplateSource
    qr_text: str
    context: dict[str, Any] = field(repr=False, default_factory=dict)
    # Where the template left room for the signature (the element with id SIGNATURE_ANCHOR), if it did.
    signature_area: Area | None = None


@cache
def sandbox() -> Engine:
    """The engine for operators' templates: built-in tags and filters only, nothing to load."""
    return Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=True, debug=False)


def compile_body(body: str) -> Template:
    """Compile an operator's template body, refusing what the sandbox does not allow."""
    try:
        return sandbox().from_string(body)
    except TemplateSyntaxError:
        raise
    except Exception as exc:  # the engine reports some malformed input as other errors
        raise TemplateSyntaxError(str(exc)) from exc


def default_source(kind: str) -> TemplateSource:
    """The packaged default body of a kind (version 0), with its title on the first line."""
    text = (DEFAULTS_DIR / f"{kind}.html").read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    title = first.removeprefix("{# title:").removesuffix("#}").strip()
    return TemplateSource(kind=kind, title=title, body=body)


def default_kinds() -> list[str]:
    return sorted(p.stem for p in DEFAULTS_DIR.glob("*.html"))


def _nfc(value: Any) -> Any:
    # HarfBuzz composes NFD too, but search, copy-paste and the QR payload want one normal form.
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def render_html(*, source: TemplateSource, context: dict[str, Any], issuer: Issuer, qr: QrPayload) -> str:
    context = _nfc(context)
    body = compile_body(source.body).render(Context(context, autoescape=True))
    return render_to_string(
        "documents/frame.html",
        {
            "title": source.title,
            "body": body,
            "stylesheet": source.stylesheet,
            "issuer": issuer,
            "qr": qr_data_uri(qr),
            "issued_on": context.get("issued_on", ""),
        },
    )


@cache
def _weasyprint() -> Any:
    # Importing WeasyPrint takes ~2 s (ecosystem.md): once per process, and only when needed.
    import weasyprint  # type: ignore[import-untyped]

    return weasyprint


def html_to_pdf(html: str) -> bytes:
    return _layout_to_pdf(html)[0]


def _layout_to_pdf(html: str) -> tuple[bytes, Area | None]:
    """The PDF, and the area of the first element whose id is SIGNATURE_ANCHOR (WeasyPrint's
    anchors: x1, y1, x2, y2 in CSS pixels from the page's top-left corner)."""
    document = _weasyprint().HTML(string=html, base_url=str(DEFAULTS_DIR)).render()
    area: Area | None = None
    for number, page in enumerate(document.pages):
        box = page.anchors.get(SIGNATURE_ANCHOR)
        if box is not None:
            x1, y1, x2, y2 = box
            height = page.height
            area = Area(
                page=number,
                left=x1 * _PT_PER_PX,
                bottom=(height - y2) * _PT_PER_PX,
                right=x2 * _PT_PER_PX,
                top=(height - y1) * _PT_PER_PX,
            )
            break
    pdf: bytes = document.write_pdf()
    return pdf, area


def document_render(
    *, source: TemplateSource, context: dict[str, Any], issuer: Issuer, qr: QrPayload
) -> RenderedDocument:
    html = render_html(source=source, context=context, issuer=issuer, qr=qr)
    pdf, area = _layout_to_pdf(html)
    return RenderedDocument(
        pdf=pdf, html=html, template=source, qr_text=qr.text(), context=context, signature_area=area
    )
