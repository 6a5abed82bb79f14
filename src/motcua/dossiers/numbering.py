"""Dossier codes (*mã số hồ sơ*): the per-agency, per-day sequence and the pluggable code formats.

Legal basis: Thông tư 01/2018/TT-VPCP art. 19 (domain.md §2.5): a dossier code is
`V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`, the national identifier of the receiving agency (QCVN
102:2016/BTTTT, see motcua.agencies.models), the date of receipt (2-digit year) and the 4-digit
sequence of the dossiers that agency received that day. One dossier keeps its code across channels
and agencies. A 2026 DVCQG sync sample, `G09.20-20260609-0092637` (8-digit date, 7-digit sequence),
suggests that Thông tư 03/2025/TT-VPCP changed the structure; that text has not been confirmed (open
question in domain.md §2.5), so the format is pluggable: `DossierCodeFormat` implementations are
registered by name and the setting `DOSSIER_CODE_FORMAT` picks the one used for new codes (default
`tt01_2018`). Codes are stored on the dossier once generated, so switching the setting never changes
an existing code, and `dossier_code_parse` accepts the codes of every registered format.

Guarantee: no two dossiers ever get the same code. `next_value` increments one row per (scope, day)
in a single `INSERT … ON CONFLICT … DO UPDATE … RETURNING` statement, in the caller's transaction:

- PostgreSQL (READ COMMITTED, Django's default): the statement locks the row; a concurrent receipt
  for the same agency and day waits until the first transaction ends, then increments the committed
  value. Under REPEATABLE READ or SERIALIZABLE it would fail with a serialization error instead.
- SQLite ≥ 3.35 (RETURNING, upsert): the project opens every transaction with BEGIN IMMEDIATE
  (`transaction_mode`), so writers run one at a time and wait on `busy_timeout`.

The row stays locked until the caller commits, so other receipts of the same agency on the same day
queue behind it: call `dossier_code_generate` as late as possible in the receipt transaction.

Gaps in the sequence are allowed. A rolled-back receipt rolls its increment back too, so the usual
failure leaves none, but a number is still lost when it is taken and then not used in a transaction
that commits (a caller that catches an error after generating the code, a code taken outside the
receipt's transaction, a dossier deleted later). The regulation asks for a sequence that identifies
the dossier; re-using a number to close a gap could give two dossiers the same code, which is the
one thing that must never happen.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, connections, models, router, transaction
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import AGENCY_CODE_PATTERN
from motcua.core.errors import InvalidInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "DEFAULT_DOSSIER_CODE_FORMAT",
    "DossierCodeErrorCode",
    "DossierCodeFormat",
    "DossierCodeSequence",
    "InvalidDossierCode",
    "ParsedDossierCode",
    "SequenceKey",
    "Tt01Of2018Format",
    "Tt03Of2025SampleFormat",
    "dossier_code_format_get",
    "dossier_code_format_register",
    "dossier_code_formats",
    "dossier_code_generate",
    "dossier_code_parse",
    "next_value",
    "result_code",
]

DEFAULT_DOSSIER_CODE_FORMAT: Final = "tt01_2018"

# Large enough for any agency code and for a key a future format may choose (e.g. "G09.20").
SCOPE_MAX_LENGTH: Final = 64


# --- The sequence -------------------------------------------------------------------------------


class DossierCodeSequence(models.Model):
    """The last number handed out for one scope (the agency code, for the built-in formats) and day.

    Written only by `next_value`, never through the ORM: the increment must be one statement.
    """

    scope = models.CharField(_("scope"), max_length=SCOPE_MAX_LENGTH)
    day = models.DateField(_("day"))
    last_value = models.PositiveIntegerField(_("last value"))

    class Meta:
        app_label = "dossiers"
        verbose_name = _("dossier code sequence")
        verbose_name_plural = _("dossier code sequences")
        constraints = [
            # The conflict target of next_value's upsert: it must stay exactly (scope, day).
            models.UniqueConstraint(fields=["scope", "day"], name="dossiers_codesequence_scope_day_uniq"),
            models.CheckConstraint(
                condition=models.Q(last_value__gte=1), name="dossiers_codesequence_last_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.day.isoformat()}: {self.last_value}"


def next_value(*, scope: str, day: date) -> int:
    """Takes the next number of (scope, day): 1 for the first call, then 2, 3, …

    Atomic in one statement and safe under concurrency on PostgreSQL and SQLite (module docstring).
    Runs in the caller's transaction if there is one, so its rollback gives the number back; the row
    stays locked until that transaction ends. Without one, it commits at once.
    """
    if isinstance(day, datetime):
        # A datetime is a date too, but would be stored as another key ("2026-11-28 10:00:00").
        raise TypeError("next_value() takes the local date of receipt, not a datetime")
    if not scope or len(scope) > SCOPE_MAX_LENGTH:
        raise ValueError(f"a sequence scope is 1 to {SCOPE_MAX_LENGTH} characters, not {scope!r}")
    alias = router.db_for_write(DossierCodeSequence)
    connection = connections[alias]
    if connection.vendor == "sqlite":
        # Django's SQLite backend is the standard library's sqlite3 module.
        if sqlite3.sqlite_version_info < (3, 35):
            raise NotSupportedError("dossier codes need SQLite 3.35 or later (RETURNING)")
    elif connection.vendor != "postgresql":
        raise NotSupportedError(f"dossier codes are not implemented on {connection.vendor}")
    quote = connection.ops.quote_name
    meta = DossierCodeSequence._meta
    table = quote(meta.db_table)
    scope_column = quote(meta.get_field("scope").column)
    day_column = quote(meta.get_field("day").column)
    value_column = quote(meta.get_field("last_value").column)
    sql = (
        f"INSERT INTO {table} ({scope_column}, {day_column}, {value_column}) VALUES (%s, %s, 1) "  # noqa: S608 (identifiers from the model, values as parameters)
        f"ON CONFLICT ({scope_column}, {day_column}) DO UPDATE SET {value_column} = {table}.{value_column} + 1 "
        f"RETURNING {value_column}"
    )
    # savepoint=False: inside the caller's atomic block this adds nothing; called alone, it still
    # runs in a transaction, which on SQLite begins IMMEDIATE (takes the write lock first).
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, [scope, connection.ops.adapt_datefield_value(day)])
        row = cursor.fetchone()
    assert row is not None, "INSERT … RETURNING returned no row"
    value = row[0]
    assert isinstance(value, int)
    return value


# --- Errors -------------------------------------------------------------------------------------


class DossierCodeErrorCode(StrEnum):
    """The stable codes of `InvalidDossierCode`. Clients branch on these, never on the message."""

    FORMAT = "dossier_code_format"
    DATE = "dossier_code_date"
    SEQUENCE = "dossier_code_sequence"
    AGENCY_CODE = "dossier_code_agency_code"


def _render(template: StrOrPromise, params: Mapping[str, Any]) -> str:
    return str(template) % params


# `template % params`, evaluated lazily so the message follows the language active when it is shown.
_interpolate = lazy(_render, str)


class InvalidDossierCode(InvalidInput):
    """A dossier code was refused (look-up by code), or one cannot be made (a malformed agency code).

    `code` is one of `DossierCodeErrorCode`; `message` is translatable and says what is expected.
    """

    code = "invalid_dossier_code"

    def __init__(
        self, code: DossierCodeErrorCode, template: StrOrPromise, /, *, field: str | None = None, **params: Any
    ) -> None:
        super().__init__(_interpolate(template, params), field=field, **params)
        self.code = code.value
        self.template = template


# --- Formats ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SequenceKey:
    """Which counter a code draws from: `DossierCodeSequence(scope, day)`."""

    scope: str
    day: date


@dataclass(frozen=True, slots=True)
class ParsedDossierCode:
    agency_code: str
    received_on: date
    sequence: int
    # The registered format the code is written in, and the code in its canonical spelling (trimmed,
    # upper case): look dossiers up by `code`.
    format_name: str
    code: str


class DossierCodeFormat(Protocol):
    """One way of writing dossier codes. Register an implementation with `dossier_code_format_register`.

    The written code must be injective in (agency code, date, sequence) and the shapes of the
    registered formats must not overlap, so that `dossier_code_parse` finds one reading of any code.
    """

    @property
    def name(self) -> str:
        """The value of the DOSSIER_CODE_FORMAT setting that selects this format."""
        ...

    @property
    def example(self) -> str:
        """A code in this format, shown in error messages."""
        ...

    def sequence_key(self, *, agency_code: str, received_on: date) -> SequenceKey: ...

    def render(self, *, agency_code: str, received_on: date, sequence: int) -> str: ...

    def parse(self, code: str) -> ParsedDossierCode | None:
        """None if `code` is not in this format's shape; InvalidDossierCode if it is but cannot be valid."""
        ...


