"""The results of a dossier in the back office: sign and issue one, download a signed one.

    POST /can-bo/ho-so/<code>/ket-qua/<result code>/ban-hanh/   sign and issue (results.result_document_issue)
    GET  /can-bo/ho-so/<code>/ket-qua/<result code>/tep/        the signed PDF

The dossier is looked up as dossiers.results does for every interface: among those the officer
sees, or whose results they sign (a clerk of the competent agency); any other answers 404. Who may
sign is results.can_issue_result (403 with the reason); the service's refusals come back to the
dossier page as a message in the officer's language.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.agencies.models import Officer
from motcua.backoffice.forms import ResultIssueForm
from motcua.backoffice.views import _forbidden, officer_required
from motcua.core.errors import DomainError, NotFound
from motcua.documents.selectors import stored_file_read
from motcua.dossiers import results, selectors
from motcua.dossiers.models import Dossier, ResultDocument


def _lookup(officer: Officer, code: str, result_code: str) -> tuple[Dossier, ResultDocument]:
    try:
        dossier = results.dossier_get_for_results(officer=officer, code=code)
        return dossier, results.result_get(dossier=dossier, result_code=result_code)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _back(officer: Officer, dossier: Dossier) -> HttpResponse:
    # A clerk who issues a result of a dossier no longer at their desk does not see its page.
    _after, visible = selectors.dossier_after_action(officer=officer, dossier=dossier)
    if visible:
        return redirect("backoffice:dossier", code=dossier.code)
    return redirect("backoffice:queues")


@require_POST
@officer_required
def result_issue_view(request: HttpRequest, officer: Officer, code: str, result_code: str) -> HttpResponse:
    dossier, result = _lookup(officer, code, result_code)
    decision = results.can_issue_result(officer, dossier)
    if not decision:
        return _forbidden(request, decision.reason)
    form = ResultIssueForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return _back(officer, dossier)
    data = form.cleaned_data
    try:
        issued = results.result_document_issue(
            result=result,
            officer=officer,
            details=data["details"],
            validity=data["validity"],
            expected_revision=data["expected_revision"],
        )
    except DomainError as exc:
        messages.error(
            request,
            _("The result %(code)s was not issued: %(reason)s") % {"code": result.code, "reason": exc.message},
        )
        return _back(officer, dossier)
    messages.success(
        request, _("The result %(code)s was signed and issued: %(name)s.") % {"code": issued.code, "name": issued.name}
    )
    return _back(officer, dossier)


@require_GET
@officer_required
def result_file_view(request: HttpRequest, officer: Officer, code: str, result_code: str) -> HttpResponse:
    """The signed PDF, checked against its SHA-256 before it is sent; 404 for a result not issued.
    Bytes missing from the storage or altered there are not sent: the officer is told to report it."""
    dossier, result = _lookup(officer, code, result_code)
    if result.file is None:
        raise Http404(_("The result %(code)s has not been issued electronically.") % {"code": result.code})
    try:
        pdf = stored_file_read(stored=result.file)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(officer, dossier)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{result.file.original_name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
