"""Reader of the portal's list exports (`danh-sach-tthc-*.xlsx`): one procedure per row.

The export starts with a title block ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM … DANH SÁCH THỦ TỤC HÀNH
CHÍNH"), then a header row ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"),
then the rows. Columns are found by their Vietnamese header, not by position, so a reordered or
extended export still reads: an unknown column is kept (`XlsxRow.extra`) and flagged on every row;
a missing required column ("Mã số", "Tên") stops the file with an `XlsxFormatError` naming it.

openpyxl ships no type information; it is imported at run time and used through the two small
protocols below, which are all this module needs of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from motcua.catalog.portal.parser import PROCEDURE_CODE, Flag, RecordRejected, clean_text

UNKNOWN_COLUMN = "xlsx_unknown_column"  # the flag on rows of a file with a column we do not know
DUPLICATE_COLUMN = "xlsx_duplicate_column"

# Header (case-folded, spaces collapsed) → field. Several spellings seen on the portal's exports.
_HEADERS: dict[str, str] = {
    "mã số": "code",
    "mã thủ tục": "code",
    "mã tthc": "code",
    "tên": "name",
    "tên thủ tục": "name",
    "tên thủ tục hành chính": "name",
    "tên tthc": "name",
    "cơ quan ban hành": "issuing_agency",
    "cơ quan công bố": "issuing_agency",
    "cơ quan thực hiện": "implementing_agency",
    "lĩnh vực": "field",
    "stt": "index",
    "số thứ tự": "index",
}
_REQUIRED = {"code": "Mã số", "name": "Tên"}
_HEADER_SEARCH_ROWS = 30


class XlsxFormatError(ValueError):
    """The file is not a list export we can read: no header row, or a required column missing."""


@dataclass(frozen=True, slots=True)
class XlsxRow:
    code: str
    name: str
    issuing_agency: str
    implementing_agencies: tuple[str, ...]  # one per line of the cell
    fields: tuple[str, ...]
    extra: tuple[tuple[str, str], ...] = ()  # (header, value) of columns we do not know
    flags: tuple[Flag, ...] = ()

    @property
    def implementing_agency(self) -> str:
        """The agencies as one text, one per line as in the export."""
        return "\n".join(self.implementing_agencies)

    @property
    def field(self) -> str:
        """The field as one text (the exports give one per row)."""
        return "; ".join(self.fields)

    def as_record(self) -> dict[str, object]:
        """The row in the portal record's vocabulary, to be stored as the imported source."""
        record: dict[str, object] = {
            "source": "xlsx_list_export",
            "ma_thu_tuc": self.code,
            "ten_thu_tuc": self.name,
            "co_quan_ban_hanh": self.issuing_agency,
            "co_quan_thuc_hien": self.implementing_agency,
            "linh_vuc": self.field,
        }
        if self.extra:
            record["extra"] = dict(self.extra)
        return record


class _Worksheet(Protocol):
    title: str

    def iter_rows(self, *, values_only: bool) -> Iterable[tuple[object, ...]]: ...


class _Workbook(Protocol):
    worksheets: list[_Worksheet]

    def close(self) -> None: ...


def _open_workbook(path: Path) -> _Workbook:
    openpyxl = importlib.import_module("openpyxl")
    try:
        workbook: _Workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise XlsxFormatError(f"{path.name}: not a readable .xlsx file ({type(exc).__name__}: {exc})") from exc
    return workbook


def _header_key(value: object) -> str:
    return clean_text(value).casefold().rstrip(" :*")


def _cell_lines(value: object) -> tuple[str, ...]:
    """A cell's lines: "Ủy ban nhân dân cấp xã\\nThuế tỉnh, thành phố" → two agencies."""
    if value is None:
        return ()
    text = value if isinstance(value, str) else str(value)
    return tuple(line for line in (clean_text(part) for part in text.splitlines()) if line)


def _code_text(value: object) -> tuple[str, str]:
    """The code as text, and a hint when Excel stored it as a number (trailing zeros are lost)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return str(value), " (the cell holds a number, so trailing zeros may be lost: store codes as text)"
    return "".join(clean_text(value).split()), ""


def _find_header(rows: Iterator[tuple[object, ...]], sheet: str) -> tuple[int, tuple[object, ...]]:
    for number, row in enumerate(rows, start=1):
        keys = {_HEADERS.get(_header_key(cell)) for cell in row}
        if "code" in keys or "name" in keys:
            return number, row
        if number >= _HEADER_SEARCH_ROWS:
            break
    expected = ", ".join(f"'{label}'" for label in _REQUIRED.values())
    raise XlsxFormatError(f"sheet '{sheet}': no header row with {expected} in its first {_HEADER_SEARCH_ROWS} rows")


def read_xlsx(path: str | Path) -> Iterator[tuple[int, XlsxRow | RecordRejected]]:
    """(Excel row number, row or rejection) for each non-blank row of the first worksheet.

    Raises XlsxFormatError, naming what is missing, when the file cannot be read as a list export.
    """
    path = Path(path)
    workbook = _open_workbook(path)
    try:
        if not workbook.worksheets:
            raise XlsxFormatError(f"{path.name}: the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        rows = iter(sheet.iter_rows(values_only=True))
        header_number, header = _find_header(rows, sheet.title)
        columns: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        file_flags: list[Flag] = []
        for index, cell in enumerate(header):
            label = clean_text(cell)
            if not label:
                continue
            key = _HEADERS.get(_header_key(cell))
            if key is None:
                unknown.append((index, label))
                file_flags.append(Flag(UNKNOWN_COLUMN, f"column '{label}' is not known: its values are kept as extra"))
            elif key in columns:
                unknown.append((index, label))
                file_flags.append(Flag(DUPLICATE_COLUMN, f"a second '{label}' column: its values are kept as extra"))
            else:
                columns[key] = index
        missing = [label for key, label in _REQUIRED.items() if key not in columns]
        if missing:
            names = ", ".join(f"'{label}'" for label in missing)
            raise XlsxFormatError(f"{path.name}, sheet '{sheet.title}' row {header_number}: missing column {names}")
        for number, row in enumerate(rows, start=header_number + 1):
            if all(clean_text(cell) == "" for cell in row):
                continue
            yield number, _read_row(number, row, columns, unknown, tuple(file_flags))
    finally:
        workbook.close()


def _read_row(
    number: int,
    row: tuple[object, ...],
    columns: dict[str, int],
    unknown: list[tuple[int, str]],
    flags: tuple[Flag, ...],
) -> XlsxRow | RecordRejected:
    def cell(key: str) -> object:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else None

    code, hint = _code_text(cell("code"))
    if not code:
        return RecordRejected(f"row {number}: no procedure code")
    if not PROCEDURE_CODE.fullmatch(code):
        return RecordRejected(f"row {number}: '{code[:40]}' is not a procedure code{hint}")
    name = clean_text(cell("name"))
    if not name:
        return RecordRejected(f"row {number}: {code} has no name")
    extra = tuple(
        (label, clean_text(row[index])) for index, label in unknown if index < len(row) and clean_text(row[index])
    )
    return XlsxRow(
        code=code,
        name=name,
        issuing_agency=clean_text(cell("issuing_agency")),
        implementing_agencies=_cell_lines(cell("implementing_agency")),
        fields=_cell_lines(cell("field")),
        extra=extra,
        flags=flags,
    )


__all__ = ["DUPLICATE_COLUMN", "UNKNOWN_COLUMN", "XlsxFormatError", "XlsxRow", "read_xlsx"]
