"""Parser of the National Public Service Portal's procedure records (dichvucong.gov.vn): pure Python.

A record is one procedure as crawled from the portal: simple fields (code, name, levels, agencies…)
and the portal's HTML tables flattened into text without separators, e.g. the channel table
`cach_thuc_thuc_hien` = "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 Việt
Nam Đồng(…)Trực tiếp7 Ngày làm việc20,000 Việt Nam Đồng(…)". `parse_record` turns it into the
components a procedure must have (Nghị định 63/2010/NĐ-CP Art 8(2), as amended by 92/2017/NĐ-CP;
domain §1.1): (a) name, (b) steps, (c) channels, (d) documents and copies, (đ) time limit, (e)
applicants, (g) agencies, (h) forms, results, conditions and fees, plus the legal basis.

Rules the importer and the curators rely on:
- Nothing is guessed. What cannot be read is kept verbatim (the `text`/`raw` fields, or the flag's
  detail) and flagged with a stable `FlagCode`.
- A time limit's unit is taken only from an explicit statement in the same record: the table cell
  itself (explicit), or, when the cell lost it ("Trực tuyến1Miễn phí"), a statement of the same
  number with a unit in the row's description, another row of the table, the steps or the page text
  (inferred). Otherwise the number is kept without a unit (unknown).
- `RecordRejected` is the only exception `parse_record` raises: for a record without a usable code
  or name. Any other failure is caught per field and becomes an `internal_error` flag.
- Text is normalised to NFC with whitespace collapsed; Vietnamese is kept as it is.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------


class TimeUnit(StrEnum):
    """Units of a time limit as the portal writes them (766 field `DonViTinh`)."""

    WORKING_DAYS = "working_days"  # "Ngày làm việc"
    WORKING_HOURS = "working_hours"  # "Giờ làm việc"
    HOURS = "hours"  # "Giờ"
    DAYS = "days"  # "Ngày": calendar days
    MONTHS = "months"  # "Tháng"
    YEARS = "years"  # "Năm"


class UnitSource(StrEnum):
    """Where the unit of a time limit came from."""

    EXPLICIT = "explicit"  # stated in the table cell
    INFERRED = "inferred"  # from an explicit statement of the same number elsewhere in the record
    UNKNOWN = "unknown"  # a number without a unit and nothing explicit in the record (or unreadable)
    ABSENT = "absent"  # no time limit stated at all


class Channel(StrEnum):
    IN_PERSON = "in_person"  # "Trực tiếp"
    ONLINE = "online"  # "Trực tuyến"
    POSTAL = "postal"  # "Dịch vụ bưu chính" / "Bưu chính công ích"


class FeeState(StrEnum):
    """How the fee cell of one channel row was understood (for the importer's counts)."""

    UNDERSTOOD = "understood"  # every fee line read
    NOT_UNDERSTOOD = "not_understood"  # at least one fee line kept as text only
    ABSENT = "absent"  # no fee stated ("Không có thông tin" or an empty cell)


class FlagCode(StrEnum):
    """Stable codes of what the parser could not read, or read with a caveat."""

    # Whole record
    FIELD_WRONG_TYPE = "field_wrong_type"  # a field was not text; read as empty or as its str()
    TEXT_REPLACEMENT_CHAR = "text_replacement_char"  # U+FFFD: the source had broken encoding
    INTERNAL_ERROR = "internal_error"  # a field parser failed; the field is left empty
    # Channels, time limits, fees
    CHANNEL_TABLE_ABSENT = "channel_table_absent"
    CHANNEL_TABLE_HEADER_MISSING = "channel_table_header_missing"
    CHANNEL_TABLE_UNPARSED = "channel_table_unparsed"  # text that is not a channel row, kept in detail
    CHANNEL_CELLS_AMBIGUOUS = "channel_cells_ambiguous"  # "Trực tuyến1500 VNĐ": time and fee not separable
    CHANNEL_CELLS_SPLIT_BY_EVIDENCE = "channel_cells_split_by_evidence"  # separated using the same record
    TIME_LIMIT_ABSENT = "time_limit_absent"
    TIME_LIMIT_UNPARSED = "time_limit_unparsed"
    TIME_LIMIT_RANGE = "time_limit_range"  # "5 - 7 Ngày": the maximum is taken
    TIME_LIMIT_SEVERAL_VALUES = "time_limit_several_values"  # the maximum is taken
    TIME_LIMIT_SAME_DAY = "time_limit_same_day"  # "Trong ngày": 0 working days
    TIME_UNIT_UNKNOWN = "time_unit_unknown"
    TIME_UNIT_INFERRED = "time_unit_inferred"
    TIME_UNIT_CONFLICT = "time_unit_conflict"  # statements of the same number with different units
    TIME_UNIT_DISAGREES = "time_unit_disagrees"  # the cell's unit differs from the row's description
    FEE_ABSENT = "fee_absent"
    FEE_NOT_UNDERSTOOD = "fee_not_understood"
    FEE_AMOUNT_IMPLAUSIBLE = "fee_amount_implausible"  # "25 VNĐ": under 1,000 đồng, kept as text
    FEE_AMOUNT_FROM_NOTE = "fee_amount_from_note"  # "20 VNĐ(20.000 đ/tờ khai)": the note's 20.000 taken
    FEE_CURRENCY_FROM_NOTE = "fee_currency_from_note"  # "155 VNĐ(… 155 USD/thẻ)": USD taken
    FEE_NOTE_HAS_AMOUNT = "fee_note_has_amount"  # "Miễn phí(… 100.000 đồng/lần …)"
    FEE_FOREIGN_CURRENCY = "fee_foreign_currency"  # understood, but not in VND
    FEE_PERCENTAGE = "fee_percentage"  # understood, but not a fixed amount
    # Documents
    DOCUMENTS_ABSENT = "documents_absent"
    DOCUMENTS_UNPARSED = "documents_unparsed"  # text without a quantity, kept in detail
    DOCUMENT_FORM_UNSPLIT = "document_form_unsplit"  # a template file name could not be separated
    # Legal basis
    LEGAL_BASIS_ABSENT = "legal_basis_absent"
    LEGAL_BASIS_UNPARSED = "legal_basis_unparsed"
    LEGAL_BASIS_TITLE_MISSING = "legal_basis_title_missing"
    LEGAL_BASIS_DATE_MISMATCH = "legal_basis_date_mismatch"  # the stated date is not in the number's year
    # Results
    RESULTS_ABSENT = "results_absent"
    RESULTS_GARBAGE_DROPPED = "results_garbage_dropped"  # the portal's page furniture after the results
    RESULT_CODE_MISSING = "result_code_missing"
    RESULT_CODE_UNPARSED = "result_code_unparsed"  # "Mã:" followed by something that is not a code
    RESULT_CODE_NONSTANDARD = "result_code_nonstandard"  # a code, but not of the KQ.Gnn.nnnnnn shape
    # Steps
    STEPS_ABSENT = "steps_absent"
    STEPS_UNNUMBERED = "steps_unnumbered"  # no "Bước n": kept as one step
    STEPS_NUMBERING_IRREGULAR = "steps_numbering_irregular"


# --------------------------------------------------------------------------------------------------
# Parsed values
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class ParsedTimeLimit:
    value: Decimal | None
    unit: TimeUnit | None
    source: UnitSource
    text: str  # the cell as written
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFee:
    """One fee line. `text` is the cell as written (amount and note), so nothing is lost."""

    amount_vnd: int | None  # a fixed amount in đồng; 0 when free
    is_free: bool
    understood: bool
    text: str
    amount: Decimal | None = None  # the amount in `currency` (USD fees have no amount_vnd)
    currency: str | None = None  # ISO 4217: "VND", "USD"
    percent: Decimal | None = None  # "0,5% giá trị …": understood, but no fixed amount
    label: str = ""  # "Lệ phí", "Phí" when the cell names the line
    note: str = ""  # the parenthesised note after the amount
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedChannel:
    channel: Channel
    time_limit: ParsedTimeLimit
    fees: tuple[ParsedFee, ...]  # empty when the row states no fee
    description: str
    raw: str  # the whole row as written


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    name: str
    originals: int | None
    copies: int | None
    quantity_text: str
    form_templates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedDocumentCase:
    case_name: str  # "" when the record has no heading
    documents: tuple[ParsedDocument, ...]


@dataclass(frozen=True, slots=True)
class ParsedLegalBasis:
    title: str
    number: str  # "68/2020/QH14"; "" when the row has none
    issued_on: date | None


@dataclass(frozen=True, slots=True)
class ParsedResult:
    name: str
    code: str | None


@dataclass(frozen=True, slots=True)
class ParsedStep:
    order: int  # the stated "Bước n"; 0 for text before the first numbered step
    text: str


@dataclass(frozen=True, slots=True)
class ParsedProcedure:
    code: str
    name: str
    decision_number: str
    levels: tuple[str, ...]
    kind: str
    fields: tuple[str, ...]
    applicants: tuple[str, ...]
    competent_agency: str
    implementing_agency: str
    delegated_agency: str
    coordinating_agency: str
    receiving_address: str
    related_procedures: str
    steps: tuple[ParsedStep, ...]
    channels: tuple[ParsedChannel, ...]
    document_cases: tuple[ParsedDocumentCase, ...]
    legal_basis: tuple[ParsedLegalBasis, ...]
    conditions: str
    results: tuple[ParsedResult, ...]
    detail_url: str
    flags: tuple[Flag, ...]

    def steps_text(self) -> list[str]:
        """The steps as plain texts, in order."""
        return [step.text for step in self.steps]

    def flag_codes(self) -> set[str]:
        return {flag.code for flag in self.flags}


class RecordRejected(Exception):
    """A record that cannot be imported at all: no usable code or name, or not a record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __repr__(self) -> str:
        return f"RecordRejected({self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordRejected) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(self.reason)


# --------------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------------

# Invisible format characters seen in the records (soft hyphen, LRM, zero-width space…) and
# lone surrogates left by a lossy decoder.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_ALL_WHITESPACE = re.compile(r"\s+")
_SPACES_BUT_TABS = re.compile(r"[^\S\t]+")
_NO_INFORMATION = {"không có thông tin", "không có", "không", "không quy định", "--", "-"}


def normalise(value: str) -> str:
    """NFC, invisible characters removed, line breaks kept (\\r\\n → \\n), nothing else changed."""
    text = unicodedata.normalize("NFC", value)
    text = _INVISIBLE.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_text(value: object) -> str:
    """One line: normalised, all whitespace collapsed to single spaces, stripped."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _ALL_WHITESPACE.sub(" ", normalise(text)).strip()


def clean_block(value: object) -> str:
    """Several lines: normalised, spaces collapsed within lines, blank lines dropped."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _SPACES.sub(" ", normalise(text))
    return _NEWLINES.sub("\n", text).strip()


def _is_no_information(text: str) -> bool:
    return text.strip(" .:").casefold() in _NO_INFORMATION


def _optional_text(text: str) -> str:
    """The portal's placeholder "Không có thông tin" means there is nothing."""
    return "" if _is_no_information(text) else text


def split_list(text: str) -> tuple[str, ...]:
    """Split the portal's comma lists: "Công dân Việt Nam, Cán bộ, công chức, viên chức".

    Lines are items. Within a line, a comma separates two items only outside parentheses and when
    the next item starts with a capital letter, so "Tổ chức (không bao gồm doanh nghiệp, HTX)" and
    "Cán bộ, công chức, viên chức" stay whole.
    """
    items: list[str] = []
    for line in clean_block(text).split("\n"):
        if not line or _is_no_information(line):
            continue
        depth = 0
        start = 0
        for index, char in enumerate(line):
            if char == "(":
                depth += 1
            elif char == ")":
                depth = max(0, depth - 1)
            elif (
                char == ","
                and depth == 0
                and line[index + 1 : index + 2] == " "
                and line[index + 2 : index + 3].isupper()
            ):
                items.append(line[start:index].strip())
                start = index + 2
        items.append(line[start:].strip())
    return tuple(item for item in items if item)


def _shorten(text: str, limit: int = 200) -> str:
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------------
# Numbers, time limits
# --------------------------------------------------------------------------------------------------

_UNIT_WORDS: dict[str, TimeUnit] = {
    "ngày làm việc": TimeUnit.WORKING_DAYS,
    "giờ làm việc": TimeUnit.WORKING_HOURS,
    "giờ": TimeUnit.HOURS,
    "ngày": TimeUnit.DAYS,
    "tháng": TimeUnit.MONTHS,
    "năm": TimeUnit.YEARS,
}
_UNIT = r"(?:ngày làm việc|giờ làm việc|giờ|ngày|tháng|năm)"
_NUMBER = r"\d+(?:[.,]\d+)?"
_TIME_EXPLICIT = re.compile(rf"(?P<value>{_NUMBER})\s*(?P<unit>{_UNIT})", re.IGNORECASE)
_TIME_FRACTION = re.compile(rf"(?P<num>\d+)\s*/\s*(?P<den>\d+)\s*(?P<unit>{_UNIT})", re.IGNORECASE)
_TIME_RANGE = re.compile(
    rf"(?:từ\s*)?(?P<low>{_NUMBER})\s*(?:{_UNIT}\s*)?(?:-|–|đến|tới)\s*(?P<high>{_NUMBER})\s*(?P<unit>{_UNIT})",
    re.IGNORECASE,
)
_TIME_SAME_DAY = re.compile(r"(?:ngay\s+)?trong\s+(?:ngày|ngày làm việc|cùng ngày)(?:\s+làm việc)?", re.IGNORECASE)
_BARE_NUMBER = re.compile(_NUMBER)


def parse_number(text: str) -> Decimal | None:
    """Read "7" as 7, "0,5" as 0.5, "1.5" as 1.5, "1/2" as 0.5; None when it is not one number."""
    text = clean_text(text)
    if not text:
        return None
    fraction = re.fullmatch(r"(\d+)\s*/\s*(\d+)", text)
    try:
        if fraction:
            denominator = Decimal(fraction.group(2))
            return None if denominator == 0 else Decimal(fraction.group(1)) / denominator
        if re.fullmatch(_NUMBER, text):
            return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return None


def _unit_of(word: str) -> TimeUnit:
    return _UNIT_WORDS[clean_text(word).casefold()]


def parse_time_limit(text: object) -> ParsedTimeLimit:
    """Read one "Thời gian" cell. The unit is only what the cell states (see `infer_time_unit`)."""
    cell = clean_text(text)
    if not cell or _is_no_information(cell):
        return ParsedTimeLimit(None, None, UnitSource.ABSENT, cell)
    if _TIME_SAME_DAY.fullmatch(cell):
        flag = Flag(FlagCode.TIME_LIMIT_SAME_DAY, f"'{cell}' read as 0 working days (within the day)")
        return ParsedTimeLimit(Decimal(0), TimeUnit.WORKING_DAYS, UnitSource.EXPLICIT, cell, (flag,))
    if match := _TIME_EXPLICIT.fullmatch(cell):
        value = parse_number(match.group("value"))
        if value is not None:
            return ParsedTimeLimit(value, _unit_of(match.group("unit")), UnitSource.EXPLICIT, cell)
    if match := _TIME_FRACTION.fullmatch(cell):
        value = parse_number(f"{match.group('num')}/{match.group('den')}")
        if value is not None:
            return ParsedTimeLimit(value, _unit_of(match.group("unit")), UnitSource.EXPLICIT, cell)
    if match := _TIME_RANGE.fullmatch(cell):
        low, high = parse_number(match.group("low")), parse_number(match.group("high"))
        if low is not None and high is not None:
            flag = Flag(FlagCode.TIME_LIMIT_RANGE, f"'{cell}': the maximum is taken")
            return ParsedTimeLimit(max(low, high), _unit_of(match.group("unit")), UnitSource.EXPLICIT, cell, (flag,))
    if _BARE_NUMBER.fullmatch(cell) or re.fullmatch(r"\d+\s*/\s*\d+", cell):
        value = parse_number(cell)
        flag = Flag(FlagCode.TIME_UNIT_UNKNOWN, f"'{cell}' has no unit")
        return ParsedTimeLimit(value, None, UnitSource.UNKNOWN, cell, (flag,))
    # Several values in one cell: a limit only when they share one unit; then the maximum.
    found = [(parse_number(m.group("value")), _unit_of(m.group("unit"))) for m in _TIME_EXPLICIT.finditer(cell)]
    values = [value for value, _ in found if value is not None]
    units = {unit for _, unit in found}
    if values and len(units) == 1:
        flag = Flag(FlagCode.TIME_LIMIT_SEVERAL_VALUES, f"'{_shorten(cell)}': the maximum is taken")
        return ParsedTimeLimit(max(values), units.pop(), UnitSource.EXPLICIT, cell, (flag,))
    flag = Flag(FlagCode.TIME_LIMIT_UNPARSED, f"'{_shorten(cell)}'")
    return ParsedTimeLimit(None, None, UnitSource.UNKNOWN, cell, (flag,))


# Statements such as "trong thời hạn 05 ngày làm việc", "không quá 10 (mười) ngày làm việc kể từ".
# Dates ("ngày 15 tháng 5 năm 2021") and clock times ("sau 15 giờ") are not statements of a limit:
# a unit followed by a number is a date, and a limit needs a word of duration around it.
_TIME_STATEMENT = re.compile(
    rf"(?<![\d.,/])(?P<value>\d{{1,3}}(?:[.,]5)?)\s*(?:\([^()\d]{{1,30}}\)\s*)?(?P<unit>{_UNIT})(?!\w)(?!\s*\d)",
    re.IGNORECASE,
)
_DURATION_BEFORE = re.compile(
    r"(thời hạn|thời gian|trong vòng|trong|không quá|chậm nhất|tối đa|tối thiểu|giải quyết|xử lý|là)\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class TimeStatement:
    value: Decimal
    unit: TimeUnit
    text: str


def find_time_statements(text: str) -> tuple[TimeStatement, ...]:
    """Explicit statements of a duration in free text ("trong thời hạn 05 ngày làm việc")."""
    statements: list[TimeStatement] = []
    for match in _TIME_STATEMENT.finditer(text):
        before = text[max(0, match.start() - 25) : match.start()]
        after = text[match.end() : match.end() + 25].casefold()
        if not (_DURATION_BEFORE.search(before) or "kể từ" in after):
            continue
        value = parse_number(match.group("value"))
        if value is None:
            continue
        snippet = text[max(0, match.start() - 25) : match.end() + 20]
        statements.append(TimeStatement(value, _unit_of(match.group("unit")), clean_text(snippet)))
    return tuple(statements)


@dataclass(frozen=True, slots=True)
class TimeEvidence:
    """One source of statements in a record ("the steps"), read only when needed."""

    where: str
    statements: Callable[[], tuple[TimeStatement, ...]]


def infer_time_unit(limit: ParsedTimeLimit, evidence: Iterable[TimeEvidence]) -> ParsedTimeLimit:
    """A number without a unit gets one only from a statement of the same number in the record.

    The sources are tried in order (the row's own description first); the first that states the
    number decides. Statements of the same number with different units are a conflict: no unit.
    """
    if limit.source is not UnitSource.UNKNOWN or limit.value is None:
        return limit
    for source in evidence:
        matching = [s for s in source.statements() if s.value == limit.value]
        units = sorted({s.unit for s in matching})
        if len(units) == 1:
            flag = Flag(
                FlagCode.TIME_UNIT_INFERRED, f"'{limit.text}' → {units[0]} from {source.where}: '{matching[0].text}'"
            )
            kept = tuple(f for f in limit.flags if f.code != FlagCode.TIME_UNIT_UNKNOWN)
            return ParsedTimeLimit(limit.value, units[0], UnitSource.INFERRED, limit.text, (*kept, flag))
        if len(units) > 1:
            detail = f"'{limit.text}': {source.where} states {', '.join(units)}"
            flag = Flag(FlagCode.TIME_UNIT_CONFLICT, detail)
            return ParsedTimeLimit(limit.value, None, UnitSource.UNKNOWN, limit.text, (*limit.flags, flag))
    stated = sorted({f"{s.value.normalize():f} {s.unit}" for source in evidence for s in source.statements()})
    if stated:
        others = "; the record states other limits: " + ", ".join(stated[:4]) + ("…" if len(stated) > 4 else "")
        flags = tuple(
            Flag(f.code, f.detail + others) if f.code == FlagCode.TIME_UNIT_UNKNOWN else f for f in limit.flags
        )
        return ParsedTimeLimit(limit.value, limit.unit, limit.source, limit.text, flags)
    return limit


# --------------------------------------------------------------------------------------------------
# Fees
# --------------------------------------------------------------------------------------------------

_CURRENCY = r"(?:Việt Nam Đồng|VNĐ|VND|vnđ|Đồng|đồng|USD|Đô la Mỹ)"
_AMOUNT_CELL = re.compile(rf"(?P<amount>\d[\d.,]*)\s*(?P<currency>{_CURRENCY})?", re.IGNORECASE)
_PERCENT = re.compile(r"(?P<value>\d+(?:[.,]\d+)?)\s*%")
_FREE = re.compile(r"(?:miễn phí|miễn lệ phí|miễn|không thu(?: phí| lệ phí)?|không|0)", re.IGNORECASE)
_FEE_LABEL = re.compile(r"(?P<label>Lệ phí|Phí)\s*:\s*", re.IGNORECASE)
_NOTE_VND = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|đ|vnđ|vnd)(?!\w)", re.IGNORECASE)
_NOTE_USD = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s*(?:USD|đô la)", re.IGNORECASE)


_LONGEST_AMOUNT = 24  # characters; longer digit runs are not amounts (and would be slow to split)


def parse_amount(text: str) -> Decimal | None:
    """Read "10,000" and "10.000" as 10000 (either thousands separator), "0,5" as 0.5; else None."""
    text = clean_text(text)
    if len(text) > _LONGEST_AMOUNT:
        return None
    if re.fullmatch(r"\d+", text):
        return Decimal(text)
    grouped = re.fullmatch(r"\d{1,3}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})*", text)
    if grouped:
        return Decimal(re.sub(r"[.,]", "", text))
    mixed = re.fullmatch(r"(\d{1,3}(?:(?P<sep>[.,])\d{3})*)(?P<dec>[.,])(\d{1,2})", text)
    if mixed and mixed.group("sep") != mixed.group("dec"):
        return Decimal(re.sub(r"[.,]", "", mixed.group(1)) + "." + mixed.group(4))
    if re.fullmatch(r"\d+[.,]\d{1,2}", text):
        return Decimal(text.replace(",", "."))
    return None


def split_note(text: str) -> tuple[str, str]:
    """Split "10,000 Việt Nam Đồng(Trường hợp …)" into ("10,000 Việt Nam Đồng", "Trường hợp …")."""
    start = text.find("(")
    if start < 0:
        return text.strip(), ""
    end = _balanced_end(text, start)
    inner = text[start + 1 : end - 1] if end <= len(text) and text[end - 1 : end] == ")" else text[start + 1 :]
    rest = text[end:].strip()
    note = inner.strip() if not rest else f"{inner.strip()} {rest}"
    return text[:start].strip(), note


def _balanced_end(text: str, start: int) -> int:
    """The index after the parenthesis closing the one at `start` (the end of text if unclosed)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _note_amounts(note: str) -> set[int]:
    amounts: set[int] = set()
    for match in _NOTE_VND.finditer(note):
        value = parse_amount(match.group(1))
        if value is not None and value == value.to_integral_value():
            amounts.add(int(value))
    return amounts


def parse_fee(text: object) -> tuple[ParsedFee, ...]:
    """Read one "Phí, lệ phí" cell; () when it states no fee ("Không có thông tin").

    Several lines ("Lệ phí : 50.000 Đồng … Phí : 20.000 Đồng") give several fees. An amount is
    taken as the cell states it; when the cell's own note contradicts it (20 VNĐ against
    "20.000 đ/tờ khai", VNĐ against USD) the fee is kept as text and flagged, not corrected.
    """
    cell = clean_text(text)
    if not cell or cell.strip(" .:").casefold() in ("không có thông tin", "không quy định", "--", "-"):
        return ()  # no fee stated ("Không" alone, on the other hand, says there is none: free)
    # Labelled lines outside any note: "Lệ phí : 50.000 Đồng (…) Phí : 20.000 Đồng (…)".
    labels = [m for m in _FEE_LABEL.finditer(cell) if _paren_depth(cell, m.start()) == 0]
    if not labels or labels[0].start() != 0:
        return (_parse_fee_line(cell, cell, ""),)
    fees: list[ParsedFee] = []
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(cell)
        line = cell[label.start() : end].strip()
        fees.append(_parse_fee_line(cell[label.end() : end].strip(), line, label.group("label")))
    return tuple(fees)


def _paren_depth(text: str, index: int) -> int:
    return text.count("(", 0, index) - text.count(")", 0, index)


def _parse_fee_line(body: str, text: str, label: str) -> ParsedFee:
    main, note = split_note(body)
    main = main.strip(" .;:-")
    flags: list[Flag] = []
    if not main and note:  # "Phí : (…)" has no amount
        main, note = note, ""
    if _FREE.fullmatch(main) or re.fullmatch(r"0\s*" + _CURRENCY, main, re.IGNORECASE):
        if _note_amounts(note):
            flags.append(Flag(FlagCode.FEE_NOTE_HAS_AMOUNT, f"free, but the note states amounts: '{_shorten(note)}'"))
        return ParsedFee(0, True, True, text, Decimal(0), "VND", None, label, note, tuple(flags))
    amount_match = _AMOUNT_CELL.fullmatch(main)
    if amount_match and amount_match.group("currency"):
        amount = parse_amount(amount_match.group("amount"))
        currency_word = amount_match.group("currency").casefold()
        if amount is None:
            return _fee_not_understood(text, label, note, f"amount '{amount_match.group('amount')}' not readable")
        if currency_word in ("usd", "đô la mỹ"):
            flags.append(Flag(FlagCode.FEE_FOREIGN_CURRENCY, f"'{main}'"))
            return ParsedFee(None, amount == 0, True, text, amount, "USD", None, label, note, tuple(flags))
        if amount != amount.to_integral_value():
            return _fee_not_understood(text, label, note, f"'{main}' is not a whole number of đồng")
        vnd = int(amount)
        if 0 < vnd < _SMALLEST_FEE_VND:
            return _small_amount(vnd, amount, text, label, note)
        return ParsedFee(vnd, vnd == 0, True, text, amount, "VND", None, label, note)
    if percent := _PERCENT.search(main):
        value = parse_number(percent.group("value"))
        if value is not None:
            flags.append(Flag(FlagCode.FEE_PERCENTAGE, f"'{_shorten(main)}'"))
            return ParsedFee(None, False, True, text, None, None, value, label, note, tuple(flags))
    return _fee_not_understood(text, label, note, f"'{_shorten(text)}'")


# No fee is under 1,000 đồng; the portal's "VNĐ" cells are sometimes in thousands ("20 VNĐ" with the
# note "20.000 đ/tờ khai"), sometimes placeholders ("1 Việt Nam Đồng").
_SMALLEST_FEE_VND = 1000


def _small_amount(vnd: int, amount: Decimal, text: str, label: str, note: str) -> ParsedFee:
    """An amount under 1,000 đồng is read only when the cell's own note states what it means."""
    stated = _note_amounts(note)
    if vnd in stated:
        detail = f"'{_shorten(text, 80)}': under 1,000 đồng, kept as text"
        return _fee_not_understood(text, label, note, detail, FlagCode.FEE_AMOUNT_IMPLAUSIBLE)
    if vnd * 1000 in stated:
        flag = Flag(
            FlagCode.FEE_AMOUNT_FROM_NOTE, f"the cell says {vnd} đồng, its note {vnd * 1000:,} đồng: the note taken"
        )
        return ParsedFee(vnd * 1000, False, True, text, Decimal(vnd * 1000), "VND", None, label, note, (flag,))
    if any(parse_amount(m.group(1)) == amount for m in _NOTE_USD.finditer(note)):
        flag = Flag(FlagCode.FEE_CURRENCY_FROM_NOTE, f"the cell says {vnd} VNĐ, its note {vnd} USD: USD taken")
        return ParsedFee(None, False, True, text, amount, "USD", None, label, note, (flag,))
    detail = f"'{_shorten(text, 80)}': under 1,000 đồng, kept as text"
    return _fee_not_understood(text, label, note, detail, FlagCode.FEE_AMOUNT_IMPLAUSIBLE)


