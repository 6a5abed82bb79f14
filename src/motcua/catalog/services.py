"""Writes to the procedure catalogue: import, drafting, publication, amendment, abolition, flows.

Every function is atomic, appends a CatalogChange (who, what, the changes) and never edits a
published version: an amendment is a new version (Nghị định 63/2010/NĐ-CP Art 14: new, amended
and abolished procedures are all published; domain §0.2: dossiers keep the version in force at
receipt).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.catalog import rules
from motcua.catalog.content import FlagContent, VersionContent, content_hash, read_content, search_text, write_content
from motcua.catalog.models import (
    CatalogChange,
    FlowStep,
    Procedure,
    ProcedureVersion,
    ProcessingFlow,
    TimeUnit,
)
from motcua.catalog.search import search_index_update
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, InvalidInput


class IncompleteProcedure(DomainError):
    code = "procedure_incomplete"

    def __init__(self, missing: list[rules.Component]) -> None:
        labels = ", ".join(str(rules.COMPONENT_LABELS[c]) for c in missing)
        super().__init__(
            _("A procedure can be published only with all its components; missing: %(missing)s.") % {"missing": labels}
        )
        self.missing = missing


class VersionNotEditable(DomainError):
    code = "version_not_editable"
    status = 409


class FlowInvalid(DomainError):
    code = "flow_invalid"

    def __init__(self, problems: list[rules.BudgetProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _audit(*, procedure: Procedure, version: ProcedureVersion | None, action: str, actor: str, **detail: Any) -> None:
    CatalogChange.objects.create(procedure=procedure, version=version, action=action, actor=actor, detail=detail)


def version_facts(version: ProcedureVersion) -> rules.VersionFacts:
    return rules.VersionFacts(
        name=version.name,
        steps=tuple(version.steps),
        channels=tuple(
            rules.ChannelLimit(c.channel, c.time_limit_value, c.time_limit_unit) for c in version.channels.all()
        ),
        document_count=version.documents.count(),
        applicants=tuple(version.applicants),
        agency=version.implementing_agency or version.competent_agency,
    )


def version_missing_components(*, version: ProcedureVersion) -> list[rules.Component]:
    return rules.missing_components(version_facts(version))


def _refresh_procedure(procedure: Procedure) -> None:
    """Copy the name and search text of the version in force onto the procedure row."""
    current = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).first()
    if current is None:
        current = procedure.versions.order_by("-number").first()
    if current is None:
        return
    procedure.name = current.name
    procedure.search_text = search_text(read_content(current), procedure.code)
    procedure.save(update_fields=["name", "search_text"])
    search_index_update(procedure)


def _next_number(procedure: Procedure) -> int:
    return int(procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1


def _publish(version: ProcedureVersion, *, actor: str, effective_from: date | None, user_id: int | None = None) -> None:
    procedure = version.procedure
    previous = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).exclude(pk=version.pk).first()
    if previous is not None:
        if effective_from is None:
            raise InvalidInput(_("An amendment needs the date it comes into force."), field="effective_from")
        if previous.effective_from and effective_from <= previous.effective_from:
            raise InvalidInput(
                _("The new version must come into force after the current one (from %(day)s).")
                % {"day": previous.effective_from.strftime("%d/%m/%Y")},
                field="effective_from",
            )
        previous.status = ProcedureVersion.Status.AMENDED
        previous.effective_to = effective_from - timedelta(days=1)
        previous.save(update_fields=["status", "effective_to"])
    version.status = ProcedureVersion.Status.PUBLISHED
    version.effective_from = effective_from
    version.published_at = clock.now()
    version.published_by_id = user_id
    version.save(update_fields=["status", "effective_from", "published_at", "published_by"])
    procedure.is_abolished = False
    procedure.save(update_fields=["is_abolished"])
    _refresh_procedure(procedure)


@transaction.atomic
def version_publish(
    *, version: ProcedureVersion, actor: str, effective_from: date | None = None, user_id: int | None = None
) -> ProcedureVersion:
    """Publish a draft after the completeness check (Nghị định 63/2010/NĐ-CP Art 8(2)).

    The version in force until then becomes `amended` and ends the day before. Raises
    IncompleteProcedure or VersionNotEditable.
    """
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ProcedureVersion.Status.DRAFT:
        raise VersionNotEditable(
            _("Only a draft can be published; this version is %(status)s.") % {"status": version.get_status_display()}
        )
    missing = version_missing_components(version=version)
    if missing:
        raise IncompleteProcedure(missing)
    day = effective_from or clock.today()
    _publish(version, actor=actor, effective_from=day, user_id=user_id)
    _audit(procedure=version.procedure, version=version, action="published", actor=actor, effective_from=str(day))
    return version


@transaction.atomic
def version_create_draft(*, procedure: Procedure, actor: str) -> ProcedureVersion:
    """Start an amendment: a draft that copies the latest version. One draft at a time."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if procedure.versions.filter(status=ProcedureVersion.Status.DRAFT).exists():
        raise Conflict(_("This procedure already has a draft; edit or publish it first."))
    base = procedure.versions.order_by("-number").first()
    draft = ProcedureVersion(
        procedure=procedure, number=_next_number(procedure), source=ProcedureVersion.Source.OPERATOR
    )
    if base is None:
        raise InvalidInput(_("The procedure has no version to amend."))
    write_content(draft, read_content(base))
    _audit(procedure=procedure, version=draft, action="draft_created", actor=actor, based_on=base.number)
    return draft


