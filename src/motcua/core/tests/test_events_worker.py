"""Delivery by the real processes: the django-tasks worker, the deliver-events sweeper, and crashes.

These tests commit for real (transaction=True): the outbox's promises are about what happens
after a commit.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django_tasks_db.models import DBTaskResult
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from motcua.core import events, tasks
from motcua.core.events import PublishedEvent, publish
from motcua.core.models import EventDelivery, OutboxEvent
from motcua.core.tests.support import ParcelReceived, Recorder, received

DJANGO_ROOT = Path(__file__).resolve().parents[3]  # src/, for the subprocesses' sys.path


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """The worker and the sweeper install SIGTERM/SIGINT handlers: give pytest its own back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def _publish_and_commit(parcel: str = "P-1", **changes: object) -> OutboxEvent:
    with transaction.atomic():
        return publish(received(parcel, **changes), aggregate_type="parcel", aggregate_id=parcel)


def _states() -> list[str]:
    return sorted(EventDelivery.objects.values_list("state", flat=True))


def _sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("deliver-events", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_django_tasks_worker_delivers_after_the_commit(registry: None, signal_handlers: None) -> None:
    seen: list[tuple[str, bool]] = []

    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        # After the commit and outside any transaction: a handler's own service opens its own.
        seen.append((published.event.parcel, transaction.get_connection().in_atomic_block))

    events.subscribe(ParcelReceived, "tests.audit", handler)
    events.subscribe(ParcelReceived, "tests.notify", handler)
    _publish_and_commit("P-1")
    assert _states() == ["pending", "pending"]

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())

    assert seen == [("P-1", False), ("P-1", False)]
    assert _states() == ["delivered", "delivered"]
    job = DBTaskResult.objects.get()
    assert (job.task_path, job.status) == ("motcua.core.tasks.deliver_events", "SUCCESSFUL")
    assert job.return_value is not None
    assert job.return_value["delivered"] == 2


@pytest.mark.django_db(transaction=True)
def test_with_the_immediate_backend_events_are_delivered_as_the_transaction_commits(
    recorder: Recorder, settings: Settings
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    with transaction.atomic():
        publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")
        assert recorder.calls == [], "not before the commit"

    assert sorted(name for name, *_rest in recorder.calls) == ["tests.audit", "tests.notify"]
    assert _states() == ["delivered", "delivered"]


@pytest.mark.django_db
def test_the_task_delivers_what_is_due_and_reports_it(recorder: Recorder) -> None:
    with transaction.atomic():
        publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")

    result = tasks.deliver_events.call()

    assert result["delivered"] == 2
    assert _states() == ["delivered", "delivered"]


# --- A crash between the commit and the delivery loses nothing --------------------------------


class _LostQueue:
    def enqueue(self) -> None:
        raise ConnectionError("the job queue is unreachable")


@pytest.mark.django_db(transaction=True)
def test_when_the_job_cannot_be_enqueued_the_change_stands_and_the_sweeper_delivers(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, signal_handlers: None
) -> None:
    monkeypatch.setattr(tasks, "deliver_events", _LostQueue())

    with caplog.at_level(logging.ERROR, logger="motcua.core.events"):
        _publish_and_commit("P-1")  # does not raise: the change has committed

    assert "Could not enqueue deliver_events" in caplog.text
    assert not DBTaskResult.objects.exists()
    assert _states() == ["pending", "pending"]

    output = _sweep()

    assert "Domain events: 2 delivered." in output
    assert _states() == ["delivered", "delivered"]


@pytest.mark.django_db
def test_when_the_process_dies_right_after_the_commit_the_sweeper_delivers(
    recorder: Recorder, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, signal_handlers: None
) -> None:
    # The commit happened, the on-commit callbacks (the enqueue) never ran.
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        publish(received("P-1"), aggregate_type="parcel", aggregate_id="P-1")
    assert len(callbacks) == 1
    assert not DBTaskResult.objects.exists()

    _sweep()

    assert _states() == ["delivered", "delivered"]
    assert len(recorder.calls) == 2


_CRASHING_PUBLISHER = textwrap.dedent(
    """
    import os, django
    django.setup()
    from django.db import transaction
    from motcua.core import events
    from motcua.core.tests.support import ParcelReceived, received

    events.subscribe(ParcelReceived, "tests.audit", lambda published: None)
    events.subscribe(ParcelReceived, "tests.notify", lambda published: None)
    with transaction.atomic():
        # Registered before publish() registers the enqueue: the process dies between the two.
        transaction.on_commit(lambda: os._exit(137))
        events.publish(received("P-9"), aggregate_type="parcel", aggregate_id="P-9")
    raise SystemExit("not reached")
    """
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second process cannot see the in-memory SQLite test database"
)
def test_a_process_killed_between_commit_and_enqueue_loses_nothing(recorder: Recorder, signal_handlers: None) -> None:
    settings_dict = connection.settings_dict
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "motcua.config.settings",
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT'] or 5432}/"
        f"{settings_dict['NAME']}",
        "PYTHONPATH": str(DJANGO_ROOT),
    }

    child = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", _CRASHING_PUBLISHER], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert child.returncode == 137, child.stderr
    assert OutboxEvent.objects.filter(aggregate_id="P-9").count() == 1
    assert _states() == ["pending", "pending"]
    assert not DBTaskResult.objects.exists()

    _sweep()

    assert _states() == ["delivered", "delivered"]
    assert sorted(recorder.calls) == [("tests.audit", "P-9", 1, 1), ("tests.notify", "P-9", 1, 1)]


