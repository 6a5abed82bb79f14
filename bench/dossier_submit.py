"""Dossier submission and status look-up through the real API on PostgreSQL, against the ceiling.

Issue #4 targets, at 16 concurrent clients on the 2-core reference machine:
- POST /api/v1/dossiers: at least 50 % of the ceiling's requests per second, p99 under 150 ms.
  Measured both ways the API offers: synchronous (B: 201 with the whole dossier, created in the
  request) and asynchronous (B2: `Prefer: respond-async`, 202 once the checked submission is kept;
  the intake worker `motcua process-submissions` runs beside the server all through B2 and creates
  the dossiers, on the same cores). For B2 the run also reports how many dossiers the worker created,
  how long after acceptance (p50, p99) and how long it took to catch up after the load stopped;
- status look-up by dossier code (GET /api/v1/dossiers/{code}/status): at least 80 % of the
  ceiling's GET rate. The full detail (steps, history, deadline explained) is measured too (E).

The ceiling is the same stack doing nothing but one INSERT (POST) or one SELECT by a unique key
(GET): same granian process, middleware, DRF settings, token authentication, JSON parser and
database (bench/ceiling/). A run:

1. creates a throwaway PostgreSQL database, migrates it and loads what a submission needs
   (bench._serving.prepare), with an API token for a system (the portal) and one for the receiving
   officer of the Phường Sài Gòn service centre;
2. starts `motcua serve` (granian WSGI, 2 workers, 4 threads each, DEBUG off) serving the product's
   URLs and the ceiling's, on a free port;
3. drives each phase with wrk (16 connections, 2 threads, keep-alive) for --duration seconds after a
   --warmup of the same endpoint: A ceiling POST, B POST /api/v1/dossiers (a new Idempotency-Key and
   applicant per request), B2 the same with `Prefer: respond-async` and the intake worker running,
   C ceiling GET over the rows of A, D GET /api/v1/dossiers/{code}/status
   and E GET /api/v1/dossiers/{code} over dossiers of B. Before D, --intake dossiers of B are
   received through POST .../actions/receive (4
   clients; the receipt gives them their code), since a submitted dossier has no code yet.
   The phases run in --rounds rounds (A B B2 ×3, then C D E ×3): a product phase always right after
   its ceiling, so that a machine whose speed drifts (another tenant, the CPU's boost) weighs on
   both; the report gives medians over the rounds.

wrk, granian and PostgreSQL share the machine's cores: the figures are what the whole machine
does, and a busy machine lowers both sides of each ratio.

    SECRET_KEY=x .venv/bin/python -m bench.dossier_submit [--write] [--postgres URL] [--duration S]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import LiteralString, TypedDict

from bench._report import write_section
from bench._serving import (
    API_DOSSIERS,
    HOST,
    WORKERS,
    Client,
    IntakeWorker,
    Server,
    Tokens,
    bench_env,
    free_port,
    prepare,
    run_child,
    submission,
    throwaway_postgres,
)

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/motcua_bench_submit"
CLIENTS = 16
DURATION = 10
ROUNDS = 3
WARMUP = 3
INTAKE = 1000
LUA = Path(__file__).resolve().parent / "load.lua"
CEILING_ROWS = "/bench/ceiling/rows"
TARGET_POST_RATIO = 0.5
TARGET_POST_P99_MS = 150.0
TARGET_GET_RATIO = 0.8
PREFER_ASYNC = "respond-async"


class Phase(TypedDict):
    name: str
    endpoint: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    sample: str


class Intake(TypedDict):
    dossiers: int
    seconds: float
    errors: int


class Anatomy(TypedDict):
    """One endpoint seen from inside the Django process (test client, same URLconf and middleware)."""

    queries: int  # SQL statements of one request, transaction control included
    by_app: dict[str, int]  # statements by the app of the table they touch
    cpu_ms: float  # CPU time of the Django process per request (the database server's excluded)


class AsyncIntake(TypedDict):
    """What the intake worker made of phase B2's accepted submissions (from the database)."""

    accepted: int
    created: int
    other: int  # refused, failed or still accepted: all should be 0
    p50_ms: float  # acceptance → dossier created
    p99_ms: float
    sustained_per_s: float  # dossiers created / (last creation − first acceptance)
    catch_up_s: float  # from the end of the load to the last creation


