from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from motcua.geo.models import AdministrativeUnit, UnitLevel
from motcua.geo.services import LoadSummary

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:geo_administrativeunit_changelist"


def test_the_list_searches_without_diacritics_and_filters(loaded_units: LoadSummary, admin_client: Client) -> None:
    response = admin_client.get(reverse(CHANGELIST), {"q": "ben nghe", "validity": "expired"})
    assert response.status_code == 200
    assert "Phường Bến Nghé" in response.content.decode()

    response = admin_client.get(
        reverse(CHANGELIST), {"level": "commune", "kind": "special_zone", "validity": "current"}
    )
    assert response.status_code == 200
    assert "Đặc khu Côn Đảo" in response.content.decode()


def test_a_unit_shows_its_predecessors_and_successors(loaded_units: LoadSummary, admin_client: Client) -> None:
    sai_gon = AdministrativeUnit.objects.get(level=UnitLevel.COMMUNE, code="26740", valid_from=date(2025, 7, 1))
    page = admin_client.get(reverse("admin:geo_administrativeunit_change", args=[sai_gon.pk])).content.decode()
    assert "Phường Bến Nghé" in page
    assert "Phường Đa Kao" in page


def test_the_parent_autocomplete_folds_the_term(loaded_units: LoadSummary, admin_client: Client) -> None:
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "ho chi minh", "app_label": "geo", "model_name": "administrativeunit", "field_name": "parent"},
    )
    assert response.status_code == 200
    assert "Thành phố Hồ Chí Minh" in {r["text"].split(" (")[0] for r in response.json()["results"]}


def test_an_operator_adds_a_unit_and_its_folded_name_is_filled(admin_client: Client) -> None:
    form = {
        "code": "99",
        "level": "province",
        "kind": "province",
        "name": "Tỉnh Đắk Thử",
        "parent": "",
        "valid_from": "2027-01-01",
        "valid_to": "",
    }
    for prefix in ("successor_links", "predecessor_links"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client.post(reverse("admin:geo_administrativeunit_add"), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    unit = AdministrativeUnit.objects.get(code="99")
    assert unit.name_folded == "tinh dak thu"


def test_an_operator_cannot_save_a_code_of_the_wrong_length(admin_client: Client) -> None:
    form = {"code": "999", "level": "province", "kind": "province", "name": "Tỉnh Sai", "parent": ""}
    for prefix in ("successor_links", "predecessor_links"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client.post(reverse("admin:geo_administrativeunit_add"), form)

    assert response.status_code == 200
    assert not AdministrativeUnit.objects.filter(code="999").exists()
