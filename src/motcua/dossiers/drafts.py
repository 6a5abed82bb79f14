"""Online applications from the citizen portal: drafts, their files, and their submission.

A signed-in citizen starts a `Draft` of a procedure that has an online channel, for themselves or
for someone they may act for (citizens.selectors.principals_for), with the case that applies, the
agency competent to decide and the centre that receives it. The draft is kept on the server, so it
can be resumed from any device, and every save checks the revision it was based on: a save from a
second tab or device that did not see the first one's changes is refused (DraftChanged), and the
page shows the entered values again so that nothing is lost. Files are checked by the upload rules
(documents.uploads) and kept with the draft as stored files (content-addressed, harmless if the
draft is abandoned).

The form is the procedure's e-form (catalog.eform_services), prefilled from the signed-in identity
(Nghị định 224/2026/NĐ-CP Art 15(1)(d): people provide information only once; domain §3.3). The
citizen's own personal identification number is the one the identity provider vouched for and is
never taken from the form.

Submission (`draft_submit`) checks everything again on the server, then in one transaction
submits the dossier (services.dossier_submit, status 1 "newly submitted", domain §2.3), adds each
file as a component (documents.dossier_document_add, origin "uploaded") and closes the draft: if
any step fails, no dossier exists. The dossier code and the appointment come when the receiving
centre receives it complete (Thông tư 01/2018/TT-VPCP Art 19; the clock starts at the receipt of a
complete, valid dossier, domain §2.6); until then the portal shows a provisional appointment
(services.dossier_deadline_if_received).

Non-geographical receipt (Nghị định 118/2025/NĐ-CP, domain §2.1): the citizen may choose any
public administration service centre of the competent agency's province; policies.can_receive_for
is the authority.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.core.files.base import File
from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel
from motcua.agencies.selectors import agency_province
from motcua.calendars.explain import format_moment
from motcua.catalog.eform_services import eform_for_version, eform_schema
from motcua.catalog.eforms import EFormSchema, FormCheck, OnlineHandling, form_validate, prefill
from motcua.catalog.models import Channel, ChannelOption, DocumentRequirement, Level, ProcedureVersion
from motcua.catalog.selectors import version_in_force
from motcua.citizens.models import Citizen
from motcua.citizens.selectors import Principal, principals_for
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, InvalidInput, NotFound
from motcua.core.text import fold
from motcua.documents.selectors import stored_file_open
from motcua.documents.services import stored_file_create
from motcua.documents.uploads import UploadRules
from motcua.dossiers import policies, services
from motcua.dossiers.documents import dossier_document_add
from motcua.dossiers.history import Actor
from motcua.dossiers.models import Dossier, DossierDocument, Draft, DraftFile
from motcua.geo.models import AdministrativeUnit, UnitLevel
from motcua.geo.selectors import valid_on

__all__ = [
    "SERVICE_CENTRES",
    "DocumentSlot",
    "DraftChanged",
    "DraftIncomplete",
    "NotOnline",
    "PrincipalNotAllowed",
    "ProcedureVersionChanged",
    "Setup",
    "citizen_identity",
    "commune_name",
    "competent_candidates",
    "document_slots",
    "draft_check",
    "draft_discard",
    "draft_file_remove",
    "draft_file_upload",
    "draft_get",
    "draft_rebase",
    "draft_save",
    "draft_schema",
    "draft_setup",
    "draft_start",
    "draft_submit",
    "drafts_open_of",
    "online_channel",
    "principal_find",
    "province_of",
    "receiving_candidates",
    "receiving_default",
    "version_cases",
]

SERVICE_CENTRES: Final = (AgencyKind.PROVINCIAL_SERVICE_CENTRE, AgencyKind.COMMUNE_SERVICE_CENTRE)
# The agency levels that decide procedures of each catalogue level. District-level procedures not
# yet re-published went to the communes or the province when districts were abolished on 1 July 2025.
_AGENCY_LEVELS: Final[dict[str, tuple[str, ...]]] = {
    Level.CENTRAL: (AgencyLevel.CENTRAL,),
    Level.PROVINCE: (AgencyLevel.PROVINCE,),
    Level.DISTRICT: (AgencyLevel.PROVINCE, AgencyLevel.COMMUNE),
    Level.COMMUNE: (AgencyLevel.COMMUNE,),
}
_COMMITTEES: Final = (AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE, AgencyKind.COMMUNE_PEOPLES_COMMITTEE)
# What a draft keeps of one entered value: enough for any field (the form limits are far lower),
# bounded so that a pasted book does not fill the database.
_MAX_KEPT: Final = 5000


class NotOnline(DomainError):
    code = "not_online"
    status = 404


class DraftChanged(Conflict):
    code = "draft_changed"


class PrincipalNotAllowed(InvalidInput):
    code = "principal_not_allowed"


class ProcedureVersionChanged(Conflict):
    code = "procedure_version_changed"


class DraftIncomplete(InvalidInput):
    """What stops a submission: field errors (by field name) and documents still missing."""

    code = "draft_incomplete"

    def __init__(self, *, errors: Mapping[str, str], missing: list[str]) -> None:
        count = len(errors) + len(missing)
        super().__init__(
            ngettext(
                "The dossier cannot be submitted yet: correct the problem listed.",
                "The dossier cannot be submitted yet: correct the %(n)s problems listed.",
                count,
            )
            % {"n": count}
        )
        self.errors = dict(errors)
        self.missing = list(missing)


# -- what the portal offers ---------------------------------------------------------------------------------


def online_channel(version: ProcedureVersion) -> ChannelOption | None:
    """The online channel of the version (its time limit and fees), or None: no online submission."""
    return next((o for o in version.channels.all() if o.channel == Channel.ONLINE), None)


def citizen_identity(citizen: Citizen) -> dict[str, str]:
    """What the signed-in identity says, by prefill source (catalog.eforms.PREFILL_SOURCES)."""
    return {
        "citizen.name": citizen.full_name,
        "citizen.personal_id": citizen.personal_id,
        "citizen.birth_date": citizen.birth_date.isoformat() if citizen.birth_date else "",
        "citizen.gender": citizen.gender,
        "citizen.address": citizen.address,
        "citizen.phone": citizen.phone,
        "citizen.email": citizen.email,
        "citizen.commune": citizen.commune.code if citizen.commune is not None else "",
    }


def commune_name(code: str) -> str | None:
    """The name of the commune in force today with this 5-digit code, or None."""
    unit = (
        AdministrativeUnit.objects.filter(valid_on(clock.today()), level=UnitLevel.COMMUNE, code=code)
        .select_related("parent")
        .first()
    )
    if unit is None:
        return None
    return f"{unit.name}, {unit.parent.name}" if unit.parent is not None else unit.name


def principal_find(*, citizen: Citizen, kind: str, identifier: str, procedure_code: str) -> Principal:
    """Whom the citizen acts for, if they may act for them in this procedure now. Raises PrincipalNotAllowed."""
    for principal in principals_for(citizen=citizen):
        if principal.kind != kind or principal.identifier != identifier:
            continue
        codes = principal.procedure_codes
        if codes is not None and procedure_code not in codes:
            raise PrincipalNotAllowed(
                _("Your authorisation to act for %(name)s does not cover procedure %(code)s.")
                % {"name": principal.name, "code": procedure_code},
                field="principal",
            )
        return principal
    raise PrincipalNotAllowed(
        _("You may not submit dossiers for this person or business: no authorisation in force says so."),
        field="principal",
    )


def version_cases(*, version: ProcedureVersion, schema: EFormSchema) -> list[str]:
    """The cases the citizen chooses among (the catalogue's, in its order), [] when there is no choice."""
    if not schema.choose_case:
        return []
    cases: list[str] = []
    for requirement in version.documents.all():
        case = requirement.case_name.strip()
        if not case or case in cases:
            continue
        if schema.document_handling(name="", case=case) is OnlineHandling.INFO:
            continue
        cases.append(case)
    return cases


@dataclass(frozen=True, slots=True)
class DocumentSlot:
    """A dossier component as the online form handles it."""

    component: str  # the requirement's name, whitespace collapsed: the component of the dossier
    case: str
    handling: OnlineHandling
    requirement: DocumentRequirement

    @property
    def takes_file(self) -> bool:
        return self.handling in (OnlineHandling.REQUIRED, OnlineHandling.OPTIONAL)


def _default_handling(version: ProcedureVersion, requirement: DocumentRequirement) -> OnlineHandling:
    # The portal import cannot tell which documents are needed in every case (it marks them all as
    # required); an operator's entry can. An imported version's documents are therefore optional
    # here, and the receiving officer checks completeness at intake (Nghị định 63/2010/NĐ-CP Art
    # 18(5): what is missing is asked for once, in writing, with the reason).
    if requirement.reusable_from_data:
        return OnlineHandling.OPTIONAL
    if requirement.is_required and version.source == ProcedureVersion.Source.OPERATOR:
        return OnlineHandling.REQUIRED
    return OnlineHandling.OPTIONAL


def document_slots(*, version: ProcedureVersion, schema: EFormSchema, case: str) -> list[DocumentSlot]:
    """The components for `case` (those that always apply and the case's own), each with how it is
    handled online: the e-form's rule when it has one, else the catalogue's flags."""
    slots: list[DocumentSlot] = []
    seen: set[str] = set()
    choose = bool(version_cases(version=version, schema=schema))
    for requirement in version.documents.all():
        name = " ".join(requirement.name.split())
        requirement_case = requirement.case_name.strip()
        if choose and requirement_case and requirement_case != case:
            continue
        if not name or name in seen:
            continue
        seen.add(name)
        handling = schema.document_handling(name=name, case=requirement_case) or _default_handling(version, requirement)
        slots.append(DocumentSlot(component=name, case=requirement_case, handling=handling, requirement=requirement))
    return slots


def province_of(agency: Agency) -> AdministrativeUnit | None:
    """The province the agency serves; None for a central agency (policies.can_receive_for, which
    stays the authority, reads the same agencies.selectors.agency_lineage)."""
    return agency_province(agency=agency)


def _in_province(province: AdministrativeUnit) -> Q:
    return (
        Q(administrative_unit=province)
        | Q(administrative_unit__parent=province)
        | Q(administrative_unit__isnull=True, parent__administrative_unit=province)
        | Q(administrative_unit__isnull=True, parent__administrative_unit__parent=province)
    )


def competent_candidates(*, version: ProcedureVersion, province: AdministrativeUnit | None) -> QuerySet[Agency]:
    """The agencies of `province` that may decide `version`: of its catalogue level and, where the
    catalogue names the kind of agency ("Công an cấp Xã", "Ủy ban nhân dân cấp xã"), of that kind.
    Central-level procedures: the central agencies, whatever the province."""
    levels = {level for code in version.levels or [] for level in _AGENCY_LEVELS.get(code, ())}
    agencies = Agency.objects.filter(is_active=True).exclude(kind__in=SERVICE_CENTRES)
    if levels:
        agencies = agencies.filter(level__in=levels)
    if levels != {AgencyLevel.CENTRAL}:
        if province is None:
            return agencies.none()
        agencies = agencies.filter(_in_province(province))
    wording = fold(version.competent_agency or version.implementing_agency)
    if "cong an" in wording:
        agencies = agencies.filter(name_folded__startswith="cong an")
    elif "uy ban nhan dan" in wording or not wording:
        # Unnamed: the People's Committee of the level decides (Luật Tổ chức chính quyền địa phương).
        agencies = agencies.filter(Q(kind__in=_COMMITTEES) | Q(level=AgencyLevel.CENTRAL))
    return agencies.select_related("administrative_unit").order_by("name_folded", "code")


def receiving_candidates(*, competent: Agency) -> list[Agency]:
    """Where a dossier decided by `competent` may be submitted: the default first, then every public
    administration service centre of its province that may receive for it (non-geographical
    receipt), the agency itself last."""
    province = province_of(competent)
    found: list[Agency] = []
    default = receiving_default(competent=competent)
    if default is not None:
        found.append(default)
    if province is not None:
        provincial_first = Case(When(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, then=Value(0)), default=Value(1))
        centres = (
            Agency.objects.filter(is_active=True, kind__in=SERVICE_CENTRES)
            .filter(_in_province(province))
            .select_related("administrative_unit", "parent")
            .order_by(provincial_first, "name_folded", "code")
        )
        found += [c for c in centres if c.pk not in {f.pk for f in found}]
    if competent.pk not in {f.pk for f in found}:
        found.append(competent)
    return [agency for agency in found if policies.can_receive_for(agency, competent)]


def receiving_default(*, competent: Agency) -> Agency | None:
    """The competent agency's own one-stop unit: the centre under it, else the commune centre of
    its commune (a commune police station's dossiers are received at the commune's centre), else
    the provincial centre."""
    centres = Agency.objects.filter(is_active=True, kind__in=SERVICE_CENTRES)
    own = centres.filter(parent=competent).order_by("code").first()
    if own is None and competent.administrative_unit_id is not None:
        own = (
            centres.filter(
                Q(administrative_unit_id=competent.administrative_unit_id)
                | Q(administrative_unit__isnull=True, parent__administrative_unit_id=competent.administrative_unit_id)
            )
            .order_by("code")
            .first()
        )
    if own is None:
        province = province_of(competent)
        if province is not None:
            own = centres.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE).filter(_in_province(province)).first()
    if own is not None and policies.can_receive_for(own, competent):
        return own
    return None


