"""The counter (quầy một cửa): a receiving officer checks a walk-in or postal dossier and records it.

Reads for the counter screen (which procedures and competent agencies the officer's agency may
receive for, the cases and the checklist of a procedure version) and the one write it makes,
`intake_record`, which is the dossier services composed in one transaction:

- complete: `dossier_receive_at_counter` (in person) or `dossier_submit` + `dossier_receive` (by
  post): the dossier code and the appointment, the statutory clock starts at the receipt of a
  complete dossier (domain §2.6);
- incomplete: `dossier_submit` + `dossier_mark_incomplete`, the guidance listing each missing
  document with its reason, in writing and at once (Nghị định 63/2010/NĐ-CP Art 18(5); domain §2.6);
- ineligible: `dossier_submit` + `dossier_refuse` with the legal reason the refusal slip quotes
  (domain §2.4, form 03).

Who may receive for whom is `dossiers.policies.can_submit`, asked again inside the transaction;
the lists here only offer what it will accept (non-geographical receipt, Nghị định 118/2025/NĐ-CP:
a public administration service centre receives for every agency of its province).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel, Officer
from motcua.agencies.selectors import agency_ancestors, agency_province
from motcua.catalog.models import Channel, DocumentRequirement, Level, Procedure, ProcedureVersion
from motcua.catalog.search import procedure_search
from motcua.catalog.selectors import versions_in_force_on
from motcua.core import clock
from motcua.core.errors import Conflict
from motcua.dossiers import policies, services
from motcua.dossiers.models import Dossier
from motcua.dossiers.policies import ActionNotPermitted, ReceiptNotAllowed
from motcua.geo.models import AdministrativeUnit

__all__ = [
    "COUNTER_CHANNELS",
    "SEARCH_LIMIT",
    "Intake",
    "Outcome",
    "Recorded",
    "VersionChanged",
    "counter_agencies",
    "counter_cases",
    "counter_checklist",
    "counter_procedures",
    "intake_record",
]

# The channels a dossier reaches the counter by: brought in person, or sent by public post.
COUNTER_CHANNELS: tuple[str, ...] = (Channel.IN_PERSON, Channel.POSTAL)
# How many procedures a search at the counter lists: the officer refines the words rather than pages.
SEARCH_LIMIT = 20

_SERVICE_CENTRES = frozenset({AgencyKind.PROVINCIAL_SERVICE_CENTRE, AgencyKind.COMMUNE_SERVICE_CENTRE})

# The catalogue levels of the procedures an agency of each level decides. District-level
# procedures not yet re-published went to the communes or the province when districts were
# abolished on 1 July 2025 (catalog.models.Level).
_PROCEDURE_LEVELS: dict[str, tuple[str, ...]] = {
    AgencyLevel.CENTRAL: (Level.CENTRAL,),
    AgencyLevel.PROVINCE: (Level.PROVINCE, Level.DISTRICT),
    AgencyLevel.COMMUNE: (Level.COMMUNE, Level.DISTRICT),
}


class Outcome(enum.StrEnum):
    """The three answers of the intake check (domain §2.3 diagram: complete, incomplete, not eligible)."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    INELIGIBLE = "ineligible"


class VersionChanged(Conflict):
    code = "procedure_version_changed"


# -- reads ----------------------------------------------------------------------------------------------


def _province(agency: Agency) -> AdministrativeUnit | None:
    """The province the agency serves (policies.can_receive_for, which stays the authority, reads the
    same agencies.selectors.agency_lineage)."""
    return agency_province(agency=agency)


def counter_agencies(*, receiving: Agency) -> QuerySet[Agency]:
    """The active agencies that decide dossiers `receiving` may receive (policies.can_receive_for
    as one query), the provincial ones first.

    A service centre: every agency of its province, whatever the commune (Nghị định 118/2025/NĐ-CP,
    non-geographical receipt), but not the centres, which receive and do not decide. Any other
    agency: itself, its parents and its own units.
    """
    agencies = Agency.objects.filter(is_active=True).select_related("administrative_unit")
    if receiving.kind in _SERVICE_CENTRES:
        province = _province(receiving)
        if province is None:
            return agencies.none()
        in_province = Q(administrative_unit=province) | Q(administrative_unit__parent=province)
        # Units without an administrative unit of their own (a provincial department's office).
        in_province |= Q(parent__administrative_unit=province) | Q(parent__administrative_unit__parent=province)
        agencies = agencies.filter(in_province).exclude(kind__in=_SERVICE_CENTRES)
    else:
        related = {receiving.pk, *(a.pk for a in agency_ancestors(agency=receiving))}
        agencies = agencies.filter(
            Q(pk__in=related) | Q(parent=receiving) | Q(parent__parent=receiving) | Q(parent__parent__parent=receiving)
        )
    level_order = Case(
        When(level=AgencyLevel.PROVINCE, then=Value(0)),
        When(level=AgencyLevel.COMMUNE, then=Value(1)),
        default=Value(2),
    )
    return agencies.order_by(level_order, "name", "code")


def _procedure_levels(agency_levels: set[str]) -> set[str]:
    return {level for agency_level in agency_levels for level in _PROCEDURE_LEVELS.get(agency_level, ())}


