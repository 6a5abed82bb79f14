"""/thong-bao/: the citizen's inbox holds the notifications of the dossiers they follow, and only those."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from motcua.core.events import deliver_until_idle
from motcua.dossiers.tests.applicant_support import (
    BINH_ID,
    COMPANY_TAX_CODE,
    citizen,
    company,
    received,
    represent,
)
from motcua.dossiers.tests.conftest import MONDAY, World, build_world
from motcua.notifications.models import Audience, Channel, Notification
from motcua.portal.tests.html import find, parse, text_of

pytestmark = pytest.mark.django_db

URL = "/thong-bao/"


def inbox_of(code: str | None) -> list[Notification]:
    return list(
        Notification.objects.filter(audience=Audience.APPLICANT, channel=Channel.INBOX, dossier__code=code).order_by(
            "pk"
        )
    )


def test_the_inbox_lists_the_notifications_of_the_citizens_dossiers_only(db: None) -> None:
    with time_machine.travel(MONDAY, tick=False):
        world: World = build_world()
        an = citizen()
        represent(an, company())
        mine = received(world)
        companys = received(world, name="Công ty TNHH Thương mại Hàng Bạc", id_number=COMPANY_TAX_CODE)
        binhs = received(world, name="Trần Thị Bình", id_number=BINH_ID)
        deliver_until_idle()
    assert inbox_of(mine.code) and inbox_of(companys.code) and inbox_of(binhs.code)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(an.user)

    response = browser.get(URL)

    assert response.status_code == 200
    hrefs = {a.attrs.get("href", "") for a in find(parse(response.content), "a")}
    assert f"/ho-so-cua-toi/{mine.code}/" in hrefs and f"/ho-so-cua-toi/{companys.code}/" in hrefs
    assert binhs.code is not None and binhs.code not in response.content.decode()
    unread = len(inbox_of(mine.code)) + len(inbox_of(companys.code))
    assert f"{unread} unread notifications" in text_of(response.content)

    theirs = inbox_of(binhs.code)[0]
    assert browser.post(f"{URL}da-doc/", {"notification": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    own = inbox_of(mine.code)[0]
    marked = browser.post(f"{URL}da-doc/", {"notification": own.pk})

    assert marked.status_code == 302
    own.refresh_from_db()
    assert own.read_at is not None
    assert f"{unread - 1} unread notifications" in text_of(browser.get(URL).content)