def _fee_not_understood(
    text: str, label: str, note: str, detail: str, code: FlagCode = FlagCode.FEE_NOT_UNDERSTOOD
) -> ParsedFee:
    return ParsedFee(None, False, False, text, None, None, None, label, note, (Flag(code, detail),))


# --------------------------------------------------------------------------------------------------
# Channel table ("Cách thức thực hiện")
# --------------------------------------------------------------------------------------------------

_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_CHANNEL_NAME = re.compile(r"Dịch vụ bưu chính công ích|Dịch vụ bưu chính|Bưu chính công ích|Trực tuyến|Trực tiếp")
_CHANNELS = {
    "Trực tuyến": Channel.ONLINE,
    "Trực tiếp": Channel.IN_PERSON,
    "Dịch vụ bưu chính": Channel.POSTAL,
    "Dịch vụ bưu chính công ích": Channel.POSTAL,
    "Bưu chính công ích": Channel.POSTAL,
}
_HEAD_TIME_EXPLICIT = re.compile(
    rf" *(?P<time>(?:(?:{_NUMBER}) *(?:-|–|đến) *)?{_NUMBER} *(?:Ngày làm việc|Giờ làm việc|Ngày|Giờ|Tháng|Năm))",
    re.IGNORECASE,
)
_HEAD_TIME_ABSENT = re.compile(r" *(?P<time>Không có thông tin|Không quy định|Không) *")
_HEAD_TIME_SAME_DAY = re.compile(r" *(?P<time>(?:Ngay )?[Tt]rong ngày(?: làm việc)?)")
_HEAD_TIME_BARE = re.compile(rf" *(?P<time>{_NUMBER}|\d+/\d+)(?= *(?:Miễn phí|Không có thông tin|(?:Lệ phí|Phí) *:))")
_HEAD_DIGITS_FEE = re.compile(r" *(?P<digits>\d[\d.,]*) *(?P<currency>Việt Nam Đồng|VNĐ|VND|USD|Đồng)")
_HEAD_TIME_TEXT = re.compile(r" *(?P<time>[^\n\t]{1,300}?)(?=Miễn phí|Không có thông tin)")
_HEAD_FEE = re.compile(
    r" *(?P<fee>Miễn phí|Không có thông tin|\d[\d.,]* *(?:Việt Nam Đồng|VNĐ|VND|USD|Đồng)"
    r"|(?:Lệ phí|Phí) *: *(?:\d[\d.,]*)? *(?:Việt Nam Đồng|VNĐ|VND|USD|Đồng|đồng)?)"
)


