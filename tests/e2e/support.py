"""Helpers of the browser tests: the page's words, screenshots kept as artefacts, signing in, axe-core.

The pages are in Vietnamese, the portal's default language (the browser asks for vi-VN). The tests
name what they expect by the English source message, `vi("Received")`, which gives the words the
page shows from the same catalogue; where the page shows data (a name, a code), they name the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from django.db import connections
from django.utils import translation
from playwright.sync_api import FilePayload, Page, expect

from motcua.documents.tests.samples import pdf_bytes
from tests.e2e.world import Login

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts" / "e2e"

T = TypeVar("T")
# The `new_page` fixture: a page in a browser of its own on the live server.
NewPage = Callable[[], Page]


def outside_playwright(work: Callable[[], T]) -> T:
    """Run `work` in a thread of its own and wait for it. Playwright's event loop runs in the test's
    thread, where code that runs its own (pyHanko signing a PDF with asyncio.run) cannot start one."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def vi(message: str, **params: object) -> str:
    """`message` (an English source string of the catalogue) as the Vietnamese page shows it."""
    with translation.override("vi"):
        text = translation.gettext(message)
    return text % params if params else text


def vi_n(singular: str, plural: str, number: int, **params: object) -> str:
    """A message with a plural form, as the Vietnamese page shows it for `number`."""
    with translation.override("vi"):
        text = translation.ngettext(singular, plural, number)
    return text % {"counter": number, **params}


def label(text: str) -> re.Pattern[str]:
    """A whole label, with or without the colon Django's forms add after it ("Bước:")."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*$")


# -- screenshots ------------------------------------------------------------------------------------------


@dataclass
class Screenshots:
    """One PNG per step under var/test-artefacts/e2e/<test>/NN-<step>.png, in the order taken."""

    directory: Path
    taken: list[Path] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    def take(self, page: Page, step: str) -> Path:
        if page not in self.pages:
            self.pages.append(page)
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.directory / f"{len(self.taken) + 1:02d}-{slug}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path


# -- signing in -------------------------------------------------------------------------------------------


def citizen_sign_in(page: Page, *, identity: str, next_path: str = "/tai-khoan/", level: int = 2) -> None:
    """Through the portal's sign-in and the stand-in identity provider's page, as a citizen does."""
    page.goto(f"/dang-nhap/?next={next_path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Choose a demo identity"))
    page.locator(f"#identity-{identity}").check()
    page.locator(f"#level-{level}").check()
    page.get_by_role("button", name=vi("Sign in with this identity")).click()
    page.wait_for_url(f"**{next_path}")


def officer_log_in(page: Page, login: Login) -> None:
    page.goto("/can-bo/dang-nhap/")
    # The labels are the User model's field names (case is ignored: "Tên đăng nhập:").
    page.get_by_label(vi("username")).fill(login.username)
    page.get_by_label(vi("password")).fill(login.password)
    page.get_by_role("button", name=vi("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Work queues"))
    expect(page.locator(".who")).to_contain_text(login.full_name)


# -- the birth registration form ----------------------------------------------------------------------------


def pdf_file(name: str, text: str) -> FilePayload:
    """A small PDF to attach, as the browser's file chooser gives it."""
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes(text)}


def fill_birth_form(page: Page, *, child: str, mother: str) -> None:
    """The fields of the e-form of 1.001193 that the identity does not prefill, by their labels."""
    page.get_by_label("Quan hệ với người được khai sinh").select_option(label="Mẹ")
    page.get_by_label("Họ, chữ đệm, tên của trẻ").fill(child)
    page.get_by_label("Giới tính").select_option(label="Nữ")
    page.get_by_label("Ngày, tháng, năm sinh").fill("2025-11-11")
    page.get_by_label("Nơi sinh").fill("Bệnh viện Từ Dũ, 284 Cống Quỳnh, Phường Bến Thành, Thành phố Hồ Chí Minh")
    page.get_by_label("Dân tộc", exact=True).fill("Kinh")
    page.get_by_label("Quốc tịch", exact=True).fill("Việt Nam")
    page.get_by_label("Quê quán").fill("Thành phố Hồ Chí Minh")
    page.get_by_label("Họ, chữ đệm, tên người mẹ").fill(mother)
    page.get_by_label("Năm sinh của mẹ").fill("1990")
    page.get_by_label("Dân tộc của mẹ").fill("Kinh")
    page.get_by_label("Quốc tịch của mẹ").fill("Việt Nam")
    page.get_by_label("Nơi cư trú của mẹ").fill("45 đường Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh")
    page.get_by_label("Tôi cam đoan").check()


# -- accessibility ----------------------------------------------------------------------------------------

# WCAG 2.1 level A and AA rules of axe-core; a test fails on the violations of these impacts.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})
_AXE = Axe()


@dataclass(frozen=True, slots=True)
class Violation:
    page: str
    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        targets = "; ".join(self.targets[:5]) + (f" (+{len(self.targets) - 5} more)" if len(self.targets) > 5 else "")
        return f"{self.page}: {self.rule} [{self.impact}] {self.help} — {targets} ({self.help_url})"


def axe_violations(page: Page, label: str) -> list[Violation]:
    """The serious and critical WCAG 2.1 AA violations that axe-core finds on the page as it is now."""
    options: dict[str, Any] = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = _AXE.run(page, options=options).response
    found: list[Violation] = []
    for item in results["violations"]:
        if item.get("impact") not in FAILING_IMPACTS:
            continue
        targets = tuple(" ".join(str(t) for t in node["target"]) for node in item["nodes"])
        found.append(Violation(label, item["id"], item["impact"], item["help"], item["helpUrl"], targets))
    return found


@dataclass
class AccessibilityAudit:
    """Visits pages, runs axe-core on each and keeps a screenshot; `assert_clean` lists every failure."""

    shots: Screenshots
    checked: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    def check(self, page: Page, label: str) -> None:
        expect(page.locator("main")).to_be_visible()
        self.shots.take(page, label)
        self.checked.append(label)
        self.violations += axe_violations(page, label)

    def assert_clean(self) -> None:
        assert not self.violations, (
            f"{len(self.violations)} serious or critical WCAG 2.1 AA violation(s) on {len(self.checked)} pages:\n"
            + "\n".join(str(v) for v in self.violations)
        )
