"""agencies_load refusing to run: each test starts from an empty database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel
from motcua.agencies.services import SEED_PATH, GeoNotLoaded, agencies_load
from motcua.core.errors import Conflict, InvalidInput
from motcua.geo.services import units_load


@pytest.mark.django_db
def test_it_fails_clearly_when_the_units_are_not_loaded() -> None:
    with pytest.raises(GeoNotLoaded) as error:
        agencies_load()

    assert error.value.code == "geo_not_loaded"
    assert "administrative units are not loaded" in str(error.value)
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_seed_code_taken_by_an_agency_made_by_hand() -> None:
    units_load()
    Agency.objects.create(code="000.00.00.G15", name="Hand-made", kind=AgencyKind.MINISTRY, level=AgencyLevel.CENTRAL)

    with pytest.raises(Conflict) as error:
        agencies_load()

    assert "000.00.00.G15" in str(error.value)


@pytest.mark.django_db
def test_it_refuses_a_malformed_seed_file(tmp_path: Path) -> None:
    units_load()
    seed = tmp_path / "agencies.json"
    document = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    document["groups"][0]["agencies"][0]["code"] = "000.00.00.g11"
    seed.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InvalidInput, match="malformed code"):
        agencies_load(seed_path=seed)

    seed.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="malformed"):
        agencies_load(seed_path=seed)
    assert not Agency.objects.exists()
