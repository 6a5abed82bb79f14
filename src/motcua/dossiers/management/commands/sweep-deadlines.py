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

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.core.management.periodic import add_loop_arguments, positive, run_periodically
from motcua.dossiers import sweeper


class Command(BaseCommand):
    help = "Warn about due moments that are near and report those passed (once, or every --interval seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_loop_arguments(parser, interval=60.0, doing="sweeping", runs="sweeps")
        parser.add_argument(
            "--limit", type=positive(int), default=500, help="rows of each kind read per sweep (default: 500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loop: bool = options["loop"]
        limit: int = options["limit"]

        def work(stop: Callable[[], bool]) -> str | None:
            report = sweeper.deadlines_sweep(limit=limit, stop=stop)
            if report.published or report.lost or not loop:
                return f"Deadlines: {report}."
            return None

        run_periodically(
            self,
            loop=loop,
            interval=options["interval"],
            work=work,
            what="Sweeping deadlines",
            in_hand="the claim in hand",
        )