@dataclass(frozen=True, slots=True)
class _RowHead:
    time_text: str
    fee_text: str  # the fee cell with its notes
    end: int  # where the description starts
    # "Trực tuyến120 VNĐ": the time's digits and the fee's digits run together; every way to
    # split them, as (time digits or "" when there is no time, fee digits).
    splits: tuple[tuple[str, str], ...] = ()
    currency: str = ""


def _valid_amount_digits(digits: str) -> bool:
    """A fee amount as the portal writes one: no leading zero except "0" itself and "0,5"."""
    if not digits or (digits[0] == "0" and len(digits) > 1 and not re.fullmatch(r"0[.,]\d{1,2}", digits)):
        return False
    return parse_amount(digits) is not None


def _digit_splits(digits: str) -> tuple[tuple[str, str], ...]:
    if len(digits) > _LONGEST_AMOUNT:
        return ()  # not a time and a fee run together
    splits: list[tuple[str, str]] = []
    for cut in range(len(digits)):
        time_part, fee_part = digits[:cut], digits[cut:]
        if time_part and (not time_part.isdigit() or time_part.startswith("0")):
            continue
        if _valid_amount_digits(fee_part):
            splits.append((time_part, fee_part))
    return tuple(splits)


def _consume_fee(text: str, pos: int) -> int | None:
    """The end of the fee cell starting at `pos` (amount, then its notes), or None.

    A cell written as labelled lines ("Lệ phí : 50.000 Đồng (…) Phí : 20.000 Đồng") goes on while
    labels follow; after a plain amount, "Phí: 500.000 đồng/hồ sơ" is the description column.
    """
    match = _HEAD_FEE.match(text, pos)
    if not match:
        return None
    labelled = bool(re.match(r" *(?:Lệ phí|Phí) *:", match.group(0)))
    end = match.end()
    while True:
        rest = text[end:]
        stripped = len(rest) - len(rest.lstrip(" "))
        if rest[stripped : stripped + 1] == "(":
            close = _balanced_end(text, end + stripped)
            inner = text[end + stripped + 1 : close - 1]
            if len(inner.strip()) <= 3 and close < len(text):  # "(a) Cung cấp …" starts a list, not a note
                return end
            end = close
            continue
        if labelled and re.match(r" *(?:Lệ phí|Phí) *:", rest):
            more = _HEAD_FEE.match(text, end)
            if more is not None and more.end() > end:
                end = more.end()
                continue
        return end


