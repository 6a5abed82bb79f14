"""The sign-in over real HTTP: the portal's standard-library transport against the stand-in on a live server."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from motcua.citizens.models import Citizen

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("standin")]


def test_the_flow_over_http(live_server: LiveServer) -> None:
    host = urlsplit(live_server.url).netloc
    browser = Client(HTTP_HOST=host)

    start = browser.get("/dang-nhap/", {"next": "/tai-khoan/"})
    authorize = urlsplit(start["Location"])
    assert authorize.netloc == host
    params = dict(parse_qsl(authorize.query))
    consent = browser.post(authorize.path, {**params, "identity": "le-minh-khoi", "level": "2", "decision": "allow"})
    callback = urlsplit(consent["Location"])
    done = browser.get(callback.path, dict(parse_qsl(callback.query)))

    assert (done.status_code, done["Location"]) == (302, "/tai-khoan/")
    assert SESSION_KEY in browser.session
    citizen = Citizen.objects.get()
    assert (citizen.personal_id, citizen.idp_issuer) == ("048201000567", f"http://{host}/idp")
