"""System checks of the portal's deployment: `motcua check --deploy` warns when the public look-up's
throttle (portal.lookup) would count per process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

_PER_PROCESS = "django.core.cache.backends.locmem.LocMemCache"


def shared_cache(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.CACHES["default"]["BACKEND"] != _PER_PROCESS:
        return []
    return [
        checks.Warning(
            "The cache is per process (CACHE_URL=locmem): with several server processes the public "
            "look-up's guessing throttle counts in each of them apart.",
            hint="Set CACHE_URL=db (then run `motcua createcachetable`) or CACHE_URL=redis://host:6379/0.",
            id="portal.W001",
        )
    ]


def register() -> None:
    checks.register(shared_cache, checks.Tags.caches, deploy=True)
