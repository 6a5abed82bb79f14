"""`motcua recompute-deadlines`: recompute the due moment of every open dossier on the current
calendars (also done automatically after each calendar change, through its event)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.dossiers.recompute import deadlines_recompute


class Command(BaseCommand):
    help = "Recompute the due moments of open dossiers (after a holiday decision)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--reason", default="", help="recorded in each moved dossier's history")

    def handle(self, *args: Any, **options: Any) -> None:
        report = deadlines_recompute(batch_size=options["batch_size"], reason=options["reason"])
        self.stdout.write(self.style.SUCCESS(str(report)))