def _parse_row_head(text: str, pos: int) -> _RowHead | None:
    """Read the time and fee cells right after a channel name, or None if this is not a row."""
    for pattern in (_HEAD_TIME_EXPLICIT, _HEAD_TIME_SAME_DAY, _HEAD_TIME_BARE, _HEAD_TIME_ABSENT):
        match = pattern.match(text, pos)
        if match:
            fee_end = _consume_fee(text, match.end())
            if fee_end is not None:
                return _RowHead(match.group("time").strip(), text[match.end() : fee_end].strip(), fee_end)
    digits = _HEAD_DIGITS_FEE.match(text, pos)
    if digits:
        fee_end = _consume_fee(text, digits.start("digits"))
        if fee_end is not None:
            return _RowHead(
                "",
                text[digits.start("digits") : fee_end].strip(),
                fee_end,
                _digit_splits(digits.group("digits")),
                digits.group("currency"),
            )
    free = _HEAD_TIME_TEXT.match(text, pos)
    if free and free.group("time").strip()[:1].isupper() and not _CHANNEL_NAME.search(free.group("time")):
        fee_end = _consume_fee(text, free.end())
        if fee_end is not None:
            return _RowHead(free.group("time").strip(), text[free.end() : fee_end].strip(), fee_end)
    return None


@dataclass(frozen=True, slots=True)
class _RawRow:
    channel: Channel
    head: _RowHead | None
    raw: str
    description: str


def _split_channel_rows(table: str) -> tuple[list[_RawRow], str]:
    """Rows of the flattened table, and any leading text that is not a row."""
    rows: list[tuple[int, Channel, _RowHead | None]] = []
    for match in _CHANNEL_NAME.finditer(table):
        after = table[match.end() : match.end() + 2].lstrip(" ")
        if not after or not (after[0].isdigit() or after[0].isupper()):
            continue  # "Trực tiếp: nộp hồ sơ tại …", "Dịch vụ bưu chính công ích" in a description
        head = _parse_row_head(table, match.end())
        if head is None and rows:
            continue
        rows.append((match.start(), _CHANNELS[match.group(0)], head))
    leading = table[: rows[0][0]] if rows else table
    result: list[_RawRow] = []
    for index, (start, channel, head) in enumerate(rows):
        end = rows[index + 1][0] if index + 1 < len(rows) else len(table)
        raw = table[start:end]
        description = table[head.end : end] if head is not None else ""
        result.append(_RawRow(channel, head, clean_block(raw), clean_block(description)))
    return result, leading


def _leading_number(time_text: str) -> int | None:
    match = re.match(r"\d{1,9}(?!\d)", time_text)
    return int(match.group(0)) if match else None


def _resolve_split(row: _RawRow, sibling_times: set[int]) -> tuple[str, str, str] | None:
    """Separate "1100 VNĐ(…100.000 đồng/lần…)" into a time and a fee using the same record only.

    A way of splitting is supported when the fee's note states the fee's amount (as written or in
    thousands of đồng), or when another row of the table has the same number as its time limit.
    Returns (time digits, fee digits, why) for the only well-formed or only supported way, or None.
    """
    assert row.head is not None
    splits = row.head.splits
    if len(splits) == 1:
        return splits[0][0], splits[0][1], "the only well-formed amount"
    _, note = split_note(row.head.fee_text)
    stated = _note_amounts(note)
    by_note, by_sibling = [], []
    for time_part, fee_part in splits:
        amount = parse_amount(fee_part)
        if amount is not None and amount == amount.to_integral_value() and stated & {int(amount), int(amount) * 1000}:
            by_note.append((time_part, fee_part))
        if time_part and int(time_part) in sibling_times:
            by_sibling.append((time_part, fee_part))
    if len(by_note) == 1:
        return by_note[0][0], by_note[0][1], "the amount in the fee's note"
    if not by_note and len(by_sibling) == 1:
        return by_sibling[0][0], by_sibling[0][1], "the time limit of another row"
    return None


def _split_row(
    row: _RawRow, chosen: tuple[str, str, str] | None
) -> tuple[ParsedTimeLimit, tuple[ParsedFee, ...], Flag]:
    assert row.head is not None
    head = row.head
    digits = head.fee_text[: len(head.fee_text) - len(head.fee_text.lstrip("0123456789.,"))]
    rest = head.fee_text[len(digits) :]
    if chosen is None:
        options = ", ".join(f"{t or '—'} + {f}" for t, f in head.splits)
        flag = Flag(FlagCode.CHANNEL_CELLS_AMBIGUOUS, f"'{digits} {head.currency}' could be time + fee: {options}")
        fee = ParsedFee(None, False, False, head.fee_text, None, None, None, "", split_note(rest)[1])
        return ParsedTimeLimit(None, None, UnitSource.UNKNOWN, digits), (fee,), flag
    time_part, fee_part, why = chosen
    detail = (
        f"'{digits} {head.currency}' read as time '{time_part or '—'}' and fee '{fee_part} {head.currency}' ({why})"
    )
    return (
        parse_time_limit(time_part),
        parse_fee(fee_part + rest),
        Flag(FlagCode.CHANNEL_CELLS_SPLIT_BY_EVIDENCE, detail),
    )


