"""E-forms: the schema is checked before use, values are validated and normalised, the identity
prefills what it knows, revisions are appended, and the packaged forms load once."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from motcua.catalog.eform_services import EFORMS_DIR, eform_for_version, eform_publish, eforms_load_packaged
from motcua.catalog.eforms import (
    DEFAULT_SCHEMA,
    EFormInvalid,
    FieldType,
    OnlineHandling,
    default_schema,
    form_validate,
    parse_date,
    prefill,
    schema_parse,
)
from motcua.catalog.models import CatalogChange, EForm, Procedure
from motcua.catalog.tests import factories

TODAY = date(2026, 12, 1)
COMMUNES = {"26740": "Phường Sài Gòn, Thành phố Hồ Chí Minh"}


def _packaged(code: str) -> dict[str, Any]:
    data = json.loads((EFORMS_DIR / f"{code}.json").read_text(encoding="utf-8"))
    schema: dict[str, Any] = data["schema"]
    return schema


def _field(**overrides: Any) -> dict[str, Any]:
    return {"name": "x", "type": "text", "label": {"vi": "Trường", "en": "Field"}, **overrides}


def _schema(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "title": {"vi": "Tờ khai", "en": "Form"},
        "sections": [{"key": "s", "legend": "Phần", "fields": list(fields)}],
        **extra,
    }


def _check(schema: dict[str, Any], values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    result = form_validate(schema_parse(schema), values, today=TODAY, commune_name=COMMUNES.get)
    return result.cleaned, result.errors


# -- reading a schema --------------------------------------------------------------------------------------


def test_the_packaged_forms_and_the_generic_one_are_valid() -> None:
    birth = schema_parse(_packaged("1.001193"))
    residence = schema_parse(_packaged("1.004222"))
    assert {f.name for f in birth.fields} >= {
        "child_name",
        "child_gender",
        "child_birth_date",
        "child_birth_place",
        "child_ethnicity",
        "child_nationality",
        "child_hometown",
        "mother_name",
        "mother_birth_year",
        "mother_id",
        "father_name",
        "father_id",
        "requester_relation",
    }
    assert {f.name for f in residence.fields} >= {"new_commune", "new_address", "reason", "head_name", "head_id"}
    assert residence.field("new_commune") is not None
    assert residence.field("new_commune").type is FieldType.COMMUNE  # type: ignore[union-attr]
    assert [f.name for f in default_schema().fields if f.required][-2:] == ["request", "commitment"]


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"title": "T"}, "sections: a form needs at least one section."),
        (_schema(_field(type="colour")), "sections[0].fields[0].type: the type is one of: text, textarea"),
        (_schema(_field(name="Họ tên")), "sections[0].fields[0].name: a field name is 1 to 40 lower-case"),
        (_schema(_field(), _field()), "sections[0].fields[1].name: two fields are named “x”."),
        (_schema(_field(label={"en": "Name"})), "sections[0].fields[0].label: a text needs its Vietnamese wording"),
        (_schema(_field(type="select")), "sections[0].fields[0].options: a list needs its options."),
        (_schema(_field(prefill="citizen.salary")), "sections[0].fields[0].prefill: the prefill source is one of"),
        (_schema(_field(pattern="([")), "sections[0].fields[0].pattern: the pattern is not a regular expression"),
        (_schema(_field(max_length=100_000)), "sections[0].fields[0].max_length: the maximum length is between 1"),
        (_schema(_field(min="today")), "sections[0].fields[0].min: only dates and numbers have a minimum"),
        (_schema(_field(colour="red")), "sections[0].fields[0]: unknown keys: colour."),
        (
            _schema(_field(type="personal_id", birth_date_field="nowhere")),
            "x: “nowhere” is not a field of type date of this form.",
        ),
        (_schema(_field(), documents=[{"match": "giay", "online": "maybe"}]), "documents[0].online: the handling"),
        (_schema(_field(), summary_field="nothing"), "summary_field: “nothing” is not a field of this form."),
        ("not an object", "schema: expected an object {…}."),
    ],
)
def test_a_broken_schema_is_refused_saying_where(schema: Any, problem: str) -> None:
    with translation.override("en"), pytest.raises(EFormInvalid) as refused:
        schema_parse(schema)
    assert str(refused.value.message).startswith(problem)
    assert refused.value.code == "eform_invalid"


def test_texts_follow_the_language_and_fall_back_to_vietnamese() -> None:
    schema = schema_parse(
        _schema(_field(label={"vi": "Họ tên", "en": "Full name"}), _field(name="y", label="Quê quán"))
    )
    name, hometown = schema.fields
    with translation.override("vi"):
        assert (str(name.label), str(hometown.label)) == ("Họ tên", "Quê quán")
    with translation.override("en"):
        assert (str(name.label), str(hometown.label)) == ("Full name", "Quê quán")


def test_document_rules_apply_in_order_on_the_name_or_the_case() -> None:
    schema = schema_parse(_packaged("1.001193"))
    handling = schema.document_handling
    assert handling(name="Giấy chứng sinh; trường hợp không có…", case="* Giấy tờ phải nộp:") is OnlineHandling.REQUIRED
    assert handling(name="Trường hợp người yêu cầu đã nộp bản điện tử Giấy chứng sinh…", case="") is OnlineHandling.INFO
    assert handling(name="Anything at all", case="* Lưu ý:") is OnlineHandling.INFO
    assert handling(name="Tờ khai đăng ký khai sinh theo mẫu", case="") is OnlineHandling.FORM
    assert handling(name="Giấy tờ khác", case="") is None


# -- validating values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "cleaned", "error"),
    [
        (_field(required=True), "  ", "", "Fill in “Field”."),
        (_field(required=True, type="select", options=[{"value": "a", "label": "A"}]), "", "", "Choose “Field”."),
        (_field(type="select", options=[{"value": "a", "label": "A"}]), "b", "b", "Choose one of the options"),
        (_field(), "  Nguyễn   Văn  An ", "Nguyễn Văn An", None),
        (_field(type="textarea"), "dòng 1\r\n  dòng 2 ", "dòng 1\n  dòng 2", None),
        (_field(max_length=5), "abcdefg", "abcdefg", "“Field” has at most 5 characters; you entered 7."),
        (_field(min_length=3), "ab", "ab", "“Field” has at least 3 characters."),
        (_field(pattern="[A-Z]{2}"), "ab", "ab", "“Field” is not in the expected form."),
        (
            _field(pattern="[A-Z]{2}", pattern_message={"vi": "Hai chữ in hoa.", "en": "Two capitals."}),
            "ab",
            "ab",
            "Two capitals.",
        ),
        (_field(type="date"), "14/03/1985", "1985-03-14", None),
        (_field(type="date"), "1985-03-14", "1985-03-14", None),
        (_field(type="date"), "31/02/2020", "31/02/2020", "“Field” must be a real date, written as dd/mm/yyyy"),
        (_field(type="date"), "yesterday", "yesterday", "“Field” must be a real date"),
        (_field(type="date", max="today"), "02/12/2026", "02/12/2026", "“Field” cannot be after 01/12/2026."),
        (_field(type="date", min="2000-01-01"), "31/12/1999", "31/12/1999", "“Field” cannot be before 01/01/2000."),
        (_field(type="personal_id"), "079190001234", "079190001234", None),
        (
            _field(type="personal_id"),
            "07919000123",
            "07919000123",
            "Field: The personal identification number must have exactly 12 digits; it has 11.",
        ),
        (
            _field(type="personal_id"),
            "999190001234",
            "999190001234",
            "Field: The personal identification number starts with 999",
        ),
        (_field(type="tax_code"), "0102345677", "0102345677", None),
        (_field(type="tax_code"), "0102345678", "0102345678", "Field: "),
        (_field(type="phone"), "+84 908 123 456", "0908123456", None),
        (_field(type="phone"), "0908.123.456", "0908123456", None),
        (_field(type="phone"), "12345", "12345", "“Field” must be a Vietnamese phone number of 10 digits"),
        (_field(type="email"), "an@example.vn", "an@example.vn", None),
        (_field(type="email"), "an@", "an@", "“Field” must be an e-mail address"),
        (_field(type="commune"), "26740", "26740", None),
        (_field(type="commune"), "26741", "26741", "Choose the commune of “Field” from the list"),
        (_field(type="number", min="1900", max="2100"), "1990", "1990", None),
        (_field(type="number", min="1900"), "1850", "1850", "“Field” cannot be less than 1900."),
        (_field(type="number"), "19a0", "19a0", "“Field” must be a whole number"),
        (_field(type="checkbox", required=True), "", "", "Tick the box to confirm: “Field”"),
        (_field(type="checkbox"), "yes", "yes", None),
    ],
)
def test_each_type_is_checked_and_normalised(
    field: dict[str, Any], value: str, cleaned: str, error: str | None
) -> None:
    with translation.override("en"):
        values, errors = _check(_schema(field), {"x": value})
    assert values["x"] == cleaned
    if error is None:
        assert errors == {}
    else:
        assert errors["x"].startswith(error)


def test_a_personal_id_is_checked_against_the_same_persons_birth_date_and_gender() -> None:
    schema = _packaged("1.004222")
    values = {"birth_date": "02/07/1990", "gender": "female", "personal_id": "079190001234"}
    with translation.override("en"):
        _values, errors = _check(schema, values)
        assert "personal_id" not in errors
        _values, errors = _check(schema, {**values, "gender": "male"})
        assert errors["personal_id"].startswith("Personal identification number: ")
        _values, errors = _check(schema, {**values, "birth_date": "02/07/1991"})
        assert "1991" in errors["personal_id"]


def test_values_outside_the_schema_are_dropped() -> None:
    values, _errors = _check(_schema(_field()), {"x": "a", "is_admin": "yes"})
    assert values == {"x": "a"}


def test_messages_are_in_vietnamese_by_default() -> None:
    with translation.override("vi"):
        _values, errors = _check(_schema(_field(required=True, label={"vi": "Họ tên", "en": "Name"})), {})
    assert "Họ tên" in errors["x"]


def test_dates_are_read_as_people_write_them() -> None:
    assert parse_date("5/3/2026") == date(2026, 3, 5)
    assert parse_date("05-03-2026") == date(2026, 3, 5)
    assert parse_date("2026-3-5") == date(2026, 3, 5)
    assert parse_date("5 tháng 3") is None


def test_prefill_takes_what_the_identity_knows_and_nothing_else() -> None:
    schema = schema_parse(DEFAULT_SCHEMA)
    values = prefill(
        schema, {"citizen.name": "Trần Thị Bích Ngọc", "citizen.personal_id": "079190001234", "citizen.email": ""}
    )
    assert values == {"requester_name": "Trần Thị Bích Ngọc", "requester_id": "079190001234"}
    assert schema.field("requester_id").is_locked  # type: ignore[union-attr]
    assert not schema.field("requester_name").is_locked  # type: ignore[union-attr]


# -- revisions ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_publication_appends_a_revision_and_the_newest_is_in_use() -> None:
    version = factories.procedure("1.001193")
    assert eform_for_version(version=version).eform is None  # the generic form
    first = eform_publish(procedure=version.procedure, schema=_schema(_field()), note="first", actor="test")
    second = eform_publish(procedure=version.procedure, schema=_schema(_field(name="y")), actor="test")
    assert (first.revision, second.revision) == (1, 2)
    in_use = eform_for_version(version=version)
    assert (in_use.revision, [f.name for f in in_use.schema.fields]) == (2, ["y"])
    first.refresh_from_db()
    assert first.schema == _schema(_field())  # the earlier revision is kept as it was
    assert CatalogChange.objects.filter(action="eform_publish").count() == 2


@pytest.mark.django_db
def test_a_form_made_for_a_version_wins_over_the_procedures_general_one() -> None:
    version = factories.procedure("1.001193")
    own = eform_publish(procedure=version.procedure, procedure_version=version, schema=_schema(_field()), actor="t")
    eform_publish(procedure=version.procedure, schema=_schema(_field(name="y")), actor="t")
    assert eform_for_version(version=version).eform == own


@pytest.mark.django_db
def test_a_broken_schema_is_not_published() -> None:
    version = factories.procedure("1.001193")
    with pytest.raises(EFormInvalid):
        eform_publish(procedure=version.procedure, schema={"title": "T", "sections": []}, actor="t")
    assert not EForm.objects.exists()


@pytest.mark.django_db
def test_the_packaged_forms_load_once_and_keep_an_operators_edit(tmp_path: Path) -> None:
    factories.procedure("1.001193")
    first = eforms_load_packaged()
    assert (first.created, first.procedure_missing) == (1, 1)  # 1.004222 is not in this catalogue
    again = eforms_load_packaged()
    assert (again.created, again.unchanged) == (0, 1)
    procedure = Procedure.objects.get(code="1.001193")
    eform_publish(procedure=procedure, schema=_schema(_field()), actor="operator")
    kept = eforms_load_packaged()
    assert kept.kept_operator == 1
    assert eform_for_version(version=procedure.versions.get()).eform.source == EForm.Source.OPERATOR  # type: ignore[union-attr]


@pytest.mark.django_db
def test_one_broken_packaged_file_loads_nothing(tmp_path: Path) -> None:
    factories.procedure("1.001193")
    broken = copy.deepcopy(_packaged("1.001193"))
    broken["sections"][0]["fields"][0]["type"] = "colour"
    (tmp_path / "1.001193.json").write_text(json.dumps({"procedure": "1.001193", "schema": broken}), encoding="utf-8")
    (tmp_path / "1.000001.json").write_text(json.dumps({"procedure": "1.000001", "schema": _schema(_field())}))
    with pytest.raises(EFormInvalid, match=r"E-form of 1\.001193: sections"):
        eforms_load_packaged(directory=tmp_path)
    assert not EForm.objects.exists()


@pytest.mark.django_db
def test_an_operator_publishes_a_checked_revision_in_the_admin(admin_client: Any) -> None:
    version = factories.procedure("1.001193")
    url = "/admin/catalog/eform/add/"
    start = admin_client.get(url, {"procedure": version.procedure.pk})
    assert start.status_code == 200
    assert "requester_name" in start.content.decode()  # starts from the generic form
    broken = admin_client.post(
        url,
        {"procedure": version.procedure.pk, "schema": json.dumps({"title": "T"})},
        headers={"accept-language": "en"},
    )
    assert broken.status_code == 200
    assert "sections: a form needs at least one section." in broken.content.decode()
    assert not EForm.objects.exists()
    saved = admin_client.post(
        url, {"procedure": version.procedure.pk, "schema": json.dumps(_schema(_field())), "note": "first"}
    )
    assert saved.status_code == 302
    eform = EForm.objects.get()
    assert (eform.revision, eform.source, eform.note) == (1, EForm.Source.OPERATOR, "first")
    assert eform.created_by is not None
    # A revision is never changed: its page is read-only.
    change = admin_client.post(f"/admin/catalog/eform/{eform.pk}/change/", {"schema": json.dumps(_schema())})
    assert change.status_code == 403
    eform.refresh_from_db()
    assert eform.schema == _schema(_field())
