"""SIGKILL during a burst of 1,000 submissions: nothing acknowledged is lost, nothing is duplicated.

Issue #4: "Killing the server with SIGKILL during a burst of 1,000 submissions loses none that were
acknowledged and creates no duplicates." A run:

1. creates a throwaway database (PostgreSQL by default, or a SQLite file with --sqlite), migrates it,
   loads what a submission needs and starts `motcua serve` (granian, 2 workers) in its own process
   group (bench._serving);
2. --clients keep-alive clients send the 1,000 submissions of a citizen portal, each with its own
   Idempotency-Key and its own applicant. Every 50th client gives up before reading the answer (a
   client-side timeout): its dossier is created but the client never learns it, the case an
   Idempotency-Key is for. When --kill-after submissions have been acknowledged (2xx received), the
   whole granian process group gets SIGKILL: requests in flight are cut wherever they are;
3. with the server down, the database is read: which unacknowledged requests committed anyway;
4. the server is started again and every request that was not acknowledged is sent again with the
   same key and the same body, as a real client does, until it is acknowledged;
5. the database is checked: every acknowledged submission exists exactly once and is the dossier the
   client was told; there are exactly 1,000 dossiers and one stored key per request; a retry whose
   first attempt had committed answered 200 `Idempotent-Replayed: true` with that same dossier, and
   one whose first attempt had not committed created it (201).

With --async the submissions ask `Prefer: respond-async` (dossiers.intake, ADR 0009): an
acknowledgement is a 202 naming a submission, and the intake worker (`motcua process-submissions`)
runs beside the server and is killed with it, in the middle of its batches. After the restart (server
and worker) and the retries, the run waits until the worker has settled every submission, then checks
that each key names one submission, each submission made exactly one dossier (the one of its
applicant), and a retry of a committed request answered that same submission.

Exit status 1 on any failure. `--write` records the run in docs/performance.md.

    SECRET_KEY=x .venv/bin/python -m bench.dossier_crash [--write] [--sqlite] [--async] [--postgres URL]
        [--kill-after N]
"""

from __future__ import annotations

import argparse
import enum
import http.client
import json
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from bench._report import write_section
from bench._serving import (
    API_DOSSIERS,
    Answer,
    Client,
    IntakeWorker,
    NotSent,
    Server,
    applicant_id,
    bench_env,
    free_port,
    prepare,
    run_child,
    submission,
    throwaway_postgres,
)

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/motcua_bench_crash"
N = 1000
CLIENTS = 8
KILL_AFTER = 400
GIVE_UP_EVERY = 50  # every 50th client gives up before reading its answer
GIVE_UP_AFTER = 0.5  # seconds: the answer is usually ready by then, so the dossier exists unseen
FIRST_APPLICANT = 900_000_000  # applicant IDs 079900000000…: none of the demo dossiers' numbers
RETRY_ATTEMPTS = 20


def key_of(i: int) -> str:
    return f"crash-{i:04d}"


class Outcome(enum.StrEnum):
    PENDING = "pending"  # not sent yet
    ACKNOWLEDGED = "acknowledged"  # 2xx received
    NOT_SENT = "not_sent"  # the connection was refused: the request never left the client
    IN_FLIGHT = "in_flight"  # sent, cut before an answer came back
    GAVE_UP = "gave_up"  # sent, the client stopped waiting (on purpose)
    FAILED = "failed"  # a non-2xx answer


@dataclass(slots=True)
class Submission:
    i: int
    outcome: Outcome = Outcome.PENDING
    status: int = 0
    uuid: str = ""  # of the dossier the client was told about
    retried: bool = False
    retry_status: int = 0
    retry_replayed: bool = False
    retry_uuid: str = ""
    detail: str = ""

    @property
    def key(self) -> str:
        return key_of(self.i)

    def body(self) -> dict[str, Any]:
        return submission(FIRST_APPLICANT + self.i)


