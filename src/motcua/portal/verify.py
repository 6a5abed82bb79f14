"""/xac-minh/: anyone checks an electronic result, by uploading the PDF or typing its result code.

The same checks and words as POST /api/v1/verify and `motcua verify-signature`
(documents.verification); the result and its dossier are found by the file's SHA-256 or by the
code (dossiers.selectors.result_for_verification). No applicant's data is shown: the dossier is
named by its code. The upload is bounded while it arrives (SIGNATURE_VERIFY_MAX_BYTES), which is
why the view installs its upload handler before the CSRF check reads the form (Django's documented
csrf_exempt + csrf_protect pattern).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from motcua.core.errors import DomainError, NotFound
from motcua.documents.selectors import stored_file_read
from motcua.documents.uploads import SizeLimitUploadHandler
from motcua.documents.verification import SignatureReport, Verdict, file_too_large, pdf_verify, report_lines
from motcua.dossiers.models import ResultDocument
from motcua.dossiers.selectors import result_for_verification

TEMPLATE = "portal/verify.html"


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("The PDF file of the result"),
        help_text=_("The file you received, as it is: a PDF signed by the agency."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
        error_messages={"empty": _("The file is empty."), "invalid": _("Choose a PDF file.")},
    )
    result_code = forms.CharField(
        label=_("Or the result code"),
        help_text=_("Printed on the result, for example 267.40.01.X79-260302-0001-KQ1."),
        required=False,
        max_length=80,
        strip=True,
        error_messages={"max_length": _("A result code has at most %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and bool(data.get("file")) == bool(data.get("result_code")):
            raise forms.ValidationError(_("Choose a PDF file or type a result code (one of the two)."))
        return data


def _result_facts(result: ResultDocument) -> list[tuple[str, str]]:
    dossier = result.dossier
    return [
        (str(_("Result")), f"{result.name} ({result.code})"),
        (str(_("Dossier code")), dossier.code or ""),
        (str(_("Procedure")), dossier.procedure_version.name),
        (str(_("Competent agency")), dossier.competent_agency.name),
    ]


def _render(request: HttpRequest, form: VerifyForm, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, TEMPLATE, {"form": form, **context}, status=status)


def _report_context(report: SignatureReport, result: ResultDocument | None, *, by_code: bool) -> dict[str, Any]:
    match = ""
    if result is not None and not by_code:
        issued = result.file is not None and result.file.sha256 == report.sha256
        match = "issued_file" if issued else "signed_revision"
    return {
        "report": report,
        "verdict": report.verdict.value,
        "is_valid": report.verdict == Verdict.VALID,
        "lines": report_lines(report),
        "result": result,
        "result_facts": _result_facts(result) if result is not None else [],
        "match": match,
    }


@csrf_protect
def _verify(request: HttpRequest, size_limit: SizeLimitUploadHandler | None) -> HttpResponse:
    if request.method != "POST":
        return _render(request, VerifyForm())
    form = VerifyForm(request.POST, request.FILES)
    if size_limit is not None and size_limit.refused:
        form.add_error("file", str(file_too_large().message))
        return _render(request, form, status=413)
    if not form.is_valid():
        return _render(request, form, status=400)
    upload = form.cleaned_data.get("file")
    code: str = form.cleaned_data.get("result_code", "")
    try:
        if upload:
            report = pdf_verify(pdf=upload.read())
            result = result_for_verification(sha256=report.known_sha256)
        else:
            result = result_for_verification(code=code)
            if result is None:
                raise NotFound(_("No result has the code %(code)s.") % {"code": code}, field="result_code")
            if result.file is None:
                raise DomainError(
                    _("The result %(code)s was issued on paper only: check the paper original.")
                    % {"code": result.code},
                    field="result_code",
                )
            report = pdf_verify(pdf=stored_file_read(stored=result.file))
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return _render(request, form, status=exc.status)
    return _render(request, form, **_report_context(report, result, by_code=not upload))


@csrf_exempt
def verify_view(request: HttpRequest) -> HttpResponse:
    size_limit = None
    if request.method == "POST":
        # First of the upload handlers, before the CSRF check reads the body: a file past the limit
        # is dropped as it arrives, never held whole.
        size_limit = SizeLimitUploadHandler(request, max_bytes=settings.SIGNATURE_VERIFY_MAX_BYTES)
        request.upload_handlers = [size_limit, *request.upload_handlers]
    return _verify(request, size_limit)
