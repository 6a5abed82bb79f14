"""PDF documents: Vietnamese text and embedded fonts, the QR code top-left, the sandbox, versions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import translation

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel
from motcua.core.errors import InvalidInput
from motcua.documents.models import DocumentTemplate
from motcua.documents.rendering import (
    Issuer,
    QrPayload,
    TemplateSource,
    default_kinds,
    default_source,
    document_render,
)
from motcua.documents.templating import (
    TemplateInvalid,
    document_template_current,
    document_template_publish,
    sample_context,
)
from motcua.documents.tests.pdf import pdf_fonts, pdf_qr_codes, pdf_text

ISSUED = datetime(2026, 11, 27, 9, 20, tzinfo=UTC)  # 16:20 in Hồ Chí Minh City


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def qr(**kwargs: object) -> QrPayload:
    fields: dict[str, object] = {
        "dossier_code": "267.40.01.X79-261127-0001",
        "procedure_code": "1.001193",
        "applicant_id": "079086012345",
        "document_name": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "issued_at": ISSUED,
    }
    return QrPayload(**(fields | kwargs))  # type: ignore[arg-type]


def test_every_kind_renders_with_its_vietnamese_title_and_embedded_fonts(tmp_path: Path) -> None:
    assert set(default_kinds()) == {
        "apology",
        "control",
        "guidance",
        "receipt",
        "refusal",
        "result",
        "stop",
        "supplement",
    }
    for kind in default_kinds():
        source = default_source(kind)
        rendered = document_render(
            source=source, context=sample_context(), issuer=Issuer(name="Ủy ban nhân dân phường Sài Gòn"), qr=qr()
        )
        assert rendered.pdf.startswith(b"%PDF-")
        text = pdf_text(rendered.pdf, tmp_path)
        assert source.title.upper() in text, kind
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "ỦY BAN NHÂN DÂN PHƯỜNG SÀI GÒN" in text
        fonts = pdf_fonts(rendered.pdf, tmp_path)
        assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # every font embedded


def test_text_given_decomposed_comes_out_composed(tmp_path: Path) -> None:
    context = sample_context() | {"applicant": {"name": "Nguyễn Thị Ánh", "id_number": "1"}}
    decomposed = context | {"applicant": {"name": "Nguye\u0302\u0303n Thi\u0323 A\u0301nh", "id_number": "1"}}
    rendered = document_render(source=default_source("receipt"), context=decomposed, issuer=Issuer(name="X"), qr=qr())
    assert "Nguyễn Thị Ánh" in pdf_text(rendered.pdf, tmp_path)
    assert context["applicant"]["name"] in rendered.html


def test_the_qr_code_carries_the_fields_of_circular_01_2023_art_26(tmp_path: Path) -> None:
    appointment = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    rendered = document_render(
        source=default_source("receipt"),
        context=sample_context(),
        issuer=Issuer(name="X"),
        qr=qr(appointment_at=appointment),
    )
    codes = pdf_qr_codes(rendered.pdf, tmp_path)
    assert len(codes) == 1
    data = json.loads(codes[0])
    assert data == {
        "MaHoSo": "267.40.01.X79-261127-0001",
        "MaTTHC": "1.001193",
        "SoDinhDanh": "079086012345",
        "TenGiayTo": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "HeThong": data["HeThong"],
        "ThoiGianCap": "2026-11-27T16:20+07:00",
        "NgayHenTra": "2026-11-30T15:00+07:00",
    }
    assert data["HeThong"].startswith("motcua")


def test_the_qr_code_is_at_the_top_left(tmp_path: Path) -> None:
    rendered = document_render(
        source=default_source("refusal"), context=sample_context(), issuer=Issuer(name="X"), qr=qr()
    )
    # The image sits before any text in the frame, in the left cell.
    html = rendered.html
    assert html.index('class="frame-qr"') < html.index("frame-right")


def test_an_operator_template_is_escaped_and_sandboxed(db: None) -> None:
    version = document_template_publish(
        kind="refusal", title="Phiếu từ chối", body="<p>{{ reason }}</p>", stylesheet="p { color: #000 }"
    )
    assert version.version == 1
    source = document_template_current(kind="refusal")
    context = sample_context() | {"reason": "<script>alert(1)</script>"}
    rendered = document_render(source=source, context=context, issuer=Issuer(name="X"), qr=qr())
    assert "&lt;script&gt;" in rendered.html and "<script>" not in rendered.html

    for body in (
        "{% load static %}{% static 'x' %}",
        "{% include 'documents/frame.html' %}",
        "{% if %}",
        "{{ x|nope }}",
    ):
        with pytest.raises(TemplateInvalid):
            document_template_publish(kind="refusal", title="T", body=body)
    assert DocumentTemplate.objects.count() == 1  # nothing stored by a refused edit


def test_bad_template_input_is_refused_with_a_clear_error(db: None) -> None:
    with pytest.raises(InvalidInput, match="Unknown document kind"):
        document_template_publish(kind="nope", title="T", body="x")
    with pytest.raises(InvalidInput, match="title"):
        document_template_publish(kind="receipt", title=" ", body="x")
    with pytest.raises(InvalidInput, match="body"):
        document_template_publish(kind="receipt", title="T", body="")
    with pytest.raises(InvalidInput, match="style"):
        document_template_publish(kind="receipt", title="T", body="x", stylesheet="</style><script>")


def test_edits_append_versions_and_the_agencys_own_wins(db: None) -> None:
    ward, centre = (
        Agency.objects.create(code=code, name=name, name_folded=name.lower(), kind=kind, level=AgencyLevel.COMMUNE)
        for code, name, kind in (
            ("267.40.00.X79", "Ủy ban nhân dân phường Sài Gòn", AgencyKind.COMMUNE_PEOPLES_COMMITTEE),
            ("267.40.01.X79", "Trung tâm Phục vụ hành chính công phường Sài Gòn", AgencyKind.COMMUNE_SERVICE_CENTRE),
        )
    )
    assert document_template_current(kind="receipt").version == 0  # the packaged default
    document_template_publish(kind="receipt", title="Giấy tiếp nhận", body="<p>v1</p>")
    second = document_template_publish(kind="receipt", title="Giấy tiếp nhận", body="<p>v2</p>", note="wording")
    own = document_template_publish(kind="receipt", title="Giấy tiếp nhận", body="<p>ward</p>", agency=ward)
    assert (second.version, own.version) == (2, 1)
    assert document_template_current(kind="receipt").body == "<p>v2</p>"
    assert document_template_current(kind="receipt", agency=ward).body == "<p>ward</p>"
    assert document_template_current(kind="receipt", agency=centre).body == "<p>v2</p>"
    assert list(DocumentTemplate.objects.filter(agency=None).values_list("body", flat=True).order_by("version")) == [
        "<p>v1</p>",
        "<p>v2</p>",
    ]


def test_a_template_source_says_where_it_came_from() -> None:
    assert TemplateSource(kind="receipt", title="T", body="", version=3, agency_code="X").label == "receipt X v3"
