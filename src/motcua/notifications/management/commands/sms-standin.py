"""`motcua sms-standin [--port 8090] [--dir DIR] [--token T]`: a local brandname SMS gateway.

Accepts the requests of motcua.notifications.sms.HttpSmsBackend at POST /api/sms, checks them,
and stores the messages in DIR/messages.jsonl instead of sending them (sms_standin.py). For
development (`make run`) and for trying a configuration; never in front of real phones.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.notifications.management import standin
from motcua.notifications.sms_standin import PATH, make_server


class Command(BaseCommand):
    help = "Run a local stand-in for the SMS gateway: checks and stores messages instead of sending them."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        standin.add_arguments(parser, port=8090, directory="sms")
        parser.add_argument("--token", default="", help="require 'Authorization: Bearer TOKEN' (default: none)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = standin.storage(options["dir"], "sms")
        try:
            server = make_server(
                host=options["host"], port=options["port"], directory=directory, token=options["token"]
            )
        except OSError as exc:
            raise CommandError(f"The SMS stand-in cannot start: {exc}") from exc
        host, port = options["host"], server.server_port
        thread = threading.Thread(target=server.serve_forever, name="sms-standin", daemon=True)
        thread.start()
        self.stdout.write(f"SMS stand-in on http://{host}:{port}{PATH}, storing into {directory / 'messages.jsonl'}")
        try:
            standin.wait_for_signal()
        finally:
            server.shutdown()
            server.server_close()
        self.stdout.write("SMS stand-in stopped.")
