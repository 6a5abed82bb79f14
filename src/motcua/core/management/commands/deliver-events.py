"""`motcua deliver-events [--loop] [--interval N]`: the outbox sweeper.

Delivers every domain event delivery that is due: the ones whose `deliver_events` job was never
enqueued (the process died right after the commit, the queue was down), retries whose backoff
has passed, and deliveries of workers that died (their lease expired). Without `--loop` it
delivers what is due and exits (cron, or by hand after an incident); with `--loop` it sweeps
every `--interval` seconds until SIGTERM or SIGINT.

On the first SIGTERM/SIGINT it finishes the delivery in hand, records its outcome and exits with
status 0; a second signal exits at once (status 1), and the delivery it interrupted is taken back
when its lease expires. Several sweepers and workers may run at once: deliveries are claimed with
compare-and-set (core.events.deliver_pending).
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

from motcua.core import events


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
    help = "Deliver the due domain events from the outbox (once, or every --interval seconds with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sweeping until SIGTERM/SIGINT")
        parser.add_argument(
            "--interval", type=_positive(float), default=5.0, help="seconds between sweeps with --loop (default: 5)"
        )
        parser.add_argument(
            "--batch-size", type=_positive(int), default=100, help="deliveries claimed per query (default: 100)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loop: bool = options["loop"]
        interval: float = options["interval"]
        batch_size: int = options["batch_size"]
        stopping = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if stopping.is_set():
                self.stderr.write(f"{signal.strsignal(signum)} again: stopping now.")
                raise SystemExit(1)
            self.stderr.write(f"{signal.strsignal(signum)}: stopping after the delivery in hand.")
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
                self.stdout.write(f"Delivering domain events every {interval:g} s (stop with SIGTERM or Ctrl+C).")
            while not stopping.is_set():
                if loop:
                    # A long-running process: drop the connection if the database closed it while
                    # we slept, or if it is older than CONN_MAX_AGE.
                    close_old_connections()
                try:
                    report = events.deliver_until_idle(batch_size=batch_size, stop=stopping.is_set)
                except (OperationalError, InterfaceError) as exc:
                    if not loop:
                        raise
                    # The database restarted or stayed locked: nothing was lost (leases), try again.
                    self.stderr.write(f"Database unavailable, next sweep in {interval:g} s: {exc}")
                    stopping.wait(interval)
                    continue
                if report.claimed or report.recovered or report.expired_failed or not loop:
                    self.stdout.write(f"Domain events: {report}.")
                if not loop:
                    break
                stopping.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if loop:
            self.stdout.write("Stopped.")
