"""The loop of the long-running workers (`deliver-events`, `sweep-deadlines`,
`process-submissions`), written once.

Without `--loop`: run the work once and exit (cron, or by hand after an incident). With `--loop`:
run it every `--interval` seconds until SIGTERM or SIGINT. The first signal lets the work in hand
finish (the work receives `stop` and checks it between items) and exits with status 0; a second
signal exits at once with status 1. A database that restarted or stayed locked is retried at the
next interval; a connection closed by the database while the loop slept is dropped first.
"""

from __future__ import annotations

import gc
import signal
import threading
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Callable
from types import FrameType

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections


def positive(kind: type[float] | type[int]) -> Callable[[str], float | int]:
    """An argparse type: a number greater than zero."""

    def parse(value: str) -> float | int:
        try:
            number = kind(value)
        except ValueError:
            number = 0
        if not number > 0:
            raise ArgumentTypeError(f"must be a positive number, not {value!r}")
        return number

    return parse


def add_loop_arguments(parser: ArgumentParser, *, interval: float, doing: str, runs: str) -> None:
    """`--loop` and `--interval` (seconds, default `interval`), as every periodic command has them:
    `doing` says what it keeps doing, `runs` what one run is called ("sweeps")."""
    parser.add_argument("--loop", action="store_true", help=f"keep {doing} until SIGTERM/SIGINT")
    parser.add_argument(
        "--interval",
        type=positive(float),
        default=interval,
        help=f"seconds between {runs} with --loop (default: {interval:g})",
    )


def run_periodically(
    command: BaseCommand,
    *,
    loop: bool,
    interval: float,
    work: Callable[[Callable[[], bool]], str | None],
    what: str,
    in_hand: str,
) -> None:
    """Run `work(stop)` once, or every `interval` seconds; it returns a line to print or None."""
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            command.stderr.write(f"{signal.strsignal(signum)} again: stopping now.")
            raise SystemExit(1)
        command.stderr.write(f"{signal.strsignal(signum)}: stopping after {in_hand}.")
        stopping.set()

    # Signals can only be handled in the main thread (not when called from a test's thread).
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = (
        {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
        if in_main_thread
        else {}
    )
    if loop and in_main_thread:
        # A long-running process: what it loaded at start lives as long as it does. Out of the
        # collector's sight, full collections stop scanning it again (as config/wsgi.py does for
        # serving; for the intake worker, 12 % less CPU per dossier).
        gc.freeze()
    try:
        if loop:
            command.stdout.write(f"{what} every {interval:g} s (stop with SIGTERM or Ctrl+C).")
        while not stopping.is_set():
            if loop:
                # A long-running process: drop the connection if the database closed it while we
                # slept, or if it is older than CONN_MAX_AGE.
                close_old_connections()
            try:
                line = work(stopping.is_set)
            except (OperationalError, InterfaceError) as exc:
                if not loop:
                    raise
                command.stderr.write(f"Database unavailable, next sweep in {interval:g} s: {exc}")
                stopping.wait(interval)
                continue
            if line:
                command.stdout.write(line)
            if not loop:
                break
            stopping.wait(interval)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if loop:
        command.stdout.write("Stopped.")
