"""`motcua sweep-deadlines [--loop] [--interval N]`: the deadline sweeper (dossiers/sweeper.py).

Publishes a `DeadlineApproaching` for each open dossier or step that falls due within its warning
lead time (working time), and a `DeadlineBreached` for each one found past due, each exactly once.
Without `--loop` it sweeps once and exits (cron, or by hand); with `--loop` it sweeps every
`--interval` seconds until SIGTERM or SIGINT.

On the first SIGTERM/SIGINT it finishes the claim in hand and exits with status 0; a second signal
exits at once (status 1); a claim interrupted mid-transaction rolls back and is made again by the
next sweep. Several sweepers may run at once: each due moment is claimed with compare-and-set.
"""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentTypeError
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import InterfaceError, OperationalError, close_old_connections

from motcua.dossiers import sweeper


def _positive(kind: type[float] | type[int]) -> Callable[[str], float | int]:
    def parse(value: str) -> float | int:
        try:
            number = kind(value)
        except ValueError:
            number = 0
        if not number > 0:
            raise ArgumentTypeError(f"must be a positive number, not {value!r}")
        return number

    return parse


class Command(BaseCommand):
    help = "Warn about due moments that are near and report those passed (once, or every --interval seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sweeping until SIGTERM/SIGINT")
        parser.add_argument(
            "--interval", type=_positive(float), default=60.0, help="seconds between sweeps with --loop (default: 60)"
        )
        parser.add_argument(
            "--limit", type=_positive(int), default=500, help="rows of each kind read per sweep (default: 500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loop: bool = options["loop"]
        interval: float = options["interval"]
        limit: int = options["limit"]
        stopping = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if stopping.is_set():
                self.stderr.write(f"{signal.strsignal(signum)} again: stopping now.")
                raise SystemExit(1)
            self.stderr.write(f"{signal.strsignal(signum)}: stopping after the claim in hand.")
            stopping.set()

        # Signals can only be handled in the main thread (not when called from a test's thread).
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = (
            {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
            if in_main_thread
            else {}
        )
        try:
            if loop:
                self.stdout.write(f"Sweeping deadlines every {interval:g} s (stop with SIGTERM or Ctrl+C).")
            while not stopping.is_set():
                if loop:
                    # A long-running process: drop the connection if the database closed it while
                    # we slept, or if it is older than CONN_MAX_AGE.
                    close_old_connections()
                try:
                    report = sweeper.deadlines_sweep(limit=limit, stop=stopping.is_set)
                except (OperationalError, InterfaceError) as exc:
                    if not loop:
                        raise
                    # The database restarted or stayed locked: nothing was claimed, try again.
                    self.stderr.write(f"Database unavailable, next sweep in {interval:g} s: {exc}")
                    stopping.wait(interval)
                    continue
                if report.published or report.lost or not loop:
                    self.stdout.write(f"Deadlines: {report}.")
                if not loop:
                    break
                stopping.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if loop:
            self.stdout.write("Stopped.")
