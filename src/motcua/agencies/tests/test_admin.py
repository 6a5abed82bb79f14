from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from motcua.agencies.models import Agency
from motcua.agencies.services import LoadSummary

pytestmark = pytest.mark.django_db


def test_the_list_searches_filters_and_shows_the_hierarchy(loaded_agencies: LoadSummary, admin_client: Client) -> None:
    changelist = reverse("admin:agencies_agency_changelist")
    response = admin_client.get(changelist, {"q": "uy ban nhan dan phuong sai gon"})
    assert response.status_code == 200
    assert "267.40.00.X79" in response.content.decode()

    response = admin_client.get(changelist, {"level": "central", "kind": "ministry", "code_verified__exact": "1"})
    assert response.status_code == 200
    assert "Bộ Tư pháp" in response.content.decode()

    centre = Agency.objects.get(code="267.40.01.X79")
    page = admin_client.get(reverse("admin:agencies_agency_change", args=[centre.pk])).content.decode()
    assert "Ủy ban nhân dân thành phố Hồ Chí Minh" in page
    assert "Ủy ban nhân dân phường Sài Gòn" in page


def test_the_units_link_lists_the_children(loaded_agencies: LoadSummary, admin_client: Client) -> None:
    hcm = Agency.objects.get(code="000.00.00.H29")
    page = admin_client.get(reverse("admin:agencies_agency_change", args=[hcm.pk])).content.decode()
    # Vietnamese by default: 168 commune committees, the service centre, the Department of Justice.
    assert "170 đơn vị" in page

    response = admin_client.get(reverse("admin:agencies_agency_changelist"), {"parent__id__exact": hcm.pk})
    assert response.status_code == 200
    assert "Sở Tư pháp thành phố Hồ Chí Minh" in response.content.decode()


def test_an_operator_corrects_a_placeholder_code(loaded_agencies: LoadSummary, admin_client: Client) -> None:
    hanoi = Agency.objects.get(seed_key="province:01:peoples-committee")
    form = {
        "code": "000.00.00.H26",
        "code_verified": "on",
        "name": hanoi.name,
        "short_name": hanoi.short_name,
        "kind": hanoi.kind,
        "level": hanoi.level,
        "parent": "",
        "administrative_unit": hanoi.administrative_unit_id,
        "is_active": "on",
        "valid_from": "",
        "valid_to": "",
    }

    response = admin_client.post(reverse("admin:agencies_agency_change", args=[hanoi.pk]), form)

    assert response.status_code == 302, response.content.decode()[:3000]
    hanoi.refresh_from_db()
    assert (hanoi.code, hanoi.code_verified) == ("000.00.00.H26", True)


def test_the_form_rejects_a_malformed_code(loaded_agencies: LoadSummary, admin_client: Client) -> None:
    ministry = Agency.objects.get(code="000.00.00.G15")
    form = {"code": "G15", "name": ministry.name, "kind": ministry.kind, "level": ministry.level, "is_active": "on"}

    response = admin_client.post(reverse("admin:agencies_agency_change", args=[ministry.pk]), form)

    assert response.status_code == 200
    assert Agency.objects.filter(code="000.00.00.G15").exists()
