from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.errors import DomainError
from motcua.demo.dossiers import demo_dossiers_load
from motcua.demo.services import demo_catalog_load, demo_eforms_load, demo_load


class Command(BaseCommand):
    help = "Load the demo data set (demo accounts). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="load even when DEBUG is off")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = demo_load(force=options["force"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        summary, flows = demo_catalog_load()
        self.stdout.write("Procedure catalogue: " + "; ".join(summary.lines()[:2]))
        self.stdout.write(f"Reference processing flows: {flows}")
        self.stdout.write(f"E-forms: {demo_eforms_load()}")
        created = demo_dossiers_load()
        self.stdout.write(f"Demo dossiers created: {created} (officers of every role, dossiers in every state)")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(logins)} accounts."))
