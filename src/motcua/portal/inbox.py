"""/thong-bao/: the citizen's notification inbox on the portal (issue #6 item 5, the portal side).

The notifications of the dossiers the citizen may follow (dossiers.tracking: their own, those of
whom they act for, those they submitted), read through notifications.selectors.applicant_inbox
(one applicant's ID number or tax code at a time) and narrowed to those dossiers, newest first.
POST marks one read through notifications.services; a notification outside the inbox is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from motcua.citizens.models import Citizen
from motcua.core.errors import NotFound
from motcua.dossiers.tracking import dossiers_visible_to_citizen
from motcua.notifications.models import Notification
from motcua.notifications.selectors import applicant_inbox
from motcua.notifications.services import applicant_notification_mark_read
from motcua.portal.tracking import citizen_required, reference_of

PAGE_SIZE = 20


def _inbox(citizen: Citizen) -> QuerySet[Notification]:
    visible = dossiers_visible_to_citizen(citizen=citizen)
    identifiers = {citizen.personal_id, *visible.values_list("applicant_id_number", flat=True)}
    inbox = applicant_inbox(id_number=citizen.personal_id)
    for identifier in sorted(identifiers - {citizen.personal_id}):
        inbox = inbox | applicant_inbox(id_number=identifier)
    return inbox.filter(dossier__in=visible).select_related("dossier").order_by("-created_at", "-id")


@never_cache
@require_GET
@citizen_required
def inbox_view(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    notifications = _inbox(citizen)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"notification": n, "reference": reference_of(n.dossier) if n.dossier is not None else ""}
        for n in page.object_list
    ]
    return render(
        request,
        "portal/inbox.html",
        {
            "rows": rows,
            "page": page,
            "unread": notifications.filter(read_at__isnull=True).count(),
            "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
            "ellipsis": Paginator.ELLIPSIS,
        },
    )


class MarkReadForm(forms.Form):
    notification = forms.IntegerField(min_value=1)


@require_POST
@citizen_required
def inbox_mark_read_view(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        raise Http404(_("There is no such notification in your inbox."))
    notification = _inbox(citizen).filter(pk=form.cleaned_data["notification"]).first()
    if notification is None or notification.dossier is None:
        raise Http404(_("There is no such notification in your inbox."))
    try:
        applicant_notification_mark_read(
            id_number=notification.dossier.applicant_id_number, notification_id=notification.pk
        )
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    messages.success(request, _("The notification was marked as read."))
    target = reverse("portal:inbox")
    page = request.POST.get("page", "")
    return redirect(f"{target}?page={page}" if page.isdigit() else target)
