"""`motcua tsa-standin [--host H] [--port N]`: a local RFC 3161 timestamp authority for the demo.

Signs timestamp tokens with the development CA's timestamping certificate (created by
`motcua create-dev-ca`, kept in SIGNING_PKI_DIR). Set TSA_URL=http://H:N/ for the signing
process and signatures become PAdES B-T. Not a trust service: production uses a licensed provider.
Stops on SIGTERM or Ctrl+C.
"""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.documents.pki import DEV_ROOT_CERT, dev_root_ensure, dev_tsa_ensure
from motcua.documents.tsa_standin import tsa_server


class Command(BaseCommand):
    help = "Serve a development RFC 3161 timestamp authority (signatures become PAdES B-T with TSA_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8091, help="port to bind (default: 8091)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(settings.SIGNING_PKI_DIR)
        if not (directory / DEV_ROOT_CERT).exists():
            raise CommandError(f"no development CA in {directory}: run `motcua create-dev-ca` first")
        root, _created = dev_root_ensure(directory=directory)
        server = tsa_server(tsa=dev_tsa_ensure(root=root), host=options["host"], port=options["port"])

        def stop(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        host, port = server.server_address[:2]
        self.stdout.write(f"Timestamp authority stand-in on http://{host!s}:{port}/ (set TSA_URL to this address).")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            server.server_close()