# -- reading drafts -----------------------------------------------------------------------------------------


def drafts_open_of(*, citizen: Citizen) -> QuerySet[Draft]:
    """The citizen's drafts not yet submitted, the most recently saved first."""
    return (
        Draft.objects.filter(citizen=citizen, status=Draft.Status.OPEN)
        .select_related("procedure_version", "competent_agency", "receiving_agency")
        .order_by("-updated_at", "-pk")
    )


def draft_get(*, citizen: Citizen, draft_uuid: str | uuid.UUID) -> Draft:
    """One of the citizen's drafts (open or submitted). Raises NotFound, the same for a draft of
    someone else as for one that does not exist."""
    try:
        key = draft_uuid if isinstance(draft_uuid, uuid.UUID) else uuid.UUID(str(draft_uuid))
    except ValueError:
        key = None
    draft = (
        Draft.objects.filter(citizen=citizen, uuid=key)
        .select_related(
            "procedure_version__procedure", "competent_agency", "receiving_agency", "eform", "dossier", "citizen"
        )
        .first()
        if key is not None
        else None
    )
    if draft is None:
        raise NotFound(_("You have no such draft."), field="draft")
    return draft


def draft_schema(draft: Draft) -> EFormSchema:
    """The form the draft is filled in with (the revision pinned when it was started)."""
    return eform_schema(eform=draft.eform)


