"""`motcua import-signing-key --agency CODE --pkcs12 FILE --passphrase-source env:VAR|file:/path [--label TEXT]`.

Registers the certificate of a real CA's PKCS#12 file as a signing key of the agency. The file
stays where it is (the database keeps its path, never the key); the passphrase is read from the
named environment variable or file each time the key is opened, so it must be there for the
server too. The passphrase must open the file now and the certificate must be fit for signing.
Running it again with the same file updates the file path and passphrase source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.agencies.models import Agency
from motcua.core.errors import DomainError
from motcua.documents.pki import signing_key_import


class Command(BaseCommand):
    help = "Register an agency's signing certificate from a PKCS#12 file (the key stays in the file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", required=True, metavar="CODE", help="the agency's code")
        parser.add_argument("--pkcs12", required=True, type=Path, metavar="FILE", help="the .p12 / .pfx file")
        parser.add_argument(
            "--passphrase-source",
            required=True,
            metavar="SOURCE",
            help='where the passphrase is: "env:VARIABLE" or "file:/absolute/path"',
        )
        parser.add_argument("--label", default="", help="a name for the key in the admin")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=options["agency"].strip()).first()
        if agency is None:
            raise CommandError(f"no agency with the code {options['agency']}")
        try:
            key, created = signing_key_import(
                agency=agency,
                pkcs12_path=options["pkcs12"],
                passphrase_source=options["passphrase_source"],
                label=options["label"],
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        verb = "Registered" if created else "Already registered, updated"
        self.stdout.write(
            f"{verb}: {key.label}\n  subject {key.subject}\n  issuer  {key.issuer}\n"
            f"  serial  {key.serial_number}\n  valid   {key.valid_from:%Y-%m-%d} to {key.valid_until:%Y-%m-%d}"
        )