class Stored(TypedDict):
    dossiers: int  # dossiers of this run's applicants
    by_applicant: dict[str, list[str]]  # applicant ID → dossier UUIDs
    by_key: dict[str, list[str]]  # idempotency key → stored response ids (dossier, or submission with --async)
    submissions: dict[str, list[str]]  # --async: submission id → [state, dossier UUID or ""]
    pending: int  # --async: submissions the worker has not settled yet


def child_stored(n: int, *, asynchronous: bool) -> Stored:
    """Inside a process on the run's database: what the database holds for the run's requests."""
    import django

    django.setup()
    from motcua.api.models import IdempotencyKey
    from motcua.dossiers.models import Dossier, Submission, SubmissionState

    ids = [applicant_id(FIRST_APPLICANT + i) for i in range(n)]
    by_applicant: dict[str, list[str]] = {}
    for id_number, uuid in Dossier.objects.filter(applicant_id_number__in=ids).values_list(
        "applicant_id_number", "uuid"
    ):
        by_applicant.setdefault(id_number, []).append(str(uuid))
    by_key: dict[str, list[str]] = {}
    field = "id" if asynchronous else "uuid"
    for key, body in IdempotencyKey.objects.filter(key__startswith="crash-").values_list("key", "response_body"):
        by_key.setdefault(key, []).append(str(body.get(field, "")) if isinstance(body, dict) else "")
    submissions = {
        str(uuid): [state, str(dossier or "")]
        for uuid, state, dossier in Submission.objects.values_list("uuid", "state", "dossier__uuid")
    }
    return {
        "dossiers": Dossier.objects.filter(applicant_id_number__in=ids).count(),
        "by_applicant": by_applicant,
        "by_key": by_key,
        "submissions": submissions,
        "pending": Submission.objects.filter(state=SubmissionState.ACCEPTED).count(),
    }


def _stored(env: dict[str, str], n: int, *, asynchronous: bool) -> Stored:
    args = ["--child-stored", "--n", str(n), *(["--async"] if asynchronous else [])]
    stored: Stored = run_child(env, "bench.dossier_crash", *args)
    return stored


def _id_of(answer: Answer) -> str:
    """The dossier's UUID (201), or the submission's id (202, --async)."""
    body = answer.json()
    return str(body["id"] if "id" in body else body["uuid"])


def _record(item: Submission, answer: Answer) -> None:
    item.status = answer.status
    if 200 <= answer.status < 300:
        item.outcome = Outcome.ACKNOWLEDGED
        item.uuid = _id_of(answer)
    else:
        item.outcome = Outcome.FAILED
        item.detail = answer.body[:300].decode(errors="replace")


def burst(
    port: int,
    token: str,
    items: list[Submission],
    *,
    clients: int,
    kill_after: int,
    server: Server,
    headers: dict[str, str],
    worker: IntakeWorker | None,
) -> float:
    """Send the submissions from `clients` threads; SIGKILL the server (and the intake worker) after
    `kill_after` answers. Returns the moment of the kill (seconds after the burst began)."""
    lock = threading.Lock()
    queue = list(reversed(items))
    killed = threading.Event()
    acknowledged = [0]
    enough = threading.Event()

    def work() -> None:
        client = Client(port, token)
        while not killed.is_set():
            with lock:
                if not queue:
                    break
                item = queue.pop()
            try:
                client.send("POST", API_DOSSIERS, item.body(), {"Idempotency-Key": item.key, **headers})
            except NotSent as exc:
                item.outcome, item.detail = Outcome.NOT_SENT, str(exc)
                continue
            except (OSError, http.client.HTTPException) as exc:
                item.outcome, item.detail = Outcome.IN_FLIGHT, repr(exc)
                continue
            if item.i % GIVE_UP_EVERY == GIVE_UP_EVERY // 2:
                time.sleep(GIVE_UP_AFTER)
                client.close()
                item.outcome = Outcome.GAVE_UP
                continue
            try:
                answer = client.receive()
            except (OSError, http.client.HTTPException) as exc:
                item.outcome, item.detail = Outcome.IN_FLIGHT, repr(exc)
                continue
            _record(item, answer)
            if item.outcome is Outcome.ACKNOWLEDGED:
                with lock:
                    acknowledged[0] += 1
                    if acknowledged[0] >= kill_after:
                        enough.set()
        client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    while not enough.wait(timeout=0.05) and any(thread.is_alive() for thread in threads):
        pass
    killed.set()  # no client starts another request; those in flight are cut by the kill
    server.kill()
    if worker is not None:
        worker.kill()  # in the middle of a batch, most likely: its transaction never commits
    killed_at = time.perf_counter() - started
    for thread in threads:
        thread.join()
    return killed_at