# -- writing drafts -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setup:
    """The choices made before the form: for whom, which case, which agencies."""

    principal_kind: str
    principal_identifier: str
    case_name: str
    competent_agency: Agency
    receiving_agency: Agency


def _check_setup(citizen: Citizen, version: ProcedureVersion, schema: EFormSchema, setup: Setup) -> None:
    principal_find(
        citizen=citizen,
        kind=setup.principal_kind,
        identifier=setup.principal_identifier,
        procedure_code=version.procedure.code,
    )
    cases = version_cases(version=version, schema=schema)
    if cases and setup.case_name not in cases:
        raise InvalidInput(_("Choose the case that applies to you from the list."), field="case")
    competent = setup.competent_agency
    if not competent_candidates(version=version, province=province_of(competent)).filter(pk=competent.pk).exists():
        raise InvalidInput(
            _("%(agency)s does not decide this procedure; choose an agency from the list.")
            % {"agency": competent.name},
            field="competent_agency",
        )
    receiving = setup.receiving_agency
    if not receiving.is_active:
        raise InvalidInput(_("%(agency)s no longer receives dossiers.") % {"agency": receiving.name}, field="receiving")
    # Nghị định 118/2025/NĐ-CP: any centre of the province receives, whatever the commune; no other.
    decision = policies.can_receive_for(receiving, competent)
    if not decision:
        raise policies.ReceiptNotAllowed(decision.reason, field="receiving_agency")


