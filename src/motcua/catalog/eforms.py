"""E-forms (tờ khai điện tử): the schema of a procedure's declaration, prefill and validation.

Pure rules, no database: the schema is read from JSON (`schema_parse`, which refuses a schema that
could not be used and says where), prefilled from what the signed-in identity says (`prefill`),
and the values a citizen entered are checked against it (`form_validate`), with every message in
the active language. Whether a commune code exists is asked through a function the caller passes.

Legal basis: Nghị định 224/2026/NĐ-CP Art 15(1): every online service has an e-form filled
automatically from national and sector databases so that people provide information only once
(domain §1.4, §3.3); Nghị quyết 131/NQ-CP (2022): declaration forms are standardised and reuse
digitised data. Identifiers are checked by motcua.identity (Nghị định 137/2015/NĐ-CP Art 13 for
personal identification numbers, Nghị định 126/2020/NĐ-CP Art 6 for tax codes; domain §10).

A schema (JSON):

    {"title": {"vi": "...", "en": "..."},
     "sections": [{"key": "child", "legend": {"vi": ..., "en": ...}, "fields": [
         {"name": "child_name", "type": "text", "label": {...}, "required": true,
          "help": {...}, "prefill": "citizen.name", "max_length": 100, "pattern": "...",
          "pattern_message": {...}, "options": [{"value": "male", "label": {...}}],
          "min": "1900-01-01", "max": "today", "autocomplete": "name",
          "birth_date_field": "...", "gender_field": "..."}]}],
     "choose_case": true, "in_person": {...}, "summary_field": "request",
     "documents": [{"match": "giay chung sinh", "on": "name", "online": "required"}]}

`documents` says, for the procedure's dossier components whose folded name (or case) contains
`match`, how they are handled online: an upload that is required or optional, the declaration
this form replaces ("form"), or a note that is no document at all ("info").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput
from motcua.core.text import fold
from motcua.identity.identifiers import InvalidIdentifier, parse_tax_code, validate_personal_id

__all__ = [
    "DEFAULT_SCHEMA",
    "PREFILL_SOURCES",
    "DocumentRule",
    "EFormInvalid",
    "EFormSchema",
    "FieldSpec",
    "FieldType",
    "FormCheck",
    "OnlineHandling",
    "Section",
    "Text",
    "default_schema",
    "form_validate",
    "parse_date",
    "prefill",
    "schema_parse",
]


class EFormInvalid(InvalidInput):
    code = "eform_invalid"


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    SELECT = "select"
    PERSONAL_ID = "personal_id"
    TAX_CODE = "tax_code"
    PHONE = "phone"
    EMAIL = "email"
    COMMUNE = "commune"  # a post-2025 commune (Quyết định 19/2025/QĐ-TTg, 5-digit code; domain §10.3)
    NUMBER = "number"  # a whole number
    CHECKBOX = "checkbox"


class OnlineHandling(StrEnum):
    REQUIRED = "required"  # the citizen must attach it to submit
    OPTIONAL = "optional"  # may be attached; the officer checks completeness at intake
    FORM = "form"  # the declaration this e-form replaces: nothing to attach
    INFO = "info"  # a note of the catalogue, not a document


# What the signed-in identity gives (citizens.Citizen, vouched for by the identity provider,
# domain §3.7), with the autocomplete token a browser knows it by.
PREFILL_SOURCES: Final[dict[str, str]] = {
    "citizen.name": "name",
    "citizen.personal_id": "off",
    "citizen.birth_date": "bday",
    "citizen.gender": "sex",
    "citizen.address": "street-address",
    "citizen.phone": "tel",
    "citizen.email": "email",
    "citizen.commune": "off",
}
AUTOCOMPLETE_TOKENS: Final = frozenset(
    {"off", "name", "given-name", "family-name", "bday", "sex", "tel", "email", "street-address", "address-line1"}
)

_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")
_MAX_FIELDS: Final = 200
_MAX_PATTERN: Final = 200
# Upper bounds whatever the schema says: a form field is never an essay.
_HARD_MAX: Final = {FieldType.TEXTAREA: 4000}
_HARD_MAX_OTHER: Final = 500
_DEFAULT_MAX: Final = {FieldType.TEXTAREA: 2000}
_DEFAULT_MAX_OTHER: Final = 255
_DATE_ISO: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\Z")
_DATE_VN: Final = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\Z")
_PHONE_SEPARATORS: Final = re.compile(r"[\s.\-()]")
_PHONE: Final = re.compile(r"0[1-9][0-9]{8,9}\Z")
_WHOLE: Final = re.compile(r"-?[0-9]+\Z")
_COMMUNE: Final = re.compile(r"[0-9]{5}\Z")
_CHECKED: Final = frozenset({"yes", "on", "1", "true"})


@dataclass(frozen=True, slots=True)
class Text:
    """A text of the schema in Vietnamese and English; shown in the active language."""

    vi: str
    en: str = ""

    def __str__(self) -> str:
        language = translation.get_language() or "vi"
        if language.startswith("en") and self.en:
            return self.en
        return self.vi


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: FieldType
    label: Text
    required: bool = False
    help: Text | None = None
    prefill: str = ""
    options: tuple[Option, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    pattern: str = ""
    pattern_message: Text | None = None
    min: str = ""
    max: str = ""
    autocomplete: str = ""
    # personal_id: the fields of the same person's date of birth and gender, checked against the number.
    birth_date_field: str = ""
    gender_field: str = ""

    @property
    def is_locked(self) -> bool:
        """The signed-in person's own ID number: vouched for by the identity provider, never retyped."""
        return self.prefill == "citizen.personal_id"

    @property
    def autocomplete_token(self) -> str:
        return self.autocomplete or PREFILL_SOURCES.get(self.prefill, "")

    @property
    def limit(self) -> int:
        return self.max_length or _DEFAULT_MAX.get(self.type, _DEFAULT_MAX_OTHER)


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    legend: Text
    fields: tuple[FieldSpec, ...]
    help: Text | None = None


