from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    label = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from motcua.calendars.events import CalendarChanged
        from motcua.core.events import PublishedEvent, subscribe
        from motcua.dossiers.recompute import deadlines_recompute

        def recompute_after_calendar_change(published: PublishedEvent[CalendarChanged]) -> None:
            # Idempotent: a second delivery finds nothing left to move.
            deadlines_recompute(reason=f"calendar revision {published.event.revision}: {published.event.summary}")

        subscribe(CalendarChanged, "dossiers.recompute_deadlines", recompute_after_calendar_change)