@transaction.atomic
def version_update_draft(*, version: ProcedureVersion, content: VersionContent, actor: str) -> ProcedureVersion:
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_editable:
        raise VersionNotEditable(_("A published version cannot be changed: create a new version to amend it."))
    before = read_content(version)
    write_content(version, content)
    changed = sorted(k for k in content if before.get(k) != content.get(k))
    _audit(procedure=version.procedure, version=version, action="draft_updated", actor=actor, changed=changed)
    return version


@transaction.atomic
def version_draft_edited(*, version: ProcedureVersion, actor: str) -> None:
    """Record an edit made through the admin's forms: refresh the hash and search text, audit it."""
    if not version.is_editable:
        raise VersionNotEditable(_("A published version cannot be changed: create a new version to amend it."))
    content = read_content(version)
    version.content_hash = content_hash(content)
    version.save(update_fields=["content_hash"])
    _refresh_procedure(version.procedure)
    _audit(procedure=version.procedure, version=version, action="draft_edited", actor=actor)


@transaction.atomic
def procedure_abolish(*, procedure: Procedure, actor: str, effective_to: date, reason: str) -> ProcedureVersion:
    """Abolish the procedure from `effective_to` on (the last day it can be applied for)."""
    if not reason.strip():
        raise InvalidInput(_("Give the decision that abolishes the procedure."), field="reason")
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    current = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).first()
    if current is None:
        raise Conflict(_("Only a procedure in force can be abolished."))
    current.status = ProcedureVersion.Status.ABOLISHED
    current.effective_to = effective_to
    current.save(update_fields=["status", "effective_to"])
    procedure.is_abolished = True
    procedure.save(update_fields=["is_abolished"])
    _audit(
        procedure=procedure,
        version=current,
        action="abolished",
        actor=actor,
        effective_to=str(effective_to),
        reason=reason,
    )
    return current


ImportResult = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    code: str
    result: ImportResult
    version: ProcedureVersion
    published: bool
    missing: tuple[rules.Component, ...]


