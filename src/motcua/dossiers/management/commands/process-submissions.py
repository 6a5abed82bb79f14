"""`motcua process-submissions [--loop] [--interval S] [--batch-size N]`: the intake worker.

Creates the dossiers of the submissions accepted asynchronously (`Prefer: respond-async`,
dossiers.intake), oldest first, in batches of --batch-size, one transaction per batch. Without
`--loop` it drains the queue and exits; with `--loop` it looks again every --interval seconds
(0.2 by default: the time a client waits at most, beyond the batch in hand). Several workers may run
at once (they skip each other's rows). On SIGTERM/SIGINT the batch in hand commits first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.core.management.periodic import add_loop_arguments, positive, run_periodically
from motcua.dossiers.intake import submissions_process_until_idle


class Command(BaseCommand):
    help = "Create the dossiers of the submissions accepted asynchronously (once, or continuously with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_loop_arguments(parser, interval=0.2, doing="taking submissions", runs="looks")
        parser.add_argument(
            "--batch-size", type=positive(int), default=100, help="submissions per transaction (default: 100)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loop: bool = options["loop"]

        def work(stop: Callable[[], bool]) -> str | None:
            report = submissions_process_until_idle(limit=options["batch_size"], stop=stop)
            if report.settled or report.retried or not loop:
                return f"Submissions: {report}."
            return None

        run_periodically(
            self,
            loop=loop,
            interval=options["interval"],
            work=work,
            what="Taking accepted submissions",
            in_hand="the batch in hand",
        )
