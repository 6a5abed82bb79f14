"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

- The browser is /usr/bin/chromium (`scripts/system-packages test`, which `make test` runs), launched
  by Playwright with `executable_path` and the flags of shared/ecosystem.md §4; Playwright's own
  browser downloads are never used. Without /usr/bin/chromium the tests skip, saying so.
- The live server runs in a thread of this process on the test database: on PostgreSQL each thread
  has its own connection; on SQLite's shared in-memory test database the server thread borrows the
  test's connection (pytest-django's LiveServer), so the tests touch the database only while no
  request is in flight (setup first, then the browser).
- Playwright's synchronous API keeps an event loop in the test's thread, which Django's ORM takes for
  async code: DJANGO_ALLOW_ASYNC_UNSAFE is set while these tests run, and Playwright is started for
  them only (pytest-django runs the other tests of the session before and after them).
- Each test starts from an empty database (`transactional_db`, which the live server needs so that
  its thread sees the data) and builds what it needs through the real commands (tests/e2e/world.py).
- Screenshots of each step are kept under var/test-artefacts/e2e/<test>/NN-<step>.png, and one of
  every open page when a test fails.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import clear_url_caches
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from motcua.citizens import oidc
from motcua.documents.tests.samples import use_tmp_storage
from tests.e2e.support import ARTEFACTS, NewPage, Screenshots
from tests.e2e.world import World, build_world

CHROMIUM = Path("/usr/bin/chromium")
# shared/ecosystem.md §4: a container without a user namespace sandbox, no GPU, nothing fetched.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module", autouse=True)
def _chromium_installed() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/system-packages test)")


@pytest.fixture(scope="package", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright for these tests only (pytest-playwright's lives as long as the session): while it is
    started its event loop runs in the tests' thread, where the tests that run after these ones could
    not start their own (pyHanko's signing calls asyncio.run)."""
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments (`--headed` still works), with Debian's Chromium."""
    return {"headless": True, **browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="package")
def browser(playwright: Playwright, browser_type_launch_args: dict[str, Any]) -> Iterator[Browser]:
    started = playwright.chromium.launch(**browser_type_launch_args)
    yield started
    started.close()


@pytest.fixture(scope="package")
def browser_context_args() -> dict[str, Any]:
    """A Vietnamese browser in Việt Nam, on a laptop-sized window."""
    return {"locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh", "viewport": {"width": 1280, "height": 900}}


def _remount_urls() -> None:
    """Re-read the root URLconf, which mounts the stand-in identity provider only while it is enabled."""
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture
def e2e_settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """The stand-in identity provider on, files and keys in the test's own directory."""
    enabled_before = settings.IDP_STANDIN_ENABLED
    settings.IDP_STANDIN_ENABLED = True
    settings.VAR_DIR = tmp_path / "var"
    settings.SIGNING_PKI_DIR = tmp_path / "pki"
    settings.SIGNATURE_TRUST_DEV_CA = True
    use_tmp_storage(settings, tmp_path)
    # Officers' passwords are hashed at setup and checked at every log-in: a fast hasher (test data only).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _remount_urls()
    oidc.provider_cache_clear()
    yield settings
    settings.IDP_STANDIN_ENABLED = enabled_before
    _remount_urls()
    oidc.provider_cache_clear()


@pytest.fixture
def world(transactional_db: None, e2e_settings: Settings, tmp_path: Path) -> World:
    return build_world(tmp_path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Screenshots]:
    """The test's screenshots; on failure, one more of each page the test opened."""
    # The test function's name, without pytest-playwright's "[chromium]".
    assert isinstance(request.node, pytest.Function)
    directory = ARTEFACTS / request.node.originalname
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    taken = Screenshots(directory)
    yield taken
    if request.node.stash.get(_CALL_FAILED, False):
        for page in taken.pages:
            if not page.is_closed():
                taken.take(page, "failed")


def _no_favicon(route: Route) -> None:
    # Chromium asks for /favicon.ico after each page; the answer (a 404 page) would be one more request
    # sharing SQLite's in-memory connection with the next navigation.
    route.fulfill(status=204, body="")


@pytest.fixture
def new_page(new_context: Callable[..., BrowserContext], live_server: LiveServer, shots: Screenshots) -> NewPage:
    """A page in a browser of its own (its own cookies: one person each) on the live server."""

    def make() -> Page:
        context = new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/favicon.ico", _no_favicon)
        page = context.new_page()
        shots.pages.append(page)
        return page

    return make
