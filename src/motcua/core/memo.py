"""Per-process caches of reference data read on every submission (agencies, versions in force).

Reference data changes a few times a year, a submission reads it every time: a process keeps
what it read for `ttl_seconds`, and forgets it at once when this process saves a row it depends
on (each app connects its models' post_save and post_delete in its AppConfig.ready). Another
process's change is therefore seen within `ttl_seconds`; a cache holds only what is safe to be
that late (never a dossier, never anything an applicant or officer changes).

What a cache returns is shared between the threads of the process: read it, never change it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_TTL_SECONDS = 60.0

_registry: list[ProcessCache[object, object]] = []
_registry_lock = threading.Lock()


class ProcessCache(Generic[K, V]):
    """A thread-safe map of key → (time read, value) with a time to live and a size bound.

    Two threads missing the same key at once may both load it; the last one is kept. Loading
    raises through: nothing is cached for a key whose load failed (a NotFound stays uncached, so
    a row created meanwhile is found at once)."""

    def __init__(self, name: str, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, max_entries: int = 10_000) -> None:
        self.name = name
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[K, tuple[float, V]] = {}
        with _registry_lock:
            _registry.append(self)  # type: ignore[arg-type]

    def get(self, key: K, load: Callable[[], V]) -> V:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self.ttl_seconds:
            return hit[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # reference data: a full reload is cheap and rare
            self._entries[key] = (now, value)
        return value

    def clear(self, *_args: object, **_kwargs: object) -> None:
        """Forget everything (usable as a signal receiver)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def process_caches_clear() -> None:
    """Forget every process cache (tests, and after a bulk load that sends no signals)."""
    with _registry_lock:
        caches = list(_registry)
    for cache in caches:
        cache.clear()
