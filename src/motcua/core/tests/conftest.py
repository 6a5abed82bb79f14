"""Fixtures for the outbox tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from motcua.core import events
from motcua.core.tests.support import ParcelReceived, ParcelReturned, Recorder


@pytest.fixture
def registry() -> Iterator[None]:
    """An empty subscription registry for the test; the application's subscriptions come back after."""
    saved = {event_type: dict(handlers) for event_type, handlers in events._handlers.items()}
    events._handlers.clear()
    yield
    events._handlers.clear()
    events._handlers.update(saved)


@pytest.fixture
def recorder(registry: None) -> Recorder:
    """Two handlers subscribed to ParcelReceived ("tests.audit", "tests.notify"), one to ParcelReturned."""
    recorder = Recorder()
    events.subscribe(ParcelReceived, "tests.audit", recorder.handler("tests.audit"))
    events.subscribe(ParcelReceived, "tests.notify", recorder.handler("tests.notify"))
    events.subscribe(ParcelReturned, "tests.audit", recorder.handler("tests.audit"))
    return recorder
