"""`motcua serve`: production serving of the WSGI application by granian.

Granian measured 3-5x gunicorn's request rate on this hardware (ecosystem.md); Django runs as
WSGI because its ASGI path was slower here. Static files are served by WhiteNoise inside the app.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the application with granian (WSGI), for production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("MOTCUA_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("MOTCUA_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("MOTCUA_WORKERS", str(os.cpu_count() or 1))),
            help="worker processes (default: one per core)",
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("MOTCUA_THREADS", "4")))

    def handle(self, *args: Any, **options: Any) -> None:
        from granian.constants import Interfaces
        from granian.server import Server

        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/ with {options['workers']} workers")
        Server(
            "motcua.config.wsgi:application",
            address=options["host"],
            port=options["port"],
            interface=Interfaces.WSGI,
            workers=options["workers"],
            blocking_threads=options["threads"],
            respawn_failed_workers=True,
        ).serve()
