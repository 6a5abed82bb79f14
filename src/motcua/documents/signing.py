"""PAdES signatures on PDFs with an agency's key: level B-B, or B-T when a timestamp authority is set.

Legal basis: an electronic result carries the digital signature of the competent agency (Nghị định
45/2020/NĐ-CP Art 14(3)); a document signed electronically by the competent person and agency has
the value of the paper original (Nghị định 30/2020/NĐ-CP Art 5). The certificate is the agency's
(its key is the agency's seal); the person who signs, and their role, are written in the signature
dictionary (/Name) and on the visible stamp, as on a paper result bearing a signature and a seal.

The signature is an incremental update: the bytes of the original PDF are kept unchanged in front
of it, which is what lets a verifier tell "signed" from "changed after signing". With TSA_URL set,
the signature gets an RFC 3161 timestamp token (PAdES B-T, Nghị định 23/2025/NĐ-CP lists
timestamping among trust services); when the authority does not answer, signing fails rather than
silently producing a B-B signature.

The stamp is in Vietnamese whatever the reader's language: it is part of the document, and
documents of the state are written in Vietnamese (Nghị định 30/2020/NĐ-CP).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fontpkg_be_vietnam_pro  # type: ignore[import-untyped]
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError
from pyhanko.stamp import TextStampStyle

from motcua.core import clock
from motcua.core.errors import DomainError, InvalidInput
from motcua.documents.models import SigningKey
from motcua.documents.pki import SigningKeyUnavailable, signer_for
from motcua.documents.rendering import Area

logger = logging.getLogger(__name__)

FONT_PATH = Path(fontpkg_be_vietnam_pro.ROOT) / "files" / "BeVietnamPro-Regular.ttf"
FIELD_PREFIX = "Signature"

# Size of the stamp and its distance from the page's edges, in points (1/72 inch).
STAMP_WIDTH = 230
STAMP_HEIGHT = 58
STAMP_MARGIN = 28


class NotAPdf(InvalidInput):
    code = "not_a_pdf"


class PdfMalformed(InvalidInput):
    code = "pdf_malformed"


class PdfEncrypted(InvalidInput):
    code = "pdf_encrypted"


class SigningFailed(DomainError):
    code = "signing_failed"


class TimestampUnavailable(DomainError):
    code = "timestamp_unavailable"
    status = 503


@dataclass(frozen=True, slots=True)
class StampPlacement:
    """Where the visible stamp goes: a page (negative counts from the end: -1 is the last page) and
    a box (left, bottom, right, top) in points from the page's lower-left corner; without a box, the
    bottom-right corner of that page."""

    page: int = -1
    box: tuple[int, int, int, int] | None = None


BOTTOM_RIGHT_OF_LAST_PAGE = StampPlacement()


def stamp_placement_for(area: Area | None) -> StampPlacement:
    """The stamp centred on `area`, the room a rendered template left for the signature (under the
    signer's title, where a paper is signed and sealed); bottom right of the last page without one."""
    if area is None:
        return BOTTOM_RIGHT_OF_LAST_PAGE
    middle_x, middle_y = (area.left + area.right) / 2, (area.bottom + area.top) / 2
    left, bottom = round(middle_x - STAMP_WIDTH / 2), round(middle_y - STAMP_HEIGHT / 2)
    return StampPlacement(page=area.page, box=(left, bottom, left + STAMP_WIDTH, bottom + STAMP_HEIGHT))


def _mediabox(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    node: generic.PdfObject | None = page
    seen = 0
    while isinstance(node, generic.DictionaryObject) and seen < 64:
        if "/MediaBox" in node:
            x1, y1, x2, y2 = (float(v) for v in node["/MediaBox"])
            return x1, y1, x2, y2
        node = node.get("/Parent")
        seen += 1
    return 0.0, 0.0, 595.0, 842.0  # A4, the size of every result we render


def _stamp_box(writer: IncrementalPdfFileWriter, placement: StampPlacement) -> tuple[int, int, int, int]:
    if placement.box is not None:
        left, bottom, right, top = placement.box
        if right - left < 40 or top - bottom < 20:
            raise InvalidInput(_("The signature stamp box is too small."), field="placement")
        return placement.box
    page_ref, _resources = writer.prev.find_page_for_modification(placement.page)  # type: ignore[no-untyped-call]
    _x1, y1, x2, _y2 = _mediabox(page_ref.get_object())
    right, bottom = int(x2) - STAMP_MARGIN, int(y1) + STAMP_MARGIN
    return right - STAMP_WIDTH, bottom, right, bottom + STAMP_HEIGHT


def _field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _value, _ref in enumerate_sig_fields(writer.prev)}
    number = len(taken) + 1
    while f"{FIELD_PREFIX}{number}" in taken:
        number += 1
    return f"{FIELD_PREFIX}{number}"


@cache
def _stamp_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="Ký bởi: %(name)s\n%(role)s\nNgày ký: %(when)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(FONT_PATH)), font_size=8, leading=11),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(left=6, right=6, top=6, bottom=6),
        ),
        border_width=1,
    )


