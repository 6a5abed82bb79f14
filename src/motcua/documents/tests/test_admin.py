"""Operators edit templates in the admin: a save is a new version, a broken template is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from motcua.documents.models import DocumentTemplate
from motcua.documents.rendering import default_source

pytestmark = pytest.mark.django_db
ADD = "/admin/documents/documenttemplate/add/"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def operator() -> Client:
    user = get_user_model().objects.create_superuser("operator", "op@example.vn", "x")
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_add_starts_from_the_template_in_use(operator: Client) -> None:
    page = operator.get(ADD + "?kind=refusal&agency=abc").content.decode()
    assert "Phiếu từ chối tiếp nhận giải quyết hồ sơ" in page
    assert "{{ reason }}" in page


def test_saving_publishes_a_version_and_versions_are_read_only(operator: Client) -> None:
    body = default_source("stop").body.replace("Xin thông báo", "Trân trọng thông báo")
    data = {"kind": "stop", "title": "Thông báo dừng giải quyết hồ sơ", "body": body, "stylesheet": "", "note": "x"}
    assert operator.post(ADD, data).status_code == 302
    assert operator.post(ADD, data | {"note": "again"}).status_code == 302
    versions = list(DocumentTemplate.objects.order_by("version"))
    assert [(v.kind, v.version, v.created_by.username if v.created_by else "") for v in versions] == [
        ("stop", 1, "operator"),
        ("stop", 2, "operator"),
    ]
    change = f"/admin/documents/documenttemplate/{versions[0].pk}/change/"
    assert operator.post(change, data | {"body": "<p>rewritten</p>"}).status_code == 403
    assert (
        operator.post(f"/admin/documents/documenttemplate/{versions[0].pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert DocumentTemplate.objects.get(pk=versions[0].pk).body == body.strip()

    preview = operator.get(f"/admin/documents/documenttemplate/{versions[0].pk}/preview/")
    assert preview["Content-Type"] == "application/pdf" and preview.content.startswith(b"%PDF-")
    assert operator.get("/admin/documents/documenttemplate/default/receipt/preview/").content.startswith(b"%PDF-")
    assert operator.get("/admin/documents/documenttemplate/default/nope/preview/").status_code == 404


def test_a_broken_template_is_refused_with_the_reason_and_nothing_saved(operator: Client) -> None:
    data = {"kind": "receipt", "title": "Giấy tiếp nhận", "body": "{% if %}", "stylesheet": "", "note": ""}
    response = operator.post(ADD, data)
    assert response.status_code == 200
    assert "The template cannot be used" in response.content.decode()
    assert "{% if %}" in response.content.decode()  # what the operator typed is kept
    assert not DocumentTemplate.objects.exists()
