"""What the two stand-in commands share: their options and running until SIGTERM or Ctrl+C."""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentTypeError
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management.base import CommandParser


def port_number(value: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ArgumentTypeError(f"must be a port number from 1 to 65535, not {value!r}")
    return port


def add_arguments(parser: CommandParser, *, port: int, directory: str) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=port, help=f"port to listen on (default: {port})")
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help=f"where to store what is received (default: <MOTCUA_VAR_DIR>/{directory})",
    )


def storage(option: Path | None, directory: str) -> Path:
    return option if option is not None else Path(settings.VAR_DIR) / directory


def wait_for_signal() -> None:
    """Block until SIGTERM or SIGINT (the stand-ins serve in other threads meanwhile)."""
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        stopping.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
