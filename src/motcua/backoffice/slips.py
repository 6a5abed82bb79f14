"""The slips of a dossier as PDF: /can-bo/ho-so/<code>/phieu/<kind>/?so=<n>.

Scoped like the dossier page: an officer who may not see the dossier gets a 404 and learns nothing.
The apology letters and the stop notice come sealed with the agency's key when it has one
(dossiers.seals); when its key cannot be used, the officer is told why on the dossier page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from motcua.agencies.models import Officer
from motcua.backoffice.views import officer_required
from motcua.core.errors import DomainError, NotFound
from motcua.dossiers import selectors
from motcua.dossiers.seals import slip_pdf
from motcua.dossiers.slips import SLIP_KINDS


@require_GET
@officer_required
def slip_view(request: HttpRequest, officer: Officer, code: str, kind: str) -> HttpResponse:
    if kind not in SLIP_KINDS:
        raise Http404
    try:
        number = int(request.GET.get("so", "1"))
    except ValueError:
        raise Http404 from None
    try:
        dossier = selectors.dossier_get_for_officer(officer=officer, code=code)
        slip = slip_pdf(dossier=dossier, kind=kind, number=number)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except DomainError as exc:  # the agency's key cannot be used now (dossiers.seals)
        messages.error(request, str(exc.message))
        return redirect("backoffice:dossier", code=code)
    response = HttpResponse(slip.pdf, content_type="application/pdf")
    suffix = f"-{number}" if number > 1 else ""
    response["Content-Disposition"] = f'inline; filename="{dossier.code or dossier.uuid}-{kind}{suffix}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
