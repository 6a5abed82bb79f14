"""The canonical content of a procedure version, as one JSON-ready dict.

Three things use the same shape, so that they cannot drift apart: the importer (portal record →
content → rows), the exporter (rows → content → file) and the content hash that tells whether an
import changed anything. Export → import is lossless because both sides go through `write_content`
and `read_content`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, time
from decimal import Decimal
from typing import Any, TypedDict

from django.db import models
from django.utils.translation import gettext as _

from motcua.catalog.models import (
    ChannelOption,
    DocumentRequirement,
    Fee,
    Field,
    LegalBasis,
    ProcedureVersion,
    ResultType,
)
from motcua.core.errors import InvalidInput
from motcua.core.text import fold, nfc


class FeeContent(TypedDict):
    amount_vnd: int | None
    amount: str | None
    currency: str
    is_free: bool
    understood: bool
    text: str


class ChannelContent(TypedDict):
    channel: str
    time_limit_value: str | None
    time_limit_unit: str
    time_limit_source: str
    time_limit_text: str
    description: str
    fees: list[FeeContent]


class DocumentContent(TypedDict):
    case_name: str
    name: str
    originals: int | None
    copies: int | None
    quantity_text: str
    templates: list[str]
    is_required: bool
    reusable_from_data: bool


class LegalBasisContent(TypedDict):
    title: str
    number: str
    issued_on: str | None
    effective_on: str | None


class ResultContent(TypedDict):
    name: str
    code: str
    requires_paper: bool


class FlagContent(TypedDict):
    code: str
    detail: str


class VersionContent(TypedDict):
    name: str
    decision_number: str
    decision_date: str | None
    levels: list[str]
    levels_text: str
    kind: str
    fields: list[str]
    applicants: list[str]
    competent_agency: str
    implementing_agency: str
    delegated_agency: str
    coordinating_agency: str
    receiving_address: str
    steps: list[str]
    conditions: str
    related_procedures: str
    online_level: str
    online_level_reason: str
    same_day_cutoff: str | None
    source_url: str
    channels: list[ChannelContent]
    documents: list[DocumentContent]
    legal_basis: list[LegalBasisContent]
    results: list[ResultContent]
    flags: list[FlagContent]


def content_hash(content: VersionContent) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def read_content(version: ProcedureVersion) -> VersionContent:
    """The content of a stored version (children in their stored order)."""
    return {
        "name": version.name,
        "decision_number": version.decision_number,
        "decision_date": _iso(version.decision_date),
        "levels": list(version.levels),
        "levels_text": version.levels_text,
        "kind": version.kind,
        "fields": [f.name for f in version.fields.order_by("name")],
        "applicants": list(version.applicants),
        "competent_agency": version.competent_agency,
        "implementing_agency": version.implementing_agency,
        "delegated_agency": version.delegated_agency,
        "coordinating_agency": version.coordinating_agency,
        "receiving_address": version.receiving_address,
        "steps": list(version.steps),
        "conditions": version.conditions,
        "related_procedures": version.related_procedures,
        "online_level": version.online_level,
        "online_level_reason": version.online_level_reason,
        "same_day_cutoff": version.same_day_cutoff.strftime("%H:%M") if version.same_day_cutoff else None,
        "source_url": version.source_url,
        "channels": [
            {
                "channel": c.channel,
                "time_limit_value": _decimal_text(c.time_limit_value),
                "time_limit_unit": c.time_limit_unit,
                "time_limit_source": c.time_limit_source,
                "time_limit_text": c.time_limit_text,
                "description": c.description,
                "fees": [
                    {
                        "amount_vnd": f.amount_vnd,
                        "amount": _decimal_text(f.amount),
                        "currency": f.currency,
                        "is_free": f.is_free,
                        "understood": f.understood,
                        "text": f.text,
                    }
                    for f in c.fees.order_by("order")
                ],
            }
            for c in version.channels.order_by("order")
        ],
        "documents": [
            {
                "case_name": d.case_name,
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
                "quantity_text": d.quantity_text,
                "templates": list(d.templates),
                "is_required": d.is_required,
                "reusable_from_data": d.reusable_from_data,
            }
            for d in version.documents.order_by("order")
        ],
        "legal_basis": [
            {"title": b.title, "number": b.number, "issued_on": _iso(b.issued_on), "effective_on": _iso(b.effective_on)}
            for b in version.legal_basis.order_by("order")
        ],
        "results": [
            {"name": r.name, "code": r.code, "requires_paper": r.requires_paper}
            for r in version.results.order_by("order")
        ],
        "flags": [{"code": str(f["code"]), "detail": str(f["detail"])} for f in version.flags],
    }


_LENGTH_CHECKS: tuple[tuple[str, type[models.Model], str], ...] = (
    ("", ProcedureVersion, "name"),
    ("", ProcedureVersion, "decision_number"),
    ("", ProcedureVersion, "levels_text"),
    ("", ProcedureVersion, "kind"),
    ("", ProcedureVersion, "source_url"),
    ("channels", ChannelOption, "time_limit_text"),
    ("documents", DocumentRequirement, "quantity_text"),
    ("legal_basis", LegalBasis, "number"),
    ("results", ResultType, "code"),
)


def check_content(content: VersionContent) -> None:
    """Refuse content that the database would truncate or reject, naming the value (InvalidInput)."""
    for collection, model, name in _LENGTH_CHECKS:
        model_field = model._meta.get_field(name)
        assert isinstance(model_field, models.CharField) and model_field.max_length is not None
        limit = model_field.max_length
        items: list[Any] = content[collection] if collection else [content]  # type: ignore[literal-required]
        for index, item in enumerate(items):
            value = item.get(name) or ""
            if len(value) > limit:
                where = f"{collection}[{index + 1}].{name}" if collection else name
                raise InvalidInput(
                    _("%(where)s has %(length)s characters; at most %(limit)s are allowed.")
                    % {"where": where, "length": len(value), "limit": limit},
                    field=where,
                )
    for name in content["fields"]:
        if len(name) > 255:  # Field.name's max_length
            raise InvalidInput(_("The field name “%(name)s…” is too long.") % {"name": name[:40]}, field="fields")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def write_content(version: ProcedureVersion, content: VersionContent) -> None:
    """Store `content` into a new (unsaved or draft) version and its children; the caller is atomic."""
    assert version.is_editable or version.pk is None, "published versions are immutable"
    check_content(content)
    version.name = nfc(content["name"])
    version.decision_number = content["decision_number"]
    version.decision_date = _date(content["decision_date"])
    version.levels = content["levels"]
    version.levels_text = content["levels_text"]
    version.kind = content["kind"]
    version.applicants = content["applicants"]
    version.competent_agency = content["competent_agency"]
    version.implementing_agency = content["implementing_agency"]
    version.delegated_agency = content["delegated_agency"]
    version.coordinating_agency = content["coordinating_agency"]
    version.receiving_address = content["receiving_address"]
    version.steps = content["steps"]
    version.conditions = content["conditions"]
    version.related_procedures = content["related_procedures"]
    version.online_level = content["online_level"]
    version.online_level_reason = content["online_level_reason"]
    version.same_day_cutoff = time.fromisoformat(content["same_day_cutoff"]) if content["same_day_cutoff"] else None
    version.source_url = content["source_url"]
    version.flags = [dict(f) for f in content["flags"]]
    version.content_hash = content_hash(content)
    version.save()

    version.channels.all().delete()
    version.documents.all().delete()
    version.legal_basis.all().delete()
    version.results.all().delete()
    fields = []
    for name in content["fields"]:
        field, _created = Field.objects.get_or_create(name=name, defaults={"name_folded": fold(name)})
        fields.append(field)
    version.fields.set(fields)
    for order, channel in enumerate(content["channels"]):
        option = ChannelOption.objects.create(
            version=version,
            order=order,
            channel=channel["channel"],
            time_limit_value=Decimal(channel["time_limit_value"]) if channel["time_limit_value"] is not None else None,
            time_limit_unit=channel["time_limit_unit"],
            time_limit_source=channel["time_limit_source"],
            time_limit_text=channel["time_limit_text"],
            description=channel["description"],
        )
        Fee.objects.bulk_create(
            Fee(
                channel=option,
                order=i,
                amount_vnd=fee["amount_vnd"],
                # .get: content written before fees carried a currency has neither key.
                amount=Decimal(str(fee.get("amount"))) if fee.get("amount") is not None else None,
                currency=fee.get("currency") or "",
                is_free=fee["is_free"],
                understood=fee["understood"],
                text=fee["text"],
            )
            for i, fee in enumerate(channel["fees"])
        )
    DocumentRequirement.objects.bulk_create(
        DocumentRequirement(version=version, order=i, **doc) for i, doc in enumerate(content["documents"])
    )
    LegalBasis.objects.bulk_create(
        LegalBasis(
            version=version,
            order=i,
            title=b["title"],
            number=b["number"],
            issued_on=_date(b["issued_on"]),
            effective_on=_date(b["effective_on"]),
        )
        for i, b in enumerate(content["legal_basis"])
    )
    ResultType.objects.bulk_create(ResultType(version=version, order=i, **r) for i, r in enumerate(content["results"]))


def search_text(content: VersionContent, code: str) -> str:
    """What search matches against, folded: code, name, fields, agencies, results."""
    parts: list[Any] = [code, content["name"], *content["fields"], content["implementing_agency"]]
    parts += [r["code"] for r in content["results"]]
    return fold(" ".join(str(p) for p in parts if p))
