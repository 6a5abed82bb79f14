"""Files of a dossier's components: add a version, list them, download one (issue #5, items 1–2).

    POST /api/v1/dossiers/{code}/documents                     add a file to a component (multipart)
    GET  /api/v1/dossiers/{code}/documents                     every version, with the digitisation flags
    GET  /api/v1/dossiers/{code}/documents/{uuid}/file         the bytes, as an attachment

Officers only, like the rest of /api/v1/dossiers. The dossier is looked up among the officer's
(motcua.dossiers.selectors: 404 `not_found` when it does not exist or is not theirs, the same answer
either way), the policy says who may add files (motcua.dossiers.documents.can_add_document: 403),
and the service checks the file (400 with the refusal's code) and the dossier's state and revision
(409). A file is never reachable at a public URL: only through the third endpoint, by an officer
who sees the dossier, verified against its SHA-256 before it is sent.

Uploads are bounded while they arrive: a SizeLimitUploadHandler drops a file as soon as it passes
DOCUMENTS_MAX_UPLOAD_BYTES, so no memory or temporary file ever holds more than the limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.auth import AUTHENTICATION_CLASSES, officer_of
from motcua.api.schema import PROBLEM
from motcua.api.v1.dossiers import _expected_revision
from motcua.documents import selectors as document_selectors
from motcua.documents.models import Confidentiality
from motcua.documents.uploads import SizeLimitUploadHandler, UploadRules
from motcua.dossiers import documents, selectors
from motcua.dossiers.documents import DigitisationFlags
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.policies import ActionNotPermitted

# -- bodies ---------------------------------------------------------------------------------------------


class DocumentUploadInput(serializers.Serializer[Any]):
    component = serializers.CharField(
        max_length=500,
        help_text=gettext_lazy("The component as the procedure names it, or a short name for an extra paper."),
    )
    origin = serializers.ChoiceField(
        choices=DossierDocument.Origin.choices,
        help_text=gettext_lazy(
            "uploaded: sent by the applicant; digitised: a paper scanned at the counter; reused: taken from "
            "data the state already holds (give source_reference)."
        ),
    )
    source_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=120,
        help_text=gettext_lazy("For a reused component: the code of the result or record it was taken from."),
    )
    expected_revision = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=gettext_lazy("The revision the upload is based on (or If-Match); 409 if the dossier changed."),
    )
    file = serializers.FileField(
        allow_empty_file=True,
        use_url=False,
        help_text=gettext_lazy("PDF, JPEG or PNG by default; the content must match the name's extension."),
    )


class DossierDocumentSerializer(serializers.Serializer[DossierDocument]):
    uuid = serializers.UUIDField(source="file.uuid", help_text=gettext_lazy("Identifies the file of this version."))
    component = serializers.CharField()
    version = serializers.IntegerField()
    is_latest = serializers.BooleanField(help_text=gettext_lazy("The latest version of its component."))
    origin = serializers.ChoiceField(choices=DossierDocument.Origin.choices)
    source_reference = serializers.CharField()
    name = serializers.CharField(source="file.original_name")
    content_type = serializers.CharField(
        source="file.content_type", help_text=gettext_lazy("Sniffed from the bytes, not taken from the upload.")
    )
    size = serializers.IntegerField(source="file.size", help_text=gettext_lazy("In bytes."))
    sha256 = serializers.CharField(source="file.sha256")
    confidentiality = serializers.ChoiceField(source="file.confidentiality", choices=Confidentiality.choices)
    added_at = serializers.DateTimeField()
    added_by = serializers.SerializerMethodField(help_text=gettext_lazy("The officer; null for the applicant."))
    file_url = serializers.SerializerMethodField()

    def get_added_by(self, document: DossierDocument) -> str | None:
        return document.added_by.full_name if document.added_by is not None else None

    def get_file_url(self, document: DossierDocument) -> str:
        return _file_url(document, self.context.get("request"))


class DigitisationSerializer(serializers.Serializer[DigitisationFlags]):
    components = serializers.IntegerField(help_text=gettext_lazy("Components with at least one file."))
    uploaded_components = serializers.IntegerField()
    digitised_components = serializers.IntegerField(help_text=gettext_lazy("Scanned at the counter."))
    reused_components = serializers.IntegerField(help_text=gettext_lazy("Taken from data the state holds."))
    results = serializers.IntegerField(help_text=gettext_lazy("Results issued."))
    electronic_results = serializers.IntegerField(help_text=gettext_lazy("Results issued as a signed file."))


class DossierDocumentListSerializer(serializers.Serializer[Any]):
    documents = DossierDocumentSerializer(many=True)
    digitisation = DigitisationSerializer()


def _file_url(document: DossierDocument, request: Request | None) -> str:
    dossier = document.dossier
    path = reverse(
        "api:dossier-document-file",
        kwargs={"code": dossier.code or str(dossier.uuid), "file_uuid": str(document.file.uuid)},
    )
    return request.build_absolute_uri(path) if request is not None else path


# -- documented problems ----------------------------------------------------------------------------------

_CODE = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    description="The dossier code (e.g. 267.40.01.X79-260212-0001), or its UUID before it is received.",
)
_401 = OpenApiResponse(PROBLEM, description="Not authenticated (`not_authenticated`, `authentication_failed`).")
_404 = OpenApiResponse(
    PROBLEM,
    description="No such dossier among the officer's (`not_found`): the same answer whether it does not exist "
    "or belongs to another agency or desk.",
)


# -- views -------------------------------------------------------------------------------------------------


class _DocumentsApi(APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]


class DossierDocumentsApi(_DocumentsApi):
    parser_classes = [MultiPartParser]
    size_limit: SizeLimitUploadHandler | None = None

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # First of the upload handlers, before anything reads the body (session authentication's CSRF
        # check may): a file past the limit is dropped as it arrives, never held whole.
        if request.method == "POST":
            self.size_limit = SizeLimitUploadHandler(request, max_bytes=UploadRules.default().max_bytes)
            request.upload_handlers = [self.size_limit, *request.upload_handlers]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        operation_id="dossiers_documents_list",
        summary="Every file of the dossier's components, with the digitisation flags",
        description="All versions, by component then version; `is_latest` marks the current one of each "
        "component. Files are downloaded from `file_url`.",
        parameters=[_CODE],
        responses={
            200: DossierDocumentListSerializer,
            401: _401,
            403: OpenApiResponse(PROBLEM, description="A system token (`officer_required`)."),
            404: _404,
        },
    )
    def get(self, request: Request, code: str) -> Response:
        officer = officer_of(request)
        dossier = selectors.dossier_get_for_officer(officer=officer, code=code)
        body = {
            "documents": documents.dossier_documents(dossier=dossier),
            "digitisation": documents.dossier_digitisation_flags(dossier=dossier),
        }
        return Response(DossierDocumentListSerializer(body, context={"request": request}).data)

    @extend_schema(
        operation_id="dossiers_documents_create",
        summary="Add a file to a component of the dossier (a new version; earlier ones are kept)",
        description=(
            "multipart/form-data. The file's type is sniffed from its bytes and must match its name and "
            "declared type; PDFs are parsed (damaged or encrypted ones are refused) and images checked for "
            "truncation. Nothing is stored when the file is refused. At intake the counter adds files; once "
            "received or in process, whoever holds the dossier; while a supplement is requested, those who "
            "record it. Never after the result is ready. Send `expected_revision` (or If-Match) so that a "
            "retry after a lost answer cannot add the same file twice (409 `dossier_changed`)."
        ),
        parameters=[
            _CODE,
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description='The revision the upload is based on, as the ETag of the dossier gives it (e.g. "7").',
            ),
        ],
        request=DocumentUploadInput,
        responses={
            201: DossierDocumentSerializer,
            400: OpenApiResponse(
                PROBLEM,
                description="The file or a field was refused: `file_empty`, `file_too_large`, `file_type_not_allowed`, "
                "`file_type_mismatch` (the name or declared type differs from the content), `pdf_malformed`, "
                "`pdf_encrypted`, `image_malformed`, `source_reference_required`, `digitised_needs_officer`, "
                "`invalid_input`. `errors` names the field.",
            ),
            401: _401,
            403: OpenApiResponse(
                PROBLEM,
                description="`role_not_allowed`, `not_assigned` (the dossier is at another desk) or "
                "`officer_required`.",
            ),
            404: _404,
            409: OpenApiResponse(
                PROBLEM,
                description="`documents_closed`: the dossier's state takes no more files; `dossier_changed`: it "
                "changed since `expected_revision`.",
            ),
        },
    )
    def post(self, request: Request, code: str) -> Response:
        officer = officer_of(request)
        dossier = selectors.dossier_get_for_officer(officer=officer, code=code)
        decision = documents.can_add_document(officer, dossier)
        if not decision:
            raise ActionNotPermitted(decision)
        data = request.data  # reads the body, through the size limit
        refusal = self.size_limit.refusal() if self.size_limit is not None else None
        if refusal is not None:
            raise refusal
        form = DocumentUploadInput(data=data)
        form.is_valid(raise_exception=True)
        valid = form.validated_data
        document = documents.dossier_document_add(
            dossier=dossier,
            component=valid["component"],
            content=valid["file"],
            origin=valid["origin"],
            source_reference=valid["source_reference"],
            officer=officer,
            role=decision.role,
            expected_revision=_expected_revision(request, valid),
        )
        revision = document.dossier.revision
        added = documents.dossier_documents(dossier=dossier).get(pk=document.pk)
        response = Response(
            DossierDocumentSerializer(added, context={"request": request}).data,
            status=201,
            headers={"Location": _file_url(added, request)},
        )
        response["ETag"] = f'"{revision}"'
        return response


class _WhateverIsAccepted(BaseContentNegotiation):
    """The file endpoint answers with the file's own type whatever Accept says (a browser sends
    text/html, a PDF viewer application/pdf); its errors are problem+json."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class DossierDocumentFileApi(_DocumentsApi):
    content_negotiation_class = _WhateverIsAccepted

    @extend_schema(
        operation_id="dossiers_documents_file",
        summary="The bytes of one file of the dossier, as an attachment",
        description="Checked against its SHA-256 before it is sent. Content-Disposition: attachment; "
        "X-Content-Type-Options: nosniff; not cached.",
        parameters=[
            _CODE,
            OpenApiParameter("file_uuid", str, OpenApiParameter.PATH, description="The file's `uuid` in the list."),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, with its sniffed content type (PDF, JPEG, PNG…)."
            ),
            401: _401,
            403: OpenApiResponse(PROBLEM, description="A system token (`officer_required`)."),
            404: OpenApiResponse(
                PROBLEM,
                description="No such dossier among the officer's, or no such file in it (`not_found`); the same "
                "answer for a file of a dossier the officer does not see.",
            ),
            500: OpenApiResponse(
                PROBLEM,
                description="`file_missing` or `file_corrupted`: the stored bytes are gone or no longer match "
                "their SHA-256; nothing is sent.",
            ),
        },
    )
    def get(self, request: Request, code: str, file_uuid: str) -> FileResponse:
        officer = officer_of(request)
        dossier: Dossier = selectors.dossier_get_for_officer(officer=officer, code=code)
        document = documents.dossier_document_get(dossier=dossier, file_uuid=file_uuid)
        stored = document.file
        opened = document_selectors.stored_file_open(stored=stored)
        response = FileResponse(
            opened, as_attachment=True, filename=stored.original_name, content_type=stored.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        # Should a browser still render it, no script runs and nothing is loaded in its name.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
