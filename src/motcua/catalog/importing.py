"""Import of catalogue files: the portal's JSONL records, its XLSX list exports, our own JSON export.

Each record is imported in its own transaction (services.procedure_import / exchange.restore_procedure):
a record goes in whole or not at all, and a bad record never stops the others. The run ends with a
summary the command prints and the tests read: created, updated, unchanged, rejected (with
reasons), and how the time limits and fees of each channel row were understood.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from motcua.catalog import exchange, services
from motcua.catalog.content import ChannelContent, DocumentContent, FlagContent, VersionContent
from motcua.catalog.models import Channel, Level, OnlineLevel, ProcedureVersion, TimeUnit, UnitSource
from motcua.catalog.portal import parser
from motcua.catalog.portal.xlsx import XlsxFormatError, XlsxRow, read_xlsx
from motcua.core.errors import DomainError

ProgressCallback = Callable[[int, int | None, str], None]

# "nếu tiếp nhận hồ sơ sau 15 giờ ... trả kết quả ... trong ngày làm việc tiếp theo": the record
# itself states the afternoon cut-off (domain §2.6 [V: S29]); we take it only when it is stated.
_CUTOFF = re.compile(r"sau\s+(\d{1,2})\s*(?:giờ|h\b)", re.IGNORECASE)
_LEVELS = (
    ("bộ", Level.CENTRAL),
    ("trung ương", Level.CENTRAL),
    ("tỉnh", Level.PROVINCE),
    ("huyện", Level.DISTRICT),
    ("xã", Level.COMMUNE),
)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    drafts: int = 0
    incomplete: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    channel_rows: int = 0
    time_limit_sources: Counter[str] = field(default_factory=Counter)
    fees_understood: int = 0
    fees_stated: int = 0
    records_understood: int = 0
    records: int = 0  # procedure records (JSONL lines, export entries)
    list_rows: int = 0  # rows of the portal's XLSX list exports
    flags: Counter[str] = field(default_factory=Counter)
    missing_components: Counter[str] = field(default_factory=Counter)

    @property
    def share_understood(self) -> float:
        return self.records_understood / self.records if self.records else 0.0

    def lines(self) -> list[str]:
        lines = [
            f"records: {self.records}, list rows: {self.list_rows}; created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}",
            f"published {self.published}, kept as drafts for an operator {self.drafts}; "
            f"incomplete under Nghị định 63/2010 Art 8(2): {self.incomplete}"
            + (
                f" (missing: {', '.join(f'{k} {v}' for k, v in self.missing_components.most_common())})"
                if self.missing_components
                else ""
            ),
            f"channel rows: {self.channel_rows}; time limit "
            + ", ".join(
                f"{source} {self.time_limit_sources[source]}"
                for source in ("explicit", "inferred", "unknown", "absent")
            ),
            f"fees understood: {self.fees_understood} of {self.fees_stated} stated",
            f"records whose time limits and fees were all understood: {self.records_understood} of {self.records} "
            f"({self.share_understood:.1%})",
        ]
        if self.flags:
            lines.append("flags: " + ", ".join(f"{code} {n}" for code, n in self.flags.most_common()))
        for where, reason in self.rejected:
            lines.append(f"rejected {where}: {reason}")
        return lines


def _levels(texts: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for text in texts:
        lowered = text.lower()
        for word, level in _LEVELS:
            if word in lowered and level.value not in found:
                found.append(level.value)
    return found


def _time_limit_source(source: str) -> str:
    return source if source in UnitSource.values else UnitSource.UNKNOWN


def content_from_parsed(record: parser.ParsedProcedure) -> VersionContent:
    """The canonical content of a parsed portal record."""
    channels: list[ChannelContent] = []
    for row in record.channels:
        limit = row.time_limit
        channels.append(
            {
                "channel": row.channel.value if row.channel.value in Channel.values else Channel.IN_PERSON,
                "time_limit_value": None if limit.value is None else f"{limit.value.normalize():f}",
                "time_limit_unit": limit.unit.value
                if limit.unit is not None and limit.unit.value in TimeUnit.values
                else "",
                "time_limit_source": _time_limit_source(limit.source.value),
                "time_limit_text": limit.text,
                "description": row.description,
                "fees": [
                    {
                        "amount_vnd": fee.amount_vnd,
                        "amount": None if fee.amount is None else f"{fee.amount.normalize():f}",
                        "currency": fee.currency or "",
                        "is_free": fee.is_free,
                        "understood": fee.understood,
                        "text": fee.text,
                    }
                    for fee in row.fees
                ],
            }
        )
    documents: list[DocumentContent] = [
        {
            "case_name": case.case_name,
            "name": doc.name,
            "originals": doc.originals,
            "copies": doc.copies,
            "quantity_text": doc.quantity_text,
            "templates": list(doc.form_templates),
            "is_required": True,
            "reusable_from_data": False,
        }
        for case in record.document_cases
        for doc in case.documents
    ]
    has_online = any(c["channel"] == Channel.ONLINE for c in channels)
    flags: list[FlagContent] = [{"code": f.code, "detail": f.detail} for f in record.flags]
    if has_online:
        # The records do not say whether the online service is full or partial: partial until an
        # operator confirms it is full (Nghị định 42/2022 Art 11).
        flags.append({"code": "online_level_assumed_partial", "detail": "online channel present; level not published"})
    text_for_cutoff = " ".join([*record.steps_text(), *(c["time_limit_text"] for c in channels)])
    cutoff = _CUTOFF.search(text_for_cutoff)
    return {
        "name": record.name,
        "decision_number": record.decision_number,
        "decision_date": None,
        "levels": _levels(record.levels),
        "levels_text": ", ".join(record.levels),
        "kind": record.kind,
        "fields": list(record.fields),
        "applicants": list(record.applicants),
        "competent_agency": record.competent_agency,
        "implementing_agency": record.implementing_agency,
        "delegated_agency": record.delegated_agency,
        "coordinating_agency": record.coordinating_agency,
        "receiving_address": record.receiving_address,
        "steps": record.steps_text(),
        "conditions": record.conditions,
        "related_procedures": record.related_procedures,
        "online_level": OnlineLevel.PARTIAL if has_online else OnlineLevel.NONE,
        "online_level_reason": "",
        "same_day_cutoff": f"{int(cutoff.group(1)):02d}:00" if cutoff and 0 < int(cutoff.group(1)) < 24 else None,
        "source_url": record.detail_url,
        "channels": channels,
        "documents": documents,
        "legal_basis": [
            {
                "title": b.title,
                "number": b.number,
                "issued_on": b.issued_on.isoformat() if b.issued_on else None,
                "effective_on": None,
            }
            for b in record.legal_basis
        ],
        "results": [{"name": r.name, "code": r.code or "", "requires_paper": False} for r in record.results],
        "flags": flags,
    }


def _count_channels(summary: ImportSummary, content: VersionContent) -> None:
    understood = True
    for channel in content["channels"]:
        summary.channel_rows += 1
        summary.time_limit_sources[channel["time_limit_source"]] += 1
        if channel["time_limit_source"] in (UnitSource.UNKNOWN, UnitSource.ABSENT):
            understood = False
        for fee in channel["fees"]:
            summary.fees_stated += 1
            if fee["understood"]:
                summary.fees_understood += 1
            else:
                understood = False
    summary.records_understood += int(understood and bool(content["channels"]))


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _iter_file(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, item) pairs: an item is a raw portal record, an XlsxRow, an export entry or an error."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".xlsx"):
        try:
            for line, row in read_xlsx(path):
                yield f"{path.name}:{line}", row
        except XlsxFormatError as exc:  # not a workbook, or a required column is missing
            yield path.name, parser.RecordRejected(str(exc))
        return
    if name.endswith(".json"):
        with _open_text(path) as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError as exc:
                yield path.name, parser.RecordRejected(f"not valid JSON: {exc}")
                return
        if not isinstance(data, dict) or data.get("format") != exchange.FORMAT:
            yield path.name, parser.RecordRejected(f"a .json file must be a {exchange.FORMAT} export")
            return
        for index, item in enumerate(data.get("procedures") or []):
            yield f"{path.name}#{index + 1}", ("export", item)
        return
    if name.endswith(".jsonl"):
        for line, record in parser.read_jsonl(path):
            yield f"{path.name}:{line}", record
        return
    yield path.name, parser.RecordRejected("unknown file type: give .jsonl, .jsonl.gz, .json or .xlsx files")


def import_files(
    paths: list[Path], *, actor: str, progress: ProgressCallback | None = None, default_flows: bool = False
) -> ImportSummary:
    summary = ImportSummary()
    for path in paths:
        if not path.is_file():
            summary.rejected.append((str(path), "no such file"))
            continue
        for where, item in _iter_file(path):
            if isinstance(item, XlsxRow):
                summary.list_rows += 1
            else:
                summary.records += 1
            try:
                _import_item(summary, where, item, actor=actor, default_flows=default_flows)
            except DomainError as exc:
                summary.rejected.append((where, str(exc.message)))
            if progress is not None:
                progress(summary.created + summary.updated + summary.unchanged + len(summary.rejected), None, where)
    return summary


def _import_item(summary: ImportSummary, where: str, item: Any, *, actor: str, default_flows: bool) -> None:
    if isinstance(item, parser.RecordRejected):
        summary.rejected.append((where, item.reason))
        return
    if isinstance(item, tuple) and item[0] == "export":
        result = exchange.restore_procedure(item[1], actor=actor)
        setattr(summary, result, getattr(summary, result) + 1)
        return
    if isinstance(item, XlsxRow):
        _import_xlsx_row(summary, where, item, actor=actor)
        return
    try:
        parsed = parser.parse_record(item)
    except parser.RecordRejected as exc:
        summary.rejected.append((where, exc.reason))
        return
    content = content_from_parsed(parsed)
    for flag in content["flags"]:
        summary.flags[flag["code"]] += 1
    _count_channels(summary, content)
    outcome = services.procedure_import(
        code=parsed.code,
        content=content,
        source_record=dict(item),
        actor=actor,
        source=ProcedureVersion.Source.PORTAL_IMPORT,
    )
    setattr(summary, outcome.result, getattr(summary, outcome.result) + 1)
    for component in outcome.missing:
        summary.missing_components[component.value] += 1
    summary.incomplete += bool(outcome.missing)
    if outcome.published:
        summary.published += 1
        if default_flows:
            services.flow_create_default(version=outcome.version, actor=actor)
    else:
        summary.drafts += 1


def _import_xlsx_row(summary: ImportSummary, where: str, row: XlsxRow, *, actor: str) -> None:
    """A list export row names a procedure with its code, name, agency and field only.

    A procedure the catalogue already has is left as it is (its record is richer). One it does
    not have becomes a draft with what the row says, flagged for an operator to complete: it
    cannot be published without components (b)–(g).
    """
    from motcua.catalog.models import Procedure

    if Procedure.objects.filter(code=row.code).exists():
        summary.unchanged += 1
        return
    content = content_from_list_row(row)
    outcome = services.procedure_import(
        code=row.code,
        content=content,
        source_record=row.as_record(),
        actor=actor,
        source=ProcedureVersion.Source.PORTAL_IMPORT,
        already_published=False,
    )
    setattr(summary, outcome.result, getattr(summary, outcome.result) + 1)
    summary.drafts += 1
    for component in outcome.missing:
        summary.missing_components[component.value] += 1


def content_from_list_row(row: XlsxRow) -> VersionContent:
    return {
        "name": row.name,
        "decision_number": "",
        "decision_date": None,
        "levels": [],
        "levels_text": "",
        "kind": "",
        "fields": [row.field] if row.field else [],
        "applicants": [],
        "competent_agency": "",
        "implementing_agency": row.implementing_agency,
        "delegated_agency": "",
        "coordinating_agency": "",
        "receiving_address": "",
        "steps": [],
        "conditions": "",
        "related_procedures": "",
        "online_level": OnlineLevel.NONE,
        "online_level_reason": "",
        "same_day_cutoff": None,
        "source_url": "",
        "channels": [],
        "documents": [],
        "legal_basis": [],
        "results": [],
        "flags": [{"code": "list_row_only", "detail": "known only from the portal's list export"}],
    }
