"""`motcua mail-standin [--port 1025] [--dir DIR]`: a local SMTP server that keeps every message.

Each message the platform sends is written to DIR (default var/mail/) as a .eml file, with a line
in DIR/index.jsonl; nothing is relayed (mail_standin.py). For development (`make run`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.notifications.mail_standin import MailStore, make_controller
from motcua.notifications.management import standin


class Command(BaseCommand):
    help = "Run a local SMTP server that stores the messages it receives under var/mail/ instead of relaying them."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        standin.add_arguments(parser, port=1025, directory="mail")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = standin.storage(options["dir"], "mail")
        # aiosmtpd logs every SMTP command at INFO; the stand-in prints one line per message instead.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        try:
            controller = make_controller(host=options["host"], port=options["port"], store=MailStore(directory))
            controller.start()
        except (RuntimeError, OSError) as exc:
            raise CommandError(f"The mail stand-in cannot start: {exc}") from exc
        self.stdout.write(f"Mail stand-in on smtp://{options['host']}:{options['port']}, storing into {directory}")
        try:
            standin.wait_for_signal()
        finally:
            controller.stop()
        self.stdout.write("Mail stand-in stopped.")