def parse_channels(
    text: object, *, steps: str = "", raw_text: str = ""
) -> tuple[tuple[ParsedChannel, ...], tuple[Flag, ...]]:
    """Read the channel table; `steps` and `raw_text` are the record's other explicit statements."""
    table = normalise(text if isinstance(text, str) else "" if text is None else str(text)).strip()
    flags: list[Flag] = []
    if not table or _is_no_information(table):
        return (), (Flag(FlagCode.CHANNEL_TABLE_ABSENT, "no channel table"),)
    if table.startswith(_CHANNEL_HEADER):
        table = table[len(_CHANNEL_HEADER) :]
    else:
        flags.append(Flag(FlagCode.CHANNEL_TABLE_HEADER_MISSING, f"starts with '{_shorten(table, 60)}'"))
    rows, leading = _split_channel_rows(table)
    if clean_text(leading):
        flags.append(Flag(FlagCode.CHANNEL_TABLE_UNPARSED, clean_block(leading)))

    # Rows whose time and fee digits ran together are separated first by their own notes, then by
    # the time limits of the other rows (including those separated by their notes).
    known_times = {
        number
        for row in rows
        if row.head is not None and not row.head.splits
        for number in [_leading_number(row.head.time_text)]
        if number is not None
    }
    chosen: dict[int, tuple[str, str, str]] = {}
    for _ in range(2):
        for index, row in enumerate(rows):
            if row.head is None or not row.head.splits or index in chosen:
                continue
            resolved = _resolve_split(row, known_times)
            if resolved is not None:
                chosen[index] = resolved
                if resolved[0]:
                    known_times.add(int(resolved[0]))
    first: list[tuple[_RawRow, ParsedTimeLimit, tuple[ParsedFee, ...]]] = []
    for index, row in enumerate(rows):
        if row.head is None:
            flags.append(Flag(FlagCode.CHANNEL_TABLE_UNPARSED, f"{row.channel}: {row.raw}"))
            first.append((row, ParsedTimeLimit(None, None, UnitSource.UNKNOWN, ""), ()))
        elif row.head.currency:
            resolved = chosen.get(index)
            time_limit, fees, split_flag = _split_row(row, resolved)
            if resolved is None or resolved[0]:  # a fee alone, without a time, needs no flag
                flags.append(_in(row.channel, split_flag))
            first.append((row, time_limit, fees))
        else:
            first.append((row, parse_time_limit(row.head.time_text), parse_fee(row.head.fee_text)))

    explicit_cells = tuple(
        TimeStatement(limit.value, limit.unit, f"{row.channel} {limit.text}")
        for row, limit, _ in first
        if limit.source is UnitSource.EXPLICIT and limit.value is not None and limit.unit is not None
    )
    cache: dict[str, tuple[TimeStatement, ...]] = {}

    def cached(key: str, source: str) -> Callable[[], tuple[TimeStatement, ...]]:
        def statements() -> tuple[TimeStatement, ...]:
            if key not in cache:
                cache[key] = find_time_statements(clean_text(source))
            return cache[key]

        return statements

    channels: list[ParsedChannel] = []
    for row, limit, fees in first:
        own = find_time_statements(row.description)
        evidence = (
            TimeEvidence("the row's description", _fixed(own)),
            TimeEvidence("another row of the table", _fixed(explicit_cells)),
            TimeEvidence("the steps", cached("steps", steps)),
            TimeEvidence("the page text", cached("raw", raw_text)),
        )
        limit = infer_time_unit(limit, evidence)
        if limit.source is UnitSource.EXPLICIT and limit.value is not None:
            same = {s.unit for s in own if s.value == limit.value}
            if same and limit.unit not in same:
                detail = f"the cell says '{limit.text}', the description {', '.join(sorted(same))}"
                limit = ParsedTimeLimit(
                    limit.value,
                    limit.unit,
                    limit.source,
                    limit.text,
                    (*limit.flags, Flag(FlagCode.TIME_UNIT_DISAGREES, detail)),
                )
        if limit.source is UnitSource.ABSENT:
            flags.append(
                _in(row.channel, Flag(FlagCode.TIME_LIMIT_ABSENT, f"'{limit.text}'" if limit.text else "empty"))
            )
        flags.extend(_in(row.channel, f) for f in limit.flags)
        if not fees:
            flags.append(_in(row.channel, Flag(FlagCode.FEE_ABSENT, "no fee stated")))
        for fee in fees:
            flags.extend(_in(row.channel, f) for f in fee.flags)
        channels.append(ParsedChannel(row.channel, limit, fees, row.description, row.raw))
    if not channels and not any(f.code == FlagCode.CHANNEL_TABLE_UNPARSED for f in flags):
        flags.append(Flag(FlagCode.CHANNEL_TABLE_UNPARSED, clean_block(table)))
    return tuple(channels), tuple(flags)


def _fixed(statements: tuple[TimeStatement, ...]) -> Callable[[], tuple[TimeStatement, ...]]:
    return lambda: statements


def _in(channel: Channel, flag: Flag) -> Flag:
    return Flag(flag.code, f"{channel}: {flag.detail}")


# --------------------------------------------------------------------------------------------------
# Documents ("Thành phần hồ sơ")
# --------------------------------------------------------------------------------------------------

_DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# The quantity cell follows the document's name (and templates) without a space: "…hợp lệ.1 bản
# chính", "…0 bản chính,1 bản sao". A quantity inside a name has a space before it ("nộp 01 bản
# chính"). When the name ends with digits ("ngày 28/8/2020" + "1 bản chính") the count is one digit.
_QUANTITY = re.compile(
    r"(?:(?<=[^ \n\d(])(?P<a>\d{1,2})|(?<=\d)(?P<b>\d)) bản chính(?:\s*,\s*(?P<copies>\d{1,2}) bản sao)?"
    r"(?![);,])(?!\s+[a-zà-ỹđ])"
    r"|(?P<c>[Bb]ản chính\s*:\s*(?P<orig2>\d{1,9})\s*[,;]?\s*[Bb]ản sao\s*:\s*(?P<copies2>\d{1,9}))"
)
# An extension ends a file name; the next name may be glued on ("…09.docxMẫu TP-HGTM-16.docx").
_TEMPLATE_EXTENSION = re.compile(r"\.(?i:docx|doc|pdf|xlsx|xls|rtf|odt|zip|rar)(?![a-z0-9])")
_BULLET = re.compile(r"^[\s\-+*•–·]+")


def parse_quantity(text: object) -> tuple[int | None, int | None]:
    """Read "1 bản chính" as (1, None), "0 bản chính,1 bản sao" as (0, 1), "Bản chính: 1 Bản sao: 0" as (1, 0)."""
    cell = clean_text(text)
    match = re.fullmatch(r"(\d{1,9}) bản chính(?:\s*,\s*(\d{1,9}) bản sao)?", cell, re.IGNORECASE)
    if match:
        return int(match.group(1)), int(match.group(2)) if match.group(2) is not None else None
    match = re.fullmatch(r"bản chính\s*:\s*(\d{1,9})\s*[,;]?\s*bản sao\s*:\s*(\d{1,9})", cell, re.IGNORECASE)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.fullmatch(r"(\d{1,9}) bản sao", cell, re.IGNORECASE)
    if match:
        return None, int(match.group(1))
    return None, None


# A template file name usually starts with one of these ("Mẫu số 69.docx", "Mau02-DS(BHYT).doc",
# "Phụ lục 02b.docx", "PL 01 Bao cao…"), or with a number after punctuation or a lower-case letter
# ("…TRÚ,33-Mẫu số 02…", "…con nuôi1.nxinnhnconnui.doc", but not "…CT01-BCA").
_TEMPLATE_WORD = re.compile(r"Mẫu|mẫu|Mau|mau|Mus|Phụ lục|Phu luc|PL\s?\d")
_TEMPLATE_NUMBER = re.compile(r"\d+(?:[.\-_]\s?[A-Za-zĐđ]|Mẫu|Phụ lục)")


def _is_join(text: str, index: int) -> bool:
    """Whether two table cells were glued at `index` (between text[index-1] and text[index])."""
    before, char = text[index - 1], text[index]
    if before.isspace() or char.isspace() or before in "(/":
        return False
    if _TEMPLATE_WORD.match(text, index):  # "…NĐ-CPMẫu số 69", "…kinh doanhmẫu số 1"
        return True
    if _TEMPLATE_NUMBER.match(text, index) and not (before.isupper() or before.isdigit()):
        return True
    if before.islower() and char.isupper():  # "…đầu tưMẫu I.1.1"
        return True
    if before == ")" and char.isalnum():  # "…Bộ Công an)Mẫu DC02"
        return True
    if before in ".;:" and index >= 2:
        previous = text[index - 2]
        if char.isupper():  # "…Bộ Công an.NA5", "…CP).Mẫu", "…20/2020.Mẫu", "…đề nghị;Mẫu"
            return previous.islower() or previous == ")" or previous.isdigit() or (before == ";" and previous.isupper())
        if char.islower() or char.isdigit():  # "…nuôi;1.nxin", "…theo mẫu.mẫu số 1" but not "I.1.8"
            return previous.islower() or previous == ")"
    return False


