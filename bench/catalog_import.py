"""Import throughput: the 1,316 real portal records of three ministries, on SQLite and PostgreSQL.

For each database a throwaway database is migrated, then `import_files` runs twice on the records
the demo ships (motcua/demo/data/portal-procedures.jsonl.gz, the same records as the shared
files): the first run parses and creates every procedure, the second finds them all unchanged
(it still parses every record, then compares content hashes).

    SECRET_KEY=x .venv/bin/python -m bench.catalog_import [--write] [--postgres URL] [--sqlite-only]
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


class Run(TypedDict):
    records: int
    first_seconds: float
    second_seconds: float
    created: int
    unchanged: int
    parse_seconds: float


def child() -> Run:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    django.setup()
    from django.core.management import call_command

    from motcua.catalog.importing import import_files
    from motcua.catalog.portal import parser
    from motcua.demo.services import DEMO_PROCEDURES

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    records = [r for _n, r in parser.read_jsonl(DEMO_PROCEDURES)]
    for record in records:
        assert isinstance(record, dict)
        parser.parse_record(record)
    parse_seconds = time.perf_counter() - started

    started = time.perf_counter()
    first = import_files([DEMO_PROCEDURES], actor="bench")
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = import_files([DEMO_PROCEDURES], actor="bench")
    second_seconds = time.perf_counter() - started
    if first.rejected or second.created or second.updated:
        sys.exit(f"unexpected import result: {first.lines()} / {second.lines()}")
    return {
        "records": first.records,
        "first_seconds": first_seconds,
        "second_seconds": second_seconds,
        "created": first.created,
        "unchanged": second.unchanged,
        "parse_seconds": parse_seconds,
    }


def _run_child(database_url: str, var_dir: str) -> Run:
    env = {**os.environ, "DATABASE_URL": database_url, "MOTCUA_VAR_DIR": var_dir, "DEBUG": "false"}
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
    completed = subprocess.run(
        [sys.executable, "-m", "bench.catalog_import", "--child"],
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
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child()))
        return

    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        runs["SQLite"] = _run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", tmp)
        if not args.sqlite_only:
            name = urlsplit(args.postgres).path.lstrip("/")
            if not name.startswith("motcua_bench"):
                sys.exit("refusing to create and drop a database whose name does not start with motcua_bench")
            _postgres_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _postgres_admin(args.postgres, f'CREATE DATABASE "{name}"')
            try:
                runs["PostgreSQL"] = _run_child(args.postgres, tmp)
            finally:
                _postgres_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    lines = [
        "| database | first import (creates) | second import (unchanged) | parsing alone |",
        "|---|---|---|---|",
    ]
    for db, run in runs.items():
        n = run["records"]
        first, second, parse = run["first_seconds"], run["second_seconds"], run["parse_seconds"]
        lines.append(
            f"| {db} | {first:.1f} s, {n / first:.0f} records/s ({run['created']} created) "
            f"| {second:.1f} s, {n / second:.0f} records/s ({run['unchanged']} unchanged) "
            f"| {parse:.1f} s, {n / parse:.0f} records/s |"
        )
    body = (
        "The 1,316 real portal records (Ministries of Justice, Public Security, Finance), each record in "
        "its own transaction.\n\n" + "\n".join(lines)
    )
    print(body)
    if args.write:
        write_section("catalog-import", "python -m bench.catalog_import --write", body)


if __name__ == "__main__":
    main()