class Run(TypedDict):
    phases: dict[str, Phase]  # the median over the rounds (_median_phase)
    ratios: dict[str, float]  # product phase → median over the rounds of its rate / its ceiling's
    rounds: int
    async_intake: AsyncIntake
    created_in_b: int
    intake: Intake
    anatomy: dict[str, Anatomy]
    load_before: float
    setup_seconds: float


ANATOMY_REPEATS = 30
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([a-z0-9_]+)"?', re.IGNORECASE)


def child_anatomy(tokens: Tokens, code: str, key: str) -> dict[str, Anatomy]:
    """Inside a process on the run's database: SQL statements and CPU per request of each endpoint."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    system = TestClient(headers={"Authorization": f"Token {tokens['system']}"})
    officer = TestClient(headers={"Authorization": f"Token {tokens['officer']}"})
    body = submission(0)
    counter = [0]

    def post(path: str, **extra: str) -> int:
        counter[0] += 1
        headers = {"Idempotency-Key": f"anatomy-{counter[0]}", **extra}
        data = json.dumps(body, ensure_ascii=False)
        return system.post(path, data=data, content_type="application/json", headers=headers).status_code

    requests: dict[str, Callable[[], int]] = {
        "A": lambda: post(CEILING_ROWS),
        "B": lambda: post(API_DOSSIERS),
        "B2": lambda: post(API_DOSSIERS, Prefer=PREFER_ASYNC),
        "C": lambda: officer.get(f"{CEILING_ROWS}/{key}").status_code,
        "D": lambda: officer.get(f"{API_DOSSIERS}/{code}/status").status_code,
        "E": lambda: officer.get(f"{API_DOSSIERS}/{code}").status_code,
    }
    anatomy: dict[str, Anatomy] = {}
    for name, call in requests.items():
        for _ in range(3):
            call()
        with CaptureQueriesContext(connection) as captured:
            status = call()
        if not 200 <= status < 300:
            sys.exit(f"anatomy of {name}: answered {status}")
        # Read now: every request start empties the connection's query log (django.db.reset_queries).
        queries = list(captured.captured_queries)
        by_app: dict[str, int] = {}
        for query in queries:
            match = _TABLE.search(query["sql"])
            app = match.group(1).split("_", 1)[0] if match else "transaction control"
            by_app[app] = by_app.get(app, 0) + 1
        started = time.process_time()
        for _ in range(ANATOMY_REPEATS):
            call()
        anatomy[name] = {
            "queries": len(queries),
            "by_app": dict(sorted(by_app.items(), key=lambda item: -item[1])),
            "cpu_ms": (time.process_time() - started) / ANATOMY_REPEATS * 1000,
        }
    return anatomy


def _wrk(url: str, args: list[str], *, clients: int, seconds: float, name: str = "", endpoint: str = "") -> Phase:
    command = [
        "wrk",
        "-t2",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        *args,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    result = next((line for line in completed.stdout.splitlines() if line.startswith("WRK-RESULT ")), None)
    if completed.returncode != 0 or result is None:
        sys.exit(f"wrk failed ({completed.returncode}):\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
    figures = json.loads(result.removeprefix("WRK-RESULT "))
    sample = next((line for line in completed.stdout.splitlines() if line.startswith("WRK-SAMPLE ")), "")
    return {
        "name": name,
        "endpoint": endpoint,
        "requests": figures["requests"],
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "non2xx": figures["non2xx"],
        "socket_errors": sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")),
        "sample": sample.removeprefix("WRK-SAMPLE "),
    }


def _drain(url: str) -> None:
    """Wait until the server has finished what a phase left queued (granian keeps executing requests
    after wrk hung up): no statement running on the database in three polls 0.2 s apart."""
    import psycopg

    busy = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state <> 'idle' AND pid <> pg_backend_pid()"
    )
    quiet = 0
    deadline = time.monotonic() + 300
    with psycopg.connect(url, autocommit=True) as connection:
        while quiet < 3 and time.monotonic() < deadline:
            row = connection.execute(busy).fetchone()
            quiet = quiet + 1 if row is not None and row[0] == 0 else 0
            time.sleep(0.2)


def _phase(
    url: str,
    base: str,
    name: str,
    endpoint: str,
    warmup_args: list[str],
    run_args: list[str],
    *,
    clients: int,
    duration: float,
    warmup: float,
    drain: bool = True,
) -> Phase:
    """A warm-up of the endpoint (with its own keys), then the measured run. `drain`: wait for the
    database to be quiet before and after (not while the intake worker keeps it busy on purpose)."""
    print(f"phase {name}: {endpoint} (warm-up {warmup:.0f} s, then {duration:.0f} s)", flush=True)
    _wrk(base, warmup_args, clients=clients, seconds=warmup)
    if drain:
        _drain(url)
    phase = _wrk(base, run_args, clients=clients, seconds=duration, name=name, endpoint=endpoint)
    if drain:
        _drain(url)
    print(
        f"  {phase['rps']:.0f} req/s, p50 {phase['p50_ms']:.1f} ms, p99 {phase['p99_ms']:.1f} ms, "
        f"non-2xx {phase['non2xx']}, socket errors {phase['socket_errors']}",
        flush=True,
    )
    return phase


def _query(url: str, sql: LiteralString, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url) as connection:
        return list(connection.execute(sql, params or None).fetchall())


def _intake(port: int, officer_token: str, uuids: list[str]) -> tuple[Intake, list[str]]:
    """Receive the dossiers through the API, 4 clients at a time; returns the codes the receipts gave."""
    lock = threading.Lock()
    todo = list(uuids)
    errors: list[str] = []
    codes: list[str] = []

    def work() -> None:
        client = Client(port, officer_token)
        while True:
            with lock:
                if not todo:
                    break
                uuid = todo.pop()
            answer = client.call("POST", f"{API_DOSSIERS}/{uuid}/actions/receive", {})
            with lock:
                if answer.status == 200:
                    codes.append(answer.json()["code"])
                else:
                    errors.append(f"{answer.status} {answer.body[:200]!r}")
        client.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        print(f"  intake: {len(errors)} errors, first: {errors[0]}", flush=True)
    seconds = time.perf_counter() - started
    return {"dossiers": len(uuids), "seconds": seconds, "errors": len(errors)}, codes


_ASYNC_SQL: LiteralString = """
    SELECT count(*),
           count(*) FILTER (WHERE s.state = 'created'),
           count(*) FILTER (WHERE s.state <> 'created'),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.settled_at - s.accepted_at)),
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM s.settled_at - s.accepted_at)),
           extract(epoch FROM min(s.accepted_at)),
           extract(epoch FROM max(s.settled_at))
      FROM dossiers_submission s
      JOIN api_idempotencykey k ON k.response_body ->> 'id' = s.uuid::text
     WHERE k.key LIKE %s
