"""The public catalogue: /thu-tuc/ (search and filters) and /thu-tuc/<code>/ (one procedure).

Thin views: they validate the query string, read through catalog.search / catalog.selectors and
hand model rows to motcua.portal.presenters for the words. No JavaScript is needed anywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from motcua.calendars.engine import WorkingCalendar
from motcua.calendars.selectors import calendar_get
from motcua.catalog.models import Channel, Field, ProcedureVersion
from motcua.catalog.search import procedure_search, today
from motcua.catalog.selectors import version_get_public, version_in_force, versions_in_force_for, versions_of
from motcua.core import clock
from motcua.core.errors import InvalidInput, NotFound
from motcua.portal import presenters
from motcua.portal.forms import ProcedureSearchForm, VersionQueryForm

PAGE_SIZE = 20


# TODO: a catalog selector for the fields of the procedures in force; the portal reads it here until then.
def _field_names() -> list[str]:
    """Names of the fields of the procedures in force, for the filter."""
    return list(
        Field.objects.filter(versions__status=ProcedureVersion.Status.PUBLISHED)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )


def procedure_list_view(request: HttpRequest) -> HttpResponse:
    form = ProcedureSearchForm(request.GET or None, fields=_field_names())
    context: dict[str, Any] = {"form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "portal/catalog/procedure_list.html", context, status=400)
    criteria = form.cleaned_data if form.is_bound else {}
    try:
        results = procedure_search(
            q=criteria.get("q", ""),
            field=criteria.get("field", ""),
            level=criteria.get("level", ""),
            agency=criteria.get("agency", ""),
            online_level=criteria.get("online_level", ""),
            channel=criteria.get("channel", ""),
        )
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    except InvalidInput as exc:  # the form checks the same values; this guards against drift
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return render(request, "portal/catalog/procedure_list.html", context, status=400)
    procedures = list(page.object_list)
    versions = versions_in_force_for(procedures=procedures, day=today())
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        page=page,
        rows=[presenters.result_row(p, versions.get(p.pk)) for p in procedures],
        page_range=list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        ellipsis=Paginator.ELLIPSIS,
        query=query.urlencode(),
        filtered=form.filtered,
    )
    return render(request, "portal/catalog/procedure_list.html", context)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request,
        "404.html",
        {"title": _("Procedure not found"), "message": message},
        status=404,
    )


def _national_calendar() -> WorkingCalendar | None:
    try:
        return calendar_get()
    except NotFound:  # pragma: no cover - the national calendar works without reference data
        return None


def procedure_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    query = VersionQueryForm(request.GET)
    if not query.is_valid():
        return render(
            request,
            "portal/catalog/query_error.html",
            {"form": query, "code": code, "detail_url": reverse("portal:procedure_detail", args=[code])},
            status=400,
        )
    number: int | None = query.cleaned_data.get("version")
    at: date | None = query.cleaned_data.get("at")
    try:
        current: ProcedureVersion | None = version_in_force(code=code, at=today())
    except NotFound as exc:
        if exc.field == "code":
            return _not_found(request, str(exc.message))
        current = None  # abolished, or not in force yet: older versions can still be read
    try:
        if number is not None:
            version = version_get_public(code=code, number=number)
        elif at is not None:
            version = version_in_force(code=code, at=at)
        elif current is not None:
            version = current
        else:
            raise NotFound(_("Procedure %(code)s is not in force today.") % {"code": code})
    except NotFound as exc:
        return _not_found(request, str(exc.message))

    now, calendar = clock.now(), _national_calendar()
    channels = [
        presenters.channel_summary(o, calendar=calendar, now=now, cutoff=version.same_day_cutoff)
        for o in version.channels.all()
    ]
    kinds = {c.channel for c in channels}
    detail_url = reverse("portal:procedure_detail", args=[code])
    other_versions = [v for v in versions_of(code=code) if v.status != ProcedureVersion.Status.DRAFT]
    context = {
        "code": code,
        "version": version,
        "is_current": current is not None and version.pk == current.pk,
        "current": current,
        "detail_url": detail_url,
        "validity": presenters.validity_text(
            number=version.number, effective_from=version.effective_from, effective_to=version.effective_to
        ),
        "levels": presenters.level_labels(version.levels, version.levels_text),
        "fields": [f.name for f in version.fields.all()],
        "document_groups": presenters.document_groups(version.documents.all()),
        "channels": channels,
        "cutoff_note": presenters.cutoff_note(version.same_day_cutoff),
        "online_level_text": presenters.online_level_text(version.online_level),
        "applicants": [a for a in version.applicants if str(a).strip()],
        "steps": [s for s in version.steps if str(s).strip()],
        "legal_basis": list(version.legal_basis.all()),
        "results": list(version.results.all()),
        "has_online": Channel.ONLINE in kinds,
        "has_postal": Channel.POSTAL in kinds,
        "submit_url": reverse("portal:apply_start", args=[code]),
        "other_versions": other_versions if len(other_versions) > 1 else [],
    }
    return render(request, "portal/catalog/procedure_detail.html", context)
