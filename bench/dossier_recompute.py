"""Due-date recomputation for 100,000 open dossiers after a holiday change (issue #4: under 30 s).

For each database a throwaway database is migrated and filled with 100,000 received, open dossiers
of one procedure (7 working days) received over the last 30 working days, inserted in bulk (the
fixture only: the services would take minutes to receive them one by one). Then a day off is added
three working days ahead through the calendar service, and `deadlines_recompute` runs: every
dossier is checked and those due on or after that day move, each with a history entry and an
event, in batches of 1,000 with their rows locked.

    SECRET_KEY=x .venv/bin/python -m bench.dossier_recompute [--write] [--postgres URL] [--sqlite-only] [--n N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from bench._report import write_section
from bench.catalog_search import DEFAULT_POSTGRES, _postgres_admin

N_DOSSIERS = 100_000


class Run(TypedDict):
    n: int
    load_seconds: float
    checked: int
    changed: int
    seconds: float
    second_run_seconds: float


def child(n: int) -> Run:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    django.setup()
    from datetime import datetime, timedelta
    from datetime import time as dtime

    from django.core.management import call_command

    from motcua.agencies.models import Agency, AgencyKind, AgencyLevel
    from motcua.calendars import services as calendar_services
    from motcua.calendars.selectors import calendar_get
    from motcua.catalog import services as catalog_services
    from motcua.catalog.tests import factories
    from motcua.core import clock
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.recompute import deadlines_recompute
    from motcua.dossiers.workflow import STATUS_CODE, State

    call_command("migrate", verbosity=0)
    calendar_services.calendars_load_reference()
    channels = factories.content()["channels"]
    for channel in channels:
        channel["time_limit_value"] = "7"
    version = catalog_services.procedure_import(
        code="1.004222",
        content=factories.content("Đăng ký thường trú", channels=channels, same_day_cutoff=None),
        source_record={},
        actor="bench",
        source="operator",
    ).version
    agency = Agency.objects.create(
        code="267.40.03.X79",
        name="Công an phường Sài Gòn",
        name_folded="cong an phuong sai gon",
        kind=AgencyKind.VERTICAL_AGENCY,
        level=AgencyLevel.COMMUNE,
    )
    calendar = calendar_get()
    today = clock.today()
    days = [today - timedelta(days=i) for i in range(60) if calendar.is_working_day(today - timedelta(days=i))][:30]
    started = time.perf_counter()
    rows = []
    for i in range(n):
        received = datetime.combine(days[i % len(days)], dtime(8 + i % 8, (i * 7) % 60), tzinfo=calendar.tz)
        due = calendar.add_working_days(received, 7).due_at
        rows.append(
            Dossier(
                code=f"267.40.03.X79-{received:%y%m%d}-{i:07d}",
                procedure_version=version,
                procedure_code="1.004222",
                channel="in_person",
                state=State.IN_PROCESS,
                status_code=STATUS_CODE[State.IN_PROCESS],
                applicant_name=f"Người nộp {i}",
                applicant_name_folded=f"nguoi nop {i}",
                applicant_id_number=f"0790860{i:05d}",
                receiving_agency=agency,
                competent_agency=agency,
                handling_agency=agency,
                submitted_at=received,
                received_at=received,
                due_at=due,
                appointment_at=due,
            )
        )
    Dossier.objects.bulk_create(rows, batch_size=2000)
    load_seconds = time.perf_counter() - started

    # A decision gives a day off three working days from now.
    day_off = calendar.nth_working_day(today, 3)
    calendar_services.calendar_exception_save(
        calendar=None, day=day_off, kind="day_off", name_vi="Nghỉ theo quyết định (bench)", actor="bench"
    )
    started = time.perf_counter()
    report = deadlines_recompute(reason="bench")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = deadlines_recompute(reason="bench")
    second = time.perf_counter() - started
    if report.changed == 0 or again.changed != 0 or report.unknown_limit:
        sys.exit(f"unexpected recompute result: {report} / {again}")
    return {
        "n": n,
        "load_seconds": load_seconds,
        "checked": report.checked,
        "changed": report.changed,
        "seconds": seconds,
        "second_run_seconds": second,
    }


def _run_child(database_url: str, var_dir: str, n: int) -> Run:
    env = {**os.environ, "DATABASE_URL": database_url, "MOTCUA_VAR_DIR": var_dir, "DEBUG": "false"}
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
    completed = subprocess.run(  # noqa: S603 (this interpreter, this module)
        [sys.executable, "-m", "bench.dossier_recompute", "--child", "--n", str(n)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if completed.returncode != 0:
        sys.exit(f"the benchmark failed on {database_url}:\n{completed.stderr[-4000:]}")
    run: Run = json.loads(completed.stdout.strip().splitlines()[-1])
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the figures to docs/performance.md")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--n", type=int, default=N_DOSSIERS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.n)))
        return
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        runs["SQLite"] = _run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", tmp, args.n)
        if not args.sqlite_only:
            name = urlsplit(args.postgres).path.lstrip("/")
            if not name.startswith("motcua_bench"):
                sys.exit("refusing to create and drop a database whose name does not start with motcua_bench")
            _postgres_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _postgres_admin(args.postgres, f'CREATE DATABASE "{name}"')
            try:
                runs["PostgreSQL"] = _run_child(args.postgres, tmp, args.n)
            finally:
                _postgres_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    lines = [
        "| database | open dossiers | moved by the new day off | recompute | second run (nothing moves) | target |",
        "|---|---|---|---|---|---|",
    ]
    for db, run in runs.items():
        verdict = "met" if run["seconds"] < 30 else "NOT met"
        lines.append(
            f"| {db} | {run['checked']:,} | {run['changed']:,} | **{run['seconds']:.1f} s** "
            f"| {run['second_run_seconds']:.1f} s | < 30 s: {verdict} |"
        )
    body = (
        "A day off is added three working days ahead; every open dossier is checked and those due on or "
        "after it move, each with a history entry and an event.\n\n" + "\n".join(lines)
    )
    print(body)
    if args.write:
        write_section("dossier-recompute", "python -m bench.dossier_recompute --write", body)


if __name__ == "__main__":
    main()