def retry(port: int, token: str, items: list[Submission], *, clients: int, headers: dict[str, str]) -> None:
    """Send every unacknowledged submission again, same key and body, until it is acknowledged."""
    lock = threading.Lock()
    queue = [item for item in items if item.outcome is not Outcome.ACKNOWLEDGED]

    def work() -> None:
        client = Client(port, token)
        while True:
            with lock:
                if not queue:
                    break
                item = queue.pop()
            item.retried = True
            for attempt in range(RETRY_ATTEMPTS):
                try:
                    answer = client.call("POST", API_DOSSIERS, item.body(), {"Idempotency-Key": item.key, **headers})
                except (NotSent, OSError, http.client.HTTPException) as exc:
                    item.detail = repr(exc)
                    time.sleep(min(2.0, 0.1 * 2**attempt))
                    continue
                item.retry_status = answer.status
                if 200 <= answer.status < 300:
                    item.retry_replayed = answer.headers.get("idempotent-replayed") == "true"
                    item.retry_uuid = _id_of(answer)
                    break
                item.detail = answer.body[:300].decode(errors="replace")
                if answer.status < 500:
                    break  # a refusal: retrying the same request cannot help
                time.sleep(min(2.0, 0.1 * 2**attempt))
        client.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass(slots=True)
class Verdict:
    failures: list[str]
    counts: dict[str, int]

    @property
    def passed(self) -> bool:
        return not self.failures


def check(items: list[Submission], before_retry: Stored, final: Stored, n: int, *, asynchronous: bool) -> Verdict:
    failures: list[str] = []

    def fail(message: str) -> None:
        if len(failures) < 20:
            failures.append(message)
        elif len(failures) == 20:
            failures.append("… (more)")

    committed_unseen = 0
    for item in items:
        applicant = applicant_id(FIRST_APPLICANT + item.i)
        dossiers = final["by_applicant"].get(applicant, [])
        keys = final["by_key"].get(item.key, [])
        if len(dossiers) != 1:
            fail(f"{item.key}: {len(dossiers)} dossiers in the database (expected exactly 1)")
        # What the stored answer names leads to the dossier: itself, or through its submission.
        named = keys[0] if len(keys) == 1 else ""
        if asynchronous and named:
            state, made = final["submissions"].get(named, ["missing", ""])
            if state != "created":
                fail(f"{item.key}: submission {named} is {state} (expected created)")
            named_dossier = made
        else:
            named_dossier = named
        if len(keys) != 1:
            fail(f"{item.key}: {len(keys)} stored idempotency keys (expected exactly 1)")
        elif dossiers and named_dossier != dossiers[0]:
            fail(f"{item.key}: the stored answer leads to {named_dossier}, the database holds {dossiers[0]}")
        if item.outcome is Outcome.ACKNOWLEDGED:
            if item.uuid != named:
                fail(f"{item.key}: acknowledged as {item.uuid} before the kill, the database names {named}")
            continue
        if item.outcome is Outcome.FAILED:
            fail(f"{item.key}: answered {item.status} before the kill: {item.detail}")
        first = before_retry["by_key"].get(item.key, [])
        if first:
            committed_unseen += 1
        if not 200 <= item.retry_status < 300:
            fail(f"{item.key}: the retry was not acknowledged ({item.retry_status or 'no answer'}): {item.detail}")
        elif first:
            if not (item.retry_status == 200 and item.retry_replayed and item.retry_uuid == first[0]):
                fail(
                    f"{item.key}: the first attempt had committed {first[0]}, but the retry answered "
                    f"{item.retry_status}, replayed={item.retry_replayed}, {item.retry_uuid}"
                )
        elif item.retry_status != (202 if asynchronous else 201) or item.retry_replayed:
            fail(f"{item.key}: nothing had committed, but the retry answered {item.retry_status} (expected a creation)")
    if final["dossiers"] != n:
        fail(f"{final['dossiers']} dossiers in the database (expected {n})")
    if len(final["by_key"]) != n:
        fail(f"{len(final['by_key'])} stored idempotency keys (expected {n})")
    if asynchronous and (len(final["submissions"]) != n or final["pending"]):
        fail(f"{len(final['submissions'])} submissions, {final['pending']} still pending (expected {n}, 0)")
    acknowledged_in_the_end = sum(
        1 for item in items if item.outcome is Outcome.ACKNOWLEDGED or 200 <= item.retry_status < 300
    )
    counts = {outcome.value: sum(1 for item in items if item.outcome is outcome) for outcome in Outcome}
    counts |= {
        "committed_unacknowledged": committed_unseen,
        "committed_unacknowledged_gave_up": sum(
            1 for item in items if item.outcome is Outcome.GAVE_UP and before_retry["by_key"].get(item.key)
        ),
        "committed_unacknowledged_cut": sum(
            1 for item in items if item.outcome is Outcome.IN_FLIGHT and before_retry["by_key"].get(item.key)
        ),
        "retried": sum(1 for item in items if item.retried),
        "replayed": sum(1 for item in items if item.retry_replayed),
        "created_by_retry": sum(1 for item in items if item.retry_status in (201, 202)),
        "acknowledged_in_the_end": acknowledged_in_the_end,
        "dossiers_before_retry": before_retry["dossiers"],
        "dossiers_final": final["dossiers"],
        "keys_final": len(final["by_key"]),
    }
    return Verdict(failures, counts)