@transaction.atomic
def procedure_import(
    *,
    code: str,
    content: VersionContent,
    source_record: dict[str, Any],
    actor: str,
    source: str,
    already_published: bool = True,
) -> ImportOutcome:
    """Create or amend the procedure `code` from imported content. Idempotent on content.

    Identical content changes nothing; new content becomes a new version. A record of the national
    database (`already_published`) was published by the competent authority: it is published here
    as it is, even when incomplete, because citizens must find what the law says; the missing
    components of Art 8(2) are recorded as `incomplete_*` flags, which operators see and QĐ 766
    indicator 1.3 will count. Content that no authority published (a list row) stays a draft
    until an operator completes it. One transaction per record: a record goes in whole or not at all.
    """
    missing = tuple(rules.missing_components(facts_from_content(content)))
    gaps: list[FlagContent] = [
        {"code": f"incomplete_{m.value}", "detail": str(rules.COMPONENT_LABELS[m])} for m in missing
    ]
    content = {**content, "flags": [*content["flags"], *gaps]}
    procedure, created = Procedure.objects.select_for_update().get_or_create(code=code)
    digest = content_hash(content)
    latest = procedure.versions.order_by("-number").first()
    if latest is not None and latest.content_hash == digest:
        return ImportOutcome(code, "unchanged", latest, latest.status == ProcedureVersion.Status.PUBLISHED, missing)
    if latest is not None and latest.status == ProcedureVersion.Status.DRAFT:
        version = latest  # an earlier import kept as a draft: replace its content
    else:
        version = ProcedureVersion(procedure=procedure, number=_next_number(procedure))
    version.source = source
    version.source_record = source_record
    write_content(version, content)
    published = already_published or not missing
    if published:
        today = clock.today()
        current = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).exclude(pk=version.pk).first()
        day: date | None
        if current is None:
            # The first version we hear of was in force before it reached us; the records do not say
            # since when, so the start stays unknown rather than becoming the day of the import.
            day = None
        elif current.effective_from is None or current.effective_from < today:
            day = today
        else:  # an amendment imported on the day the previous version came into force
            day = current.effective_from + timedelta(days=1)
        _publish(version, actor=actor, effective_from=day)
    else:
        _refresh_procedure(procedure)
    result: ImportResult = "created" if created else "updated"
    _audit(
        procedure=procedure,
        version=version,
        action=f"imported_{result}",
        actor=actor,
        published=published,
        missing=[str(m) for m in missing],
    )
    return ImportOutcome(code, result, version, published, missing)


def facts_from_content(content: VersionContent) -> rules.VersionFacts:
    return rules.VersionFacts(
        name=content["name"],
        steps=tuple(content["steps"]),
        channels=tuple(
            rules.ChannelLimit(
                c["channel"],
                Decimal(c["time_limit_value"]) if c["time_limit_value"] is not None else None,
                c["time_limit_unit"],
            )
            for c in content["channels"]
        ),
        document_count=len(content["documents"]),
        applicants=tuple(content["applicants"]),
        agency=content["implementing_agency"] or content["competent_agency"],
    )


@dataclass(frozen=True, slots=True)
class StepInput:
    name: str
    role: str
    unit: str
    budget_value: Decimal
    budget_unit: str
    parallel_with_previous: bool = False


def _channel_limits(version: ProcedureVersion, channel: str) -> tuple[rules.ChannelLimit, ...]:
    channels = version.channels.all()
    if channel:
        channels = channels.filter(channel=channel)
    return tuple(rules.ChannelLimit(c.channel, c.time_limit_value, c.time_limit_unit) for c in channels)


@transaction.atomic
def flow_save(
    *,
    version: ProcedureVersion,
    name: str,
    steps: Sequence[StepInput],
    actor: str,
    agency: Agency | None = None,
    channel: str = "",
    is_default: bool = False,
) -> ProcessingFlow:
    """Create or replace the flow of `version` for `agency` (None: all) and `channel` ("" : all).

    The step budgets must fit inside the legal time limit of every channel the flow serves; raises
    FlowInvalid with each problem. Flows belong to how an agency works, not to the published text,
    so they may change on a published version; every change is audited.
    """
    problems = rules.budget_problems(
        tuple(rules.StepBudget(s.name, s.budget_value, s.budget_unit, s.parallel_with_previous) for s in steps),
        _channel_limits(version, channel),
    )
    blocking = [p for p in problems if p.code != "limit_unknown"]
    if blocking:
        raise FlowInvalid(blocking)
    flow, created = ProcessingFlow.objects.update_or_create(
        version=version, agency=agency, channel=channel, defaults={"name": name, "is_default": is_default}
    )
    flow.steps.all().delete()
    FlowStep.objects.bulk_create(
        FlowStep(
            flow=flow,
            order=i + 1,
            name=s.name,
            role=s.role,
            unit=s.unit,
            budget_value=s.budget_value,
            budget_unit=s.budget_unit,
            parallel_with_previous=s.parallel_with_previous,
        )
        for i, s in enumerate(steps)
    )
    _audit(
        procedure=version.procedure,
        version=version,
        action="flow_created" if created else "flow_replaced",
        actor=actor,
        flow=name,
        agency=agency.code if agency else None,
        channel=channel,
        steps=[f"{s.name} ({s.budget_value} {s.budget_unit})" for s in steps],
        warnings=[p.message for p in problems],
    )
    return flow


