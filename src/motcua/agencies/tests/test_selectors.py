from __future__ import annotations

import pytest

from motcua.agencies import selectors
from motcua.agencies.models import AgencyKind, AgencyLevel
from motcua.agencies.services import LoadSummary
from motcua.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_a_commune_peoples_committee_reaches_the_provincial_committee(loaded_agencies: LoadSummary) -> None:
    committee = selectors.agency_get(code="267.40.00.X79")  # Ủy ban nhân dân phường Sài Gòn
    assert [a.code for a in selectors.agency_ancestors(agency=committee)] == ["000.00.00.H29"]

    centre = selectors.agency_get(code="267.40.01.X79")
    ancestors = selectors.agency_ancestors(agency=centre)
    assert [(a.kind, a.code) for a in ancestors] == [
        (AgencyKind.COMMUNE_PEOPLES_COMMITTEE, "267.40.00.X79"),
        (AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE, "000.00.00.H29"),
    ]
    assert ancestors[-1].name == "Ủy ban nhân dân thành phố Hồ Chí Minh"


def test_vertical_agencies_hang_under_their_ministry(loaded_agencies: LoadSummary) -> None:
    police = selectors.agency_get(code="000.00.03.X79")
    assert [a.name for a in selectors.agency_ancestors(agency=police)] == ["Bộ Công an"]
    insurance = selectors.agency_get(code="000.00.04.X15")
    assert [a.name for a in selectors.agency_ancestors(agency=insurance)] == [
        "Bảo hiểm xã hội Việt Nam",
        "Bộ Tài chính",
    ]


def test_the_children_of_a_provincial_committee(loaded_agencies: LoadSummary) -> None:
    hcm = selectors.agency_get(code="000.00.00.H29")
    children = selectors.agency_children(agency=hcm)
    kinds = [a.kind for a in children]
    assert kinds.count(AgencyKind.COMMUNE_PEOPLES_COMMITTEE) == 168
    assert kinds.count(AgencyKind.PROVINCIAL_SERVICE_CENTRE) == 1
    assert kinds.count(AgencyKind.PROVINCIAL_DEPARTMENT) == 1
    assert AgencyKind.VERTICAL_AGENCY not in kinds


def test_agencies_of_a_province(loaded_agencies: LoadSummary) -> None:
    agencies = list(selectors.agencies_of_province(province_code="79"))
    assert len(agencies) == 5 + 2 * 168
    assert [a.level for a in agencies[:5]] == [AgencyLevel.PROVINCE] * 5
    assert agencies[0].code == "000.00.00.H29"
    assert selectors.agencies_of_province(province_code="79", level=AgencyLevel.PROVINCE).count() == 5
    with pytest.raises(NotFound):
        selectors.agencies_of_province(province_code="77")


def test_it_searches_by_name_without_diacritics_and_by_code(loaded_agencies: LoadSummary) -> None:
    assert [a.code for a in selectors.agency_search(q="bo tu phap")] == ["000.00.00.G15"]
    assert [a.name for a in selectors.agency_search(q="ủy ban nhân dân phường sài gòn")] == [
        "Ủy ban nhân dân phường Sài Gòn"
    ]
    assert [a.name for a in selectors.agency_search(q="000.00.00.g18")] == ["Bộ Y tế"]
    assert not selectors.agency_search(q=" ").exists()


def test_agency_get_raises_not_found(loaded_agencies: LoadSummary) -> None:
    with pytest.raises(NotFound):
        selectors.agency_get(code="000.00.00.G99")