_AGENCY_CODE = AGENCY_CODE_PATTERN.removeprefix("^").removesuffix(r"\Z")
# re.ASCII: `\d` would otherwise accept other scripts' digits ("٠٠٠.٠٠.٠٤.G18"), which int() reads.
_AGENCY_CODE_RE = re.compile(AGENCY_CODE_PATTERN, re.ASCII)


def _check_agency_code(agency_code: str) -> None:
    if not _AGENCY_CODE_RE.match(agency_code):
        raise InvalidDossierCode(
            DossierCodeErrorCode.AGENCY_CODE,
            _(
                "The agency code “%(agency_code)s” is not a national agency identifier in the form "
                "V1V2V3.Z1Z2.Y1Y2.MX1X2 (for example 000.00.04.G18), so no dossier code can be made "
                "from it; correct the agency's code first."
            ),
            agency_code=agency_code,
        )


def _date_or_error(code: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDossierCode(
            DossierCodeErrorCode.DATE,
            _("The date of receipt in the dossier code “%(code)s” is not a valid date."),
            code=code,
        ) from None


def _sequence_or_error(code: str, digits: str, width: int) -> int:
    # The only spellings render() produces: exactly `width` digits, or more digits without a leading
    # zero once a day has run past the width (so "0001" and "00001" cannot both name number 1).
    value = int(digits)
    if value == 0 or (len(digits) > width and digits.startswith("0")):
        raise InvalidDossierCode(
            DossierCodeErrorCode.SEQUENCE,
            _("The sequence number in the dossier code “%(code)s” is not a valid number."),
            code=code,
        )
    return value


def _check_year(received_on: date, first: int, last: int) -> None:
    if isinstance(received_on, datetime):
        raise TypeError("dossier codes take the local date of receipt, not a datetime")
    if not first <= received_on.year <= last:
        raise ValueError(f"this dossier code format cannot write the year {received_on.year}")


class Tt01Of2018Format:
    """`<agency code>-YYMMDD-XXXX` (Thông tư 01/2018/TT-VPCP art. 19), one sequence per agency per day.

    The regulation gives the sequence 4 digits. A 10,000th dossier in one agency on one day does not
    wrap to 0001, which would repeat a code: it is written with 5 digits (10000), and so on; such
    codes are still unique and parse back. The 2-digit year is read as 20YY.
    """

    name = "tt01_2018"
    example = "000.00.04.G18-261128-0001"
    _width = 4
    _shape = re.compile(rf"(?P<agency>{_AGENCY_CODE})-(?P<date>\d{{6}})-(?P<sequence>\d{{4,9}})", re.ASCII)

    def sequence_key(self, *, agency_code: str, received_on: date) -> SequenceKey:
        _check_year(received_on, 2000, 2099)
        return SequenceKey(scope=agency_code, day=received_on)

    def render(self, *, agency_code: str, received_on: date, sequence: int) -> str:
        return f"{agency_code}-{received_on:%y%m%d}-{sequence:0{self._width}d}"

    def parse(self, code: str) -> ParsedDossierCode | None:
        match = self._shape.fullmatch(code)
        if match is None:
            return None
        digits = match["date"]
        received_on = _date_or_error(code, 2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
        sequence = _sequence_or_error(code, match["sequence"], self._width)
        return ParsedDossierCode(match["agency"], received_on, sequence, self.name, code)


class Tt03Of2025SampleFormat:
    """PROVISIONAL: `<level-1 code>.<level 2>[.<level 3>[.<level 4>]]-YYYYMMDD-XXXXXXX`.

    Reconstructed from one 2026 sync sample, `G09.20-20260609-0092637`, not from the text of Thông
    tư 03/2025/TT-VPCP (open question, domain.md §2.5). Our reading: the agency code written from
    the top level down, `000.00.20.G09` → `G09.20`, trailing all-zero levels left out (so
    `000.00.00.G09` → `G09`); an 8-digit date; a 7-digit sequence, kept here per agency per day like
    the 2018 format (the sample's 0092637 may instead come from a longer-running counter). Past
    9,999,999 the sequence widens like the 2018 format's. Confirm against the circular before use.
    """

    name = "tt03_2025_sample"
    example = "G09.20-20260609-0092637"
    _width = 7
    _shape = re.compile(
        r"(?P<level1>[A-Z]\d{2})(?P<lower>(?:\.\d{2}(?:\.\d{2}(?:\.\d{3})?)?)?)"
        r"-(?P<date>\d{8})-(?P<sequence>\d{7,9})",
        re.ASCII,
    )

    def sequence_key(self, *, agency_code: str, received_on: date) -> SequenceKey:
        _check_year(received_on, 1000, 9999)
        return SequenceKey(scope=agency_code, day=received_on)

    def render(self, *, agency_code: str, received_on: date, sequence: int) -> str:
        return f"{self._prefix(agency_code)}-{received_on:%Y%m%d}-{sequence:0{self._width}d}"

    @staticmethod
    def _prefix(agency_code: str) -> str:
        level4, level3, level2, level1 = agency_code.split(".")
        lower = [level2, level3, level4]
        while lower and set(lower[-1]) == {"0"}:
            lower.pop()
        return ".".join([level1, *lower])

    def parse(self, code: str) -> ParsedDossierCode | None:
        match = self._shape.fullmatch(code)
        if match is None:
            return None
        lower: list[str] = match.group("lower").split(".")[1:]
        if lower and set(lower[-1]) == {"0"}:
            # render() never writes a trailing all-zero level: "G09.00" would be a second spelling of "G09".
            return None
        level2, level3, level4 = [*lower, *("00", "00", "000")[len(lower) :]]
        agency_code = f"{level4}.{level3}.{level2}.{match['level1']}"
        digits = match["date"]
        received_on = _date_or_error(code, int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        sequence = _sequence_or_error(code, match["sequence"], self._width)
        return ParsedDossierCode(agency_code, received_on, sequence, self.name, code)


_FORMATS: dict[str, DossierCodeFormat] = {}


def dossier_code_format_register(code_format: DossierCodeFormat) -> None:
    """Makes a format selectable by DOSSIER_CODE_FORMAT and readable by `dossier_code_parse`."""
    existing = _FORMATS.get(code_format.name)
    if existing is not None and existing is not code_format:
        raise ImproperlyConfigured(f"a dossier code format named {code_format.name!r} is already registered")
    _FORMATS[code_format.name] = code_format


def dossier_code_formats() -> Iterator[DossierCodeFormat]:
    yield from _FORMATS.values()


def dossier_code_format_get(name: str | None = None) -> DossierCodeFormat:
    """The format called `name`, by default the one the DOSSIER_CODE_FORMAT setting selects."""
    if name is None:
        name = getattr(settings, "DOSSIER_CODE_FORMAT", DEFAULT_DOSSIER_CODE_FORMAT)
    try:
        return _FORMATS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"DOSSIER_CODE_FORMAT must be one of {', '.join(sorted(_FORMATS))}, not {name!r}"
        ) from None


dossier_code_format_register(Tt01Of2018Format())
dossier_code_format_register(Tt03Of2025SampleFormat())


# --- Public operations --------------------------------------------------------------------------


def dossier_code_generate(*, agency_code: str, received_on: date) -> str:
    """The next dossier code of the receiving agency for `received_on`, in the configured format.

    `received_on` is the Vietnamese date of receipt (`core.clock.today()`, not the UTC date). Takes a
    number from `next_value` in the caller's transaction (see the module docstring for the locking
    and the gaps). Raises InvalidDossierCode (dossier_code_agency_code) before taking a number if
    the agency code is not a national agency identifier.
    """
    code_format = dossier_code_format_get()
    _check_agency_code(agency_code)
    key = code_format.sequence_key(agency_code=agency_code, received_on=received_on)
    sequence = next_value(scope=key.scope, day=key.day)
    return code_format.render(agency_code=agency_code, received_on=received_on, sequence=sequence)


def dossier_code_parse(code: str) -> ParsedDossierCode:
    """Validates a dossier code typed or sent by a client and decodes it, in any registered format.

    Surrounding spaces are ignored and letters may be lower case; `ParsedDossierCode.code` is the
    canonical spelling to look the dossier up by. Does not check that the dossier or the agency
    exists. Raises InvalidDossierCode (dossier_code_format, dossier_code_date, dossier_code_sequence).
    """
    canonical = code.strip().upper()
    configured = dossier_code_format_get()
    for code_format in (configured, *(f for f in _FORMATS.values() if f is not configured)):
        parsed = code_format.parse(canonical)
        if parsed is not None:
            return parsed
    raise InvalidDossierCode(
        DossierCodeErrorCode.FORMAT,
        _(
            "“%(code)s” is not a dossier code. A dossier code is the agency code, the date of receipt "
            "and a sequence number, for example %(example)s."
        ),
        code=code.strip(),
        example=configured.example,
    )


def result_code(*, dossier_code: str, n: int) -> str:
    """The code of the n-th result of a dossier, `<dossier code>-KQ<n>`.

    Legal basis: Nghị định 45/2020/NĐ-CP art. 14(3): an electronic result is synchronised to the
    applicant's data store on DVCQG under this code, n counting the results of one dossier from 1.
    """
    if n < 1:
        raise ValueError(f"results are numbered from 1, not {n}")
    parsed = dossier_code_parse(dossier_code)
    return f"{parsed.code}-KQ{n}"