def _timestamper() -> TimeStamper | None:
    url: str = settings.TSA_URL
    if not url:
        return None
    return HTTPTimeStamper(url, timeout=settings.TSA_TIMEOUT_SECONDS)


def writer_open(pdf: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer over `pdf`. Raises NotAPdf or PdfEncrypted."""
    if pdf.lstrip()[:5] != b"%PDF-":
        raise NotAPdf(_("This file is not a PDF document."), field="file")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PdfError, ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise PdfMalformed(_("This PDF document is damaged and cannot be read."), field="file") from exc
    if writer.prev.encrypted:
        raise PdfEncrypted(_("This PDF document is encrypted; remove the password first."), field="file")
    return writer


def pdf_sign(
    *,
    pdf: bytes,
    key: SigningKey,
    signer_name: str,
    signer_role: str,
    reason: str,
    location: str,
    placement: StampPlacement = BOTTOM_RIGHT_OF_LAST_PAGE,
) -> bytes:
    """`pdf` with one more PAdES signature by `key`, its stamp naming the signer, role, agency and time.

    The original bytes are kept as they are (incremental update). Raises NotAPdf, PdfEncrypted,
    InvalidInput (no signer name; a page that does not exist), SigningKeyUnavailable (key not in
    use, expired, or unreadable), TimestampUnavailable (TSA_URL set but not answering) and
    SigningFailed (the document forbids further signatures, e.g. a certified PDF).
    """
    signer_name, signer_role = " ".join(signer_name.split()), " ".join(signer_role.split())
    if not signer_name:
        raise InvalidInput(_("Give the name of the person who signs."), field="signer_name")
    now = clock.now()
    if not key.is_active or not key.valid_from <= now < key.valid_until:
        raise SigningKeyUnavailable(
            _("The signing certificate “%(label)s” is not in use or not valid now.") % {"label": key.label}
        )
    signer = signer_for(key)
    writer = writer_open(pdf)
    try:
        box = _stamp_box(writer, placement)
        field_name = _field_name(writer)
    except PdfError as exc:
        raise InvalidInput(
            _("The document has no page %(page)s.") % {"page": placement.page}, field="placement"
        ) from exc
    meta = PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason or None,
        location=location or None,
    )
    role = ", ".join(part for part in (signer_role, key.agency.name) if part)
    when = timezone.localtime(now).strftime("%d/%m/%Y %H:%M")
    pdf_signer = PdfSigner(
        meta,
        signer,
        timestamper=_timestamper(),
        stamp_style=_stamp_style(),
        new_field_spec=SigFieldSpec(sig_field_name=field_name, on_page=placement.page, box=box),
    )
    output = io.BytesIO()
    try:
        pdf_signer.sign_pdf(
            writer, appearance_text_params={"name": signer_name, "role": role, "when": when}, output=output
        )
    except TimestampRequestError as exc:
        logger.warning("timestamp authority %s failed: %s", settings.TSA_URL, exc)
        raise TimestampUnavailable(
            _("The timestamp authority did not answer; the document was not signed. Try again later.")
        ) from exc
    except SigningError as exc:
        raise SigningFailed(_("The document cannot take another signature: %(reason)s") % {"reason": str(exc)}) from exc
    return output.getvalue()