# --- The sweeper command ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweeper_says_when_nothing_is_due(registry: None, signal_handlers: None) -> None:
    assert _sweep() == "Domain events: nothing due.\n"


@pytest.mark.django_db(transaction=True)
def test_on_sigterm_the_sweeper_finishes_the_delivery_in_hand_and_stops(registry: None, signal_handlers: None) -> None:
    calls: list[str] = []

    def handler(published: PublishedEvent[ParcelReceived]) -> None:
        calls.append(published.event.parcel)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # as systemd or docker stop would

    events.subscribe(ParcelReceived, "tests.audit", handler)
    _publish_and_commit("P-1")
    _publish_and_commit("P-2")
    previous = signal.getsignal(signal.SIGTERM)

    output = _sweep("--loop", "--interval", "30")

    assert output.endswith("Stopped.\n")
    assert calls == ["P-1"]
    assert _states() == ["delivered", "pending"], "the delivery in hand is recorded, none is left in progress"
    assert signal.getsignal(signal.SIGTERM) is previous


@pytest.mark.django_db(transaction=True)
def test_on_sigterm_the_sleeping_sweeper_stops_at_once(registry: None, signal_handlers: None) -> None:
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    timer.start()

    output = _sweep("--loop", "--interval", "30")

    assert time.monotonic() - started < 5
    assert output.startswith("Delivering domain events every 30 s")
    assert output.endswith("Stopped.\n")


@pytest.mark.django_db(transaction=True)
def test_the_looping_sweeper_survives_a_database_outage(
    registry: None, signal_handlers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweeps: list[int] = []

    def flaky(**kwargs: object) -> events.DeliveryReport:
        sweeps.append(len(sweeps))
        if len(sweeps) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        os.kill(os.getpid(), signal.SIGTERM)
        return events.DeliveryReport()

    monkeypatch.setattr(events, "deliver_until_idle", flaky)
    err = io.StringIO()

    call_command("deliver-events", "--loop", "--interval", "0.01", stdout=io.StringIO(), stderr=err)

    assert sweeps == [0, 1]
    assert "Database unavailable, next sweep in 0.01 s: server closed the connection" in err.getvalue()


def _wait_for(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_the_sweeper_process_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'outbox.sqlite3'}",
        "MOTCUA_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "motcua"]
    subprocess.run([*command, "migrate", "core", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    lines: list[str] = []
    sweeper = subprocess.Popen(  # noqa: S603
        [*command, "deliver-events", "--loop", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sweeper.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(sweeper.stdout or []), daemon=True)
        reader.start()
        _wait_for(lambda: any("Delivering domain events" in line for line in lines))
        time.sleep(0.5)  # a few sweeps

        sweeper.send_signal(signal.SIGTERM)
        returncode = sweeper.wait(timeout=10)
        reader.join(timeout=5)
    finally:
        if sweeper.poll() is None:
            sweeper.kill()

    assert returncode == 0, sweeper.stderr.read() if sweeper.stderr else ""
    assert lines[-1] == "Stopped.\n"