"""


def _async_intake(url: str, load_ended: float, keys: str, *, timeout: float = 300) -> AsyncIntake:
    """Wait until the worker has settled every accepted submission, then read what it did with those
    whose idempotency key is LIKE `keys`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _query(url, "SELECT 1 FROM dossiers_submission WHERE state = 'accepted' LIMIT 1"):
            break
        time.sleep(0.2)
    row = _query(url, _ASYNC_SQL, (keys,))[0]
    accepted, created, other = (int(str(v)) for v in row[:3])
    p50, p99, first, last = (float(str(v)) if v is not None else 0.0 for v in row[3:])
    print(f"  intake worker: {created} of {accepted} created, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    return {
        "accepted": accepted,
        "created": created,
        "other": other,
        "p50_ms": p50 * 1000,
        "p99_ms": p99 * 1000,
        "sustained_per_s": created / (last - first) if last > first else 0.0,
        "catch_up_s": max(0.0, last - load_ended),
    }


def _median_phase(runs: list[Phase]) -> Phase:
    """One phase over its rounds: the median of each rate and percentile, the worst maximum, the sums
    of requests and errors, the first bad answer seen."""

    def median(key: str) -> float:
        return float(statistics.median(float(run[key]) for run in runs))  # type: ignore[literal-required]

    return {
        "name": runs[0]["name"],
        "endpoint": runs[0]["endpoint"],
        "requests": sum(run["requests"] for run in runs),
        "rps": median("rps"),
        "p50_ms": median("p50_ms"),
        "p95_ms": median("p95_ms"),
        "p99_ms": median("p99_ms"),
        "max_ms": max(run["max_ms"] for run in runs),
        "non2xx": sum(run["non2xx"] for run in runs),
        "socket_errors": sum(run["socket_errors"] for run in runs),
        "sample": next((run["sample"] for run in runs if run["sample"]), ""),
    }