def split_templates(text: str) -> tuple[str, tuple[str, ...], bool]:
    """Separate the template file names glued after a document's name.

    "Văn bản đề nghị …dự án đầu tưMẫu I.1.1.docx" → ("Văn bản đề nghị …dự án đầu tư", ("Mẫu I.1.1.docx",)).
    The third value is False when file names are there but where they start could not be told.
    """
    ends = [m.end() for m in _TEMPLATE_EXTENSION.finditer(text)]
    if not ends or ends[-1] != len(text.rstrip()):
        return text.strip(), (), True
    first_end = ends[0]
    extension_start = text.rfind(".", 0, first_end)
    # The first template starts at the earliest glue point close enough to its extension.
    start = next((i for i in range(max(1, first_end - 160), extension_start) if _is_join(text, i)), None)
    if start is None:
        return text.strip(), (), False
    templates: list[str] = []
    previous = start
    for end in ends:
        templates.append(text[previous:end].strip())
        previous = end
    return text[:start].strip(), tuple(t for t in templates if t), True


def parse_documents(text: object) -> tuple[tuple[ParsedDocumentCase, ...], tuple[Flag, ...]]:
    """Read "Thành phần hồ sơ": case headings, each followed by the table header and its rows."""
    # Tabs are kept: a tab glued the quantity cell on in some records ("…ra nước ngoài\t1 bản chính").
    body = _SPACES_BUT_TABS.sub(" ", normalise(text if isinstance(text, str) else "" if text is None else str(text)))
    body = body.strip()
    flags: list[Flag] = []
    if not body or _is_no_information(body):
        return (), (Flag(FlagCode.DOCUMENTS_ABSENT, "no documents listed"),)
    parts = body.split(_DOCUMENT_HEADER)
    if len(parts) == 1:
        # No table header: the whole text may still be rows.
        parts = ["", body]
    heading = _case_name(parts[0])
    cases: list[ParsedDocumentCase] = []
    for index, part in enumerate(parts[1:], start=1):
        documents: list[ParsedDocument] = []
        position = 0
        for match in _quantities(part):
            row = part[position : match.start()]
            if not row.strip(" -+*•–"):
                continue  # "…1 bản sao01 bản chính Biên bản …": the count starts the next name
            position = match.end()
            document = _document(row, match, flags)
            if document is not None:
                documents.append(document)
        tail = part[position:].strip()
        is_last = index == len(parts) - 1
        if is_last and tail:
            flags.append(Flag(FlagCode.DOCUMENTS_UNPARSED, f"text after the last quantity: '{tail}'"))
        if documents or heading:
            cases.append(ParsedDocumentCase(heading, tuple(documents)))
        heading = _case_name(tail) if not is_last else ""
    if not any(case.documents for case in cases):
        flags[:] = [Flag(FlagCode.DOCUMENTS_UNPARSED, f"no document rows in '{clean_text(body)}'")]
    return tuple(cases), tuple(flags)


def _quantities(part: str) -> Iterator[re.Match[str]]:
    for match in _QUANTITY.finditer(part):
        if match.group("b"):
            start = match.start("b")
            while start > 0 and part[start - 1].isdigit():
                start -= 1
            if start == 0 or part[start - 1].isspace() or part[start - 1] == "(":
                continue  # "…xuất khẩu: 01 bản chính" is a mention in the name
        yield match


def _case_name(text: str) -> str:
    name = clean_text(text)
    return "" if not name.strip("-–* ") else name


def _document(row: str, quantity: re.Match[str], flags: list[Flag]) -> ParsedDocument | None:
    originals: int
    copies: int | None
    if quantity.group("c"):
        originals, copies = int(quantity.group("orig2")), int(quantity.group("copies2"))
    else:
        originals = int(quantity.group("a") or quantity.group("b"))
        copies = int(quantity.group("copies")) if quantity.group("copies") is not None else None
    name, templates, split = split_templates(clean_text(row))
    if not split:
        flags.append(Flag(FlagCode.DOCUMENT_FORM_UNSPLIT, f"'{_shorten(row)}'"))
    name = _BULLET.sub("", name).strip()
    if not name:
        if templates:
            name = templates[0]
        else:
            flags.append(Flag(FlagCode.DOCUMENTS_UNPARSED, f"a quantity '{quantity.group(0)}' without a document"))
            return None
    return ParsedDocument(name, originals, copies, quantity.group(0).strip(), templates)


# --------------------------------------------------------------------------------------------------
# Legal basis ("Căn cứ pháp lý")
# --------------------------------------------------------------------------------------------------

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
# A document number: "154/2024/NĐ-CP", "66.7/2025/NQ-CP", "08.a/2010/TT-BTP", "1523/QĐ-BCA-C06". The
# issuer code after the slashes is read by `_code_end`, because the next title is glued on: "…TT-BCA
# ngày", "…TT-BTCSửa đổi", "…NĐ-CPQUY ĐỊNH", "…/QH1449/2019/QH14".
_DOC_NUMBER_START = re.compile(r"(?P<num>\d+(?:\.\d+)?(?:\.?[a-z])?)/(?:(?P<year>(?:19|20)\d{2})/)?(?=[A-ZĐ])")
# A number cell without its code ("Nghị định số 46/2020/NĐ-CP46/2020"): a row end only when glued.
_BARE_DOC_NUMBER = re.compile(r"(?<![\d/.])(?P<num>\d+)/(?P<year>(?:19|20)\d{2})(?![\d/])")
# Codes of the document types and issuers (Nghị định 30/2020/NĐ-CP Appendix I), those seen in the
# records first; used only to tell where a code ends when a title is glued on.
_KNOWN_CODES = frozenset(
    (
        *("CP", "NĐ", "ND", "TT", "TTLT", "QĐ", "QD", "NQ", "CT", "VBHN", "PL", "L", "UBTVQH", "QH", "CTN"),
        *("TTg", "TTG", "BCA", "BTC", "BTP", "BYT", "BCT", "BXD", "BNV", "BQP", "BNG", "BGDĐT", "BLĐTBXH"),
        *("BTNMT", "BNNPTNT", "BKHĐT", "BGTVT", "BTTTT", "BVHTTDL", "BKHCN", "NHNN", "VPCP", "TTCP", "KTNN"),
        *("TANDTC", "VKSNDTC", "HĐTP", "UBDT", "UBND", "HĐND", "BHXH", "TCT", "TCHQ", "KBNN", "UBCKNN", "BTNN"),
        *("MTTQ", "TLĐ", "HD", "TB", "KH", "BC", "CV"),
    )
)
_DOC_TYPE_SUFFIX = re.compile(
    r"(?<=\S)(?:Thông tư liên tịch|Thông tư|Nghị định|Nghị quyết|Quyết định|Luật|Pháp lệnh|Bộ luật)(?: số)?\s*$"
)
_DOC_TYPE_BEFORE = re.compile(
    r"\S(?:Thông tư liên tịch|Thông tư|Nghị định|Nghị quyết|Quyết định|Luật|Pháp lệnh|Bộ luật)(?: số)?\s*$"
)
_DATE_NUMERIC = r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})"
_DATE_WORDS = r"(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})\s+năm\s+(?P<y2>\d{4})"


@dataclass(frozen=True, slots=True)
class _NumberToken:
    start: int
    end: int
    number: str
    year: int | None
    has_code: bool = True


def _upper_run_end(body: str, pos: int) -> int:
    end = pos
    while end < len(body) and body[end].isalpha() and body[end].isupper():
        end += 1
    return end


def _segment_end(body: str, pos: int) -> int | None:
    if body.startswith("TTg", pos):
        return pos + 3
    run_end = _upper_run_end(body, pos)
    letters = body[pos:run_end]
    if not letters:
        return None
    following = body[run_end : run_end + 1]
    if letters not in _KNOWN_CODES and following not in ("-", "_", "/"):
        prefixes = [i for i in range(len(letters) - 1, 0, -1) if letters[:i] in _KNOWN_CODES]
        if prefixes and (following.isalpha() or following.isspace() or not following):
            letters = letters[: prefixes[0]]  # "…/TT-BTCQUY ĐỊNH", "…/TT-BTCSửa đổi": the known code
        elif len(letters) > 1 and following.islower():
            letters = letters[:-1]  # "…XYZSửa": the capital starts the next word
        elif len(letters) == 1 and following.islower():
            return None
    end = pos + len(letters)
    # Legislature and department numbers: QH14, UBTVQH15, C06, A05; never the next number's digits.
    if re.match(r"\d{2}", body[end:]) and (letters.endswith("QH") or len(letters) == 1):
        end += 2
    return end


def _code_end(body: str, pos: int) -> int | None:
    end = _segment_end(body, pos)
    if end is None:
        return None
    while separator := re.match(r"-\s?|_|/", body[end:]):
        following = _segment_end(body, end + separator.end())
        if following is None:
            break
        end = following
    return end


def _number_tokens(body: str) -> list[_NumberToken]:
    tokens: list[_NumberToken] = []
    position = 0
    while match := _DOC_NUMBER_START.search(body, position):
        end = _code_end(body, match.end())
        if end is None:
            position = match.end()
            continue
        start, num = match.start(), match.group("num")
        # "Luật Cư trú 202068/2020/QH14": the title's year is glued to the number.
        glued_year = num.isdigit() and len(num) > 4 and re.match(r"(?:19|20)\d{2}", num)
        if glued_year and (start == 0 or body[start - 1] in " -–"):
            start += 4
        year = int(match.group("year")) if match.group("year") else None
        tokens.append(_NumberToken(start, end, body[start:end], year))
        position = end
    covered = [(t.start, t.end) for t in tokens]
    for match in _BARE_DOC_NUMBER.finditer(body):
        if not any(a <= match.start() < b for a, b in covered):
            token = _NumberToken(match.start(), match.end(), match.group(0), int(match.group("year")), has_code=False)
            tokens.append(token)
    return sorted(tokens, key=lambda t: t.start)