def _online_version(code: str) -> ProcedureVersion:
    version = version_in_force(code=code)
    if online_channel(version) is None:
        raise NotOnline(
            _("Procedure %(code)s cannot be submitted online: bring the dossier to the agency.") % {"code": code}
        )
    return version


@transaction.atomic
def draft_start(*, citizen: Citizen, procedure_code: str, setup: Setup) -> Draft:
    """A new draft of the version in force, with the e-form in use and its fields prefilled from the
    signed-in identity. Raises NotFound, NotOnline, PrincipalNotAllowed, InvalidInput (case,
    agencies), ReceiptNotAllowed."""
    version = _online_version(procedure_code)
    form = eform_for_version(version=version)
    _check_setup(citizen, version, form.schema, setup)
    now = clock.now()
    return Draft.objects.create(
        citizen=citizen,
        procedure_version=version,
        procedure_code=procedure_code,
        eform=form.eform,
        principal_kind=setup.principal_kind,
        principal_identifier=setup.principal_identifier,
        case_name=setup.case_name,
        competent_agency=setup.competent_agency,
        receiving_agency=setup.receiving_agency,
        data=prefill(form.schema, citizen_identity(citizen)),
        created_at=now,
        updated_at=now,
    )


def _lock(draft: Draft, expected_revision: int | None) -> Draft:
    locked = (
        Draft.objects.select_for_update(of=("self",))
        .select_related("procedure_version__procedure", "eform", "citizen", "competent_agency", "receiving_agency")
        .get(pk=draft.pk)
    )
    if locked.status != Draft.Status.OPEN:
        raise DraftChanged(_("This draft has already been submitted."), field="draft")
    if expected_revision is not None and locked.revision != expected_revision:
        raise DraftChanged(
            _(
                "This draft was saved from another tab or device at %(time)s, after you opened this page. "
                "Your entries below have not been saved: check them, then save again to keep them."
            )
            % {"time": format_moment(timezone.localtime(locked.updated_at))},
            field="revision",
        )
    return locked


