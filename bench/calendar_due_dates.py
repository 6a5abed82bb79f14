"""Due-date computations per second: single calls and a bulk recompute of 1,000,000 due dates,
side by side in one run with numpy.busday_offset given the same holidays and working Saturdays.

Targets (issue #2): bulk within 2x numpy's time; a single call under 10 µs.

    .venv/bin/python -m bench.calendar_due_dates [--write]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from bench._report import write_section
from motcua.calendars.engine import CalendarRules, Label, WorkingCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
N_BULK = 1_000_000
N_SINGLE = 200_000
REPEATS = 5


def _calendar() -> WorkingCalendar:
    # The national calendar as shipped: holidays package + the 2026 official swap.
    return WorkingCalendar(
        CalendarRules(
            days_off={date(2026, 1, 2): Label("Nghỉ bù", "Day off")},
            working_days={date(2026, 1, 10): Label("Làm bù", "Worked Saturday")},
        )
    )


def _best(fn: object, repeats: int = REPEATS) -> float:
    timings = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return min(timings)


def run() -> str:
    calendar = _calendar()
    rng = np.random.default_rng(2026)
    # Start days over ten years (2020–2029), time limits of 0–60 working days.
    starts = np.datetime64("2020-01-01") + rng.integers(0, 3650, size=N_BULK).astype("timedelta64[D]")
    offsets = rng.integers(0, 61, size=N_BULK)
    weekmask, closed = calendar.numpy_holidays()

    ours = calendar.bulk_add_working_days(starts, offsets)
    reference = np.busday_offset(starts, offsets, roll="forward", weekmask=weekmask, holidays=closed)
    if not (ours == reference).all():
        sys.exit("bulk results differ from numpy.busday_offset: the benchmark is void")

    t_ours = _best(lambda: calendar.bulk_add_working_days(starts, offsets))
    t_numpy = _best(lambda: np.busday_offset(starts, offsets, roll="forward", weekmask=weekmask, holidays=closed))

    # Single calls: instants spread over 2026, 0–30 working days, the full instant-level rule
    # (cut-off, working hours, closing time) but not the explanation, which is built on demand.
    base = datetime(2026, 1, 1, tzinfo=TZ)
    instants = [base + timedelta(minutes=int(m)) for m in rng.integers(0, 365 * 24 * 60, size=N_SINGLE)]
    days = [int(d) for d in rng.integers(0, 31, size=N_SINGLE)]
    pairs = list(zip(instants, days, strict=True))

    def singles() -> None:
        add = calendar.add_working_days
        for instant, n in pairs:
            add(instant, n)

    t_single = _best(singles) / N_SINGLE
    sample = pairs[: N_SINGLE // 10]

    def explained() -> None:
        for instant, n in sample:
            calendar.add_working_days(instant, n).explanation  # noqa: B018

    t_explained = _best(explained, repeats=3) / len(sample)
    compile_time = statistics.median(_best(_calendar, repeats=1) for _ in range(3))

    ratio = t_ours / t_numpy
    rows = [
        "| measure | motcua | numpy.busday_offset | target |",
        "|---|---|---|---|",
        f"| bulk: 1,000,000 due dates | {t_ours * 1000:.1f} ms ({N_BULK / t_ours / 1e6:.1f} M/s) "
        f"| {t_numpy * 1000:.1f} ms ({N_BULK / t_numpy / 1e6:.1f} M/s) | ≤ 2× numpy: **{ratio:.2f}×** |",
        f"| single call `add_working_days` | {t_single * 1e6:.2f} µs ({1 / t_single:,.0f}/s) | — | < 10 µs |",
        f"| single call with its explanation | {t_explained * 1e6:.1f} µs | — | — |",
        f"| recompile the calendar (2015–2045, warm process) | {compile_time * 1000:.0f} ms | — | — |",
    ]
    verdict = "met" if ratio <= 2 and t_single < 10e-6 else "NOT met"
    return "\n".join(rows) + f"\n\nResults identical to numpy's on all {N_BULK:,} rows. Targets {verdict}."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the figures to docs/performance.md")
    args = parser.parse_args()
    body = run()
    print(body)
    if args.write:
        write_section("calendar", "make bench  (python -m bench.calendar_due_dates --write)", body)


if __name__ == "__main__":
    main()
