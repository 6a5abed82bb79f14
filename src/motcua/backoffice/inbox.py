"""The officer's notification inbox: /can-bo/thong-bao/ (name `backoffice:inbox`).

GET lists the officer's own notifications (deadline warnings and breaches), newest first, with
the number unread; POST marks one read (`notification=<id>`) or all of them (`all=1`), then
redirects back (post/redirect/get). Reads through notifications.selectors, writes through
notifications.services: a notification that is not the officer's is a 404, like a dossier.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from motcua.agencies.models import Officer
from motcua.backoffice.views import officer_required
from motcua.core.errors import NotFound
from motcua.notifications import selectors, services

PAGE_SIZE = 20


class MarkReadForm(forms.Form):
    notification = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Notification"))
    all = forms.BooleanField(required=False, label=gettext_lazy("All notifications"))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not self.errors and (cleaned.get("notification") is None) == (not cleaned.get("all")):
            raise forms.ValidationError(_("Choose one notification, or all of them, to mark as read."))
        return cleaned


def _render(
    request: HttpRequest, officer: Officer, *, form: MarkReadForm | None = None, status: int = 200
) -> HttpResponse:
    page = Paginator(selectors.officer_inbox(officer=officer), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/inbox.html",
        {
            "officer": officer,
            "page": page,
            "notifications": list(page.object_list),
            "unread": selectors.officer_unread_count(officer=officer),
            "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
            "ellipsis": Paginator.ELLIPSIS,
            "form": form,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@officer_required
def inbox_view(request: HttpRequest, officer: Officer) -> HttpResponse:
    if request.method != "POST":
        return _render(request, officer)
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        return _render(request, officer, form=form, status=400)
    notification_id = form.cleaned_data.get("notification")
    if notification_id is not None:
        try:
            services.notification_mark_read(officer=officer, notification_id=notification_id)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc
        messages.success(request, _("The notification was marked as read."))
    else:
        count = services.notifications_mark_all_read(officer=officer)
        messages.success(request, _("All notifications were marked as read (%(count)d).") % {"count": count})
    target = reverse("backoffice:inbox")
    page = request.GET.get("page", "")
    return redirect(f"{target}?page={page}" if page.isdigit() else target)
