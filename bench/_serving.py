"""Shared by the benchmarks that drive the real server: a throwaway database, the data a submission
needs, API tokens, granian started like `motcua serve`, and a small keep-alive HTTP client.

The server runs in its own process group (`start_new_session`), so that `Server.kill()` sends
SIGKILL to granian and every one of its workers at once, as a power cut or the OOM killer would.

What a submission needs is loaded the way an operator would, through the product's own code:
`load-reference-data` (units, agencies, calendars), the portal record of procedure 1.004222
(Đăng ký thường trú, published with its processing flow) and the demo officers of Công an phường
Sài Gòn and of the Phường Sài Gòn service centre (`motcua.demo.dossiers`). `load-demo` would do
the same but imports 1,316 procedures first (two minutes on a busy machine).

    python -m bench._serving --prepare [--ceiling-table]   (inside the benchmark's environment)
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypedDict
from urllib.parse import urlsplit

from bench.catalog_search import _postgres_admin

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2  # one per core of the reference machine, as `motcua serve` defaults to
PROCEDURE = "1.004222"  # Đăng ký thường trú: 7 working days, online
CENTRE = "267.40.01.X79"  # Trung tâm Phục vụ hành chính công phường Sài Gòn (receives)
POLICE = "267.40.03.X79"  # Công an phường Sài Gòn (decides)
SYSTEM_NAME = "bench-portal"  # the system that submits, like the citizen portal
OFFICER = "motcua"  # the demo receiving officer of the centre: reads and receives
API_DOSSIERS = "/api/v1/dossiers"


class Tokens(TypedDict):
    system: str
    officer: str


def bench_env(database_url: str, var_dir: str, *, settings_module: str = "motcua.config.settings") -> dict[str, str]:
    """The environment of every process of a run: production defaults (DEBUG off), this database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MOTCUA_VAR_DIR": var_dir,
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "LOG_LEVEL": "WARNING",
        # granian imports bench.ceiling.settings from the workers: the repository root on the path.
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
    return env


