"""Issue #6 item 7: WCAG 2.1 AA on every portal page and the main back-office pages, keyboard use and
small screens.

axe-core (bundled by axe-playwright-python) runs on each page in the state a person sees it: empty
and with results, and with the errors of a form sent incomplete. A test fails on any serious or
critical violation of the WCAG 2.1 A/AA rules and lists them all: page, rule, impact, what to fix,
the elements. Moderate and minor findings are not counted here.

The data the pages show (dossiers at each stage, a signed result, notifications) is made through
the services before the pages are visited (tests/e2e/world.py); the journey itself, page by page,
is test_citizen_journey.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from motcua.citizens.models import Citizen
from tests.e2e.support import (
    AccessibilityAudit,
    NewPage,
    Screenshots,
    axe_violations,
    citizen_sign_in,
    fill_birth_form,
    label,
    officer_log_in,
    outside_playwright,
    pdf_file,
    vi,
)
from tests.e2e.world import PROCEDURE, CitizenDossiers, World, citizen_dossiers

pytestmark = pytest.mark.slow

CITIZEN = "tran-thi-bich-ngoc"
CITIZEN_ID = "079190001234"


def test_the_audit_reports_what_axe_finds_serious_or_critical(page: Page) -> None:
    """The check itself: axe-core runs in the page, and a missing alternative text, a field without a
    label and text too pale to read come back with their rule, impact and element."""
    page.set_content(
        '<!doctype html><html lang="vi"><head><title>Mẫu</title></head><body><main><h1>Mẫu</h1>'
        '<img src="data:," id="photo"><input id="nameless">'
        '<p id="pale" style="color:#bbb;background:#fff">Chữ quá nhạt</p></main></body></html>'
    )
    found = {(v.rule, v.impact, v.targets) for v in axe_violations(page, "sample")}
    assert found == {
        ("image-alt", "critical", ("#photo",)),
        ("label", "critical", ("#nameless",)),
        ("color-contrast", "serious", ("#pale",)),
    }


def _dossiers_of_the_citizen(world: World) -> CitizenDossiers:
    """Once the citizen has signed in (which creates them), their dossiers at every stage."""
    return outside_playwright(lambda: citizen_dossiers(world, Citizen.objects.get(personal_id=CITIZEN_ID)))


def _submit(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def test_portal_pages_meet_wcag_2_1_aa(world: World, new_page: NewPage, shots: Screenshots, tmp_path: Path) -> None:
    audit = AccessibilityAudit(shots)

    # -- signed in: the account, then every page about the citizen's dossiers -----------------------------------
    citizen = new_page()
    citizen_sign_in(citizen, identity=CITIZEN, next_path="/tai-khoan/")
    dossiers = _dossiers_of_the_citizen(world)
    citizen.reload()
    audit.check(citizen, "account")

    citizen.goto("/ho-so-cua-toi/")
    audit.check(citizen, "my dossiers")
    citizen.goto(f"/ho-so-cua-toi/{dossiers.waiting.code}/")
    expect(citizen.locator(".notice-warning")).to_be_visible()
    audit.check(citizen, "dossier waiting for a document")
    citizen.get_by_role("link", name=vi("Send the requested documents")).first.click()
    audit.check(citizen, "supplement form")
    _submit(citizen, vi("Send the documents"))
    expect(citizen.locator(".error-summary")).to_be_visible()
    audit.check(citizen, "supplement form with errors")

    citizen.goto(f"/ho-so-cua-toi/{dossiers.returned.code}/")
    audit.check(citizen, "dossier with its result")
    citizen.get_by_role("link", name=vi("Rate the service")).click()
    audit.check(citizen, "rating form")
    _submit(citizen, vi("Send your rating"))
    expect(citizen.locator(".error-summary")).to_be_visible()
    audit.check(citizen, "rating form with errors")

    citizen.goto(f"/ho-so-cua-toi/{dossiers.received.code}/")
    audit.check(citizen, "received dossier")
    citizen.get_by_role("link", name=vi("Withdraw the dossier")).click()
    audit.check(citizen, "withdrawal form")
    citizen.goto(f"/ho-so-cua-toi/{dossiers.submitted.uuid}/")
    audit.check(citizen, "dossier not received yet")

    citizen.goto("/thong-bao/")
    expect(citizen.locator("main li").first).to_be_visible()
    audit.check(citizen, "inbox")

    # -- applying: every step, the form sent incomplete, drafts ---------------------------------------------------
    citizen.goto(f"/thu-tuc/{PROCEDURE}/")
    audit.check(citizen, "procedure page, signed in")
    citizen.get_by_role("link", name=vi("Submit online"), exact=True).click()
    audit.check(citizen, "apply: start")
    _submit(citizen, vi("Continue to the form"))
    audit.check(citizen, "apply: e-form")
    _submit(citizen, vi("Continue to check and submit"))
    expect(citizen.locator("#error-summary")).to_be_visible()
    audit.check(citizen, "apply: e-form with errors")
    fill_birth_form(citizen, child="Lê Khánh Linh", mother="Trần Thị Bích Ngọc")
    citizen.get_by_label(re.compile("^Giấy chứng sinh;")).set_input_files(pdf_file("chung-sinh.pdf", "Giay chung sinh"))
    _submit(citizen, vi("Continue to check and submit"))
    audit.check(citizen, "apply: review")
    _submit(citizen, vi("Submit the dossier"))
    audit.check(citizen, "apply: acknowledgement")

    citizen.goto(f"/thu-tuc/{PROCEDURE}/nop-ho-so/")
    _submit(citizen, vi("Continue to the form"))  # a second application, left as a draft
    citizen.goto("/ho-so-nhap/")
    audit.check(citizen, "drafts")
    citizen.locator("ul.result-list h2 a").first.click()
    citizen.get_by_role("link", name=vi("Delete this draft")).click()
    audit.check(citizen, "delete a draft")

    # -- anyone: the catalogue, signing in, the public look-up, checking a result -------------------------------------
    visitor = new_page()
    visitor.goto("/")
    audit.check(visitor, "home")
    visitor.goto("/thu-tuc/")
    audit.check(visitor, "catalogue")
    visitor.get_by_label(vi("Search for a procedure")).fill("đăng ký khai sinh")
    _submit(visitor, vi("Search"))
    audit.check(visitor, "search results")
    visitor.goto("/thu-tuc/?q=zzzzqqq")
    audit.check(visitor, "search without results")
    visitor.goto(f"/thu-tuc/{PROCEDURE}/")
    audit.check(visitor, "procedure page")
    visitor.goto("/thu-tuc/9.999999/")
    audit.check(visitor, "procedure not found")

    visitor.goto("/dang-nhap/?next=/tai-khoan/")
    audit.check(visitor, "identity provider (stand-in)")
    _submit(visitor, vi("Cancel"))
    audit.check(visitor, "sign-in refused")

    visitor.goto("/tra-cuu/")
    audit.check(visitor, "public look-up")
    _submit(visitor, vi("Look up"))
    audit.check(visitor, "public look-up with errors")
    visitor.get_by_label(vi("Dossier code")).fill(str(dossiers.received.code))
    visitor.get_by_label(vi("ID number of the applicant, or look-up code")).fill(CITIZEN_ID)
    _submit(visitor, vi("Look up"))
    expect(visitor.locator("section.verdict")).to_be_visible()
    audit.check(visitor, "public look-up result")

    visitor.goto("/xac-minh/")
    audit.check(visitor, "verification")
    _submit(visitor, vi("Check"))
    audit.check(visitor, "verification with errors")
    result = tmp_path / "giay-khai-sinh.pdf"
    result.write_bytes(dossiers.result_pdf)
    visitor.get_by_label(vi("The PDF file of the result")).set_input_files(result)
    _submit(visitor, vi("Check"))
    expect(visitor.locator("#verdict-title")).to_have_text(vi("Valid signature"))
    audit.check(visitor, "verification result")

    audit.assert_clean()


def test_back_office_pages_meet_wcag_2_1_aa(world: World, new_page: NewPage, shots: Screenshots) -> None:
    audit = AccessibilityAudit(shots)
    applicant = new_page()
    citizen_sign_in(applicant, identity=CITIZEN)
    dossiers = _dossiers_of_the_citizen(world)

    office = new_page()
    office.goto("/can-bo/dang-nhap/")
    audit.check(office, "log-in")
    office.get_by_label(vi("username")).fill(world.receiver.username)
    office.get_by_label(vi("password")).fill("not the password")
    _submit(office, vi("Log in"))
    expect(office.locator(".error-summary")).to_be_visible()
    audit.check(office, "log-in refused")

    officer_log_in(office, world.receiver)
    audit.check(office, "work queues")
    office.get_by_label(label(vi("Search dossiers"))).fill(CITIZEN_ID)
    _submit(office, vi("Search"))
    audit.check(office, "work queue search")
    office.goto(f"/can-bo/ho-so/{dossiers.submitted.uuid}/")
    audit.check(office, "dossier to receive")
    incomplete = office.locator("#action-mark_incomplete")
    incomplete.get_by_label(label(vi("Documents and reasons"))).fill("Giấy chứng sinh")  # no reason: refused
    incomplete.get_by_role("button").click()
    expect(office.locator(".error-summary")).to_be_visible()
    audit.check(office, "dossier with an action refused")
    office.goto(f"/can-bo/ho-so/{dossiers.received.code}/")
    audit.check(office, "received dossier")
    office.goto("/can-bo/quay/")
    audit.check(office, "counter")
    office.get_by_role("textbox", name=label(vi("Procedure"))).fill(PROCEDURE)
    _submit(office, vi("Find the procedure"))
    audit.check(office, "counter with the checklist")
    office.goto("/can-bo/thong-bao/")
    audit.check(office, "officer inbox")

    leader = new_page()
    officer_log_in(leader, world.leader)
    leader.goto(f"/can-bo/ho-so/{dossiers.returned.code}/")
    audit.check(leader, "dossier with a signed result")
    leader.goto(f"/can-bo/ho-so/{dossiers.waiting.code}/")
    audit.check(leader, "dossier waiting for the applicant")

    audit.assert_clean()


# -- the keyboard alone -------------------------------------------------------------------------------------------


def _tab_to(page: Page, selector: str, *, limit: int = 250) -> None:
    """Press Tab until the element matching `selector` has the focus, and check that the focus shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement !== null && document.activeElement.matches(s)", selector):
            ring = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
            )
            assert ring[0] != "none" and ring[1] != "0px", f"no visible focus on {selector}: {ring}"
            return
    raise AssertionError(f"{limit} presses of Tab did not reach {selector} on {page.url}")


