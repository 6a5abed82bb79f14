"""The papers a dossier's handling issues (the forms of Thông tư 03/2025/TT-VPCP, domain §2.4).

Each slip is rendered on demand from what the dossier recorded when the act happened (the receipt
from the receipt, the n-th supplement request from that request, the refusal from its history
entry), so a reprint is the same paper, dated when the act happened, not when it was printed; the
process control slip alone is "as of now". The template in use is the agency's newest version
(motcua.documents.templating); the QR code carries the fields of Thông tư 01/2023 Art 26.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.catalog.models import ChannelOption, TimeUnit
from motcua.core import clock
from motcua.core.errors import InvalidInput, NotFound
from motcua.documents.formatting import date_words, datetime_words
from motcua.documents.models import TemplateKind
from motcua.documents.rendering import Issuer, QrPayload, RenderedDocument, document_render
from motcua.documents.templating import document_template_current
from motcua.dossiers.lookup import lookup_secret
from motcua.dossiers.models import Apology, Dossier, HistoryEntry, Step, SupplementRequest
from motcua.dossiers.services import dossier_deadline
from motcua.dossiers.workflow import STATE_LABELS, State

SLIP_KINDS = (
    TemplateKind.RECEIPT,
    TemplateKind.GUIDANCE,
    TemplateKind.SUPPLEMENT,
    TemplateKind.REFUSAL,
    TemplateKind.APOLOGY,
    TemplateKind.STOP,
    TemplateKind.CONTROL,
)

SLIP_KIND_CHOICES = [(str(kind), kind.label) for kind in SLIP_KINDS]


class SlipNotAvailable(NotFound):
    code = "slip_not_available"


@dataclass(frozen=True, slots=True)
class SlipRef:
    """A slip a dossier has: its kind, its number among slips of that kind, and when it was issued."""

    kind: str
    number: int
    issued_at: datetime

    @property
    def label(self) -> str:
        label = str(TemplateKind(self.kind).label)
        return f"{label} ({self.number})" if self.number > 1 else label


def _entries(dossier: Dossier, action: str) -> list[HistoryEntry]:
    return list(dossier.history.filter(action=action).order_by("sequence"))


def dossier_slips(*, dossier: Dossier) -> list[SlipRef]:
    """Every slip this dossier has, in the order they were issued (selector)."""
    refs: list[SlipRef] = []
    for n, entry in enumerate(_entries(dossier, "mark_incomplete"), start=1):
        refs.append(SlipRef(TemplateKind.GUIDANCE, n, entry.at))
    for entry in _entries(dossier, "refuse"):
        refs.append(SlipRef(TemplateKind.REFUSAL, 1, entry.at))
    if dossier.code and dossier.received_at:
        refs.append(SlipRef(TemplateKind.RECEIPT, 1, dossier.received_at))
        refs.append(SlipRef(TemplateKind.CONTROL, 1, dossier.received_at))
    for request in dossier.supplement_requests_made.order_by("number"):
        refs.append(SlipRef(TemplateKind.SUPPLEMENT, request.number, request.requested_at))
    for n, apology in enumerate(dossier.apologies.order_by("issued_at"), start=1):
        refs.append(SlipRef(TemplateKind.APOLOGY, n, apology.issued_at))
    for entry in _entries(dossier, "stop"):
        refs.append(SlipRef(TemplateKind.STOP, 1, entry.at))
    return sorted(refs, key=lambda r: r.issued_at)


def _issuer(agency: Agency) -> Issuer:
    parent = agency.parent.name if agency.parent_id and agency.parent else ""
    unit = agency.administrative_unit
    place = unit.name if unit is not None else ""
    return Issuer(name=agency.name, parent_name=parent, place=place)


def _time_limit(option: ChannelOption | None) -> str:
    if option is None or option.time_limit_value is None or not option.time_limit_unit:
        return option.time_limit_text if option is not None and option.time_limit_text else "—"
    value: Decimal = option.time_limit_value
    amount = f"{value.normalize():f}".replace(".", ",")
    if len(amount) == 1:
        amount = "0" + amount  # "07 ngày làm việc", as slips write it
    return f"{amount} {TimeUnit(option.time_limit_unit).label}"


def _base_context(dossier: Dossier) -> dict[str, Any]:
    version = dossier.procedure_version
    option = version.channels.filter(channel=dossier.channel).order_by("order").first()
    return {
        "dossier": {"code": dossier.code or "", "channel": dossier.get_channel_display()},
        "procedure": {"code": dossier.procedure_code, "name": version.name},
        "applicant": {
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
        },
        "summary": dossier.summary,
        "agency": {"name": dossier.competent_agency.name, "code": dossier.competent_agency.code},
        "receiving_agency": {"name": dossier.receiving_agency.name, "code": dossier.receiving_agency.code},
        "submitted_at": datetime_words(dossier.submitted_at),
        "received_at": datetime_words(dossier.received_at) if dossier.received_at else "",
        "received_on": timezone.localtime(dossier.received_at).strftime("%d/%m/%Y") if dossier.received_at else "",
        "appointment_at": datetime_words(dossier.appointment_at) if dossier.appointment_at else "",
        "time_limit": _time_limit(option),
        # With the dossier code, opens the public look-up without signing in (dossiers/lookup.py).
        "lookup_secret": lookup_secret(dossier=dossier) if dossier.code else "",
    }


def _documents_received(dossier: Dossier) -> list[dict[str, Any]]:
    """The components received: as the counter recorded them, else the files the dossier holds."""
    recorded = dossier.form_data.get("documents_received") if isinstance(dossier.form_data, dict) else None
    if isinstance(recorded, list) and recorded:
        return [
            {"name": str(d.get("name", "")), "originals": d.get("originals") or "", "copies": d.get("copies") or ""}
            for d in recorded
            if isinstance(d, dict) and d.get("name")
        ]
    latest: dict[str, dict[str, Any]] = {}
    for document in dossier.documents.order_by("component", "version"):
        latest[document.component] = {"name": document.component, "originals": "", "copies": ""}
    return list(latest.values())


def _nth(items: list[Any], number: int, kind: str) -> Any:
    if number < 1 or number > len(items):
        raise SlipNotAvailable(
            _("This dossier has no such slip: %(kind)s %(number)s.") % {"kind": kind, "number": number}
        )
    return items[number - 1]


def _step_rows(dossier: Dossier) -> list[dict[str, str]]:
    outcome: dict[str, str] = {
        Step.Outcome.EARLY: "Trước hạn",
        Step.Outcome.ON_TIME: "Đúng hạn",
        Step.Outcome.LATE: "Quá hạn",
    }
    rows = [
        {
            "giver": dossier.receiving_agency.name,
            "receiver": f"{dossier.receiving_agency.name} (tiếp nhận)",
            "started_at": datetime_words(dossier.received_at) if dossier.received_at else "",
            "due_at": "",
            "outcome": "",
            "note": "Tiếp nhận hồ sơ",
        }
    ]
    for step in dossier.steps.select_related("agency", "assignee", "handed_over_by").order_by("order"):
        giver = step.handed_over_by.full_name if step.handed_over_by else ""
        receiver = step.unit + (f" — {step.assignee.full_name}" if step.assignee else "")
        rows.append(
            {
                "giver": giver,
                "receiver": f"{receiver} ({step.agency.name})",
                "started_at": datetime_words(step.started_at),
                "due_at": datetime_words(step.due_at),
                "outcome": outcome.get(step.outcome, "Đang xử lý") if step.outcome else "Đang xử lý",
                "note": step.name,
            }
        )
    return rows


def slip_context(*, dossier: Dossier, kind: str, number: int = 1) -> tuple[dict[str, Any], datetime, Issuer]:
    """The data a slip prints, the moment it was issued and the agency that issued it."""
    context = _base_context(dossier)
    issuer = _issuer(dossier.receiving_agency)
    issued_at: datetime
    if kind == TemplateKind.RECEIPT:
        if not (dossier.code and dossier.received_at):
            raise SlipNotAvailable(_("The dossier has not been received: there is no receipt."))
        issued_at = dossier.received_at
        entry = dossier.history.filter(action="receive").order_by("sequence").first()
        context["officer"] = {"name": entry.actor if entry else ""}
        context["documents"] = _documents_received(dossier)
        context["result_place"] = (
            "Trực tuyến trên Cổng Dịch vụ công và tại " + dossier.receiving_agency.name
            if dossier.channel == "online"
            else dossier.receiving_agency.name
        )
        context["explanation"] = [str(line) for line in dossier_deadline(dossier=dossier).lines()]
    elif kind == TemplateKind.GUIDANCE:
        entry = _nth(_entries(dossier, "mark_incomplete"), number, kind)
        issued_at = entry.at
        context["officer"] = {"name": entry.actor}
        context["missing"] = entry.data.get("missing", [])
    elif kind == TemplateKind.REFUSAL:
        entry = _nth(_entries(dossier, "refuse"), number, kind)
        issued_at = entry.at
        context["officer"] = {"name": entry.actor}
        context["reason"] = entry.reason
    elif kind == TemplateKind.SUPPLEMENT:
        request: SupplementRequest = _nth(list(dossier.supplement_requests_made.order_by("number")), number, kind)
        issued_at = request.requested_at
        issuer = _issuer(dossier.handling_agency)
        context["officer"] = {"name": request.requested_by.full_name}
        context["number"] = request.number
        context["items"] = request.items
        context["requested_at"] = datetime_words(request.requested_at)
        context["legal_basis"] = [
            " ".join(part for part in (b.number, b.title) if part)
            for b in dossier.procedure_version.legal_basis.order_by("order")
        ]
    elif kind == TemplateKind.APOLOGY:
        apology: Apology = _nth(list(dossier.apologies.order_by("issued_at")), number, kind)
        issued_at = apology.issued_at
        issuer = _issuer(dossier.handling_agency)
        context["officer"] = {"name": apology.issued_by.full_name, "position": apology.issued_by.position}
        context["reason"] = apology.reason
        context["previous_appointment"] = datetime_words(apology.previous_appointment_at)
        context["new_appointment"] = datetime_words(apology.new_appointment_at)
    elif kind == TemplateKind.STOP:
        entry = _nth(_entries(dossier, "stop"), number, kind)
        issued_at = entry.at
        issuer = _issuer(dossier.handling_agency)
        context["officer"] = {"name": entry.actor}
        context["reason"] = entry.reason
        context["stopped_at"] = datetime_words(entry.at)
        context["stage"] = str(STATE_LABELS[State(entry.from_state)]) if entry.from_state else ""
    elif kind == TemplateKind.CONTROL:
        if not (dossier.code and dossier.received_at):
            raise SlipNotAvailable(_("The dossier has not been received: there is no process control slip."))
        issued_at = clock.now()
        context["steps"] = _step_rows(dossier)
    else:
        raise InvalidInput(_("Unknown slip: %(kind)s.") % {"kind": kind}, field="kind")
    context["issued_on"] = date_words(issued_at)
    context["issued_at"] = datetime_words(issued_at)
    return context, issued_at, issuer


def slip_render(*, dossier: Dossier, kind: str, number: int = 1) -> RenderedDocument:
    """The slip as a PDF in Vietnamese, from the template in use at the issuing agency."""
    with translation.override("vi"):  # papers are issued in Vietnamese whatever the officer's language
        context, issued_at, issuer = slip_context(dossier=dossier, kind=kind, number=number)
    at_intake = kind in (TemplateKind.RECEIPT, TemplateKind.GUIDANCE, TemplateKind.REFUSAL)
    agency = dossier.receiving_agency if at_intake else dossier.handling_agency
    source = document_template_current(kind=kind, agency=agency)
    qr = QrPayload(
        dossier_code=dossier.code or str(dossier.uuid),
        procedure_code=dossier.procedure_code,
        applicant_id=dossier.applicant_id_number,
        document_name=source.title,
        issued_at=issued_at,
        appointment_at=dossier.appointment_at if kind == TemplateKind.RECEIPT else None,
    )
    return document_render(source=source, context=context, issuer=issuer, qr=qr)
