"""agencies_load on a database with the units and agencies loaded once for the module."""

from __future__ import annotations

import json

import pytest

from motcua.agencies.models import Agency, AgencyKind
from motcua.agencies.services import SEED_PATH, LoadSummary, agencies_load
from motcua.core.counts import Counts

COMMUNES = 3321
SEED_CENTRAL = 17 + 6  # 14 ministries + 3 ministerial-level agencies, 6 vertical agencies
SEED_PROVINCIAL = 34 * 5


@pytest.mark.django_db
def test_it_loads_the_seed_and_two_agencies_per_commune(loaded_agencies: LoadSummary) -> None:
    assert loaded_agencies.central == Counts(created=SEED_CENTRAL)
    assert loaded_agencies.province == Counts(created=SEED_PROVINCIAL)
    assert loaded_agencies.commune == Counts(created=2 * COMMUNES)
    ministries = Agency.objects.filter(kind__in=[AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY])
    assert ministries.count() == 17
    assert ministries.filter(code_verified=True).count() == 17
    assert Agency.objects.filter(kind=AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE).count() == 34
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE).count() == COMMUNES
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE).count() == COMMUNES


@pytest.mark.django_db
def test_loading_twice_changes_nothing(loaded_agencies: LoadSummary) -> None:
    before = list(Agency.objects.order_by("pk").values_list("pk", "code", "name", "parent_id"))

    again = agencies_load()

    assert again.changed == 0
    assert again.commune == Counts(unchanged=2 * COMMUNES)
    assert list(Agency.objects.order_by("pk").values_list("pk", "code", "name", "parent_id")) == before


@pytest.mark.django_db
def test_it_gives_a_commune_a_placeholder_code_from_its_gso_codes(loaded_agencies: LoadSummary) -> None:
    committee = Agency.objects.get(seed_key="commune:26740:peoples-committee")
    centre = Agency.objects.get(seed_key="commune:26740:service-centre")
    assert (committee.code, committee.name, committee.code_verified) == (
        "267.40.00.X79",
        "Ủy ban nhân dân phường Sài Gòn",
        False,
    )
    assert (centre.code, centre.name, centre.parent_id) == (
        "267.40.01.X79",
        "Trung tâm Phục vụ hành chính công phường Sài Gòn",
        committee.pk,
    )
    assert committee.administrative_unit is not None and committee.administrative_unit.code == "26740"


@pytest.mark.django_db
def test_it_keeps_a_code_an_operator_verified(loaded_agencies: LoadSummary) -> None:
    Agency.objects.filter(seed_key="province:01:peoples-committee").update(code="000.00.00.H26", code_verified=True)

    again = agencies_load()

    assert again.operator_codes_kept == 1
    assert again.changed == 0
    hanoi = Agency.objects.get(seed_key="province:01:peoples-committee")
    assert (hanoi.code, hanoi.code_verified) == ("000.00.00.H26", True)


@pytest.mark.django_db
def test_reloading_restores_a_name_but_not_what_operators_own(loaded_agencies: LoadSummary) -> None:
    Agency.objects.filter(seed_key="central:bo-tu-phap").update(name="Renamed", name_folded="renamed", is_active=False)

    again = agencies_load()

    assert again.central == Counts(updated=1, unchanged=SEED_CENTRAL - 1)
    ministry = Agency.objects.get(seed_key="central:bo-tu-phap")
    assert (ministry.name, ministry.name_folded, ministry.is_active) == ("Bộ Tư pháp", "bo tu phap", False)


def test_the_seed_file_names_its_sources_and_every_province() -> None:
    document = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    groups = document["groups"]
    assert all(group["_source"] for group in groups)
    rows = [row for group in groups for row in group["agencies"]]
    assert len({row["key"] for row in rows}) == len(rows)
    assert len({row["code"] for row in rows}) == len(rows)
    by_province: dict[str, int] = {}
    for row in rows:
        if "province" in row:
            by_province[row["province"]] = by_province.get(row["province"], 0) + 1
    assert len(by_province) == 34
    assert set(by_province.values()) == {5}
    # Placeholders use the group letter X; verified codes never do.
    assert all(row["code"][-3] == "X" for row in rows if not row["code_verified"])
    assert all(row["code"][-3] != "X" for row in rows if row["code_verified"])
    ministry_codes = {row["name"]: row["code"] for row in rows if row["key"].startswith("central:bo-")}
    assert ministry_codes["Bộ Tư pháp"] == "000.00.00.G15"
    assert ministry_codes["Bộ Y tế"] == "000.00.00.G18"
    assert ministry_codes["Bộ Nội vụ"] == "000.00.00.G09"
