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

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.core import events
from motcua.core.management.periodic import add_loop_arguments, positive, run_periodically


class Command(BaseCommand):
    help = "Deliver the due domain events from the outbox (once, or every --interval seconds with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_loop_arguments(parser, interval=5.0, doing="sweeping", runs="sweeps")
        parser.add_argument(
            "--batch-size", type=positive(int), default=100, help="deliveries claimed per query (default: 100)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loop: bool = options["loop"]
        batch_size: int = options["batch_size"]

        def work(stop: Callable[[], bool]) -> str | None:
            report = events.deliver_until_idle(batch_size=batch_size, stop=stop)
            if report.claimed or report.recovered or report.expired_failed or not loop:
                return f"Domain events: {report}."
            return None

        run_periodically(
            self,
            loop=loop,
            interval=options["interval"],
            work=work,
            what="Delivering domain events",
            in_hand="the delivery in hand",
        )
