"""`motcua export-procedures`: the whole catalogue as a motcua-catalog JSON export (lossless), or a
readable XLSX list of the versions in force."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.catalog.exchange import FORMAT, FORMAT_VERSION, export_catalog, write_xlsx
from motcua.catalog.models import Procedure
from motcua.core import clock


class Command(BaseCommand):
    help = "Export the procedure catalogue as JSON (lossless, re-importable) or XLSX (a readable list)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", type=Path, required=True, help="a .json or .xlsx file")
        parser.add_argument("--code", action="append", default=[], help="only these procedure codes (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        procedures = Procedure.objects.order_by("code")
        if options["code"]:
            procedures = procedures.filter(code__in=options["code"])
        if output.suffix == ".json":
            exported = list(export_catalog(procedures.iterator()))
            document = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "exported_at": clock.now().isoformat(),
                "procedures": exported,
            }
            output.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
            count = len(exported)
        elif output.suffix == ".xlsx":
            count = write_xlsx(procedures, output)
        else:
            raise CommandError("the output must be a .json or .xlsx file")
        self.stdout.write(self.style.SUCCESS(f"{count} procedures written to {output}"))