def _enter(page: Page) -> None:
    """Enter on the focused link or button, and the next page has loaded."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _type_into(page: Page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def test_signing_in_and_applying_with_the_keyboard_only(world: World, new_page: NewPage, shots: Screenshots) -> None:
    """Tab to move, Enter to follow a link or press a button; the arrow keys in a group of radio buttons
    or a list, Space to tick a box or open the file chooser, as a keyboard user does; the text typed
    as an input method commits it. No mouse."""
    page = new_page()
    # Playwright turns on the browser's file-chooser interception when the first listener is added, and
    # does so without waiting for the browser's answer: added only around the key press, it can lose the
    # race with the key on a slow machine and the chooser then never reaches the test. Listening from the
    # start makes the interception long settled by then.
    page.on("filechooser", lambda _chooser: None)
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=vi("Skip to main content"))
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    shots.take(page, "skip link")

    # Signing in at the identity provider: the first identity is chosen, the arrow key takes the second.
    _tab_to(page, "a[href^='/dang-nhap/']")
    _enter(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Choose a demo identity"))
    _tab_to(page, "input[name=identity]")
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#identity-{CITIZEN}")).to_be_checked()
    expect(page.locator("#level-2")).to_be_checked()
    shots.take(page, "identity chosen")
    _tab_to(page, "button[value=allow]")
    _enter(page)
    expect(page.get_by_role("link", name=vi("My dossiers"))).to_be_visible()

    # Finding the procedure.
    _type_into(page, "#search-q", "đăng ký khai sinh")
    _enter(page)
    expect(page.locator("#results-count")).to_be_visible()
    _tab_to(page, f"a[href='/thu-tuc/{PROCEDURE}/']")
    _enter(page)
    _tab_to(page, f"a[href='/thu-tuc/{PROCEDURE}/nop-ho-so/']")
    _enter(page)
    _tab_to(page, "main form[method=post] button[type=submit]")
    _enter(page)
    expect(page.locator("#prefill-count")).to_be_visible()

    # The form: the prefilled fields are only passed over.
    _tab_to(page, "#f-requester_relation")
    page.keyboard.press("ArrowDown")  # Mẹ
    _type_into(page, "#f-child_name", "Lê Bảo An")
    _tab_to(page, "#f-child_gender")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # Nữ
    # Day and month alike: the same keys whether the browser orders the date dd/mm/yyyy or mm/dd/yyyy.
    _type_into(page, "#f-child_birth_date", "11112025")
    expect(page.locator("#f-child_birth_date")).to_have_value("2025-11-11")
    for field, text in (
        ("child_birth_place", "Bệnh viện Từ Dũ"),
        ("child_ethnicity", "Kinh"),
        ("child_nationality", "Việt Nam"),
        ("child_hometown", "Thành phố Hồ Chí Minh"),
        ("mother_name", "Trần Thị Bích Ngọc"),
        ("mother_birth_year", "1990"),
        ("mother_ethnicity", "Kinh"),
        ("mother_nationality", "Việt Nam"),
        ("mother_residence", "45 đường Lê Lợi, Phường Sài Gòn"),
    ):
        _type_into(page, f"#f-{field}", text)
    _tab_to(page, "#f-commitment")
    page.keyboard.press("Space")
    expect(page.locator("#f-commitment")).to_be_checked()
    certificate = page.get_by_label(re.compile("^Giấy chứng sinh;")).get_attribute("id")
    _tab_to(page, f"#{certificate}")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(pdf_file("giay-chung-sinh.pdf", "Giay chung sinh"))
    shots.take(page, "form filled with the keyboard")
    _tab_to(page, "button[name=action][value=review]")
    _enter(page)

    # The review, and the submission.
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Check your answers before you submit"))
    _tab_to(page, "button[name=action][value=submit]")
    shots.take(page, "submit button focused")
    _enter(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Your dossier was sent"))
    shots.take(page, "submitted with the keyboard")


# -- a phone's screen -------------------------------------------------------------------------------------------

PHONE: ViewportSize = {"width": 375, "height": 812}


def _fits(page: Page, audit: AccessibilityAudit, name: str, overflowing: list[str]) -> None:
    """The page needs no sideways scrolling at 375 px: nothing is wider than the screen (a wide table
    scrolls inside its own box, .table-wrap, which is allowed if the keyboard can scroll it too:
    axe-core runs on the narrow page as well)."""
    audit.check(page, name)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        culprits = page.evaluate(
            "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)"
            ".slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +"
            " (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))",
            PHONE["width"],
        )
        overflowing.append(f"{name} ({page.url}): {width} px wide; {', '.join(culprits)}")


def test_the_main_pages_fit_a_375_px_screen(world: World, new_page: NewPage, shots: Screenshots) -> None:
    audit = AccessibilityAudit(shots)
    overflowing: list[str] = []
    page = new_page()
    page.set_viewport_size(PHONE)
    citizen_sign_in(page, identity=CITIZEN)
    dossiers = _dossiers_of_the_citizen(world)
    for name, path in (
        ("home", "/"),
        ("search results", "/thu-tuc/?q=dang+ky+khai+sinh"),
        ("procedure page", f"/thu-tuc/{PROCEDURE}/"),
        ("apply: start", f"/thu-tuc/{PROCEDURE}/nop-ho-so/"),
        ("my dossiers", "/ho-so-cua-toi/"),
        ("dossier with its result", f"/ho-so-cua-toi/{dossiers.returned.code}/"),
        ("supplement form", f"/ho-so-cua-toi/{dossiers.waiting.code}/bo-sung/"),
        ("rating form", f"/ho-so-cua-toi/{dossiers.returned.code}/danh-gia/"),
        ("inbox", "/thong-bao/"),
        ("public look-up", "/tra-cuu/"),
        ("verification", "/xac-minh/"),
    ):
        page.goto(path)
        _fits(page, audit, name, overflowing)
    page.goto(f"/thu-tuc/{PROCEDURE}/nop-ho-so/")
    _submit(page, vi("Continue to the form"))
    _fits(page, audit, "apply: e-form", overflowing)

    office = new_page()
    office.set_viewport_size(PHONE)
    officer_log_in(office, world.receiver)
    _fits(office, audit, "work queues", overflowing)
    for name, path in (
        ("dossier page", f"/can-bo/ho-so/{dossiers.received.code}/"),
        ("counter", "/can-bo/quay/"),
    ):
        office.goto(path)
        _fits(office, audit, name, overflowing)
    assert not overflowing, "pages wider than a 375 px screen:\n" + "\n".join(overflowing)
    audit.assert_clean()
