"""`motcua verify-history [CODE…]`: recompute the hash chain of every dossier's history (or of the
dossiers named) and report any alteration. Exit status 1 when something was altered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.dossiers import history
from motcua.dossiers.models import Dossier


class Command(BaseCommand):
    help = "Check that no dossier history entry was changed, removed or reordered."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="dossier codes (default: every dossier)")

    def handle(self, *args: Any, **options: Any) -> None:
        dossiers = Dossier.objects.order_by("pk")
        if options["codes"]:
            dossiers = dossiers.filter(code__in=options["codes"])
            missing = set(options["codes"]) - set(dossiers.values_list("code", flat=True))
            if missing:
                raise CommandError(f"no dossier with the code {', '.join(sorted(missing))}")
        checked = 0
        problems: list[history.Alteration] = []
        for dossier in dossiers.iterator(chunk_size=500):
            problems += history.verify(dossier)
            checked += 1
        for problem in problems:
            self.stdout.write(f"{problem.dossier_code}: entry {problem.sequence} {problem.problem}")
        if problems:
            raise CommandError(f"{len(problems)} alteration(s) found in the history of {checked} dossier(s)")
        self.stdout.write(self.style.SUCCESS(f"The history of {checked} dossier(s) is intact."))
