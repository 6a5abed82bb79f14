"""The results of a dossier: sign and issue one electronically, download a signed one (issue #5 items 3–4).

    POST /api/v1/dossiers/{code}/results/{result_code}/issue   sign with the agency's key and issue
    GET  /api/v1/dossiers/{code}/results/{result_code}/file    the signed PDF

Officers only. The dossier is looked up by motcua.dossiers.results (404 `not_found` unless the
officer sees it or signs its results: a clerk of the competent agency), who may sign is
results.can_issue_result (403 with the decision's code), and the service refuses the state (409
`result_not_issuable`), a second signature (409 `result_already_issued`), a stale revision (409
`dossier_changed`) and an agency without a key (409 `no_signing_key`), with nothing stored.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from motcua.api.auth import officer_of
from motcua.api.schema import PROBLEM
from motcua.api.v1.dossier_documents import _WhateverIsAccepted
from motcua.api.v1.dossiers import _403_READ, _CODE, _IF_MATCH, _401, _expected_revision, _OfficerApi
from motcua.documents.selectors import stored_file_read
from motcua.dossiers import results
from motcua.dossiers.models import ResultDocument
from motcua.dossiers.policies import ActionNotPermitted

# -- bodies ---------------------------------------------------------------------------------------------


class ResultIssueInput(serializers.Serializer[Any]):
    details = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=results.MAX_DETAILS,
        help_text=gettext_lazy("Text printed on the result under its name."),
    )
    validity = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=results.MAX_VALIDITY,
        help_text=gettext_lazy(
            "The result's validity period or scope, printed and carried by its QR code (e.g. “Không thời hạn”)."
        ),
    )
    expected_revision = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=gettext_lazy("The revision the signature is based on (or If-Match); 409 if the dossier changed."),
    )


class IssuedResultSerializer(serializers.Serializer[ResultDocument]):
    code = serializers.CharField(help_text=gettext_lazy("<dossier code>-KQn"))
    name = serializers.CharField()
    result_type_code = serializers.CharField()
    issued_at = serializers.DateTimeField(help_text=gettext_lazy("When the dossier's processing completed."))
    signed_at = serializers.DateTimeField()
    signed_by = serializers.CharField(source="signed_by.full_name")
    sha256 = serializers.CharField(source="file.sha256", help_text=gettext_lazy("Of the signed PDF as issued."))
    size = serializers.IntegerField(source="file.size", help_text=gettext_lazy("In bytes."))
    file_url = serializers.SerializerMethodField()

    def get_file_url(self, result: ResultDocument) -> str:
        path = reverse(
            "api:dossier-result-file", kwargs={"code": result.dossier.code or "", "result_code": result.code}
        )
        request: Request | None = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# -- documented problems ------------------------------------------------------------------------------------

_RESULT_CODE = OpenApiParameter(
    "result_code", str, OpenApiParameter.PATH, description="The result's code, <dossier code>-KQn."
)
_404 = OpenApiResponse(
    PROBLEM,
    description="No such dossier among the officer's (`not_found`: the same answer whether it does not exist or "
    "belongs to another agency or desk), or no such result in it.",
)


# -- views ----------------------------------------------------------------------------------------------------


class DossierResultIssueApi(_OfficerApi):
    @extend_schema(
        operation_id="dossiers_results_issue",
        summary="Sign a result with the competent agency's key and issue it",
        description=(
            "By an agency leader or a clerk of the competent agency, while the dossier is `result_ready` (status "
            "9). The result is rendered from the agency's result template with the dossier's data and the QR code "
            "of Circular 01/2023 Art 26, signed (PAdES, the signer's name and role on the visible stamp), stored "
            "and recorded; the history gets `issue_result`. A signed result is never replaced: a correction is a "
            "new result with the next code. Nothing is stored when it is refused."
        ),
        parameters=[_CODE, _RESULT_CODE, _IF_MATCH],
        request=ResultIssueInput,
        responses={
            200: IssuedResultSerializer,
            400: OpenApiResponse(PROBLEM, description="Invalid input (`invalid_input`); `errors` names the field."),
            401: _401,
            403: OpenApiResponse(
                PROBLEM,
                description="`role_not_allowed` (not an agency leader or clerk), `not_competent_agency` (the "
                "officer's agency is not the one deciding the dossier) or `officer_required`.",
            ),
            404: _404,
            409: OpenApiResponse(
                PROBLEM,
                description="`result_not_issuable` (the dossier is not result-ready), `result_already_issued`, "
                "`dossier_changed` (since `expected_revision`), `no_signing_key` (the agency has no signing "
                "certificate in use: an administrator must register one).",
            ),
            503: OpenApiResponse(
                PROBLEM,
                description="`signing_key_unavailable` (the key file or its passphrase cannot be used now) or "
                "`timestamp_unavailable` (TSA_URL set and not answering); nothing was signed, try again later.",
            ),
        },
    )
    def post(self, request: Request, code: str, result_code: str) -> Response:
        officer = officer_of(request)
        dossier = results.dossier_get_for_results(officer=officer, code=code)
        result = results.result_get(dossier=dossier, result_code=result_code)
        decision = results.can_issue_result(officer, dossier)
        if not decision:
            raise ActionNotPermitted(decision)
        form = ResultIssueInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        issued = results.result_document_issue(
            result=result,
            officer=officer,
            details=data["details"],
            validity=data["validity"],
            expected_revision=_expected_revision(request, data),
        )
        response = Response(IssuedResultSerializer(issued, context={"request": request}).data)
        response["ETag"] = f'"{issued.dossier.revision}"'
        return response


class DossierResultFileApi(_OfficerApi):
    content_negotiation_class = _WhateverIsAccepted

    @extend_schema(
        operation_id="dossiers_results_file",
        summary="The signed PDF of a result",
        description="For officers who see the dossier or sign its results. Checked against its SHA-256 before it "
        "is sent; not cached.",
        parameters=[_CODE, _RESULT_CODE],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The signed result."),
            401: _401,
            403: _403_READ,
            404: OpenApiResponse(
                PROBLEM,
                description="No such dossier among the officer's or no such result (`not_found`), or the result "
                "has no electronic file yet (`result_not_issued`).",
            ),
            500: OpenApiResponse(
                PROBLEM,
                description="`file_missing` or `file_corrupted`: the stored bytes are gone or no longer match "
                "their SHA-256; nothing is sent.",
            ),
        },
    )
    def get(self, request: Request, code: str, result_code: str) -> HttpResponse:
        officer = officer_of(request)
        dossier = results.dossier_get_for_results(officer=officer, code=code)
        result = results.result_get(dossier=dossier, result_code=result_code)
        if result.file is None:
            raise results.ResultNotIssued(
                _("The result %(code)s has not been issued electronically.") % {"code": result.code}
            )
        response = HttpResponse(stored_file_read(stored=result.file), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{result.file.original_name}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
