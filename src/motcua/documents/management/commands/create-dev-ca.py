"""`motcua create-dev-ca [--agency CODE ...] [--dir DIR]`: a development CA and agencies' signing keys.

For the demo and the tests only: a root CA named "motcua development root CA (demo and tests only)",
one signing certificate per agency (CN and O the agency's Vietnamese name, C=VN, key usage
digitalSignature + nonRepudiation) in a PKCS#12 file whose random passphrase is kept next to it
(mode 600), registered as the agency's SigningKey; and a timestamping certificate for
`motcua tsa-standin`. Idempotent: a second run keeps what exists and adds what is missing.

Without --agency: every agency that has an active officer (the agencies that will sign). The root
is trusted by the verifier only with SIGNATURE_TRUST_DEV_CA (on by default with DEBUG). A real CA's
certificate is registered with `motcua import-signing-key` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.agencies.models import Agency
from motcua.core.errors import DomainError
from motcua.documents.pki import dev_ca_create


class Command(BaseCommand):
    help = "Create the development CA (demo and tests only) and a registered signing key for agencies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--agency",
            action="append",
            default=[],
            metavar="CODE",
            help="an agency code; repeat for several (default: every agency with an active officer)",
        )
        parser.add_argument("--dir", type=Path, default=None, help="where to keep the CA (default: SIGNING_PKI_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = [code.strip() for code in options["agency"]]
        if codes:
            agencies = list(Agency.objects.filter(code__in=codes).order_by("code"))
            unknown = sorted(set(codes) - {a.code for a in agencies})
            if unknown:
                raise CommandError(f"no agency with the code {', '.join(unknown)}")
        else:
            agencies = list(Agency.objects.filter(officers__is_active=True).distinct().order_by("code"))
            if not agencies:
                raise CommandError("no agency has an active officer yet: name the agencies with --agency CODE")
        directory: Path = options["dir"] or Path(settings.SIGNING_PKI_DIR)
        try:
            outcome = dev_ca_create(directory=directory, agencies=agencies)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        state = "created" if outcome.root_created else "kept"
        self.stdout.write(f"Development root CA {state}: {outcome.root_path}")
        for key in outcome.created:
            self.stdout.write(f"  new key   {key.agency.code}  {key.agency.name}  (serial {key.serial_number})")
        for key in outcome.kept:
            self.stdout.write(f"  kept key  {key.agency.code}  {key.agency.name}  (serial {key.serial_number})")
        self.stdout.write(
            f"{len(outcome.created)} key(s) created, {len(outcome.kept)} kept. The root is trusted by "
            f"verification only with SIGNATURE_TRUST_DEV_CA (now {'on' if settings.SIGNATURE_TRUST_DEV_CA else 'off'})."
        )