def _is_terminator(body: str, token: _NumberToken, row_start: int, next_start: int | None) -> bool:
    """Whether a number is the "Mã văn bản" cell ending a row, rather than a mention in a title."""
    rest = body[token.end :]
    before = body[token.start - 1] if token.start > 0 else " "
    glued_left = not before.isspace() and before not in "(“\"'"
    # "…Luật số 37/2024/QH1519/2024/TT-BTP": a mention, then the number cell glued right after it.
    if next_start == token.end and before.isspace():
        return False
    # "…04/5/2020Thông tư số 263/2016/TT-BTCquy định…": the number cell, with its type, glued between
    # two titles (a type at the start of the row is the title's own).
    label = _DOC_TYPE_BEFORE.search(body, row_start, token.start)
    glued_label = label is not None and label.start() + 1 > row_start
    if not token.has_code:
        return (glued_left or glued_label) and (not rest.strip(" .;,") or rest[0].isupper())
    if not rest.strip(" .;,"):
        return True
    after = rest[0]
    if after.isupper() or after.isdigit():
        return True  # the next title is glued on: "…NĐ-CPLuật …"
    if glued_left and not re.match(r"\s+[a-zà-ỹđ]", rest):
        return True  # glued on the title: "…dữ liệu66.7/2025/NQ-CP"
    return glued_label and not after.isspace()


def parse_legal_basis(text: object) -> tuple[tuple[ParsedLegalBasis, ...], tuple[Flag, ...]]:
    """Read "Căn cứ pháp lý": (title, number) rows glued together, numbers like 154/2024/NĐ-CP."""
    body = clean_text(text)
    if body.startswith(_LEGAL_HEADER):
        body = body[len(_LEGAL_HEADER) :].strip()
    body = body.lstrip(": ")
    if not body or _is_no_information(body):
        return (), (Flag(FlagCode.LEGAL_BASIS_ABSENT, "no legal basis listed"),)
    flags: list[Flag] = []
    rows: list[tuple[int, str, _NumberToken]] = []  # (row start, title, number)
    start = 0
    tokens = _number_tokens(body)
    for index, token in enumerate(tokens):
        next_start = tokens[index + 1].start if index + 1 < len(tokens) else None
        if token.start < start or not _is_terminator(body, token, start, next_start):
            continue
        title = body[start : token.start].strip(" .;,")
        if rows and rows[-1][2].number == token.number:
            previous_start, previous_title, previous = rows[-1]
            if not title:  # "Luật 49/2019/QH14" + "49/2019/QH14": the title ends with its number
                rows[-1] = (previous_start, body[previous_start : previous.end].strip(), previous)
                start = token.end
                continue
            if not previous_title:  # "47/2019/TT-BTC" + "Thông tư 47/2019/TT-BTC": cells swapped
                rows[-1] = (previous_start, title, token)
                start = token.end
                continue
        rows.append((start, title, token))
        start = token.end
    items: list[ParsedLegalBasis] = []
    for _, title, token in rows:
        stripped = _DOC_TYPE_SUFFIX.sub("", title).strip()
        title = stripped or title
        if not title:
            flags.append(Flag(FlagCode.LEGAL_BASIS_TITLE_MISSING, token.number))
        issued_on = _issued_on(title, token, flags)
        items.append(ParsedLegalBasis(title, token.number, issued_on))
    trailing = body[start:].strip()
    if trailing.strip(" .;,") and items and not items[-1].title and not _number_tokens(trailing):
        items[-1] = ParsedLegalBasis(trailing, items[-1].number, None)  # "06/2007/QH12Luật Hóa chất": swapped
        flags[:] = [
            f for f in flags if not (f.code == FlagCode.LEGAL_BASIS_TITLE_MISSING and f.detail == items[-1].number)
        ]
    elif trailing.strip(" .;,"):
        flags.append(Flag(FlagCode.LEGAL_BASIS_UNPARSED, f"'{trailing}'"))
        items.append(ParsedLegalBasis(trailing, "", None))
    return tuple(items), tuple(flags)


def _issued_on(title: str, token: _NumberToken, flags: list[Flag]) -> date | None:
    """The date written right after the document's own number in its title, if any."""
    match = re.search(
        re.escape(token.number) + rf"\s*,?\s*(?:ngày\s*)+(?:{_DATE_NUMERIC}|{_DATE_WORDS})", title, re.IGNORECASE
    )
    if not match:
        return None
    day, month, year = (
        (match.group("d"), match.group("m"), match.group("y"))
        if match.group("d")
        else (match.group("d2"), match.group("m2"), match.group("y2"))
    )
    try:
        issued = date(int(year), int(month), int(day))
    except ValueError:
        flags.append(Flag(FlagCode.LEGAL_BASIS_DATE_MISMATCH, f"{token.number}: '{match.group(0)}' is not a date"))
        return None
    if token.year is not None and issued.year != token.year:
        flags.append(Flag(FlagCode.LEGAL_BASIS_DATE_MISMATCH, f"{token.number}: dated {issued.isoformat()}"))
        return None
    return issued


# --------------------------------------------------------------------------------------------------
# Results ("Kết quả thực hiện")
# --------------------------------------------------------------------------------------------------

# The page furniture the crawler caught after the results ("Từ khóa…Mô tả…Chọn cơ quan…Nộp hồ sơ").
_RESULT_GARBAGE = re.compile(r"Từ khóa|Chọn cơ quan thực hiện|Hệ thống chỉ hiển thị|Nộp hồ sơ$")
_RESULT_MARK = re.compile(r"Mã\s*:\s*")
# A code is ASCII letters, digits and . _ - ending with a digit: KQ.G01.000064, KQ.H52.000004,
# 000.00.00.G11-KQ1711, TP-G12.0001300, BQP-CCS.KQ0001.
_RESULT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*\d")
_STANDARD_RESULT_CODE = re.compile(r"KQ\.[A-Z]\d{2}\.\d{4,7}")


def parse_results(text: object) -> tuple[tuple[ParsedResult, ...], tuple[Flag, ...]]:
    """Read the results: names each followed by "Mã: KQ.G01.000064", then page furniture to drop."""
    body = clean_text(text)
    flags: list[Flag] = []
    garbage = _RESULT_GARBAGE.search(body)
    if garbage:
        flags.append(Flag(FlagCode.RESULTS_GARBAGE_DROPPED, _shorten(body[garbage.start() :], 120)))
        body = body[: garbage.start()].strip()
    if not body or _is_no_information(body):
        return (), (*flags, Flag(FlagCode.RESULTS_ABSENT, "no results listed"))
    results: list[ParsedResult] = []
    position = 0
    for mark in _RESULT_MARK.finditer(body):
        if mark.start() < position:
            continue
        name = body[position : mark.start()].strip()
        code = _RESULT_CODE.match(body, mark.end())
        if code is None:
            end = _RESULT_MARK.search(body, mark.end())
            unreadable = body[mark.end() : end.start() if end else len(body)].strip()
            flags.append(Flag(FlagCode.RESULT_CODE_UNPARSED, f"{name}: 'Mã: {unreadable}'"))
            results.append(ParsedResult(name, None))
            position = end.start() if end else len(body)
            continue
        if not _STANDARD_RESULT_CODE.fullmatch(code.group(0)):
            flags.append(Flag(FlagCode.RESULT_CODE_NONSTANDARD, code.group(0)))
        results.append(ParsedResult(name, code.group(0)))
        position = code.end()
    tail = body[position:].strip()
    if tail:
        flags.append(Flag(FlagCode.RESULT_CODE_MISSING, _shorten(tail)))
        results.append(ParsedResult(tail, None))
    return tuple(results), tuple(flags)


# --------------------------------------------------------------------------------------------------
# Steps ("Trình tự thực hiện")
# --------------------------------------------------------------------------------------------------

# "Bước 2:" at the start of a line or sentence, after a list mark; or mid-line when a colon follows.
_STEP_MARK = re.compile(
    r"(?:(?:^|(?<=\n)|(?<=[.;:]\s))[ \t]*(?:[-+*•]+[ \t]*|\(?[a-zđ]\)[ \t]*)?Bước[ \t]*(?P<n>\d{1,2})[ \t]*[:.\-–)]?"
    r"|(?<=\s)Bước[ \t]*(?P<m>\d{1,2})[ \t]*:)[ \t]*",
    re.IGNORECASE,
)
_STEPS_HEADER = re.compile(r"^(?:trình tự thực hiện|trình tự)\s*:?$", re.IGNORECASE)


