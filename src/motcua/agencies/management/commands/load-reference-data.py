"""`motcua load-reference-data`: administrative units, agencies and the working calendars.

Idempotent: a second run creates and changes nothing. Units first (agencies point to them), then
agencies, then the calendars and each year's official decisions on days off.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.agencies.services import agencies_load
from motcua.calendars.services import calendars_load_reference
from motcua.core.errors import DomainError
from motcua.geo.services import units_load


class Command(BaseCommand):
    help = "Load the reference data: administrative units, agencies, working calendars. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        steps = (
            ("administrative units", units_load),
            ("agencies", agencies_load),
            ("working calendars", calendars_load_reference),
        )
        for name, load in steps:
            started = time.monotonic()
            try:
                summary = load()
            except DomainError as exc:
                raise CommandError(f"{name}: {exc.message}") from exc
            self.stdout.write(f"{name}: {summary} ({time.monotonic() - started:.1f} s)")
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
