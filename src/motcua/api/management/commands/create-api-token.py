"""`motcua create-api-token --officer USERNAME` or `--system NAME`: a new API token, printed once.

Only the key's SHA-256 is stored: copy the key now, it cannot be shown again. Use it as
`Authorization: Token <key>`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.agencies.models import Officer
from motcua.api.auth import api_token_create


class Command(BaseCommand):
    help = "Create an API token for an officer or a system and print its key (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--officer", metavar="USERNAME", help="the username of an active officer")
        who.add_argument("--system", metavar="NAME", help="a system, e.g. citizen-portal")

    def handle(self, *args: Any, **options: Any) -> None:
        officer: Officer | None = None
        if options["officer"]:
            officer = (
                Officer.objects.select_related("user", "agency")
                .filter(user__username=options["officer"], is_active=True, user__is_active=True)
                .first()
            )
            if officer is None:
                raise CommandError(f"no active officer with the username {options['officer']}")
        new = api_token_create(officer=officer, system_name=options["system"] or "")
        owner = f"officer {officer.user.username} ({officer.agency.code})" if officer else f"system {options['system']}"
        self.stderr.write(f"API token {new.token.prefix}… for {owner}. Copy the key now: it is not shown again.")
        self.stdout.write(new.key)
