"""Every page: one h1, a lang attribute, labelled controls, landmarks, no external resources; both languages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from motcua.catalog.tests import factories
from motcua.portal.tests.conftest import TUESDAY_MORNING, VN, channel
from motcua.portal.tests.html import Element, find, parse, text_of, within

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]

PAGES = {
    "home": "/",
    "list": "/thu-tuc/",
    "list with results": "/thu-tuc/?q=khai+sinh&level=commune",
    "list without results": "/thu-tuc/?q=zzzz",
    "list with errors": "/thu-tuc/?level=galaxy&channel=fax",
    "list page 2": "/thu-tuc/?page=2",
    "detail": "/thu-tuc/1.001193/",
    "detail without online channel": "/thu-tuc/1.000002/",
    "older version": "/thu-tuc/1.001193/?version=1",
    "bad version": "/thu-tuc/1.001193/?version=abc",
    "unknown procedure": "/thu-tuc/9.999999/",
    "unknown page": "/khong-co/",
}


@pytest.fixture(autouse=True)
def catalogue(db: None) -> Iterator[None]:
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=VN), tick=False):
        factories.procedure("1.001193", "Đăng ký khai sinh", channels=[channel("in_person", "3")])
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        factories.procedure("1.001193", "Đăng ký khai sinh")  # version 2, in force from today
        factories.procedure("1.000002", "Thủ tục nộp trực tiếp", online_level="none", channels=[channel("in_person")])
        for n in range(20):
            factories.procedure(f"2.{n:06d}", f"Thủ tục số {n}")
        yield


def _labelled(control: Element, elements: list[Element]) -> bool:
    if control.attrs.get("aria-label") or control.attrs.get("aria-labelledby"):
        return True
    control_id = control.attrs.get("id", "")
    return bool(control_id) and bool(find(elements, "label", **{"for": control_id}))


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
@pytest.mark.parametrize("language", ["vi", "en"])
def test_page_structure(client: Client, path: str, language: str) -> None:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (200, 400, 404)
    elements = parse(response.content)

    html = find(elements, "html")
    assert len(html) == 1 and html[0].attrs.get("lang") == language
    assert len(find(elements, "h1")) == 1, "exactly one h1"
    assert find(elements, "title")[0].text.strip()
    for landmark in ("header", "main", "footer"):
        assert len(find(elements, landmark)) == 1, f"one <{landmark}>"
    assert find(elements, "a", href="#main"), "a skip link to the main content"
    for nav in find(elements, "nav"):
        assert nav.attrs.get("aria-label"), "every navigation landmark has a name"

    controls = [
        e
        for e in elements
        if e.tag in ("input", "select", "textarea") and e.attrs.get("type") not in ("hidden", "submit", "button")
    ]
    assert controls, "every page has at least the language switch"
    unlabelled = [c.attrs for c in controls if not _labelled(c, elements)]
    assert not unlabelled, f"controls without a label: {unlabelled}"
    ids = [e.attrs["id"] for e in elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    for element in elements:
        for reference in element.attrs.get("aria-describedby", "").split():
            assert reference in ids, f"aria-describedby points to a missing id {reference}"

    # Fast and self-contained: no script, no resource from another site.
    assert not find(elements, "script")
    for element in elements:
        for attribute in ("src", "href"):
            value = element.attrs.get(attribute, "")
            if element.tag in ("link", "img", "script", "iframe"):
                assert not value.startswith(("http:", "https:", "//")), f"external resource {value}"
    images = find(elements, "img")
    assert all("alt" in img.attrs for img in images)


def test_the_main_menu_marks_the_current_page(client: Client) -> None:
    def current(path: str) -> list[str]:
        nav = find(parse(client.get(path).content), "nav", aria_label="Trình đơn chính")[0]
        return [a.text for a in within(nav, "a") if a.attrs.get("aria-current") == "page"]

    assert current("/") == ["Trang chủ"]
    assert current("/thu-tuc/") == ["Thủ tục hành chính"]


def test_the_home_page_has_the_search_box_leading_to_the_list(client: Client) -> None:
    elements = parse(client.get("/").content)
    form = [f for f in find(elements, "form") if f.attrs.get("action") == "/thu-tuc/"]
    assert len(form) == 1 and form[0].attrs["method"] == "get"
    search = find(elements, "input", name="q")[0]
    assert search.attrs["type"] == "search"
    hint = find(elements, "p", id=search.attrs["aria-describedby"])[0]
    assert hint.text == "Ví dụ: đăng ký khai sinh"
    assert find(elements, "label", **{"for": search.attrs["id"]})[0].text == "Tìm thủ tục"


@pytest.mark.parametrize(
    ("path", "vietnamese", "english"),
    [
        ("/thu-tuc/", "Tìm thấy 22 thủ tục", "22 procedures found"),
        ("/thu-tuc/1.001193/", "Hồ sơ cần chuẩn bị", "What to bring"),
        ("/thu-tuc/1.001193/", "Nộp hồ sơ trực tuyến", "Submit your dossier online"),
        ("/thu-tuc/9.999999/", "Không tìm thấy thủ tục", "Procedure not found"),
    ],
)
def test_pages_in_vietnamese_by_default_and_in_english_on_request(
    client: Client, path: str, vietnamese: str, english: str
) -> None:
    assert vietnamese in text_of(client.get(path).content)
    assert english in text_of(client.get(path, HTTP_ACCEPT_LANGUAGE="en").content)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    by_cookie = client.get(path)
    assert english in text_of(by_cookie.content)
    assert find(parse(by_cookie.content), "html")[0].attrs["lang"] == "en"


def test_the_stylesheet_is_small_and_local() -> None:
    from pathlib import Path

    css = (Path(__file__).resolve().parents[1] / "static" / "portal" / "site.css").read_text(encoding="utf-8")
    assert len(css.encode()) < 10_000
    assert "@import" not in css and "url(" not in css
    assert ":focus-visible" in css
