"""`motcua documents-check [--quick]`: compare the stored-file rows with the document storage.

Reports rows whose bytes are missing, rows whose bytes no longer match their SHA-256 (or, with
`--quick`, their size), and orphans: stored bytes no row uses (left by a refused change or a crash;
harmless, listed for the operator). Exit status 1 when a file is missing or damaged.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.documents.selectors import storage_check


class Command(BaseCommand):
    help = "Check that every stored document is present and intact, and list unreferenced bytes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quick", action="store_true", help="compare sizes only, without reading every file to hash it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = storage_check(verify_hashes=not options["quick"])
        for problem in report.missing:
            self.stdout.write(f"missing: {problem.storage_name} (file {problem.uuid}, “{problem.original_name}”)")
        what = "SHA-256" if report.hashes_checked else "size"
        for problem in report.damaged:
            self.stdout.write(
                f"damaged: {problem.storage_name} (file {problem.uuid}, “{problem.original_name}”): "
                f"its {what} differs from the one recorded"
            )
        for name in report.orphans:
            note = " (an interrupted write)" if name in report.temporary_orphans else ""
            self.stdout.write(f"orphan: {name}{note}")
        summary = (
            f"{report.rows_checked} stored file(s) checked: {len(report.missing)} missing, "
            f"{len(report.damaged)} damaged; {len(report.orphans)} orphan(s)"
        )
        if report.problems:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