def _median_intake(runs: list[AsyncIntake]) -> AsyncIntake:
    return {
        "accepted": sum(run["accepted"] for run in runs),
        "created": sum(run["created"] for run in runs),
        "other": sum(run["other"] for run in runs),
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": max(run["p99_ms"] for run in runs),
        "sustained_per_s": statistics.median(run["sustained_per_s"] for run in runs),
        "catch_up_s": max(run["catch_up_s"] for run in runs),
    }


def run(url: str, *, clients: int, duration: float, warmup: float, intake: int, rounds: int) -> Run:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp, throwaway_postgres(url):
        env = bench_env(url, tmp, settings_module="bench.ceiling.settings")
        started = time.perf_counter()
        tokens: Tokens = prepare(env, ceiling_table=True)
        setup_seconds = time.perf_counter() - started
        body_file = Path(tmp) / "submission.json"
        template = submission(0)
        template["applicant"]["id_number"] = "@ID@"
        body_file.write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8")
        port = free_port()
        base = f"http://{HOST}:{port}"
        system, officer = tokens["system"], tokens["officer"]
        rounds_of: dict[str, list[Phase]] = {}
        async_rounds: list[AsyncIntake] = []
        with Server(env, port, Path(tmp) / "server.log"):

            def measure(
                name: str, endpoint: str, warmup_args: list[str], run_args: list[str], *, drain: bool = True
            ) -> None:
                phase = _phase(
                    url,
                    base,
                    name,
                    endpoint,
                    warmup_args,
                    run_args,
                    clients=clients,
                    duration=duration,
                    warmup=warmup,
                    drain=drain,
                )
                rounds_of.setdefault(name, []).append(phase)

            def post(path: str, prefix: str) -> list[str]:
                return ["post", system, path, str(body_file), prefix]

            def get(path: str, items: Path) -> list[str]:
                return ["get", officer, path + "/", str(items)]

            # Rounds: each product phase right after its ceiling, so that both see the same machine.
            for r in range(rounds):
                measure("A", "ceiling POST (one INSERT)", post(CEILING_ROWS, f"Aw{r}"), post(CEILING_ROWS, f"Ar{r}"))
                measure("B", "POST /api/v1/dossiers", post(API_DOSSIERS, f"Bw{r}"), post(API_DOSSIERS, f"Br{r}"))
                with IntakeWorker(env, Path(tmp) / "intake.log"):
                    measure(
                        "B2",
                        "POST /api/v1/dossiers, Prefer: respond-async (202; intake worker running)",
                        [*post(API_DOSSIERS, f"B2w{r}"), PREFER_ASYNC],
                        [*post(API_DOSSIERS, f"B2r{r}"), PREFER_ASYNC],
                        drain=False,
                    )
                    async_rounds.append(_async_intake(url, time.time(), f"B2r{r}-%"))
                _drain(url)
            # What phase B created: every key committed, including answers wrk stopped waiting for.
            created = _query(url, "SELECT response_body->>'uuid' FROM api_idempotencykey WHERE key LIKE 'Br%'")
            uuids = [str(row[0]) for row in created]
            if not uuids:
                sys.exit("phase B committed no dossier: nothing to look up")
            print(f"intake: receiving {min(intake, len(uuids))} of the {len(uuids)} dossiers of B", flush=True)
            received, received_codes = _intake(port, officer, uuids[:intake])
            keys = Path(tmp) / "ceiling-keys.txt"
            rows = _query(url, "SELECT key FROM bench_ceiling_row WHERE key LIKE 'Ar%'")
            keys.write_text("\n".join(str(row[0]) for row in rows) + "\n")
            codes = Path(tmp) / "codes.txt"
            codes.write_text("\n".join(received_codes) + "\n")
            statuses = Path(tmp) / "statuses.txt"
            statuses.write_text("\n".join(f"{code}/status" for code in received_codes) + "\n")
            detail = get(API_DOSSIERS, codes)
            for _ in range(rounds):
                measure("C", "ceiling GET (one SELECT by key)", get(CEILING_ROWS, keys), get(CEILING_ROWS, keys))
                measure(
                    "D", "GET /api/v1/dossiers/{code}/status", get(API_DOSSIERS, statuses), get(API_DOSSIERS, statuses)
                )
                measure("E", "GET /api/v1/dossiers/{code} (full detail)", detail, detail)
        print("anatomy: SQL statements and Django CPU per request, in process", flush=True)
        args = ["--child-anatomy", json.dumps(tokens), received_codes[0], str(rows[0][0])]
        anatomy: dict[str, Anatomy] = run_child(env, "bench.dossier_submit", *args)
    return {
        "phases": {name: _median_phase(runs) for name, runs in rounds_of.items()},
        "ratios": {
            product: statistics.median(
                p["rps"] / c["rps"] for p, c in zip(rounds_of[product], rounds_of[ceiling], strict=True)
            )
            for product, ceiling in (("B", "A"), ("B2", "A"), ("D", "C"), ("E", "C"))
        },
        "rounds": rounds,
        "async_intake": _median_intake(async_rounds),
        "created_in_b": len(uuids),
        "intake": received,
        "anatomy": anatomy,
        "load_before": load_before,
        "setup_seconds": setup_seconds,
    }