def flow_create_default(*, version: ProcedureVersion, actor: str) -> ProcessingFlow | None:
    """A generated flow fitting the shortest known time limit of the version, unless it has a flow.

    Returns None when the version already has a flow or no time limit in working days or hours.
    """
    if version.flows.exists():
        return None
    limits = [
        hours
        for c in version.channels.all()
        if c.time_limit_value is not None
        and (hours := rules.in_working_hours(c.time_limit_value, c.time_limit_unit)) is not None
    ]
    if not limits:
        return None
    legal = min(limits)
    steps = [
        StepInput(step.name, step.role, step.unit, budget, TimeUnit.WORKING_HOURS)
        for step, budget in rules.default_flow(legal)
    ]
    return flow_save(version=version, name=str(_("Default flow")), steps=steps, actor=actor, is_default=True)


def procedure_refresh(*, procedure: Procedure) -> None:
    """Recompute the denormalised name and search text of a procedure (after a restore)."""
    _refresh_procedure(procedure)


def catalog_audit(
    *, procedure: Procedure, version: ProcedureVersion | None, action: str, actor: str, **detail: Any
) -> None:
    """Append a catalogue change made by another module of this app (e.g. a restore)."""
    _audit(procedure=procedure, version=version, action=action, actor=actor, **detail)


REFERENCE_FLOWS = Path(__file__).resolve().parent / "data" / "reference-flows.json"


@dataclass(frozen=True, slots=True)
class FlowLoadSummary:
    saved: int
    unchanged: int
    missing_procedures: tuple[str, ...]
    refused: tuple[str, ...]

    def __str__(self) -> str:
        text = f"{self.saved} saved, {self.unchanged} unchanged"
        if self.missing_procedures:
            text += f"; procedures not in the catalogue: {', '.join(self.missing_procedures)}"
        if self.refused:
            text += f"; refused: {'; '.join(self.refused)}"
        return text


def flows_load_reference(*, path: Path = REFERENCE_FLOWS, actor: str = "load-demo") -> FlowLoadSummary:
    """Give the demo procedures their real flows (idempotent: an identical flow is left alone)."""
    from motcua.catalog.selectors import version_in_force  # selectors import nothing from here

    data = json.loads(path.read_text(encoding="utf-8"))
    saved = unchanged = 0
    missing: list[str] = []
    refused: list[str] = []
    for item in data["flows"]:
        try:
            version = version_in_force(code=item["code"])
        except DomainError:
            missing.append(item["code"])
            continue
        steps = [
            StepInput(
                s["name"],
                s["role"],
                s["unit"],
                Decimal(s["budget"]),
                s["unit_of_budget"],
                bool(s.get("parallel_with_previous")),
            )
            for s in item["steps"]
        ]
        existing = version.flows.filter(agency__isnull=True, channel="").first()
        if (
            existing is not None
            and existing.name == item["name"]
            and [
                (s.name, s.role, s.unit, s.budget_value, s.budget_unit, s.parallel_with_previous)
                for s in existing.steps.order_by("order")
            ]
            == [(s.name, s.role, s.unit, s.budget_value, s.budget_unit, s.parallel_with_previous) for s in steps]
        ):
            unchanged += 1
            continue
        try:
            flow_save(version=version, name=item["name"], steps=steps, actor=actor)
        except FlowInvalid as exc:
            refused.append(f"{item['code']}: {exc.message}")
            continue
        saved += 1
    return FlowLoadSummary(saved, unchanged, tuple(missing), tuple(refused))
