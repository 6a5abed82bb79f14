"""Export of the catalogue and its lossless re-import (the `motcua-catalog` JSON format).

The export holds every procedure with all its versions (status, effective dates, the portal record
it came from, the content in the canonical shape of catalog.content) and their processing flows.
Importing an export into an empty catalogue recreates it exactly; importing it into a catalogue
that already has the same versions changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.db import transaction

from motcua.agencies.models import Agency
from motcua.catalog import services
from motcua.catalog.content import VersionContent, content_hash, read_content, write_content
from motcua.catalog.models import FlowStep, Procedure, ProcedureVersion, ProcessingFlow
from motcua.core.errors import InvalidInput

FORMAT = "motcua-catalog"
FORMAT_VERSION = 1


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _flow(flow: ProcessingFlow) -> dict[str, Any]:
    return {
        "name": flow.name,
        "agency": flow.agency.code if flow.agency else None,
        "channel": flow.channel,
        "is_default": flow.is_default,
        "steps": [
            {
                "name": s.name,
                "role": s.role,
                "unit": s.unit,
                "parallel_with_previous": s.parallel_with_previous,
                "budget_value": f"{s.budget_value.normalize():f}",
                "budget_unit": s.budget_unit,
            }
            for s in flow.steps.order_by("order")
        ],
    }


def export_procedure(procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "popularity": procedure.popularity,
        "is_abolished": procedure.is_abolished,
        "versions": [
            {
                "number": v.number,
                "status": v.status,
                "effective_from": _iso(v.effective_from),
                "effective_to": _iso(v.effective_to),
                "published_at": _iso(v.published_at),
                "source": v.source,
                "source_record": v.source_record,
                "content": read_content(v),
                "flows": [_flow(f) for f in v.flows.select_related("agency").order_by("agency__code", "channel", "pk")],
            }
            for v in procedure.versions.order_by("number")
        ],
    }


def export_catalog(procedures: Iterable[Procedure]) -> Iterator[dict[str, Any]]:
    for procedure in procedures:
        yield export_procedure(procedure)


RestoreResult = Literal["created", "updated", "unchanged"]


def _check(item: Any) -> None:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("code"), str)
        or not isinstance(item.get("versions"), list)
    ):
        raise InvalidInput("an exported procedure needs a code and a list of versions")
    for version in item["versions"]:
        if not isinstance(version, dict) or not isinstance(version.get("content"), dict):
            raise InvalidInput(f"{item['code']}: every version needs its content")


@transaction.atomic
def restore_procedure(item: dict[str, Any], *, actor: str) -> RestoreResult:
    """Recreate one exported procedure; unchanged when its versions are already here."""
    _check(item)
    code = item["code"]
    procedure = Procedure.objects.select_for_update().filter(code=code).first()
    versions: list[dict[str, Any]] = sorted(item["versions"], key=lambda v: int(v["number"]))
    if procedure is not None:
        here = {v.number: v.content_hash for v in procedure.versions.all()}
        there = {int(v["number"]): content_hash(v["content"]) for v in versions}
        if here == there:
            return "unchanged"
        # A catalogue that has moved on: take the newest exported content as an amendment.
        newest = versions[-1]
        services.procedure_import(
            code=code,
            content=newest["content"],
            source_record=newest.get("source_record") or {},
            actor=actor,
            source=newest.get("source") or ProcedureVersion.Source.OPERATOR,
        )
        return "updated"
    procedure = Procedure.objects.create(
        code=code, popularity=int(item.get("popularity") or 0), is_abolished=bool(item.get("is_abolished"))
    )
    for data in versions:
        content: VersionContent = data["content"]
        version = ProcedureVersion(
            procedure=procedure, number=int(data["number"]), source=data.get("source") or "operator"
        )
        version.source_record = data.get("source_record") or {}
        write_content(version, content)
        version.status = data.get("status") or ProcedureVersion.Status.DRAFT
        version.effective_from = date.fromisoformat(data["effective_from"]) if data.get("effective_from") else None
        version.effective_to = date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None
        version.published_at = datetime.fromisoformat(data["published_at"]) if data.get("published_at") else None
        version.save(update_fields=["status", "effective_from", "effective_to", "published_at"])
        for flow_data in data.get("flows") or []:
            agency = Agency.objects.filter(code=flow_data["agency"]).first() if flow_data.get("agency") else None
            flow = ProcessingFlow.objects.create(
                version=version,
                agency=agency,
                channel=flow_data.get("channel") or "",
                name=flow_data["name"],
                is_default=bool(flow_data.get("is_default")),
            )
            FlowStep.objects.bulk_create(
                FlowStep(
                    flow=flow,
                    order=i + 1,
                    name=s["name"],
                    role=s["role"],
                    unit=s["unit"],
                    parallel_with_previous=bool(s.get("parallel_with_previous")),
                    budget_value=Decimal(s["budget_value"]),
                    budget_unit=s["budget_unit"],
                )
                for i, s in enumerate(flow_data.get("steps") or [])
            )
    services.procedure_refresh(procedure=procedure)
    services.catalog_audit(procedure=procedure, version=None, action="restored", actor=actor, versions=len(versions))
    return "created"


XLSX_COLUMNS = (
    "Mã thủ tục",
    "Tên thủ tục",
    "Phiên bản",
    "Hiệu lực từ",
    "Lĩnh vực",
    "Cấp thực hiện",
    "Cơ quan thực hiện",
    "Mức độ dịch vụ công trực tuyến",
    "Cách thức, thời hạn, phí",
    "Kết quả",
)


def write_xlsx(procedures: Iterable[Procedure], path: Path) -> int:
    """A readable list of the versions in force (one row per procedure); not for re-import."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Thủ tục hành chính")
    sheet.append(list(XLSX_COLUMNS))
    count = 0
    for procedure in procedures:
        version = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).first()
        if version is None:
            continue
        content = read_content(version)
        channels = "; ".join(
            f"{c['channel']}: {c['time_limit_text'] or '—'}, "
            + ", ".join(f["text"] or str(f["amount_vnd"]) for f in c["fees"])
            for c in content["channels"]
        )
        sheet.append(
            [
                procedure.code,
                content["name"],
                version.number,
                _iso(version.effective_from),
                ", ".join(content["fields"]),
                content["levels_text"],
                content["implementing_agency"],
                content["online_level"],
                channels,
                "; ".join(f"{r['code']} {r['name']}".strip() for r in content["results"]),
            ]
        )
        count += 1
    workbook.save(path)
    return count