@transaction.atomic
def draft_setup(*, draft: Draft, expected_revision: int, setup: Setup) -> Draft:
    """Change the choices made before the form. Raises DraftChanged and the errors of draft_start."""
    locked = _lock(draft, expected_revision)
    _check_setup(locked.citizen, locked.procedure_version, draft_schema(locked), setup)
    locked.principal_kind = setup.principal_kind
    locked.principal_identifier = setup.principal_identifier
    locked.case_name = setup.case_name
    locked.competent_agency = setup.competent_agency
    locked.receiving_agency = setup.receiving_agency
    locked.revision += 1
    locked.updated_at = clock.now()
    locked.save()
    return locked


def _kept_values(schema: EFormSchema, citizen: Citizen, values: Mapping[str, str]) -> dict[str, str]:
    kept: dict[str, str] = {}
    identity = citizen_identity(citizen)
    for spec in schema.fields:
        if spec.is_locked:
            kept[spec.name] = identity[spec.prefill]  # vouched for at sign-in, never taken from the form
        else:
            kept[spec.name] = str(values.get(spec.name, ""))[:_MAX_KEPT]
    return kept


@transaction.atomic
def draft_save(*, draft: Draft, expected_revision: int, values: Mapping[str, str]) -> Draft:
    """Keep the values as entered (checked only at submission, so a half-filled form can be saved).
    Raises DraftChanged when the draft was saved since `expected_revision`."""
    locked = _lock(draft, expected_revision)
    locked.data = _kept_values(draft_schema(locked), locked.citizen, values)
    locked.revision += 1
    locked.updated_at = clock.now()
    locked.save(update_fields=["data", "revision", "updated_at"])
    return locked


