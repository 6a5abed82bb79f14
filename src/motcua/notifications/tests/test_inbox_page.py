"""The officer's inbox page, /can-bo/thong-bao/: only the officer's own notifications, newest first,
with the unread count and links to the dossiers; marking read by POST with the CSRF token."""

from __future__ import annotations

import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.agencies.models import Officer
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import MONDAY, World, received
from motcua.notifications import services
from motcua.notifications.models import Audience, Channel, Kind, Notification

pytestmark = pytest.mark.django_db

INBOX = "/can-bo/thong-bao/"


class Structure(HTMLParser):
    """The page's language, its h1s, its buttons and whether each has a name a screen reader reads."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.h1 = 0
        self.buttons: list[dict[str, str]] = []
        self.ids: set[str] = set()
        self._in_button = False
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "button":
            self._in_button, self._text = True, ""
            self.buttons.append(a)

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False
            self.buttons[-1]["text"] = self._text.strip()


def structure(html: bytes) -> Structure:
    parser = Structure()
    parser.feed(html.decode())
    return parser


def notify(officer: Officer, dossier: Dossier, subject: str, *, hours: int = 0) -> Notification:
    with time_machine.travel(MONDAY + timedelta(hours=hours), tick=False):
        [row] = services.notifications_record(
            source_event_id=uuid.uuid4(),
            drafts=[
                services.Draft(
                    audience=Audience.OFFICER,
                    channel=Channel.INBOX,
                    kind=Kind.DEADLINE_APPROACHING,
                    subject=subject,
                    body="Thủ tục: Đăng ký khai sinh.\nNgười nộp: Nguyễn Văn An.",
                    dossier=dossier,
                    officer=officer,
                )
            ],
        )
    return row


@pytest.fixture
def dossier(world: World) -> Dossier:
    with time_machine.travel(MONDAY, tick=False):
        return received(world)


@pytest.fixture
def rows(world: World, dossier: Dossier) -> dict[str, Notification]:
    return {
        "older": notify(world.specialist, dossier, "Hồ sơ sắp đến hạn (cũ hơn)"),
        "newer": notify(world.specialist, dossier, "Hồ sơ sắp đến hạn (mới hơn)", hours=1),
        "colleague": notify(world.colleague, dossier, "Thông báo của đồng nghiệp"),
    }


def csrf_client(officer: Officer) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer.user)
    response = client.get(INBOX)
    assert response.status_code == 200
    return client, response.cookies["csrftoken"].value


def test_it_needs_a_logged_in_officer(client: Client, world: World) -> None:
    response = client.get(INBOX)
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/?next=")

    client.force_login(get_user_model().objects.create_user(username="citizen", password=None))
    assert client.get(INBOX).status_code == 403


def test_it_shows_the_officers_own_notifications_newest_first(
    client: Client, world: World, dossier: Dossier, rows: dict[str, Notification]
) -> None:
    client.force_login(world.specialist.user)

    response = client.get(INBOX)

    assert response.status_code == 200
    page = response.content.decode()
    page_structure = structure(response.content)
    assert page_structure.lang == "vi" and page_structure.h1 == 1
    # Every button says what it does; "mark as read" points at the notification it is for.
    assert all(button["text"] for button in page_structure.buttons)
    described = [b["aria-describedby"] for b in page_structure.buttons if "aria-describedby" in b]
    assert len(described) == 2 and set(described) <= page_structure.ids
    assert page.index("Hồ sơ sắp đến hạn (mới hơn)") < page.index("Hồ sơ sắp đến hạn (cũ hơn)")
    assert "Thông báo của đồng nghiệp" not in page
    assert "Thủ tục: Đăng ký khai sinh.<br>Người nộp: Nguyễn Văn An." in page
    assert response.context["unread"] == 2
    assert f'href="/can-bo/ho-so/{dossier.code}/"' in page
    assert page.count('name="notification"') == 2


def test_marking_read_needs_the_csrf_token_and_marks_only_that_one(world: World, rows: dict[str, Notification]) -> None:
    client, token = csrf_client(world.specialist)

    refused = client.post(INBOX, {"notification": rows["newer"].pk})
    assert refused.status_code == 403
    rows["newer"].refresh_from_db()
    assert rows["newer"].read_at is None

    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        done = client.post(INBOX, {"notification": rows["newer"].pk, "csrfmiddlewaretoken": token})

    assert done.status_code == 302 and done["Location"] == INBOX
    rows["newer"].refresh_from_db()
    rows["older"].refresh_from_db()
    assert rows["newer"].read_at == MONDAY + timedelta(hours=2)
    assert rows["older"].read_at is None
    after = client.get(INBOX)
    assert after.context["unread"] == 1
    assert after.content.decode().count('name="notification"') == 1


def test_someone_elses_notification_is_not_found(world: World, rows: dict[str, Notification]) -> None:
    client, token = csrf_client(world.specialist)

    response = client.post(INBOX, {"notification": rows["colleague"].pk, "csrfmiddlewaretoken": token})

    assert response.status_code == 404
    rows["colleague"].refresh_from_db()
    assert rows["colleague"].read_at is None


@pytest.mark.parametrize(
    "data",
    [{"notification": "abc"}, {"notification": "-1"}, {}, {"notification": "1", "all": "1"}],
)
def test_bad_input_is_refused_with_the_page_and_changes_nothing(
    world: World, rows: dict[str, Notification], data: dict[str, str]
) -> None:
    client, token = csrf_client(world.specialist)

    response = client.post(INBOX, {**data, "csrfmiddlewaretoken": token})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_mark_all_as_read_marks_only_the_officers_own(world: World, rows: dict[str, Notification]) -> None:
    client, token = csrf_client(world.specialist)

    response = client.post(INBOX, {"all": "1", "csrfmiddlewaretoken": token}, follow=True)

    assert response.status_code == 200
    assert response.context["unread"] == 0
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {
        rows["older"].pk,
        rows["newer"].pk,
    }
