"""The slips of a dossier (Thông tư 03/2025/TT-VPCP forms) for officers and systems acting for them.

    GET /api/v1/dossiers/{code}/slips                 the slips the dossier has, with their URLs
    GET /api/v1/dossiers/{code}/slips/{kind}?number=n  one slip as a PDF (QR code top-left); the
                                                       apology and stop notice sealed (dossiers.seals)

Scoped like the dossier: a dossier the officer may not see is a 404 whether or not it exists.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from motcua.api.auth import officer_of
from motcua.api.schema import PROBLEM
from motcua.api.v1.dossiers import _403_READ, _CODE, _401, _404, _OfficerApi
from motcua.core.errors import InvalidInput
from motcua.dossiers import selectors
from motcua.dossiers.seals import slip_pdf
from motcua.dossiers.slips import SLIP_KINDS, dossier_slips


class SlipSerializer(serializers.Serializer[dict[str, object]]):
    kind = serializers.ChoiceField(choices=[str(k) for k in SLIP_KINDS])
    number = serializers.IntegerField(help_text="The n-th slip of this kind (supplement requests, apologies).")
    title = serializers.CharField()
    issued_at = serializers.DateTimeField()
    url = serializers.URLField(help_text="The PDF.")


_KIND = OpenApiParameter(
    "kind", str, OpenApiParameter.PATH, enum=[str(k) for k in SLIP_KINDS], description="The kind of slip."
)
_NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.QUERY, required=False, description="The n-th slip of that kind (default 1)."
)


class DossierSlipListApi(_OfficerApi):
    @extend_schema(
        operation_id="dossiers_slips_list",
        summary="The slips a dossier has",
        parameters=[_CODE],
        responses={200: SlipSerializer(many=True), 401: _401, 403: _403_READ, 404: _404},
    )
    def get(self, request: Request, code: str) -> Response:
        dossier = selectors.dossier_get_for_officer(officer=officer_of(request), code=code)
        reference = dossier.code or str(dossier.uuid)
        rows = [
            {
                "kind": ref.kind,
                "number": ref.number,
                "title": ref.label,
                "issued_at": ref.issued_at,
                "url": request.build_absolute_uri(
                    reverse("api:dossier-slip", kwargs={"code": reference, "kind": ref.kind})
                    + (f"?number={ref.number}" if ref.number > 1 else "")
                ),
            }
            for ref in dossier_slips(dossier=dossier)
        ]
        return Response([SlipSerializer().to_representation(row) for row in rows])


class DossierSlipApi(_OfficerApi):
    @extend_schema(
        operation_id="dossiers_slips_retrieve",
        summary="One slip of a dossier, as a PDF",
        description="The apology letter and the stop notice carry the agency's seal: they are signed with "
        "the key of the agency that issues them (PAdES) when it has one, and given unsealed otherwise.",
        parameters=[_CODE, _KIND, _NUMBER],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The slip."),
            401: _401,
            403: _403_READ,
            404: OpenApiResponse(
                _404.response, description="No such dossier among the officer's, or it has no such slip."
            ),
            503: OpenApiResponse(
                PROBLEM,
                description="`signing_key_unavailable` or `timestamp_unavailable`: the agency's key cannot seal "
                "the slip now.",
            ),
        },
    )
    def get(self, request: Request, code: str, kind: str) -> HttpResponse:
        officer = officer_of(request)
        raw = request.query_params.get("number", "1")
        if not raw.isdigit() or int(raw) < 1:
            raise InvalidInput(_("number must be a positive whole number."), field="number")
        if kind not in SLIP_KINDS:
            raise InvalidInput(_("Unknown slip: %(kind)s.") % {"kind": kind}, field="kind")
        dossier = selectors.dossier_get_for_officer(officer=officer, code=code)
        slip = slip_pdf(dossier=dossier, kind=kind, number=int(raw))
        response = HttpResponse(slip.pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{dossier.code or dossier.uuid}-{kind}-{raw}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
