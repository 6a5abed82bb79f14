from __future__ import annotations

from datetime import date, timedelta

import pytest

from motcua.catalog import selectors, services
from motcua.catalog.models import CatalogChange, ProcedureVersion
from motcua.catalog.rules import Component
from motcua.catalog.tests import factories
from motcua.core.errors import Conflict, NotFound

pytestmark = pytest.mark.django_db


def test_a_complete_import_is_published_and_in_force() -> None:
    version = factories.procedure()
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert selectors.version_in_force(code="1.001193").pk == version.pk
    assert version.procedure.name == "Đăng ký khai sinh"
    assert "dang ky khai sinh" in version.procedure.search_text


def test_importing_the_same_content_twice_changes_nothing() -> None:
    first = factories.procedure()
    changes = CatalogChange.objects.count()
    again = services.procedure_import(
        code="1.001193", content=factories.content(), source_record={}, actor="test", source="operator"
    )
    assert again.result == "unchanged"
    assert again.version.pk == first.pk
    assert CatalogChange.objects.count() == changes


def test_an_incomplete_record_of_the_national_database_is_published_with_its_gaps_flagged() -> None:
    # Published by the competent authority: citizens must find it; the gaps feed indicator 1.3.
    outcome = services.procedure_import(
        code="1.000001",
        content=factories.content("Thủ tục thiếu", documents=[], applicants=[]),
        source_record={},
        actor="test",
        source="portal_import",
    )
    assert outcome.version.status == ProcedureVersion.Status.PUBLISHED
    assert set(outcome.missing) == {Component.DOCUMENTS, Component.APPLICANTS}
    assert {f["code"] for f in outcome.version.flags} == {"incomplete_d_documents", "incomplete_e_applicants"}


def test_an_incomplete_draft_cannot_be_published_and_says_what_is_missing() -> None:
    outcome = services.procedure_import(
        code="1.000001",
        content=factories.content("Thủ tục thiếu", documents=[], applicants=[]),
        source_record={},
        actor="test",
        source="operator",
        already_published=False,
    )
    assert outcome.version.status == ProcedureVersion.Status.DRAFT
    with pytest.raises(services.IncompleteProcedure) as error:
        services.version_publish(version=outcome.version, actor="operator")
    assert "(d)" in str(error.value.message) and "(e)" in str(error.value.message)
    assert error.value.missing == [Component.DOCUMENTS, Component.APPLICANTS]


def test_a_time_limit_without_unit_is_not_a_time_limit() -> None:
    channels = factories.content()["channels"]
    for channel in channels:
        channel["time_limit_unit"] = ""
        channel["time_limit_source"] = "unknown"
    outcome = services.procedure_import(
        code="1.000002",
        content=factories.content(channels=channels),
        source_record={},
        actor="t",
        source="portal_import",
    )
    assert outcome.missing == (Component.TIME_LIMIT,)


def test_an_amendment_is_a_new_version_and_the_old_one_stays_pinned() -> None:
    v1 = factories.procedure()
    draft = services.version_create_draft(procedure=v1.procedure, actor="operator")
    assert draft.number == 2 and draft.status == ProcedureVersion.Status.DRAFT
    with pytest.raises(Conflict):
        services.version_create_draft(procedure=v1.procedure, actor="operator")
    changed = factories.content(name="Đăng ký khai sinh (sửa đổi)")
    services.version_update_draft(version=draft, content=changed, actor="operator")
    # An imported first version has no known start: it was in force before it reached us.
    assert v1.effective_from is None
    in_force_from = date(2026, 3, 1)
    services.version_publish(version=draft, actor="operator", effective_from=in_force_from)

    v1.refresh_from_db()
    assert v1.status == ProcedureVersion.Status.AMENDED
    assert v1.effective_to == in_force_from - timedelta(days=1)
    # A dossier received before the amendment pins version 1, after it version 2.
    assert selectors.version_in_force(code="1.001193", at=date(2026, 1, 15)).number == 1
    assert selectors.version_in_force(code="1.001193", at=in_force_from).number == 2
    assert selectors.version_in_force(code="1.001193", at=in_force_from).name == "Đăng ký khai sinh (sửa đổi)"


def test_a_published_version_cannot_be_edited() -> None:
    v1 = factories.procedure()
    with pytest.raises(services.VersionNotEditable):
        services.version_update_draft(version=v1, content=factories.content(name="x"), actor="operator")


def test_abolition_ends_the_version_in_force() -> None:
    v1 = factories.procedure()
    last_day = date(2026, 6, 30)
    services.procedure_abolish(procedure=v1.procedure, actor="op", effective_to=last_day, reason="Quyết định 1/QĐ")
    assert selectors.version_in_force(code="1.001193", at=last_day).pk == v1.pk
    with pytest.raises(NotFound):
        selectors.version_in_force(code="1.001193", at=last_day + timedelta(days=1))
    actions = list(CatalogChange.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["imported_created", "abolished"]


def test_an_unknown_code_is_not_found() -> None:
    with pytest.raises(NotFound, match=r"9\.999999"):
        selectors.version_in_force(code="9.999999", at=date(2026, 1, 1))
