"""Asynchronous submissions in the admin: read-only, for operators to see the queue and what was
held, and "Retry now" for held submissions (dossiers.intake.submissions_retry), which needs the
permission to change submissions. Dossiers themselves are handled in the back office, not here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.dossiers import intake
from motcua.dossiers.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = ("uuid", "client", "state", "accepted_at", "settled_at", "attempts", "dossier")
    list_filter = ("state",)
    search_fields = ("=uuid", "=client")
    list_select_related = ("dossier",)
    show_full_result_count = False
    readonly_fields = (
        "uuid",
        "client",
        "officer",
        "role",
        "payload",
        "state",
        "accepted_at",
        "settled_at",
        "dossier",
        "problem",
        "attempts",
    )
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest, obj: Submission | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Submission | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("dossiers.change_submission")

    @admin.action(description=_("Retry now (held submissions)"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        count = intake.submissions_retry(ids=ids)
        self.message_user(
            request,
            ngettext(
                "%(count)d held submission is back in the queue.",
                "%(count)d held submissions are back in the queue.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
        if count < len(ids):
            self.message_user(request, _("Only held submissions can be retried; the others were left alone."))
