"""`motcua verify-signature FILE.pdf`: the signatures of a PDF, in words; exit 0 only when valid.

Prints what the public page and POST /api/v1/verify say (documents.verification.report_lines),
then the technical details of each signature. Exit status 0 when every signature is intact,
valid and trusted and nothing changed after signing; 1 otherwise, and for a file that is not a
signed PDF. The dossier a result belongs to is shown by the page and the API, which may look it
up (this command sits in the documents layer, below dossiers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.errors import DomainError
from motcua.documents.verification import pdf_verify, report_lines


class Command(BaseCommand):
    help = "Check the signatures of a PDF; exit status 0 when valid, trusted and unchanged since signing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the PDF to check")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            pdf = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path} cannot be read: {exc.strerror}") from exc
        try:
            report = pdf_verify(pdf=pdf)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for line in report_lines(report):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"File: {path} ({report.size} bytes, SHA-256 {report.sha256})")
        for number, check in enumerate(report.signatures, start=1):
            certificate = check.certificate
            self.stdout.write(
                f"#{number} {check.field_name}: level {check.level or 'not PAdES'}, intact={check.intact}, "
                f"valid={check.valid}, trusted={check.trusted}"
                f"{f' ({check.trust_problem})' if check.trust_problem else ''}, "
                f"covers the whole file={check.covers_entire_file}, changes after={check.changes_after}\n"
                f"   subject {certificate.subject}\n   issuer  {certificate.issuer}\n"
                f"   serial  {certificate.serial_number}, SHA-256 {certificate.fingerprint_sha256}\n"
                f"   signed  {check.signed_at.isoformat() if check.signed_at else '-'}"
                f"{f', timestamp {check.timestamp_at.isoformat()}' if check.timestamp_at else ''}"
            )
        if not report.is_valid:
            raise SystemExit(1)
