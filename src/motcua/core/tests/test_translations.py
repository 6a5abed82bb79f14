"""The message catalogues: the Vietnamese one complete and sound, every compiled .mo up to date.

Run `make messages` after changing a translatable string: it refreshes the .po files from the
code and recompiles the .mo files, which are committed so that a machine without GNU gettext
still serves translated pages. No database is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("vi", "en")
PLURAL_FORMS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}

# A printf-style conversion as Python's % operator reads it: "%%", "%(name)s", "%d", "%5.2f"...
_CONVERSION = re.compile(r"%%|%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def _po(language: str) -> Any:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def _mo(language: str) -> Any:
    return polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"))


def _live(entries: Iterable[Any]) -> list[Any]:
    return [entry for entry in entries if not entry.obsolete]


def _conversions(text: str) -> tuple[set[str], bool]:
    """The conversions of `text` other than "%%", and whether a stray "%" is left over."""
    found = {match.group(0) for match in _CONVERSION.finditer(text) if match.group(0) != "%%"}
    return found, "%" in _CONVERSION.sub("", text)


def _nplurals(po: Any) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match is not None, "the catalogue has no Plural-Forms header"
    return int(match.group(1))


def _label(entry: Any) -> str:
    where = ", ".join(f"{path}:{line}" if line else path for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r} ({where or 'no reference'})"


def _problems(entry: Any, nplurals: int) -> list[str]:
    if "fuzzy" in entry.flags:
        return ["fuzzy"]
    problems = []
    if entry.msgid_plural:
        expected, literal_percent = _conversions(entry.msgid_plural)
        if sorted(entry.msgstr_plural) != list(range(nplurals)):
            problems.append(f"plural forms {sorted(entry.msgstr_plural)}, expected {list(range(nplurals))}")
        texts = [text for _index, text in sorted(entry.msgstr_plural.items())]
    else:
        expected, literal_percent = _conversions(entry.msgid)
        texts = [entry.msgstr]
    for index, text in enumerate(texts):
        form = f"msgstr[{index}]" if entry.msgid_plural else "msgstr"
        if not text:
            problems.append(f"{form} untranslated")
            continue
        found, stray = _conversions(text)
        if found != expected:
            missing, extra = sorted(expected - found), sorted(found - expected)
            problems.append(f"{form} placeholders differ (missing {missing}, unexpected {extra})")
        if stray and not literal_percent:
            problems.append(f"{form} has a stray '%' (write '%%' for a percent sign)")
    return problems


def test_every_vietnamese_string_is_translated_and_keeps_its_placeholders() -> None:
    po = _po("vi")
    nplurals = _nplurals(po)
    entries = _live(po)
    assert entries, "the Vietnamese catalogue is empty: run make messages"
    failures = [
        f"{_label(entry)}: {'; '.join(problems)}" for entry in entries if (problems := _problems(entry, nplurals))
    ]
    assert not failures, f"{len(failures)} Vietnamese entries need work:\n" + "\n".join(failures)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_header_is_valid(language: str) -> None:
    po = _po(language)
    assert not po.metadata_is_fuzzy, "remove the '#, fuzzy' flag of the header"
    assert po.metadata.get("Language") == language
    assert po.metadata.get("Content-Type") == "text/plain; charset=UTF-8"
    assert po.metadata.get("Plural-Forms") == PLURAL_FORMS[language]


def _translations(entries: Iterable[Any]) -> dict[tuple[str | None, str, str], tuple[str, ...]]:
    """msgid (with its context and plural) -> msgstr, for what msgfmt compiles: translated, not fuzzy."""
    table = {}
    for entry in _live(entries):
        if "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural:
            texts = tuple(text for _index, text in sorted(entry.msgstr_plural.items()))
        else:
            texts = (entry.msgstr,)
        if any(texts):
            table[(entry.msgctxt, entry.msgid, entry.msgid_plural)] = texts
    return table


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    po, mo = _po(language), _mo(language)
    source, compiled = _translations(po), _translations(mo)
    stale = sorted(repr(key[1]) for key in source.keys() | compiled.keys() if source.get(key) != compiled.get(key))
    assert not stale, (
        f"locale/{language}/LC_MESSAGES/django.mo is out of date for {len(stale)} strings "
        f"(run make messages): " + ", ".join(stale[:20])
    )
    for field in ("Language", "Content-Type", "Plural-Forms"):
        assert mo.metadata.get(field) == po.metadata.get(field), f"{field} differs: run make messages"


def test_strings_are_served_in_vietnamese_by_default_and_in_english_on_request() -> None:
    with translation.override("vi"):
        assert gettext("Due: %(moment)s.").startswith("Hạn")
        assert gettext("Received %(moment)s.") == "Tiếp nhận lúc %(moment)s."
        assert gettext("weekly rest day") == "ngày nghỉ hằng tuần"
        assert ngettext("%(n)s working day", "%(n)s working days", 3) % {"n": 3} == "3 ngày làm việc"
        assert ngettext("%(n)s working day", "%(n)s working days", 1) % {"n": 1} == "1 ngày làm việc"
        assert gettext("Commune People's Committee") == "Ủy ban nhân dân cấp xã"
        assert (
            "số định danh cá nhân"
            in gettext("The personal identification number must have exactly 12 digits; it has %(length)s.").lower()
        )
    with translation.override("en"):
        assert gettext("Due: %(moment)s.") == "Due: %(moment)s."
        assert ngettext("%(n)s working day", "%(n)s working days", 3) % {"n": 3} == "3 working days"