def parse_steps(text: object) -> tuple[tuple[ParsedStep, ...], tuple[Flag, ...]]:
    """Split "Bước 1: …\\nBước 2: …" into numbered steps; text without "Bước n" is one step."""
    body = clean_block(text)
    if not body or _is_no_information(body):
        return (), (Flag(FlagCode.STEPS_ABSENT, "no steps stated"),)
    marks = list(_STEP_MARK.finditer(body))
    if not marks:
        return (ParsedStep(1, body),), (Flag(FlagCode.STEPS_UNNUMBERED, "no 'Bước n': kept as one step"),)
    flags: list[Flag] = []
    steps: list[ParsedStep] = []
    preamble = body[: marks[0].start()].strip()
    if preamble and not _STEPS_HEADER.match(preamble):
        steps.append(ParsedStep(0, preamble))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(body)
        steps.append(ParsedStep(int(mark.group("n") or mark.group("m")), body[mark.end() : end].strip()))
    numbers = [int(mark.group("n") or mark.group("m")) for mark in marks]
    if numbers != list(range(1, len(numbers) + 1)):
        flags.append(Flag(FlagCode.STEPS_NUMBERING_IRREGULAR, "steps numbered " + ", ".join(map(str, numbers))))
    return tuple(steps), tuple(flags)


# --------------------------------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------------------------------

PROCEDURE_CODE = re.compile(r"\d\.\d{6}(?:\.[A-Z]\d{2})?")


def parse_record(record: Mapping[str, object]) -> ParsedProcedure:
    """Parse one portal record. Raises RecordRejected only for a record without a usable code or name."""
    if not isinstance(record, Mapping):
        raise RecordRejected(f"not a record but {type(record).__name__}")
    flags: list[Flag] = []

    def text(key: str) -> str:
        value = record.get(key)
        if value is None or isinstance(value, str):
            return value or ""
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            flags.append(Flag(FlagCode.FIELD_WRONG_TYPE, f"{key}: {type(value).__name__} read as text"))
            return str(value)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            flags.append(Flag(FlagCode.FIELD_WRONG_TYPE, f"{key}: a list of texts, joined"))
            return "\n".join(item for item in value if isinstance(item, str))
        flags.append(Flag(FlagCode.FIELD_WRONG_TYPE, f"{key}: {type(value).__name__} ignored"))
        return ""

    code = re.sub(r"\s+", "", clean_text(text("ma_thu_tuc")))
    if not code:
        raise RecordRejected("no procedure code (ma_thu_tuc)")
    if not PROCEDURE_CODE.fullmatch(code):
        raise RecordRejected(f"'{_shorten(code, 40)}' is not a procedure code")
    name = clean_text(text("ten_thu_tuc"))
    if not name or _is_no_information(name):
        raise RecordRejected(f"{code}: no procedure name (ten_thu_tuc)")

    def guarded(field_name: str, parse: Callable[[], _T], empty: _T) -> _T:
        try:
            return parse()
        except Exception as exc:  # one bad field must not lose the record
            flags.append(Flag(FlagCode.INTERNAL_ERROR, f"{field_name}: {type(exc).__name__}: {exc}"))
            return empty

    def line(key: str) -> str:
        return guarded(key, lambda: _optional_text(clean_text(text(key))), "")

    def block(key: str) -> str:
        return guarded(key, lambda: _optional_text(clean_block(text(key))), "")

    steps_source, raw_text = text("trinh_tu_thuc_hien"), text("raw_text")
    steps: tuple[ParsedStep, ...] = guarded(
        "trinh_tu_thuc_hien", lambda: _collect(parse_steps(steps_source), flags), ()
    )
    channels: tuple[ParsedChannel, ...] = guarded(
        "cach_thuc_thuc_hien",
        lambda: _collect(parse_channels(text("cach_thuc_thuc_hien"), steps=steps_source, raw_text=raw_text), flags),
        (),
    )
    document_cases: tuple[ParsedDocumentCase, ...] = guarded(
        "thanh_phan_ho_so", lambda: _collect(parse_documents(text("thanh_phan_ho_so")), flags), ()
    )
    legal_basis: tuple[ParsedLegalBasis, ...] = guarded(
        "can_cu_phap_ly", lambda: _collect(parse_legal_basis(text("can_cu_phap_ly")), flags), ()
    )
    results: tuple[ParsedResult, ...] = guarded(
        "ket_qua_xu_ly", lambda: _collect(parse_results(text("ket_qua_xu_ly")), flags), ()
    )
    no_items: tuple[str, ...] = ()
    levels = guarded("cap_thuc_hien", lambda: split_list(text("cap_thuc_hien")), no_items)
    fields = guarded("linh_vuc", lambda: split_list(text("linh_vuc")), no_items)
    applicants = guarded("doi_tuong_thuc_hien", lambda: split_list(text("doi_tuong_thuc_hien")), no_items)
    if any("\ufffd" in value for value in record.values() if isinstance(value, str)):
        flags.append(Flag(FlagCode.TEXT_REPLACEMENT_CHAR, "the record contains U+FFFD (broken encoding upstream)"))
    return ParsedProcedure(
        code=code,
        name=name,
        decision_number=line("so_quyet_dinh"),
        levels=levels,
        kind=line("loai_thu_tuc"),
        fields=fields,
        applicants=applicants,
        competent_agency=line("co_quan_co_tham_quyen"),
        implementing_agency=line("co_quan_thuc_hien"),
        delegated_agency=line("co_quan_duoc_uy_quyen"),
        coordinating_agency=line("co_quan_phoi_hop"),
        receiving_address=block("dia_chi_tiep_nhan"),
        related_procedures=block("thu_tuc_lien_quan"),
        steps=steps,
        channels=channels,
        document_cases=document_cases,
        legal_basis=legal_basis,
        conditions=block("yeu_cau_dieu_kien"),
        results=results,
        detail_url=line("detail_url"),
        flags=tuple(flags),
    )


def _collect(result: tuple[_T, tuple[Flag, ...]], flags: list[Flag]) -> _T:
    value, found = result
    flags.extend(found)
    return value


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, object] | RecordRejected]]:
    """(line number, record) for each non-blank line of a .jsonl or .jsonl.gz file; a rejection for a
    line that is not a JSON object.

    Bytes that are not UTF-8 are replaced by U+FFFD (parse_record then flags the record), so one
    bad byte does not lose a record.
    """
    source = Path(path)
    # The demo ships the records gzip-compressed (motcua/demo/data/portal-procedures.jsonl.gz).
    with gzip.open(source, "rb") if source.suffix == ".gz" else source.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, RecordRejected(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            except RecursionError:
                yield number, RecordRejected(f"line {number}: JSON nested too deeply")
                continue
            if not isinstance(value, dict):
                yield number, RecordRejected(f"line {number}: a JSON {type(value).__name__}, not an object")
                continue
            yield number, value


# --------------------------------------------------------------------------------------------------
# Counting what was understood
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelRowSummary:
    channel: Channel
    time_limit: UnitSource
    has_time_value: bool  # False for an unreadable time limit (UNKNOWN without a number)
    fee: FeeState


def channel_row_summary(row: ParsedChannel) -> ChannelRowSummary:
    """How one channel row's time limit and fee were understood, for the importer's counts."""
    if not row.fees:
        fee = FeeState.ABSENT
    elif all(f.understood for f in row.fees):
        fee = FeeState.UNDERSTOOD
    else:
        fee = FeeState.NOT_UNDERSTOOD
    limit = row.time_limit
    return ChannelRowSummary(row.channel, limit.source, limit.value is not None, fee)


@dataclass(frozen=True, slots=True)
class ParseStatistics:
    records: int
    channel_rows: int
    time_limit_sources: dict[str, int]
    fee_states: dict[str, int]
    flags: dict[str, int]  # records carrying each flag code at least once
    flag_occurrences: dict[str, int]

    @property
    def fees_stated(self) -> int:
        return self.fee_states.get(FeeState.UNDERSTOOD, 0) + self.fee_states.get(FeeState.NOT_UNDERSTOOD, 0)

    @property
    def share_fees_understood(self) -> float:
        return self.fee_states.get(FeeState.UNDERSTOOD, 0) / self.fees_stated if self.fees_stated else 1.0


def summarize(procedures: Iterable[ParsedProcedure]) -> ParseStatistics:
    records = rows = 0
    sources = dict.fromkeys(UnitSource, 0)
    fee_states = dict.fromkeys(FeeState, 0)
    flags: dict[str, int] = {}
    occurrences: dict[str, int] = {}
    for procedure in procedures:
        records += 1
        for row in procedure.channels:
            rows += 1
            summary = channel_row_summary(row)
            sources[summary.time_limit] += 1
            fee_states[summary.fee] += 1
        for code in procedure.flag_codes():
            flags[str(code)] = flags.get(str(code), 0) + 1
        for flag in procedure.flags:
            occurrences[str(flag.code)] = occurrences.get(str(flag.code), 0) + 1
    return ParseStatistics(
        records,
        rows,
        {str(k): v for k, v in sources.items()},
        {str(k): v for k, v in fee_states.items()},
        dict(sorted(flags.items())),
        dict(sorted(occurrences.items())),
    )


__all__ = [
    "Channel",
    "ChannelRowSummary",
    "FeeState",
    "Flag",
    "FlagCode",
    "ParseStatistics",
    "ParsedChannel",
    "ParsedDocument",
    "ParsedDocumentCase",
    "ParsedFee",
    "ParsedLegalBasis",
    "ParsedProcedure",
    "ParsedResult",
    "ParsedStep",
    "ParsedTimeLimit",
    "RecordRejected",
    "TimeEvidence",
    "TimeStatement",
    "TimeUnit",
    "UnitSource",
    "channel_row_summary",
    "clean_block",
    "clean_text",
    "find_time_statements",
    "infer_time_unit",
    "normalise",
    "parse_amount",
    "parse_channels",
    "parse_documents",
    "parse_fee",
    "parse_legal_basis",
    "parse_number",
    "parse_quantity",
    "parse_record",
    "parse_results",
    "parse_steps",
    "parse_time_limit",
    "read_jsonl",
    "split_list",
    "split_note",
    "split_templates",
    "summarize",
]