@transaction.atomic
def draft_rebase(*, draft: Draft) -> Draft:
    """Move the draft to the version in force today and its e-form, keeping the values of the fields
    both forms have (a new version came into force while the citizen was filling it in)."""
    locked = _lock(draft, None)
    version = _online_version(locked.procedure_code)
    form = eform_for_version(version=version)
    locked.procedure_version = version
    locked.eform = form.eform
    locked.data = {spec.name: locked.data.get(spec.name, "") for spec in form.schema.fields}
    if locked.case_name not in version_cases(version=version, schema=form.schema):
        locked.case_name = ""
    locked.revision += 1
    locked.updated_at = clock.now()
    locked.save()
    return locked


def _slot(draft: Draft, component: str) -> DocumentSlot:
    for slot in document_slots(version=draft.procedure_version, schema=draft_schema(draft), case=draft.case_name):
        if slot.component == component and slot.takes_file:
            return slot
    raise InvalidInput(_("This dossier has no component to attach that file to."), field="component")


def draft_file_upload(*, draft: Draft, component: str, content: bytes | File[bytes]) -> DraftFile:
    """Check an upload against the platform's rules, store it and attach it to the component,
    replacing any file attached before. Raises an UploadRefused (documents.uploads) with nothing
    stored, InvalidInput (not a component of the draft), DraftChanged (already submitted)."""
    _slot(draft, component)
    if draft.status != Draft.Status.OPEN:
        raise DraftChanged(_("This draft has already been submitted."), field="draft")
    # Stored before the lock: no row lock is held while a file is received.
    stored = stored_file_create(content=content, rules=UploadRules.default(), created_by=draft.citizen.user)
    with transaction.atomic():
        locked = _lock(draft, None)
        attached, _created = DraftFile.objects.update_or_create(
            draft=locked, component=component, defaults={"file": stored, "added_at": clock.now()}
        )
        locked.updated_at = clock.now()
        locked.save(update_fields=["updated_at"])
    return attached


@transaction.atomic
def draft_file_remove(*, draft: Draft, component: str) -> None:
    """Detach the file of a component (its stored bytes stay, content-addressed)."""
    locked = _lock(draft, None)
    DraftFile.objects.filter(draft=locked, component=component).delete()
    locked.updated_at = clock.now()
    locked.save(update_fields=["updated_at"])


@transaction.atomic
def draft_discard(*, draft: Draft) -> None:
    """Delete an open draft and its attachments (personal data not kept without a purpose, Luật Bảo
    vệ dữ liệu cá nhân 91/2025/QH15, domain §13); the stored files are left to the retention job."""
    locked = _lock(draft, None)
    locked.delete()


# -- checking and submitting --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftCheck:
    form: FormCheck
    missing: list[str] = field(default_factory=list)  # components whose file is required and absent

    @property
    def is_complete(self) -> bool:
        return self.form.is_valid and not self.missing


def draft_check(*, draft: Draft) -> DraftCheck:
    """What a submission would refuse now: the form's errors and the required files missing."""
    schema = draft_schema(draft)
    values = _kept_values(schema, draft.citizen, draft.data)
    form = form_validate(schema, values, today=clock.today(), commune_name=commune_name)
    attached = set(draft.files.values_list("component", flat=True))
    missing = [
        slot.component
        for slot in document_slots(version=draft.procedure_version, schema=schema, case=draft.case_name)
        if slot.handling is OnlineHandling.REQUIRED and slot.component not in attached
    ]
    return DraftCheck(form=form, missing=missing)


def _applicant(
    draft: Draft, principal: Principal, schema: EFormSchema, values: Mapping[str, str]
) -> services.Applicant:
    by_source = {spec.prefill: values.get(spec.name, "") for spec in schema.fields if spec.prefill}
    citizen = draft.citizen
    if principal.kind == Draft.PrincipalKind.BUSINESS:
        assert principal.authorisation is not None and principal.authorisation.business is not None
        address = principal.authorisation.business.address
    elif principal.kind == Draft.PrincipalKind.CITIZEN:
        assert principal.authorisation is not None and principal.authorisation.principal_citizen is not None
        address = principal.authorisation.principal_citizen.address
    else:
        address = by_source.get("citizen.address", "") or citizen.address
    return services.Applicant(
        name=principal.name,
        id_number=principal.identifier,
        kind="business" if principal.kind == Draft.PrincipalKind.BUSINESS else "citizen",
        # The person to contact is the one who submitted (their phone and e-mail as confirmed on the form).
        phone=by_source.get("citizen.phone", "") or citizen.phone,
        email=by_source.get("citizen.email", "") or citizen.email,
        address=address[:500],
    )