def run(
    database_url: str, tmp: str, *, n: int, clients: int, kill_after: int, asynchronous: bool
) -> tuple[Verdict, float, float]:
    env = bench_env(database_url, tmp)
    tokens = prepare(env)
    port = free_port()
    items = [Submission(i) for i in range(n)]
    server = Server(env, port, Path(tmp) / "server.log")
    worker = IntakeWorker(env, Path(tmp) / "intake.log", batch_size=50) if asynchronous else None
    headers = {"Prefer": "respond-async"} if asynchronous else {}
    server.start()
    if worker is not None:
        worker.start()
    try:
        print(f"burst: {n} submissions from {clients} clients; SIGKILL after {kill_after} acknowledged", flush=True)
        killed_at = burst(
            port,
            tokens["system"],
            items,
            clients=clients,
            kill_after=kill_after,
            server=server,
            headers=headers,
            worker=worker,
        )
        before_retry = _stored(env, n, asynchronous=asynchronous)
        print(f"killed at {killed_at:.1f} s; {before_retry['dossiers']} dossiers committed; restarting", flush=True)
        started = time.perf_counter()
        server.start()
        if worker is not None:
            worker.start()
        restart_seconds = time.perf_counter() - started
        retry(port, tokens["system"], items, clients=clients, headers=headers)
        final = _stored(env, n, asynchronous=asynchronous)
        deadline = time.monotonic() + 120
        while final["pending"] and time.monotonic() < deadline:  # the worker finishing the queue
            time.sleep(1)
            final = _stored(env, n, asynchronous=asynchronous)
    finally:
        server.stop()
        if worker is not None:
            worker.kill(signal.SIGTERM)
    return check(items, before_retry, final, n, asynchronous=asynchronous), killed_at, restart_seconds


