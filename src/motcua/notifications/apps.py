from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "motcua.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from motcua.core.events import subscribe
        from motcua.dossiers.events import DeadlineApproaching, DeadlineBreached, DossierChanged
        from motcua.notifications import checks, handlers

        checks.register()
        # One name for both deadline events: a dossier's warning reaches the inbox before its breach.
        subscribe(DeadlineApproaching, "notifications.officer_inbox", handlers.on_deadline)
        subscribe(DeadlineBreached, "notifications.officer_inbox", handlers.on_deadline)
        # One handler per channel: a channel that is down delays only itself (handlers.py).
        subscribe(DossierChanged, "notifications.applicant_inbox", handlers.notify_applicant_in_inbox)
        subscribe(DossierChanged, "notifications.applicant_email", handlers.notify_applicant_by_email)
        subscribe(DossierChanged, "notifications.applicant_sms", handlers.notify_applicant_by_sms)