@transaction.atomic
def draft_submit(*, draft: Draft, expected_revision: int) -> Dossier:
    """Submit the draft as an online dossier, all or nothing; the dossier when it already was.

    Raises DraftChanged (saved since `expected_revision`), ProcedureVersionChanged (a new version
    came into force: draft_rebase), NotOnline, PrincipalNotAllowed, ReceiptNotAllowed, InvalidInput,
    DraftIncomplete (the form's errors and the files missing), and the errors of adding a file
    (an UploadRefused when the upload rules were tightened since, StoredFileMissing)."""
    current = Draft.objects.select_for_update(of=("self",)).select_related("dossier").get(pk=draft.pk)
    if current.status == Draft.Status.SUBMITTED and current.dossier is not None:
        return current.dossier  # a second press of "submit", or the back button: nothing new
    locked = _lock(draft, expected_revision)
    version = _online_version(locked.procedure_code)
    if version.pk != locked.procedure_version_id:
        raise ProcedureVersionChanged(
            _(
                "A new version of this procedure came into force on %(day)s, after you started: check your "
                "dossier against it before you submit."
            )
            % {"day": version.effective_from.strftime("%d/%m/%Y") if version.effective_from else "—"},
            field="procedure_version",
        )
    schema = draft_schema(locked)
    setup = Setup(
        principal_kind=locked.principal_kind,
        principal_identifier=locked.principal_identifier,
        case_name=locked.case_name,
        competent_agency=locked.competent_agency,
        receiving_agency=locked.receiving_agency,
    )
    _check_setup(locked.citizen, version, schema, setup)
    check = draft_check(draft=locked)
    if not check.is_complete:
        raise DraftIncomplete(errors=check.form.errors, missing=check.missing)
    values = check.form.cleaned
    principal = principal_find(
        citizen=locked.citizen,
        kind=locked.principal_kind,
        identifier=locked.principal_identifier,
        procedure_code=locked.procedure_code,
    )
    citizen = locked.citizen
    form_data: dict[str, Any] = {
        "source": "portal",
        "eform": {"revision": locked.eform.revision if locked.eform else 0, "title": schema.title.vi},
        "case": locked.case_name,
        "values": values,
        "on_behalf_of": {"kind": principal.kind, "name": principal.name, "identifier": principal.identifier},
        "submitter": {"name": citizen.full_name, "personal_id": citizen.personal_id},
    }
    dossier = services.dossier_submit(
        procedure_code=locked.procedure_code,
        channel=Channel.ONLINE,
        applicant=_applicant(locked, principal, schema, values),
        receiving_agency=locked.receiving_agency,
        competent_agency=locked.competent_agency,
        form_data=form_data,
        summary=values.get(schema.summary_field, "")[:1000] if schema.summary_field else "",
        actor=Actor(name=citizen.full_name, role="applicant"),
        submitted_by=citizen,
    )
    for attached in locked.files.select_related("file").order_by("component"):
        with stored_file_open(stored=attached.file) as content:
            dossier_document_add(
                dossier=dossier,
                component=attached.component,
                content=content,
                origin=DossierDocument.Origin.UPLOADED,
                name=attached.file.original_name,
                declared_type=attached.file.content_type,
            )
    locked.files.all().delete()
    locked.status = Draft.Status.SUBMITTED
    locked.dossier = dossier
    locked.data = {}
    locked.revision += 1
    locked.updated_at = clock.now()
    locked.save()
    return Dossier.objects.get(pk=dossier.pk)