@dataclass(frozen=True, slots=True)
class DocumentRule:
    match: str  # folded
    online: OnlineHandling
    on: str = "name"  # "name" or "case"

    def applies(self, *, name: str, case: str) -> bool:
        return self.match in fold(case if self.on == "case" else name)


@dataclass(frozen=True, slots=True)
class EFormSchema:
    title: Text
    sections: tuple[Section, ...]
    documents: tuple[DocumentRule, ...] = ()
    choose_case: bool = True
    in_person: Text | None = None
    summary_field: str = ""
    legal_basis: str = ""

    @property
    def fields(self) -> list[FieldSpec]:
        return [f for section in self.sections for f in section.fields]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def document_handling(self, *, name: str, case: str) -> OnlineHandling | None:
        """How the schema says a dossier component is handled online; None when it says nothing."""
        for rule in self.documents:
            if rule.applies(name=name, case=case):
                return rule.online
        return None


# -- reading a schema --------------------------------------------------------------------------------


def _fail(path: str, message: str) -> EFormInvalid:
    return EFormInvalid(_("%(path)s: %(problem)s") % {"path": path, "problem": message}, field="schema")


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, _("expected an object {…}."))
    return value


def _text(value: Any, path: str, *, required: bool = True) -> Text | None:
    if value is None and not required:
        return None
    if isinstance(value, str) and value.strip():
        return Text(vi=value.strip())
    data = _object(value, path)
    vi, en = data.get("vi", ""), data.get("en", "")
    if not isinstance(vi, str) or not vi.strip():
        raise _fail(path, _("a text needs its Vietnamese wording under “vi”."))
    if not isinstance(en, str):
        raise _fail(path, _("the English wording under “en” must be a text."))
    unknown = set(data) - {"vi", "en"}
    if unknown:
        raise _fail(path, _("unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    return Text(vi=vi.strip(), en=en.strip())


def _int(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(path, _("expected a whole number of 0 or more."))
    return value


def _string(value: Any, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _fail(path, _("expected a text."))
    return value.strip()


_FIELD_KEYS: Final = frozenset(
    {
        "name",
        "type",
        "label",
        "required",
        "help",
        "prefill",
        "options",
        "min_length",
        "max_length",
        "pattern",
        "pattern_message",
        "min",
        "max",
        "autocomplete",
        "birth_date_field",
        "gender_field",
    }
)


def _bound(value: str, kind: FieldType, path: str) -> str:
    if not value:
        return ""
    if kind is FieldType.DATE:
        if value != "today" and parse_date(value) is None:
            raise _fail(path, _("a date bound is “today” or a date written as YYYY-MM-DD."))
    elif kind is FieldType.NUMBER:
        if not _WHOLE.match(value):
            raise _fail(path, _("a number bound is a whole number."))
    else:
        raise _fail(path, _("only dates and numbers have a minimum and a maximum."))
    return value


def _field(raw: Any, path: str) -> FieldSpec:
    data = _object(raw, path)
    unknown = set(data) - _FIELD_KEYS
    if unknown:
        raise _fail(path, _("unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(
            f"{path}.name",
            _("a field name is 1 to 40 lower-case letters, digits or “_”, starting with a letter."),
        )
    try:
        kind = FieldType(str(data.get("type")))
    except ValueError:
        raise _fail(
            f"{path}.type",
            _("the type is one of: %(types)s.") % {"types": ", ".join(t.value for t in FieldType)},
        ) from None
    label = _text(data.get("label"), f"{path}.label")
    assert label is not None
    required = data.get("required", False)
    if not isinstance(required, bool):
        raise _fail(f"{path}.required", _("expected true or false."))
    source = _string(data.get("prefill"), f"{path}.prefill")
    if source and source not in PREFILL_SOURCES:
        raise _fail(
            f"{path}.prefill",
            _("the prefill source is one of: %(sources)s.") % {"sources": ", ".join(PREFILL_SOURCES)},
        )
    options: list[Option] = []
    raw_options = data.get("options")
    if kind is FieldType.SELECT:
        if not isinstance(raw_options, list) or not raw_options:
            raise _fail(f"{path}.options", _("a list needs its options."))
        for index, raw_option in enumerate(raw_options):
            option_path = f"{path}.options[{index}]"
            option = _object(raw_option, option_path)
            value = option.get("value")
            if not isinstance(value, str) or not value.strip():
                raise _fail(f"{option_path}.value", _("an option needs a value."))
            option_label = _text(option.get("label"), f"{option_path}.label")
            assert option_label is not None
            if any(o.value == value.strip() for o in options):
                raise _fail(f"{option_path}.value", _("two options have the value “%(value)s”.") % {"value": value})
            options.append(Option(value=value.strip(), label=option_label))
    elif raw_options is not None:
        raise _fail(f"{path}.options", _("only a list (type “select”) has options."))
    min_length = _int(data.get("min_length"), f"{path}.min_length")
    max_length = _int(data.get("max_length"), f"{path}.max_length")
    hard = _HARD_MAX.get(kind, _HARD_MAX_OTHER)
    if max_length is not None and not 1 <= max_length <= hard:
        raise _fail(f"{path}.max_length", _("the maximum length is between 1 and %(max)s.") % {"max": hard})
    if min_length is not None and min_length > (max_length or hard):
        raise _fail(f"{path}.min_length", _("the minimum length is more than the maximum."))
    pattern = _string(data.get("pattern"), f"{path}.pattern")
    if pattern:
        if len(pattern) > _MAX_PATTERN:
            raise _fail(f"{path}.pattern", _("a pattern has at most %(max)s characters.") % {"max": _MAX_PATTERN})
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(
                f"{path}.pattern", _("the pattern is not a regular expression: %(error)s") % {"error": exc}
            ) from exc
    autocomplete = _string(data.get("autocomplete"), f"{path}.autocomplete")
    if autocomplete and autocomplete not in AUTOCOMPLETE_TOKENS:
        raise _fail(
            f"{path}.autocomplete",
            _("the autocomplete token is one of: %(tokens)s.") % {"tokens": ", ".join(sorted(AUTOCOMPLETE_TOKENS))},
        )
    birth_date_field = _string(data.get("birth_date_field"), f"{path}.birth_date_field")
    gender_field = _string(data.get("gender_field"), f"{path}.gender_field")
    if (birth_date_field or gender_field) and kind is not FieldType.PERSONAL_ID:
        raise _fail(path, _("only a personal ID number is checked against a date of birth and a gender."))
    return FieldSpec(
        name=name,
        type=kind,
        label=label,
        required=required,
        help=_text(data.get("help"), f"{path}.help", required=False),
        prefill=source,
        options=tuple(options),
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        pattern_message=_text(data.get("pattern_message"), f"{path}.pattern_message", required=False),
        min=_bound(_string(data.get("min"), f"{path}.min"), kind, f"{path}.min"),
        max=_bound(_string(data.get("max"), f"{path}.max"), kind, f"{path}.max"),
        autocomplete=autocomplete,
        birth_date_field=birth_date_field,
        gender_field=gender_field,
    )


_SCHEMA_KEYS: Final = frozenset(
    {"title", "sections", "documents", "choose_case", "in_person", "summary_field", "legal_basis"}
)


def schema_parse(raw: Any) -> EFormSchema:
    """The schema read from its JSON value. Raises EFormInvalid naming the first problem and where."""
    data = _object(raw, "schema")
    unknown = set(data) - _SCHEMA_KEYS
    if unknown:
        raise _fail("schema", _("unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    title = _text(data.get("title"), "title")
    assert title is not None
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise _fail("sections", _("a form needs at least one section."))
    sections: list[Section] = []
    names: set[str] = set()
    for index, raw_section in enumerate(raw_sections):
        path = f"sections[{index}]"
        section = _object(raw_section, path)
        unknown = set(section) - {"key", "legend", "help", "fields"}
        if unknown:
            raise _fail(path, _("unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
        key = section.get("key")
        if not isinstance(key, str) or not _NAME.match(key):
            raise _fail(f"{path}.key", _("a section key is lower-case letters, digits or “_”."))
        legend = _text(section.get("legend"), f"{path}.legend")
        assert legend is not None
        raw_fields = section.get("fields")
        if not isinstance(raw_fields, list) or not raw_fields:
            raise _fail(f"{path}.fields", _("a section needs at least one field."))
        fields = []
        for position, raw_field in enumerate(raw_fields):
            spec = _field(raw_field, f"{path}.fields[{position}]")
            if spec.name in names:
                raise _fail(
                    f"{path}.fields[{position}].name", _("two fields are named “%(name)s”.") % {"name": spec.name}
                )
            names.add(spec.name)
            fields.append(spec)
        sections.append(
            Section(
                key=key,
                legend=legend,
                fields=tuple(fields),
                help=_text(section.get("help"), f"{path}.help", required=False),
            )
        )
    if len(names) > _MAX_FIELDS:
        raise _fail("sections", _("a form has at most %(max)s fields.") % {"max": _MAX_FIELDS})
    every = {f.name: f for s in sections for f in s.fields}
    for spec in every.values():
        for other, wanted in ((spec.birth_date_field, FieldType.DATE), (spec.gender_field, FieldType.SELECT)):
            if other and (other not in every or every[other].type is not wanted):
                raise _fail(
                    spec.name,
                    _("“%(other)s” is not a field of type %(type)s of this form.") % {"other": other, "type": wanted},
                )
    documents: list[DocumentRule] = []
    raw_documents = data.get("documents", [])
    if not isinstance(raw_documents, list):
        raise _fail("documents", _("expected a list […]."))
    for index, raw_rule in enumerate(raw_documents):
        path = f"documents[{index}]"
        rule = _object(raw_rule, path)
        match = fold(_string(rule.get("match"), f"{path}.match"))
        if not match:
            raise _fail(f"{path}.match", _("say which components the rule is for."))
        on = _string(rule.get("on"), f"{path}.on") or "name"
        if on not in ("name", "case"):
            raise _fail(f"{path}.on", _("a rule matches the component's “name” or its “case”."))
        try:
            online = OnlineHandling(str(rule.get("online")))
        except ValueError:
            raise _fail(
                f"{path}.online",
                _("the handling is one of: %(values)s.") % {"values": ", ".join(h.value for h in OnlineHandling)},
            ) from None
        documents.append(DocumentRule(match=match, online=online, on=on))
    choose_case = data.get("choose_case", True)
    if not isinstance(choose_case, bool):
        raise _fail("choose_case", _("expected true or false."))
    summary_field = _string(data.get("summary_field"), "summary_field")
    if summary_field and summary_field not in every:
        raise _fail("summary_field", _("“%(name)s” is not a field of this form.") % {"name": summary_field})
    return EFormSchema(
        title=title,
        sections=tuple(sections),
        documents=tuple(documents),
        choose_case=choose_case,
        in_person=_text(data.get("in_person"), "in_person", required=False),
        summary_field=summary_field,
        legal_basis=_string(data.get("legal_basis"), "legal_basis"),
    )


# The form of any procedure without one of its own: who asks, and what for (Nghị định 224/2026
# Art 15(1): every online service has an e-form). The requester's details come from the sign-in.
DEFAULT_SCHEMA: Final[dict[str, Any]] = {
    "title": {"vi": "Đơn đề nghị giải quyết thủ tục hành chính", "en": "Application"},
    "summary_field": "request",
    "sections": [
        {
            "key": "requester",
            "legend": {"vi": "Thông tin người nộp hồ sơ", "en": "About you (the person submitting)"},
            "fields": [
                {
                    "name": "requester_name",
                    "type": "text",
                    "label": {"vi": "Họ, chữ đệm và tên", "en": "Full name"},
                    "required": True,
                    "prefill": "citizen.name",
                    "max_length": 100,
                },
                {
                    "name": "requester_id",
                    "type": "personal_id",
                    "label": {"vi": "Số định danh cá nhân", "en": "Personal identification number"},
                    "required": True,
                    "prefill": "citizen.personal_id",
                },
                {
                    "name": "requester_birth_date",
                    "type": "date",
                    "label": {"vi": "Ngày, tháng, năm sinh", "en": "Date of birth"},
                    "prefill": "citizen.birth_date",
                    "max": "today",
                },
                {
                    "name": "requester_address",
                    "type": "text",
                    "label": {"vi": "Nơi cư trú", "en": "Address"},
                    "required": True,
                    "prefill": "citizen.address",
                    "max_length": 500,
                },
                {
                    "name": "requester_phone",
                    "type": "phone",
                    "label": {"vi": "Số điện thoại", "en": "Phone"},
                    "required": True,
                    "prefill": "citizen.phone",
                    "help": {
                        "vi": "Cơ quan liên hệ với bạn qua số này khi cần.",
                        "en": "The agency calls you on this number if it needs to.",
                    },
                },
                {
                    "name": "requester_email",
                    "type": "email",
                    "label": {"vi": "Thư điện tử", "en": "E-mail"},
                    "prefill": "citizen.email",
                    "max_length": 254,
                },
            ],
        },
        {
            "key": "request",
            "legend": {"vi": "Nội dung đề nghị", "en": "Your request"},
            "fields": [
                {
                    "name": "request",
                    "type": "textarea",
                    "label": {"vi": "Nội dung đề nghị", "en": "What you are asking for"},
                    "required": True,
                    "max_length": 2000,
                    "help": {
                        "vi": "Nêu ngắn gọn việc bạn đề nghị cơ quan giải quyết.",
                        "en": "Say briefly what you ask the agency to do.",
                    },
                },
                {
                    "name": "commitment",
                    "type": "checkbox",
                    "label": {
                        "vi": "Tôi cam đoan những thông tin khai trên đây là đúng sự thật.",
                        "en": "I declare that the information above is true.",
                    },
                    "required": True,
                },
            ],
        },
    ],
}


def default_schema() -> EFormSchema:
    return schema_parse(DEFAULT_SCHEMA)


# -- prefill -----------------------------------------------------------------------------------------------


def prefill(schema: EFormSchema, identity: Mapping[str, str]) -> dict[str, str]:
    """The values the identity gives for the fields that ask for them (`identity` by prefill source,
    e.g. {"citizen.name": "Trần Thị Bích Ngọc"}); fields it has nothing for are left out."""
    values: dict[str, str] = {}
    for spec in schema.fields:
        value = identity.get(spec.prefill, "") if spec.prefill else ""
        if value:
            values[spec.name] = value
    return values


# -- validation --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormCheck:
    """The values as they will be kept (normalised) and, by field name, what is wrong."""

    cleaned: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def parse_date(value: str) -> date | None:
    """A date written YYYY-MM-DD (what a browser's date input sends) or dd/mm/yyyy (what people type)."""
    text = value.strip()
    iso = _DATE_ISO.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        vn = _DATE_VN.match(text)
        if not vn:
            return None
        day, month, year = (int(part) for part in vn.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_bound(value: str, today: date) -> date:
    if value == "today":
        return today
    parsed = parse_date(value)
    assert parsed is not None  # schema_parse checked it
    return parsed


def _clean_text(value: str, multiline: bool) -> str:
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
    if not multiline:
        text = " ".join(text.split())
    return text


def _check_one(
    spec: FieldSpec, raw: str, *, today: date, commune_name: Callable[[str], str | None]
) -> tuple[str, str | None]:
    """(the cleaned value, the problem or None) of one field, without the cross-field checks."""
    label = str(spec.label)
    if spec.type is FieldType.CHECKBOX:
        checked = raw.strip().lower() in _CHECKED
        if spec.required and not checked:
            return "", _("Tick the box to confirm: “%(label)s”") % {"label": label}
        return ("yes" if checked else ""), None
    value = _clean_text(raw, multiline=spec.type is FieldType.TEXTAREA)
    if not value:
        if spec.required:
            if spec.type in (FieldType.SELECT, FieldType.COMMUNE):
                return "", _("Choose “%(label)s”.") % {"label": label}
            return "", _("Fill in “%(label)s”.") % {"label": label}
        return "", None
    if len(value) > spec.limit:
        return value, _("“%(label)s” has at most %(max)s characters; you entered %(length)s.") % {
            "label": label,
            "max": spec.limit,
            "length": len(value),
        }
    if spec.min_length is not None and len(value) < spec.min_length:
        return value, _("“%(label)s” has at least %(min)s characters.") % {"label": label, "min": spec.min_length}
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        message = str(spec.pattern_message) if spec.pattern_message else _("“%(label)s” is not in the expected form.")
        return value, message % {"label": label} if "%(label)s" in message else message
    if spec.type is FieldType.DATE:
        parsed = parse_date(value)
        if parsed is None:
            return value, _("“%(label)s” must be a real date, written as dd/mm/yyyy, for example 14/03/1985.") % {
                "label": label
            }
        if spec.min and parsed < _date_bound(spec.min, today):
            return value, _("“%(label)s” cannot be before %(day)s.") % {
                "label": label,
                "day": _date_bound(spec.min, today).strftime("%d/%m/%Y"),
            }
        if spec.max and parsed > _date_bound(spec.max, today):
            return value, _("“%(label)s” cannot be after %(day)s.") % {
                "label": label,
                "day": _date_bound(spec.max, today).strftime("%d/%m/%Y"),
            }
        return parsed.isoformat(), None
    if spec.type is FieldType.SELECT:
        if value not in {o.value for o in spec.options}:
            return value, _("Choose one of the options of “%(label)s”.") % {"label": label}
        return value, None
    if spec.type is FieldType.PERSONAL_ID:
        try:
            validate_personal_id(value, today=today)
        except InvalidIdentifier as exc:
            return value, _("%(label)s: %(problem)s") % {"label": label, "problem": exc.message}
        return value, None
    if spec.type is FieldType.TAX_CODE:
        try:
            return parse_tax_code(value).number, None
        except InvalidIdentifier as exc:
            return value, _("%(label)s: %(problem)s") % {"label": label, "problem": exc.message}
    if spec.type is FieldType.PHONE:
        digits = _PHONE_SEPARATORS.sub("", value)
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        elif digits.startswith("84") and len(digits) == 11:
            digits = "0" + digits[2:]
        if not _PHONE.match(digits):
            return value, _(
                "“%(label)s” must be a Vietnamese phone number of 10 digits starting with 0 (or +84), "
                "for example 0912345678."
            ) % {"label": label}
        return digits, None
    if spec.type is FieldType.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            return value, _("“%(label)s” must be an e-mail address such as name@example.com.") % {"label": label}
        return value, None
    if spec.type is FieldType.COMMUNE:
        if not _COMMUNE.match(value) or commune_name(value) is None:
            return value, _("Choose the commune of “%(label)s” from the list of communes in force today.") % {
                "label": label
            }
        return value, None
    if spec.type is FieldType.NUMBER:
        if not _WHOLE.match(value):
            return value, _("“%(label)s” must be a whole number, written with digits only.") % {"label": label}
        number = int(value)
        if spec.min and number < int(spec.min):
            return value, _("“%(label)s” cannot be less than %(min)s.") % {"label": label, "min": spec.min}
        if spec.max and number > int(spec.max):
            return value, _("“%(label)s” cannot be more than %(max)s.") % {"label": label, "max": spec.max}
        return str(number), None
    return value, None


def form_validate(
    schema: EFormSchema,
    values: Mapping[str, str],
    *,
    today: date,
    commune_name: Callable[[str], str | None],
) -> FormCheck:
    """Check what was entered against the schema: every field, then each personal ID number against
    the same person's date of birth and gender (Nghị định 137/2015/NĐ-CP Art 13: the number encodes
    the century, the gender and the year of birth). Values not in the schema are dropped."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in schema.fields:
        value, problem = _check_one(spec, values.get(spec.name, ""), today=today, commune_name=commune_name)
        cleaned[spec.name] = value
        if problem is not None:
            errors[spec.name] = problem
    for spec in schema.fields:
        if spec.type is not FieldType.PERSONAL_ID or spec.name in errors or not cleaned[spec.name]:
            continue
        birth = cleaned.get(spec.birth_date_field, "") if spec.birth_date_field not in errors else ""
        gender = cleaned.get(spec.gender_field, "") if spec.gender_field not in errors else ""
        try:
            validate_personal_id(
                cleaned[spec.name],
                birth_date=date.fromisoformat(birth) if birth else None,
                gender=gender or None,
                today=today,
            )
        except InvalidIdentifier as exc:
            errors[spec.name] = _("%(label)s: %(problem)s") % {"label": str(spec.label), "problem": exc.message}
    return FormCheck(cleaned=cleaned, errors=errors)
