"""`motcua load-eforms`: the e-forms packaged with motcua (catalog/data/eforms). Idempotent.

Run after the procedures are imported: a definition for a procedure not in the catalogue is skipped
and counted. A form an operator has edited since is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.eform_services import eforms_load_packaged
from motcua.core.errors import DomainError


class Command(BaseCommand):
    help = "Load the packaged e-forms of procedures (declaration forms). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = eforms_load_packaged()
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"E-forms: {summary}"))