@contextlib.contextmanager
def throwaway_postgres(url: str) -> Iterator[str]:
    """Create the database `url` names (it must start with motcua_bench), yield it, drop it."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("motcua_bench"):
        sys.exit("refusing to create and drop a database whose name does not start with motcua_bench")
    _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _postgres_admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(env: dict[str, str], module: str, *args: str) -> Any:
    """Run `python -m module args` in the run's environment; its last stdout line is JSON."""
    completed = subprocess.run(  # noqa: S603 (this interpreter, our module)
        [sys.executable, "-m", module, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        sys.exit(f"{module} {' '.join(args)} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def prepare(env: dict[str, str], *, ceiling_table: bool = False) -> Tokens:
    """Migrate and load what a submission needs; returns the keys of the two API tokens."""
    args = ["--prepare", "--ceiling-table"] if ceiling_table else ["--prepare"]
    tokens: Tokens = run_child(env, "bench._serving", *args)
    return tokens


def _child_prepare(*, ceiling_table: bool) -> Tokens:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from motcua.agencies.models import Officer
    from motcua.api.auth import api_token_create
    from motcua.catalog.importing import import_files
    from motcua.catalog.services import flows_load_reference
    from motcua.demo.dossiers import demo_dossiers_load
    from motcua.demo.services import DEMO_PROCEDURES

    call_command("migrate", verbosity=0, interactive=False)
    with contextlib.redirect_stdout(sys.stderr):
        call_command("load-reference-data")
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "procedures.jsonl"
        with gzip.open(DEMO_PROCEDURES, "rt", encoding="utf-8") as source:
            wanted = [line for line in source if json.loads(line).get("ma_thu_tuc") == PROCEDURE]
        records.write_text("".join(wanted), encoding="utf-8")
        summary = import_files([records], actor="bench", default_flows=True)
        if summary.rejected or summary.created != 1:
            sys.exit(f"importing {PROCEDURE} failed: {summary.lines()}")
    flows_load_reference(actor="bench")
    demo_dossiers_load()
    if ceiling_table:
        from bench.ceiling.views import TABLE_SQL

        with connection.cursor() as cursor:
            cursor.execute(TABLE_SQL)
    officer = Officer.objects.get(user__username=OFFICER)
    return {
        "system": api_token_create(system_name=SYSTEM_NAME).key,
        "officer": api_token_create(officer=officer).key,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def end_group(process: subprocess.Popen[bytes], sig: signal.Signals, *, timeout: float = 30) -> None:
    """Send `sig` to the process group of `process` (started with `start_new_session`: the leader's
    pid is the group id) and wait for the leader; SIGKILL the group if it outlives `timeout` s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Server:
    """`motcua serve` (granian, WSGI, production defaults) in its own process group."""

    def __init__(self, env: dict[str, str], port: int, log: Path, *, workers: int = WORKERS) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    def start(self, *, timeout: float = 90.0) -> None:
        self._log_file = self.log.open("ab")
        command = [sys.executable, "-m", "motcua", "serve", "--host", HOST, "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603 (this interpreter, the product's command)
            [*command, "--workers", str(self.workers)],
            env=self.env,
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the server exited with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            time.sleep(0.2)
        self.kill()
        sys.exit(f"the server did not answer /healthz within {timeout:.0f} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL to granian and all its workers at once; nothing runs any cleanup."""
        if self.process is None:
            return
        end_group(self.process, signal.SIGKILL)
        self._closed()

    def stop(self) -> None:
        if self.process is None:
            return
        end_group(self.process, signal.SIGTERM, timeout=20)
        self._closed()

    def _closed(self) -> None:
        # Workers of a killed granian are in its group and die with it; wait until the port is free.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex((HOST, self.port)) != 0:
                    break
            time.sleep(0.1)
        self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class IntakeWorker:
    """`motcua process-submissions --loop` (the intake worker of asynchronous submissions) in its own
    process group; `with IntakeWorker(...)` runs it while inside."""

    def __init__(self, env: dict[str, str], log: Path, *, batch_size: int = 100) -> None:
        self.env, self.log, self.batch_size = env, log, batch_size
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 60.0) -> None:
        """Start it and wait until it takes submissions (its first line)."""
        self.log.write_bytes(b"")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, the product's command)
                [sys.executable, "-m", "motcua", "process-submissions", "--loop", "--batch-size", str(self.batch_size)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while b"Taking accepted submissions" not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the intake worker did not start; see {self.log}")
            time.sleep(0.1)

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Signal the whole group (SIGKILL by default: nothing runs any cleanup) and wait for it."""
        if self.process is None:
            return
        end_group(self.process, sig, timeout=30)
        self.process = None

    def __enter__(self) -> IntakeWorker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill(signal.SIGTERM)


def submission(n: int) -> dict[str, Any]:
    """The body of a submission by the citizen portal; `n` makes the applicant unique."""
    return {
        "procedure_code": PROCEDURE,
        "channel": "online",
        "applicant": {
            "name": "Nguyễn Văn An",
            "id_number": applicant_id(n),
            "phone": "0903123456",
            "email": "an.nguyen@example.invalid",
            "address": "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
        },
        "receiving_agency": CENTRE,
        "competent_agency": POLICE,
        "form_data": {
            "address": "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
            "relationship_to_householder": "Con",
            "householder": {"name": "Nguyễn Văn Bình", "id_number": "079060000001"},
        },
        "summary": "Đăng ký thường trú vào chỗ ở hợp pháp",
    }


def applicant_id(n: int) -> str:
    """A 12-digit personal ID number per request (079: Hồ Chí Minh City), unique for n < 10**9."""
    return f"079{n:09d}"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class NotSent(Exception):
    """The connection could not be opened: the request never left the client."""


class Client:
    """One keep-alive connection, as one client of the API holds it."""

    def __init__(self, port: int, token: str, *, timeout: float = 30.0) -> None:
        self.port = port
        self.token = token
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                connection.connect()
            except OSError as exc:
                raise NotSent(str(exc)) from exc
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> None:
        """Send the request only; `receive` reads the answer (or `close` drops it unread)."""
        connection = self._connect()
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        all_headers = {"Authorization": f"Token {self.token}", "Accept": "application/json", **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=data, headers=all_headers)
        except BaseException:
            self.close()
            raise

    def receive(self) -> Answer:
        assert self._connection is not None
        try:
            response = self._connection.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return answer

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        self.send(method, path, body, headers)
        return self.receive()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--ceiling-table", action="store_true")
    args = parser.parse_args()
    if not args.prepare:
        parser.error("only --prepare is a command")
    print(json.dumps(_child_prepare(ceiling_table=args.ceiling_table)))


if __name__ == "__main__":
    main()