def report(
    verdict: Verdict, *, database: str, n: int, clients: int, killed_at: float, restart: float, asynchronous: bool
) -> str:
    c = verdict.counts
    unacknowledged = n - c["acknowledged"]
    mode = (
        "asynchronous (`Prefer: respond-async`, 202; the intake worker running beside the server and killed with it)"
        if asynchronous
        else "synchronous (201)"
    )
    killed = "the whole granian process group and the worker" if asynchronous else "the whole granian process group"
    lines = [
        f"{n:,} submissions, {mode}, each its own Idempotency-Key and applicant, from {clients} keep-alive "
        f"clients to `motcua serve` (granian, 2 workers) on {database}; every {GIVE_UP_EVERY}th client gives up "
        f"before reading its answer. SIGKILL to {killed} {killed_at:.1f} s into the burst; restart took "
        f"{restart:.1f} s; then every unacknowledged request is "
        "sent again, same key and body.",
        "",
        "| | count |",
        "|---|---|",
        f"| acknowledged (2xx) before the kill | {c['acknowledged']:,} |",
        f"| not acknowledged: cut in flight by the kill | {c['in_flight']:,} |",
        f"| not acknowledged: the client gave up waiting | {c['gave_up']:,} |",
        f"| not acknowledged: never sent (server down) | {c['not_sent'] + c['pending']:,} |",
        f"| refused before the kill (non-2xx) | {c['failed']:,} |",
        f"| of the unacknowledged, committed anyway (gave up / cut) | {c['committed_unacknowledged']:,} "
        f"({c['committed_unacknowledged_gave_up']} / {c['committed_unacknowledged_cut']}) |",
        f"| dossiers in the database after the kill | {c['dossiers_before_retry']:,} |",
        f"| retried | {c['retried']:,} (of {unacknowledged:,} unacknowledged) |",
        f"| retries answered 200 replayed (the same {'submission' if asynchronous else 'dossier'}) / "
        f"{'202 accepted' if asynchronous else '201 created'} | {c['replayed']:,} / {c['created_by_retry']:,} |",
        f"| acknowledged in the end | {c['acknowledged_in_the_end']:,} |",
        f"| **dossiers in the database in the end** | **{c['dossiers_final']:,}** (expected {n:,}) |",
        f"| stored idempotency keys | {c['keys_final']:,} (expected {n:,}) |",
        "",
    ]
    if verdict.passed:
        told = (
            "the submission its client was told, which made exactly one dossier"
            if asynchronous
            else ("the dossier its client was told")
        )
        lines.append(
            f"**PASS**: every acknowledged submission exists exactly once, as {told}; no duplicates; every retry "
            "of a committed request answered that same one."
        )
    else:
        lines.append("**FAIL**:")
        lines += [f"- {failure}" for failure in verdict.failures]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="record the run in docs/performance.md")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_CRASH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--kill-after", type=int, default=KILL_AFTER, help="acknowledged submissions before SIGKILL")
    parser.add_argument("--async", dest="asynchronous", action="store_true", help="Prefer: respond-async")
    parser.add_argument("--child-stored", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_stored:
        print(json.dumps(child_stored(args.n, asynchronous=args.asynchronous)))
        return
    if not 0 < args.kill_after < args.n:
        parser.error("--kill-after must be between 0 and --n")
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        if args.sqlite:
            database = "SQLite"
            verdict, killed_at, restart = run(
                f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                tmp,
                n=args.n,
                clients=args.clients,
                kill_after=args.kill_after,
                asynchronous=args.asynchronous,
            )
        else:
            database = "PostgreSQL"
            with throwaway_postgres(args.postgres) as url:
                verdict, killed_at, restart = run(
                    url,
                    tmp,
                    n=args.n,
                    clients=args.clients,
                    kill_after=args.kill_after,
                    asynchronous=args.asynchronous,
                )
    body = report(
        verdict,
        database=database,
        n=args.n,
        clients=args.clients,
        killed_at=killed_at,
        restart=restart,
        asynchronous=args.asynchronous,
    )
    print(body)
    if args.write:
        flags = (" --sqlite" if args.sqlite else "") + (" --async" if args.asynchronous else "")
        section = "dossier-crash" + ("-sqlite" if args.sqlite else "") + ("-async" if args.asynchronous else "")
        write_section(section, "python -m bench.dossier_crash --write" + flags, body)
    sys.exit(0 if verdict.passed else 1)


if __name__ == "__main__":
    main()