def _verdict(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def report(result: Run, *, clients: int, duration: float) -> str:
    p = result["phases"]
    ratios = result["ratios"]
    post_ratio, async_ratio, get_ratio = ratios["B"], ratios["B2"], ratios["D"]
    lines = [
        "| phase | endpoint | req/s | vs ceiling | p50 | p95 | p99 | max | non-2xx | socket errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, phase in p.items():
        ratio = f"{ratios[key]:.0%}" if key in ratios else "(ceiling)"
        lines.append(
            f"| {key} | {phase['endpoint']} | **{phase['rps']:.0f}** | {ratio} | {phase['p50_ms']:.1f} ms "
            f"| {phase['p95_ms']:.1f} ms | {phase['p99_ms']:.1f} ms | {phase['max_ms']:.0f} ms "
            f"| {phase['non2xx']} | {phase['socket_errors']} |"
        )
    samples = [f"phase {k}: `{ph['sample']}`" for k, ph in p.items() if ph["sample"]]
    intake = result["intake"]
    b_answered = p["B"]["requests"] - p["B"]["non2xx"]
    post_ok = post_ratio >= TARGET_POST_RATIO and p["B"]["p99_ms"] < TARGET_POST_P99_MS
    async_ok = async_ratio >= TARGET_POST_RATIO and p["B2"]["p99_ms"] < TARGET_POST_P99_MS
    get_ok = get_ratio >= TARGET_GET_RATIO
    worker = result["async_intake"]
    errors_ok = all(ph["non2xx"] == 0 and ph["socket_errors"] == 0 for ph in p.values())
    body = [
        f"{result['rounds']} rounds; in each, every product phase runs right after its ceiling phase, "
        f"{duration:.0f} s each after a warm-up; the table gives the median over the rounds of each figure "
        "(max: the worst), and each ratio is the median of the rounds' ratios. "
        f"{clients} concurrent clients (wrk, 2 threads, keep-alive); "
        f"granian WSGI, {WORKERS} workers × 4 threads, DEBUG off, PostgreSQL. wrk, granian and PostgreSQL share "
        f"the 2 cores (load average {result['load_before']:.1f} when the run began).",
        "",
        *lines,
        "",
        f"The rounds of phase B committed {result['created_in_b']:,} dossiers ({b_answered:,} answers received "
        f"inside the windows; the rest were in flight when wrk stopped). Before D, {intake['dossiers']:,} of them were "
        f"received through POST …/actions/receive by 4 clients: {intake['dossiers'] / intake['seconds']:.0f}/s, "
        f"{intake['errors']} errors. Setup (migrate, reference data, procedure, officers): "
        f"{result['setup_seconds']:.0f} s.",
        "",
        f"Phases B2: the intake worker (one process, beside the server on the same cores) created "
        f"{worker['created']:,} of the {worker['accepted']:,} accepted submissions "
        f"({worker['other']} refused, failed or left), {worker['p50_ms']:.0f} ms after acceptance at the median "
        f"and {worker['p99_ms']:,.0f} ms at p99; {worker['sustained_per_s']:.0f} dossiers/s from the first "
        f"acceptance to the last creation, which came {worker['catch_up_s']:.1f} s after the load stopped.",
        "",
        f"- Submission, asynchronous (B2, `Prefer: respond-async`): {async_ratio:.0%} of the ceiling's rate "
        f"(target ≥ {TARGET_POST_RATIO:.0%}), p99 {p['B2']['p99_ms']:.0f} ms (target < {TARGET_POST_P99_MS:.0f} ms): "
        f"{_verdict(async_ok and worker['other'] == 0)}.",
        f"- Submission, synchronous (B, 201 with the whole dossier): {post_ratio:.0%} of the ceiling's rate, p99 "
        f"{p['B']['p99_ms']:.0f} ms: {_verdict(post_ok)}.",
        f"- Look-up by code: {get_ratio:.0%} of the ceiling's GET rate (target ≥ {TARGET_GET_RATIO:.0%}): "
        f"{_verdict(get_ok)}.",
        f"- Every answer 2xx: {'yes' if errors_ok else '**no**'}.",
    ]
    if samples:
        body += ["", "First non-2xx answer: " + "; ".join(samples)]
    body += [
        "",
        "Where the time goes: one request of each endpoint inside the Django process (test client, same "
        f"URLconf and middleware, after a warm-up; CPU is the mean of {ANATOMY_REPEATS} requests, the database "
        "server's time excluded).",
        "",
        "| phase | endpoint | SQL statements | by app | Django CPU per request |",
        "|---|---|---|---|---|",
    ]
    for key, anatomy in result["anatomy"].items():
        apps = ", ".join(f"{app} {n}" for app, n in anatomy["by_app"].items())
        body.append(f"| {key} | {p[key]['endpoint']} | {anatomy['queries']} | {apps} | {anatomy['cpu_ms']:.1f} ms |")
    return "\n".join(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the figures to docs/performance.md")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_SUBMIT_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--duration", type=float, default=DURATION, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=WARMUP, help="seconds of warm-up before each phase")
    parser.add_argument("--intake", type=int, default=INTAKE, help="dossiers received before the look-up phase")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of ceiling and product phases")
    parser.add_argument("--child-anatomy", nargs=3, metavar=("TOKENS", "CODE", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_anatomy:
        tokens, code, key = args.child_anatomy
        print(json.dumps(child_anatomy(json.loads(tokens), code, key)))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install wrk)")
    result = run(
        args.postgres,
        clients=args.clients,
        duration=args.duration,
        warmup=args.warmup,
        intake=args.intake,
        rounds=max(1, args.rounds),
    )
    body = report(result, clients=args.clients, duration=args.duration)
    print(body)
    if args.write:
        write_section("dossier-submit", "python -m bench.dossier_submit --write", body)


if __name__ == "__main__":
    main()