def counter_procedures(*, receiving: Agency, q: str) -> list[Procedure]:
    """Procedures in force today matching `q` (catalog.search rules: code, words without diacritics,
    typos), best first, that an agency `receiving` receives for decides: at most SEARCH_LIMIT."""
    agency_levels = set(counter_agencies(receiving=receiving).order_by().values_list("level", flat=True).distinct())
    levels = _procedure_levels(agency_levels)
    if not levels:
        return []
    # `levels` is a JSON list of Level codes: the quoted code matches exactly (as catalog.search does).
    of_level = Q()
    for level in sorted(levels):
        of_level |= Q(levels__icontains=f'"{level}"')
    receivable = versions_in_force_on(day=clock.today()).filter(of_level, procedure=OuterRef("pk"))
    return list(procedure_search(q=q).filter(Exists(receivable))[:SEARCH_LIMIT])


def competent_for(*, agencies: QuerySet[Agency], version: ProcedureVersion) -> list[Agency]:
    """Those of `agencies` whose level decides this version (all of them when it states no level)."""
    wanted = [
        agency_level
        for agency_level, procedure_levels in _PROCEDURE_LEVELS.items()
        if set(procedure_levels) & set(version.levels or [])
    ]
    return list(agencies.filter(level__in=wanted) if wanted else agencies)


def counter_cases(version: ProcedureVersion) -> list[str]:
    """The cases the version's documents distinguish, in the catalogue's order ([] when one list
    of documents always applies). Reads the prefetched documents of catalog.selectors.version_in_force."""
    cases: list[str] = []
    for document in version.documents.all():
        if document.case_name and document.case_name not in cases:
            cases.append(document.case_name)
    return cases


def counter_checklist(version: ProcedureVersion, case: str) -> list[DocumentRequirement]:
    """The documents to check for `case`: those that always apply and those of the case."""
    return [d for d in version.documents.all() if not d.case_name or d.case_name == case]


# -- the write ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Intake:
    """What the officer found at the counter, validated by the form."""

    procedure_code: str
    version: int  # the version whose checklist the officer checked
    channel: str
    competent_agency: Agency
    applicant: services.Applicant
    summary: str
    form_data: dict[str, Any]  # the case and the documents received (with originals and copies)
    outcome: Outcome
    missing: list[dict[str, str]]  # incomplete: [{"document", "reason"}]
    legal_reason: str  # ineligible
    # Unique per filling of the counter form: a second POST of the same form (a double click, the
    # back button) finds the dossier the first one recorded instead of recording a second one.
    key: str


@dataclass(frozen=True, slots=True)
class Recorded:
    dossier: Dossier
    again: bool  # the same form had already been recorded: nothing new was written


@transaction.atomic
def intake_record(*, officer: Officer, intake: Intake) -> Recorded:
    """Record a walk-in or postal dossier with the outcome of the check, all or nothing, once per
    `intake.key` (the form records the key in the dossier's form data).

    Raises ActionNotPermitted (not a receiving officer), ReceiptNotAllowed (the officer's agency may
    not receive for the competent agency), VersionChanged (another version of the procedure came
    into force since the checklist was shown) and the services' InvalidInput.
    """
    decision = policies.can_submit(officer, officer.agency, intake.competent_agency)
    if not decision:
        if decision.code == "receipt_not_allowed":
            raise ReceiptNotAllowed(decision.reason, field="competent_agency")
        raise ActionNotPermitted(decision)
    # The officer's row lock makes two POSTs of one form wait for each other: the second then sees
    # the dossier the first recorded (a form is filled and sent within the day).
    Officer.objects.select_for_update().filter(pk=officer.pk).first()
    earlier = (
        Dossier.objects.filter(
            receiving_agency=officer.agency,
            submitted_at__gte=clock.now() - timedelta(days=1),
            form_data__intake_key=intake.key,
        )
        .select_related("procedure_version")
        .first()
    )
    if earlier is not None:
        return Recorded(earlier, again=True)
    form_data = {**intake.form_data, "intake_key": intake.key}
    if intake.outcome is Outcome.COMPLETE and intake.channel == Channel.IN_PERSON:
        dossier = services.dossier_receive_at_counter(
            procedure_code=intake.procedure_code,
            applicant=intake.applicant,
            officer=officer,
            competent_agency=intake.competent_agency,
            form_data=form_data,
            summary=intake.summary,
        )
    else:
        dossier = services.dossier_submit(
            procedure_code=intake.procedure_code,
            channel=intake.channel,
            applicant=intake.applicant,
            receiving_agency=officer.agency,
            competent_agency=intake.competent_agency,
            form_data=form_data,
            summary=intake.summary,
            actor=services.officer_actor(officer, decision.role),
        )
        if intake.outcome is Outcome.COMPLETE:
            dossier = services.dossier_receive(dossier=dossier, officer=officer)
        elif intake.outcome is Outcome.INCOMPLETE:
            dossier = services.dossier_mark_incomplete(dossier=dossier, officer=officer, missing=intake.missing)
        else:
            dossier = services.dossier_refuse(dossier=dossier, officer=officer, legal_reason=intake.legal_reason)
    if dossier.procedure_version.number != intake.version:
        # Rolls the whole intake back: the officer checked the documents of another version.
        raise VersionChanged(
            _(
                "Version %(number)s of procedure %(code)s came into force meanwhile; check the documents "
                "against it and record the dossier again."
            )
            % {"number": dossier.procedure_version.number, "code": intake.procedure_code},
            field="procedure_q",
        )
    return Recorded(dossier, again=False)
