"""`motcua import-procedures PATH…`: the portal's JSONL records and XLSX lists, or our JSON export.

Idempotent; each record in its own transaction; ends with the summary of catalog.importing.
Exit status 1 when a file or record was rejected, so that scripts notice.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.catalog.importing import import_files


class Command(BaseCommand):
    help = "Import administrative procedures from portal JSONL/XLSX files or a motcua-catalog JSON export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help=".jsonl, .jsonl.gz, .xlsx or .json files")
        parser.add_argument("--actor", default="import-procedures", help="who is recorded as having imported")
        parser.add_argument(
            "--default-flows", action="store_true", help="give each published procedure without a flow a default one"
        )
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        show = not options["no_progress"] and sys.stderr.isatty()
        last = [0.0]

        def progress(done: int, total: int | None, where: str) -> None:
            now = time.monotonic()
            if show and now - last[0] > 0.1:
                last[0] = now
                sys.stderr.write(f"\r{done} records… {where[:60]:<60}")
                sys.stderr.flush()

        summary = import_files(
            options["paths"], actor=options["actor"], progress=progress, default_flows=options["default_flows"]
        )
        if show:
            sys.stderr.write("\r" + " " * 80 + "\r")
        elapsed = time.monotonic() - started
        for line in summary.lines():
            self.stdout.write(line)
        rate = summary.records / elapsed if elapsed else 0.0
        self.stdout.write(f"{elapsed:.1f} s ({rate:.0f} records/s)")
        if summary.rejected:
            raise CommandError(f"{len(summary.rejected)} rejected (see above)", returncode=1)
        self.stdout.write(self.style.SUCCESS("Import finished."))
