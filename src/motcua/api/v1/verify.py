"""POST /api/v1/verify: check the signatures of a PDF, or of the issued result with a given code.

Public, no authentication (anyone holding a result may check it, as on the portal page /xac-minh/).
Send either `multipart/form-data` with `file`, or JSON `{"result_code": "<dossier code>-KQn"}`.
The answer says whether the signatures are valid, who signed and when, whether the document was
changed after signing, and which result and dossier it is (found by the file's SHA-256, or by the
code). The checks are documents.verification.pdf_verify; the words are its report_lines.

The upload is bounded while it arrives (SIGNATURE_VERIFY_MAX_BYTES): a larger file is dropped as
soon as it passes the limit and the answer is 413 `file_too_large`. No personal data of the
applicant is returned: the dossier is named by its code only.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.schema import PROBLEM
from motcua.core.errors import DomainError, NotFound
from motcua.documents.selectors import stored_file_read
from motcua.documents.uploads import SizeLimitUploadHandler
from motcua.documents.verification import SignatureReport, file_too_large, pdf_verify, report_lines
from motcua.dossiers.models import ResultDocument
from motcua.dossiers.selectors import result_for_verification


class ResultNotFound(NotFound):
    code = "result_not_found"


class ResultNotElectronic(DomainError):
    code = "result_not_electronic"


class VerifyInput(serializers.Serializer[Any]):
    file = serializers.FileField(
        required=False,
        allow_empty_file=False,
        help_text=gettext_lazy("The signed PDF to check."),
        error_messages={"empty": gettext_lazy("The file is empty.")},
    )
    result_code = serializers.CharField(
        required=False,
        max_length=80,
        help_text=gettext_lazy("A result code, <dossier code>-KQn, e.g. 267.40.01.X79-260302-0001-KQ1."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("file" in attrs) == ("result_code" in attrs):
            raise serializers.ValidationError(
                {"file": gettext_lazy("Send either a PDF file or a result code, not both or neither.")}
            )
        return attrs


class VerifyUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="The signed PDF to check.")


class VerifyByCodeSerializer(serializers.Serializer[Any]):
    result_code = serializers.CharField(help_text="A result code, <dossier code>-KQn.")


class VerifiedCertificateSerializer(serializers.Serializer[Any]):
    subject = serializers.CharField()
    common_name = serializers.CharField()
    organisation = serializers.CharField()
    issuer = serializers.CharField()
    serial_number = serializers.CharField(help_text="Hexadecimal.")
    fingerprint_sha256 = serializers.CharField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()


class VerifiedSignatureSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(source="field_name", help_text="The PDF signature field, e.g. Signature1.")
    signer_name = serializers.CharField(
        help_text="The person who signed, as the signing system recorded it; the certificate names the agency."
    )
    certificate = VerifiedCertificateSerializer()
    signed_at = serializers.DateTimeField(allow_null=True, help_text="As the signer's system reported it.")
    timestamp_at = serializers.DateTimeField(allow_null=True, help_text="From a timestamp authority (PAdES B-T).")
    timestamp_trusted = serializers.BooleanField(allow_null=True)
    level = serializers.CharField(help_text="PAdES baseline level: B-B or B-T; empty when not PAdES.")
    intact = serializers.BooleanField(help_text="The signed bytes are unchanged.")
    valid = serializers.BooleanField(help_text="The signature value is right.")
    trusted = serializers.BooleanField(help_text="The certificate chains to a trusted root and is in force.")
    trust_problem = serializers.CharField(help_text="Why not trusted (ETSI sub-indication, lower case), or empty.")
    covers_entire_file = serializers.BooleanField()
    changes_after = serializers.ChoiceField(
        choices=["none", "signatures", "form_filling", "annotations", "other", "unknown"],
        help_text="What was added to the document after this signature.",
    )
    changes_allowed = serializers.BooleanField(help_text="Only further signatures or form filling were added.")
    revision_sha256 = serializers.CharField(help_text="SHA-256 of the document as it was when signed.")
    reason = serializers.CharField()
    location = serializers.CharField()


class VerifiedResultSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    issued_at = serializers.DateTimeField()
    dossier_code = serializers.CharField()
    procedure_name = serializers.CharField()
    agency_name = serializers.CharField()
    match = serializers.ChoiceField(
        choices=["issued_file", "signed_revision", "result_code"],
        help_text="How the result was found: the upload is the issued file itself; the issued file with "
        "something appended after signing; or by its code (the issued file was checked).",
    )


class VerificationSerializer(serializers.Serializer[Any]):
    verdict = serializers.ChoiceField(
        choices=["valid", "untrusted", "changed", "invalid"],
        help_text="valid: every signature intact, valid and trusted, nothing changed after signing; untrusted: "
        "unchanged but a certificate is not trusted here; changed: content added after signing; invalid: a "
        "signature does not match the document.",
    )
    valid = serializers.BooleanField()
    changed_after_signing = serializers.BooleanField()
    summary = serializers.ListField(child=serializers.CharField(), help_text="The report in plain sentences.")
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    signatures = VerifiedSignatureSerializer(many=True)
    result = VerifiedResultSerializer(allow_null=True, help_text="The issued result this document is, when known.")


def _report_body(report: SignatureReport, result: ResultDocument | None, match: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "verdict": report.verdict.value,
        "valid": report.is_valid,
        "changed_after_signing": report.changed_after_signing,
        "summary": report_lines(report),
        "sha256": report.sha256,
        "size": report.size,
        "signatures": [asdict(check) for check in report.signatures],
        "result": None,
    }
    if result is not None:
        dossier = result.dossier
        body["result"] = {
            "code": result.code,
            "name": result.name,
            "issued_at": result.issued_at,
            "dossier_code": dossier.code or "",
            "procedure_name": dossier.procedure_version.name,
            "agency_name": dossier.competent_agency.name,
            "match": match,
        }
    return dict(VerificationSerializer(body).data)


_ERRORS = {
    400: OpenApiResponse(
        PROBLEM,
        description="`invalid_input` (neither or both of file and result_code; an empty file), `not_a_pdf`, "
        "`file_empty`, `pdf_malformed` (damaged), `pdf_encrypted` (needs a password), `signature_unreadable`.",
    ),
    404: OpenApiResponse(PROBLEM, description="`result_not_found`: no result has this code."),
    413: OpenApiResponse(PROBLEM, description="`file_too_large`: over the limit (20 MB by default)."),
    422: OpenApiResponse(
        PROBLEM,
        description="`pdf_not_signed`: the PDF carries no signature; `result_not_electronic`: the result with "
        "this code was issued on paper only.",
    ),
}


class VerifyApi(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    parser_classes = [MultiPartParser, JSONParser]
    size_limit: SizeLimitUploadHandler | None = None

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # First of the upload handlers, before anything reads the body: a file past the limit is
        # dropped as it arrives, never held whole in memory or on disk.
        if request.method == "POST":
            self.size_limit = SizeLimitUploadHandler(request, max_bytes=settings.SIGNATURE_VERIFY_MAX_BYTES)
            request.upload_handlers = [self.size_limit, *request.upload_handlers]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        operation_id="verify",
        summary="Check the signatures of a PDF, or of the issued result with a given code",
        description=(
            "multipart/form-data with `file` (a PDF), or JSON with `result_code`. 200 for every document "
            "that carries signatures, whatever the verdict: read `verdict` (only `valid` means the document "
            "can be relied on). `result` names the issued result and its dossier when the upload is a result "
            "issued here (found by its SHA-256) or when asked by code. No authentication."
        ),
        request={"multipart/form-data": VerifyUploadSerializer, "application/json": VerifyByCodeSerializer},
        responses={200: VerificationSerializer, **_ERRORS},
        examples=[
            OpenApiExample("By result code", value={"result_code": "267.40.01.X79-260302-0001-KQ1"}, request_only=True)
        ],
    )
    def post(self, request: Request) -> Response:
        data = request.data
        if self.size_limit is not None and self.size_limit.refused:
            raise file_too_large()
        form = VerifyInput(data=data)
        form.is_valid(raise_exception=True)
        upload: UploadedFile | None = form.validated_data.get("file")
        if upload is not None:
            report = pdf_verify(pdf=upload.read())
            result = result_for_verification(sha256=report.known_sha256)
            issued = result is not None and result.file is not None and result.file.sha256 == report.sha256
            return Response(_report_body(report, result, "issued_file" if issued else "signed_revision"))
        code: str = form.validated_data["result_code"]
        result = result_for_verification(code=code)
        if result is None:
            raise ResultNotFound(_("No result has the code %(code)s.") % {"code": code.strip()}, field="result_code")
        if result.file is None:
            raise ResultNotElectronic(
                _("The result %(code)s was issued on paper only: check the paper original.") % {"code": result.code},
                field="result_code",
            )
        report = pdf_verify(pdf=stored_file_read(stored=result.file))
        return Response(_report_body(report, result, "result_code"))
