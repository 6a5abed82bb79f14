"""Applying online (issue #6 items 2 and 3): the citizen's e-form, drafts, files and submission.

Pages, all for a signed-in citizen (anyone else is sent to /dang-nhap/?next=…):

- /thu-tuc/<code>/nop-ho-so/: start. For whom (themselves, or a business or person they may act
  for), the case, the competent agency (its province chosen first) and the receiving centre (any
  centre of that province: non-geographical receipt, Nghị định 118/2025/NĐ-CP). A procedure
  without an online channel says so here, signed in or not.
- /ho-so-nhap/: the citizen's drafts, to resume on any device.
- /ho-so-nhap/<uuid>/: the form, prefilled from the identity (with how many fields were), the
  documents to attach with the upload rules, the fee and time limit online, and what must still be
  done in person when the service is only partly online. "Save draft" keeps what was entered,
  valid or not; "Continue" checks it. A save from a stale tab is refused and shows what was entered.
- /ho-so-nhap/<uuid>/xem-lai/: the review, and the submission.
- /ho-so-nhap/<uuid>/da-nop/: the acknowledgement, with the provisional appointment; once the
  centre has received the dossier, its code, the appointment and the QR code of the receipt (the
  receipt itself is downloaded from the citizen's page of the dossier, /ho-so-cua-toi/).

Thin views: the writes are dossiers.drafts' services, the reads its selectors; this module turns
their answers into page data. Works without JavaScript.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Max
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_calendar
from motcua.calendars.explain import format_moment
from motcua.catalog.eform_services import eform_for_version
from motcua.catalog.eforms import EFormSchema, FieldSpec, FieldType, OnlineHandling, parse_date
from motcua.catalog.models import OnlineLevel, ProcedureVersion
from motcua.catalog.selectors import version_in_force
from motcua.citizens.models import Citizen
from motcua.citizens.selectors import Principal, citizen_for_user, principals_for
from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.documents.rendering import QrPayload, qr_data_uri
from motcua.documents.selectors import stored_file_open
from motcua.documents.uploads import SizeLimitUploadHandler, UploadRefused, UploadRules
from motcua.dossiers import drafts, services
from motcua.dossiers.deadlines import TimeLimitUnknown
from motcua.dossiers.models import Dossier, Draft
from motcua.dossiers.workflow import State
from motcua.geo.models import AdministrativeUnit, UnitLevel
from motcua.geo.selectors import provinces_list, unit_province, valid_on
from motcua.portal import presenters

_PROVINCE_CODE = re.compile(r"[0-9]{2}\Z")


# -- who is signed in -------------------------------------------------------------------------------------


def _citizen(request: HttpRequest) -> Citizen | None:
    return citizen_for_user(user_id=request.user.pk if request.user.is_authenticated else None)


def _sign_in(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("portal:sign_in") + "?" + urlencode({"next": request.get_full_path()}))


def _not_found(request: HttpRequest, message: str, *, title: str = "") -> HttpResponse:
    return render(request, "404.html", {"title": title or _("Page not found"), "message": message}, status=404)


# -- shared page data -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnlineFacts:
    """The online channel's time limit and fees, the estimate, and what is still done in person."""

    time_limit: str
    estimate: str
    fees: list[presenters.FeeLine]
    online_level: str
    online_level_label: str
    in_person: list[str]


def in_person_notes(version: ProcedureVersion, schema: EFormSchema) -> list[str]:
    """What must still be done in person when the service is only partly online.

    Legal basis: Nghị định 42/2022/NĐ-CP Art 11 (kept by Nghị định 224/2026/NĐ-CP Art 14): a service
    is fully online only when filing, processing and returning the result all happen online; for a
    partial one the reason and its legal basis must be published (domain §1.4)."""
    if version.online_level == OnlineLevel.FULL:
        return []
    notes: list[str] = []
    if version.online_level_reason.strip():
        notes.append(version.online_level_reason.strip())
    if schema.in_person is not None:
        notes.append(str(schema.in_person))
    on_paper = [r.name for r in version.results.all() if r.requires_paper]
    if on_paper:
        notes.append(
            _("The result (%(results)s) is issued on paper: collect it at the receiving centre, or ask for it by post.")
            % {"results": "; ".join(on_paper)}
        )
    if not notes:
        notes.append(
            _(
                "The catalogue does not say which steps are done in person. The receiving centre tells you when it "
                "receives your dossier; usually you show the originals of the papers you attached when you collect "
                "the result there."
            )
        )
    return notes


def _online_facts(version: ProcedureVersion, schema: EFormSchema, agency: Agency | None) -> OnlineFacts:
    option = drafts.online_channel(version)
    assert option is not None  # drafts exist only for procedures with an online channel
    summary = presenters.channel_summary(
        option,
        calendar=agency_calendar(agency=agency) if agency is not None else None,
        now=timezone.now(),
        cutoff=version.same_day_cutoff,
    )
    return OnlineFacts(
        time_limit=summary.time_limit,
        estimate=summary.estimate,
        fees=summary.fees,
        online_level=version.online_level,
        online_level_label=str(version.get_online_level_display()),
        in_person=in_person_notes(version, schema),
    )


def _version(code: str) -> ProcedureVersion | None:
    try:
        return version_in_force(code=code)
    except NotFound:
        return None


# -- start: for whom, which case, which agencies ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    detail: str = ""
    selected: bool = False


def _principal_value(principal: Principal) -> str:
    return f"{principal.kind}:{principal.identifier}"


def _principal_choices(citizen: Citizen, code: str, selected: str) -> list[Choice]:
    choices: list[Choice] = []
    for principal in principals_for(citizen=citizen):
        codes = principal.procedure_codes
        if codes is not None and code not in codes:
            continue
        value = _principal_value(principal)
        if principal.kind == Draft.PrincipalKind.SELF:
            label, detail = _("Yourself"), f"{principal.name} · {principal.identifier}"
        elif principal.kind == Draft.PrincipalKind.BUSINESS:
            label, detail = principal.name, _("Business, tax code %(code)s") % {"code": principal.identifier}
        else:
            label, detail = principal.name, _("Personal identification number %(id)s") % {"id": principal.identifier}
        choices.append(Choice(value, label, detail, value == selected))
    if choices and not any(c.selected for c in choices):
        first = choices[0]
        choices[0] = Choice(first.value, first.label, first.detail, True)
    return choices


def _citizen_province(citizen: Citizen) -> AdministrativeUnit | None:
    if citizen.commune is None:
        return None
    try:
        return unit_province(unit=citizen.commune)
    except NotFound:
        return None


def _province(request: HttpRequest, citizen: Citizen, fallback: AdministrativeUnit | None) -> AdministrativeUnit | None:
    code = request.GET.get("province", "")
    if _PROVINCE_CODE.match(code):
        chosen = AdministrativeUnit.objects.filter(
            valid_on(timezone.localdate()), level=UnitLevel.PROVINCE, code=code
        ).first()
        if chosen is not None:
            return chosen
    return fallback or _citizen_province(citizen)


@dataclass
class SetupPage:
    principals: list[Choice]
    cases: list[Choice]
    provinces: list[Choice]
    province: AdministrativeUnit | None
    competent: list[Choice]
    receiving: list[Choice]
    errors: dict[str, str] = field(default_factory=dict)


def _setup_page(
    request: HttpRequest,
    citizen: Citizen,
    version: ProcedureVersion,
    schema: EFormSchema,
    *,
    draft: Draft | None,
    posted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> SetupPage:
    posted = posted or {}
    fallback_province = drafts.province_of(draft.competent_agency) if draft is not None else None
    if posted.get("competent_agency"):
        posted_agency = Agency.objects.filter(code=posted["competent_agency"]).first()
        if posted_agency is not None:
            fallback_province = drafts.province_of(posted_agency)
    province = _province(request, citizen, fallback_province)
    candidates = list(drafts.competent_candidates(version=version, province=province))
    selected_competent = posted.get("competent_agency") or (draft.competent_agency.code if draft else "")
    if not selected_competent and candidates:
        # The agency of the citizen's own commune, when there is one among the candidates.
        own = next(
            (a for a in candidates if citizen.commune_id and a.administrative_unit_id == citizen.commune_id), None
        )
        selected_competent = (own or candidates[0]).code
    default_receiving = ""
    if draft is not None and draft.receiving_agency.pk != getattr(
        drafts.receiving_default(competent=draft.competent_agency), "pk", None
    ):
        default_receiving = draft.receiving_agency.code
    selected_receiving = posted.get("receiving_agency", default_receiving)
    chosen = next((a for a in candidates if a.code == selected_competent), candidates[0] if candidates else None)
    # Every centre of the province may receive (non-geographical receipt); "" stands for the chosen
    # agency's own one-stop unit, whichever agency is chosen (this page works without JavaScript).
    centres = (
        [a for a in drafts.receiving_candidates(competent=chosen) if a.kind in drafts.SERVICE_CENTRES]
        if chosen is not None
        else []
    )
    principal_selected = posted.get("principal") or (
        f"{draft.principal_kind}:{draft.principal_identifier}" if draft else ""
    )
    case_selected = posted.get("case", draft.case_name if draft else "")
    return SetupPage(
        principals=_principal_choices(citizen, version.procedure.code, principal_selected),
        cases=[Choice(c, c, selected=c == case_selected) for c in drafts.version_cases(version=version, schema=schema)],
        provinces=[
            Choice(p.code, p.name, selected=province is not None and p.pk == province.pk) for p in provinces_list()
        ],
        province=province,
        competent=[Choice(a.code, a.name, a.code, a.code == selected_competent) for a in candidates],
        receiving=[
            Choice("", _("The one-stop unit of the agency you chose (recommended)"), selected=not selected_receiving),
            *(Choice(a.code, a.name, a.code, a.code == selected_receiving) for a in centres),
        ],
        errors=errors or {},
    )


def _read_setup(request: HttpRequest) -> drafts.Setup:
    """The choices posted, as a Setup; InvalidInput naming the field for what cannot be read."""
    principal = request.POST.get("principal", "")
    kind, _sep, identifier = principal.partition(":")
    if kind not in Draft.PrincipalKind.values or not identifier:
        raise InvalidInput(_("Choose for whom you submit this dossier."), field="principal")
    competent = Agency.objects.filter(code=request.POST.get("competent_agency", ""), is_active=True).first()
    if competent is None:
        raise InvalidInput(_("Choose the agency that decides on your dossier."), field="competent_agency")
    receiving_code = request.POST.get("receiving_agency", "")
    if receiving_code:
        receiving = Agency.objects.filter(code=receiving_code).first()
        if receiving is None:
            raise InvalidInput(_("Choose a receiving centre from the list."), field="receiving_agency")
    else:
        receiving = drafts.receiving_default(competent=competent)
        if receiving is None:
            receiving = competent
    return drafts.Setup(
        principal_kind=kind,
        principal_identifier=identifier,
        case_name=request.POST.get("case", ""),
        competent_agency=competent,
        receiving_agency=receiving,
    )


_SETUP_FIELDS = {
    "principal": "principal",
    "case": "case",
    "competent_agency": "competent_agency",
    "receiving": "receiving_agency",
    "receiving_agency": "receiving_agency",
}


def _not_online(request: HttpRequest, version: ProcedureVersion) -> HttpResponse:
    return render(
        request,
        "portal/apply/not_online.html",
        {"version": version, "code": version.procedure.code},
        status=404,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def apply_start_view(request: HttpRequest, code: str) -> HttpResponse:
    version = _version(code)
    if version is None:
        return _not_found(request, _("There is no procedure in force with the code %(code)s.") % {"code": code})
    if drafts.online_channel(version) is None:
        return _not_online(request, version)
    citizen = _citizen(request)
    if citizen is None:
        return _sign_in(request)
    schema = eform_for_version(version=version).schema
    errors: dict[str, str] = {}
    posted: dict[str, str] | None = None
    if request.method == "POST":
        posted = request.POST.dict()
        try:
            draft = drafts.draft_start(citizen=citizen, procedure_code=code, setup=_read_setup(request))
        except DomainError as exc:
            errors[_SETUP_FIELDS.get(exc.field or "", "__all__")] = str(exc.message)
        else:
            messages.success(request, _("Your draft is saved: you can come back to it from any device."))
            return HttpResponseRedirect(reverse("portal:draft", args=[draft.uuid]))
    page = _setup_page(request, citizen, version, schema, draft=None, posted=posted, errors=errors)
    context = {
        "version": version,
        "code": code,
        "page": page,
        "open_drafts": drafts.drafts_open_of(citizen=citizen).filter(procedure_code=code),
        "facts": _online_facts(version, schema, None),
        "form_title": str(schema.title),
    }
    return render(request, "portal/apply/start.html", context, status=400 if errors else 200)


# -- the form -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldView:
    """One field of the e-form as the template draws it."""

    name: str
    id: str
    kind: str  # the template's branch: text, textarea, date, select, commune, checkbox
    input_type: str
    label: str
    value: str
    required: bool
    help: str
    error: str
    prefilled: bool
    locked: bool
    options: list[Choice]
    autocomplete: str
    inputmode: str
    maxlength: int
    describedby: str
    commune_options: SafeString


@dataclass(frozen=True, slots=True)
class SectionView:
    key: str
    legend: str
    help: str
    fields: list[FieldView]


_INPUT_TYPES = {
    FieldType.TEXT: "text",
    FieldType.PERSONAL_ID: "text",
    FieldType.TAX_CODE: "text",
    FieldType.PHONE: "tel",
    FieldType.EMAIL: "email",
    FieldType.NUMBER: "text",
    FieldType.DATE: "date",
}
_INPUT_MODES = {FieldType.PERSONAL_ID: "numeric", FieldType.NUMBER: "numeric", FieldType.PHONE: "tel"}


@lru_cache(maxsize=4)
def _communes(day: str, version: tuple[int, int | None]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(province name, ((code, commune name), …)) of the units in force on `day`, for the commune lists.

    Kept per process: the list changes only with a reform (a reload of the reference data changes
    `version`, the count and the highest id of the units)."""
    del day, version  # the cache key
    groups: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    units = (
        AdministrativeUnit.objects.filter(valid_on(timezone.localdate()), level=UnitLevel.COMMUNE, parent__isnull=False)
        .values_list("code", "name", "parent__code", "parent__name")
        .order_by("parent__code", "name_folded")
    )
    for code, name, province_code, province_name in units:
        groups.setdefault(province_code, []).append((code, name))
        names[province_code] = province_name
    return tuple((names[p], tuple(groups[p])) for p in sorted(groups))


def _commune_options(selected: str) -> SafeString:
    """The <optgroup>s of every commune by province: a native list, usable without JavaScript."""
    parts: list[str] = []
    version = AdministrativeUnit.objects.aggregate(n=Count("pk"), last=Max("pk"))
    for province, communes in _communes(timezone.localdate().isoformat(), (version["n"], version["last"])):
        parts.append(str(format_html('<optgroup label="{}">', province)))
        for code, name in communes:
            if code == selected:
                parts.append(str(format_html('<option value="{}" selected>{}</option>', code, name)))
            else:
                parts.append(str(format_html('<option value="{}">{}</option>', code, name)))
        parts.append("</optgroup>")
    return mark_safe("".join(parts))  # every part escaped by format_html


def _display_value(spec: FieldSpec, value: str) -> str:
    if spec.type is FieldType.DATE:
        parsed = parse_date(value)
        return parsed.isoformat() if parsed else value  # <input type=date> takes ISO dates
    return value


def _field_view(spec: FieldSpec, value: str, error: str, prefilled: bool) -> FieldView:
    field_id = f"f-{spec.name}"
    described = [f"{field_id}-hint"] if spec.help else []
    if prefilled:
        described.append(f"{field_id}-prefilled")
    if error:
        described.insert(0, f"{field_id}-error")
    kind = {
        FieldType.TEXTAREA: "textarea",
        FieldType.SELECT: "select",
        FieldType.COMMUNE: "commune",
        FieldType.CHECKBOX: "checkbox",
    }.get(spec.type, "input")
    return FieldView(
        name=spec.name,
        id=field_id,
        kind=kind,
        input_type=_INPUT_TYPES.get(spec.type, "text"),
        label=str(spec.label),
        value=_display_value(spec, value),
        required=spec.required,
        help=str(spec.help) if spec.help else "",
        error=error,
        prefilled=prefilled,
        locked=spec.is_locked,
        options=[Choice(o.value, str(o.label), selected=o.value == value) for o in spec.options],
        autocomplete=spec.autocomplete_token,
        inputmode=_INPUT_MODES.get(spec.type, ""),
        maxlength=spec.limit,
        describedby=" ".join(described),
        commune_options=_commune_options(value) if spec.type is FieldType.COMMUNE else mark_safe(""),
    )


def _prefilled_names(schema: EFormSchema, citizen: Citizen, values: dict[str, str]) -> set[str]:
    """The fields whose value is the one the identity gave (changed ones are no longer marked)."""
    identity = drafts.citizen_identity(citizen)
    return {
        spec.name
        for spec in schema.fields
        if spec.prefill and identity.get(spec.prefill) and values.get(spec.name, "") == identity[spec.prefill]
    }


def _prefill_count(schema: EFormSchema, citizen: Citizen) -> int:
    identity = drafts.citizen_identity(citizen)
    return sum(1 for spec in schema.fields if spec.prefill and identity.get(spec.prefill))


@dataclass(frozen=True, slots=True)
class SlotView:
    key: str
    component: str
    case: str
    handling: str
    quantity: str
    templates: list[str]
    file_name: str
    file_size: int
    file_url: str
    error: str


def slot_key(component: str) -> str:
    """A short stable name for a component's file input (the same whatever the order of the list)."""
    return hashlib.sha256(component.encode()).hexdigest()[:12]


def _slot_views(draft: Draft, schema: EFormSchema, errors: dict[str, str]) -> list[SlotView]:
    attached = {f.component: f for f in draft.files.select_related("file")}
    views = []
    for slot in drafts.document_slots(version=draft.procedure_version, schema=schema, case=draft.case_name):
        key = slot_key(slot.component)
        found = attached.get(slot.component)
        requirement = slot.requirement
        views.append(
            SlotView(
                key=key,
                component=slot.component,
                case=slot.case,
                handling=slot.handling.value,
                quantity=presenters.quantity_words(
                    originals=requirement.originals, copies=requirement.copies, published=requirement.quantity_text
                ),
                templates=[str(t) for t in requirement.templates if str(t).strip()],
                file_name=found.file.original_name if found else "",
                file_size=found.file.size if found else 0,
                file_url=reverse("portal:draft_file", args=[draft.uuid, key]) if found else "",
                error=errors.get(key, ""),
            )
        )
    return views


def _sections(
    schema: EFormSchema, values: dict[str, str], errors: dict[str, str], prefilled: set[str]
) -> list[SectionView]:
    return [
        SectionView(
            key=section.key,
            legend=str(section.legend),
            help=str(section.help) if section.help else "",
            fields=[
                _field_view(spec, values.get(spec.name, ""), errors.get(spec.name, ""), spec.name in prefilled)
                for spec in section.fields
            ],
        )
        for section in schema.sections
    ]


@dataclass(frozen=True, slots=True)
class ErrorLink:
    anchor: str
    message: str


def _draft_context(
    draft: Draft,
    *,
    values: dict[str, str] | None = None,
    field_errors: dict[str, str] | None = None,
    file_errors: dict[str, str] | None = None,
    missing: list[str] | None = None,
    conflict: str = "",
    revision: int | None = None,
) -> dict[str, Any]:
    schema = drafts.draft_schema(draft)
    shown = values if values is not None else {k: str(v) for k, v in draft.data.items()}
    identity = drafts.citizen_identity(draft.citizen)
    for spec in schema.fields:
        if spec.is_locked:
            shown[spec.name] = identity[spec.prefill]
    field_errors = field_errors or {}
    file_errors = dict(file_errors or {})
    for component in missing or []:
        file_errors.setdefault(slot_key(component), _("Attach “%(name)s”.") % {"name": component[:120]})
    slots = _slot_views(draft, schema, file_errors)
    summary = [ErrorLink(f"f-{name}", message) for name, message in field_errors.items()]
    summary += [ErrorLink(f"file-{s.key}", s.error) for s in slots if s.error]
    rules = UploadRules.default()
    return {
        "draft": draft,
        "version": draft.procedure_version,
        "code": draft.procedure_code,
        "form_title": str(schema.title),
        "legal_basis": schema.legal_basis,
        "sections": _sections(schema, shown, field_errors, _prefilled_names(schema, draft.citizen, shown)),
        "prefill_count": _prefill_count(schema, draft.citizen),
        "field_count": len(schema.fields),
        "slots": [s for s in slots if s.handling in (OnlineHandling.REQUIRED, OnlineHandling.OPTIONAL)],
        "form_slots": [s for s in slots if s.handling == OnlineHandling.FORM],
        "info_slots": [s for s in slots if s.handling == OnlineHandling.INFO],
        "accepted": rules.allowed_extensions(),
        "accept_attr": ",".join(rules.allowed_extensions().split(", ")),
        "max_size": rules.max_bytes,
        "facts": _online_facts(draft.procedure_version, schema, draft.competent_agency),
        "principal": _principal_label(draft),
        "error_summary": summary,
        "conflict": conflict,
        "revision": draft.revision if revision is None else revision,
    }


def _principal_label(draft: Draft) -> str:
    if draft.principal_kind == Draft.PrincipalKind.SELF:
        return _("Yourself (%(name)s)") % {"name": draft.citizen.full_name}
    for principal in principals_for(citizen=draft.citizen):
        if principal.kind == draft.principal_kind and principal.identifier == draft.principal_identifier:
            return f"{principal.name} ({principal.identifier})"
    return draft.principal_identifier


def _draft_for(request: HttpRequest, draft_uuid: str) -> tuple[Citizen | None, Draft | None, HttpResponse | None]:
    citizen = _citizen(request)
    if citizen is None:
        return None, None, _sign_in(request)
    try:
        return citizen, drafts.draft_get(citizen=citizen, draft_uuid=draft_uuid), None
    except NotFound as exc:
        return citizen, None, _not_found(request, str(exc.message), title=_("Draft not found"))


class _FieldSizeLimit(SizeLimitUploadHandler):
    """The platform's size limit, remembering which file input each dropped file came from."""

    def __init__(self, request: HttpRequest, *, max_bytes: int) -> None:
        super().__init__(request, max_bytes=max_bytes)
        self.refused_fields: dict[str, str] = {}

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.max_bytes:
            self.refused_fields[self.field_name or ""] = self.file_name or ""
        return super().receive_data_chunk(raw_data, start)


def _too_large(name: str, max_bytes: int) -> str:
    single = SizeLimitUploadHandler(None, max_bytes=max_bytes)
    single.refused.append(name)
    refusal = single.refusal()
    assert refusal is not None
    return str(refusal.message)


def _differences(schema: EFormSchema, saved: dict[str, Any], posted: dict[str, str]) -> list[str]:
    return [
        str(spec.label)
        for spec in schema.fields
        if not spec.is_locked and str(saved.get(spec.name, "")).strip() != posted.get(spec.name, "").strip()
    ]


@csrf_protect
def _draft_page(request: HttpRequest, draft_uuid: str, size_limit: _FieldSizeLimit | None) -> HttpResponse:
    citizen, draft, refusal = _draft_for(request, draft_uuid)
    if refusal is not None:
        return refusal
    assert citizen is not None and draft is not None
    if draft.status == Draft.Status.SUBMITTED:
        return HttpResponseRedirect(reverse("portal:draft_submitted", args=[draft.uuid]))
    if request.method != "POST":
        return render(request, "portal/apply/draft.html", _draft_context(draft))

    schema = drafts.draft_schema(draft)
    values = {spec.name: request.POST.get(spec.name, "") for spec in schema.fields}
    slots = {
        slot_key(s.component): s
        for s in drafts.document_slots(version=draft.procedure_version, schema=schema, case=draft.case_name)
        if s.takes_file
    }
    file_errors: dict[str, str] = {}
    # Files first, each on its own: a refused file says why next to its input, the others are kept.
    if size_limit is not None:
        for input_name, file_name in size_limit.refused_fields.items():
            file_errors[input_name.removeprefix("file-")] = _too_large(file_name, size_limit.max_bytes)
    removed = request.POST.get("remove", "")
    try:
        for key, slot in slots.items():
            upload = request.FILES.get(f"file-{key}")
            if upload is None or key in file_errors:
                continue
            try:
                drafts.draft_file_upload(draft=draft, component=slot.component, content=upload)
            except UploadRefused as exc:
                file_errors[key] = str(exc.message)
        if removed in slots:
            drafts.draft_file_remove(draft=draft, component=slots[removed].component)
    except drafts.DraftChanged:  # submitted from another tab meanwhile
        return HttpResponseRedirect(reverse("portal:draft_submitted", args=[draft.uuid]))
    try:
        expected = int(request.POST.get("revision", ""))
    except ValueError:
        expected = -1
    try:
        draft = drafts.draft_save(draft=draft, expected_revision=expected, values=values)
    except drafts.DraftChanged as exc:
        current = drafts.draft_get(citizen=citizen, draft_uuid=draft_uuid)
        if current.status == Draft.Status.SUBMITTED:
            return HttpResponseRedirect(reverse("portal:draft_submitted", args=[current.uuid]))
        differing = _differences(schema, current.data, values)
        message = str(exc.message)
        if differing:
            message += " " + _("Saved there differently: %(fields)s.") % {"fields": "; ".join(differing)}
        context = _draft_context(
            current, values=values, file_errors=file_errors, conflict=message, revision=current.revision
        )
        return render(request, "portal/apply/draft.html", context, status=409)
    reviewing = request.POST.get("action") == "review"
    check = drafts.draft_check(draft=draft) if reviewing else None
    if file_errors or (check is not None and not check.is_complete):
        context = _draft_context(
            draft,
            field_errors=check.form.errors if check is not None else None,
            file_errors=file_errors,
            missing=check.missing if check is not None else None,
        )
        context["saved_notice"] = (
            _("Your entries were saved; the files marked below were not attached.")
            if file_errors
            else _("Your entries were saved. Correct what is marked, then continue.")
        )
        return render(request, "portal/apply/draft.html", context, status=400)
    if reviewing:
        return HttpResponseRedirect(reverse("portal:draft_review", args=[draft.uuid]))
    if removed in slots or any(request.FILES.get(f"file-{k}") for k in slots):
        messages.success(request, _("Your draft and its files were saved."))
    else:
        messages.success(
            request,
            _("Your draft was saved at %(time)s. You can come back to it from any device.")
            % {"time": timezone.localtime(draft.updated_at).strftime("%H:%M")},
        )
    return HttpResponseRedirect(reverse("portal:draft", args=[draft.uuid]) + "#form")


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def draft_view(request: HttpRequest, draft_uuid: str) -> HttpResponse:
    size_limit = None
    if request.method == "POST":
        # First of the upload handlers, before the CSRF check reads the body: a file past the limit is
        # dropped as it arrives, never held whole (the documents issue's upload rules).
        size_limit = _FieldSizeLimit(request, max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES)
        request.upload_handlers = [size_limit, *request.upload_handlers]
    return _draft_page(request, draft_uuid, size_limit)


@never_cache
@require_http_methods(["GET"])
def draft_file_view(request: HttpRequest, draft_uuid: str, key: str) -> HttpResponseBase:
    """The file attached to a component, for its owner to check what they sent."""
    _who, draft, refusal = _draft_for(request, draft_uuid)
    if refusal is not None:
        return refusal
    assert draft is not None
    found = next((f for f in draft.files.select_related("file") if slot_key(f.component) == key), None)
    if found is None:
        return _not_found(request, _("This draft has no such file."), title=_("File not found"))
    try:
        opened = stored_file_open(stored=found.file)
    except DomainError as exc:
        return _not_found(request, str(exc.message), title=_("File not found"))
    return FileResponse(opened, content_type=found.file.content_type, filename=found.file.original_name)


@never_cache
@require_http_methods(["GET", "POST"])
def draft_setup_view(request: HttpRequest, draft_uuid: str) -> HttpResponse:
    """Change for whom, the case or the agencies of a draft."""
    citizen, draft, refusal = _draft_for(request, draft_uuid)
    if refusal is not None:
        return refusal
    assert citizen is not None and draft is not None
    if draft.status == Draft.Status.SUBMITTED:
        return HttpResponseRedirect(reverse("portal:draft_submitted", args=[draft.uuid]))
    schema = drafts.draft_schema(draft)
    errors: dict[str, str] = {}
    posted: dict[str, str] | None = None
    if request.method == "POST":
        posted = request.POST.dict()
        try:
            expected = int(request.POST.get("revision", ""))
        except ValueError:
            expected = -1
        try:
            drafts.draft_setup(draft=draft, expected_revision=expected, setup=_read_setup(request))
        except DomainError as exc:
            errors[_SETUP_FIELDS.get(exc.field or "", "__all__")] = str(exc.message)
            draft = drafts.draft_get(citizen=citizen, draft_uuid=draft_uuid)
        else:
            messages.success(request, _("Your choices were saved."))
            return HttpResponseRedirect(reverse("portal:draft", args=[draft.uuid]))
    page = _setup_page(request, citizen, draft.procedure_version, schema, draft=draft, posted=posted, errors=errors)
    context = {
        "version": draft.procedure_version,
        "code": draft.procedure_code,
        "page": page,
        "draft": draft,
        "facts": _online_facts(draft.procedure_version, schema, draft.competent_agency),
        "form_title": str(schema.title),
    }
    return render(request, "portal/apply/start.html", context, status=400 if errors else 200)


# -- review and submission ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewRow:
    label: str
    value: str


def _shown(spec: FieldSpec, value: str) -> str:
    if not value:
        return "—"
    if spec.type is FieldType.SELECT:
        return next((str(o.label) for o in spec.options if o.value == value), value)
    if spec.type is FieldType.CHECKBOX:
        return _("Yes")
    if spec.type is FieldType.DATE:
        parsed = parse_date(value)
        return parsed.strftime("%d/%m/%Y") if parsed else value
    if spec.type is FieldType.COMMUNE:
        return drafts.commune_name(value) or value
    return value


def _review_context(draft: Draft, *, problems: list[ErrorLink] | None = None, notice: str = "") -> dict[str, Any]:
    schema = drafts.draft_schema(draft)
    check = drafts.draft_check(draft=draft)
    draft_url = reverse("portal:draft", args=[draft.uuid])
    found = problems
    if found is None:
        found = [ErrorLink(f"{draft_url}#f-{name}", message) for name, message in check.form.errors.items()]
        found += [
            ErrorLink(f"{draft_url}#file-{slot_key(c)}", _("Attach “%(name)s”.") % {"name": c[:120]})
            for c in check.missing
        ]
    sections = [
        (
            str(section.legend),
            [ReviewRow(str(s.label), _shown(s, check.form.cleaned.get(s.name, ""))) for s in section.fields],
        )
        for section in schema.sections
    ]
    return {
        "draft": draft,
        "version": draft.procedure_version,
        "code": draft.procedure_code,
        "form_title": str(schema.title),
        "sections": sections,
        "files": list(draft.files.select_related("file").order_by("component")),
        "problems": found,
        "principal": _principal_label(draft),
        "facts": _online_facts(draft.procedure_version, schema, draft.competent_agency),
        "notice": notice,
        "draft_url": draft_url,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def draft_review_view(request: HttpRequest, draft_uuid: str) -> HttpResponse:
    citizen, draft, refusal = _draft_for(request, draft_uuid)
    if refusal is not None:
        return refusal
    assert citizen is not None and draft is not None
    if draft.status == Draft.Status.SUBMITTED:
        return HttpResponseRedirect(reverse("portal:draft_submitted", args=[draft.uuid]))
    if request.method != "POST":
        return render(request, "portal/apply/review.html", _review_context(draft))
    if request.POST.get("action") == "rebase":
        drafts.draft_rebase(draft=draft)
        messages.info(request, _("Your draft now follows the version in force; check it before you submit."))
        return HttpResponseRedirect(reverse("portal:draft", args=[draft.uuid]))
    try:
        expected = int(request.POST.get("revision", ""))
    except ValueError:
        expected = -1
    try:
        dossier = drafts.draft_submit(draft=draft, expected_revision=expected)
    except drafts.DraftIncomplete:
        return render(request, "portal/apply/review.html", _review_context(draft), status=400)
    except drafts.ProcedureVersionChanged as exc:
        context = _review_context(draft, notice=str(exc.message))
        context["rebase"] = True
        return render(request, "portal/apply/review.html", context, status=409)
    except DomainError as exc:
        draft = drafts.draft_get(citizen=citizen, draft_uuid=draft_uuid)
        if draft.status == Draft.Status.SUBMITTED:
            return HttpResponseRedirect(reverse("portal:draft_submitted", args=[draft.uuid]))
        return render(
            request,
            "portal/apply/review.html",
            _review_context(draft, notice=str(exc.message)),
            status=exc.status,
        )
    del dossier
    return HttpResponseRedirect(reverse("portal:draft_submitted", args=[draft.uuid]))


@dataclass(frozen=True, slots=True)
class Appointment:
    moment: str
    lines: list[str]
    provisional: bool


def _appointment(dossier: Dossier) -> Appointment | None:
    """The appointment and its explanation: the receipt's once received, else the provisional one
    "as if received now" (the clock starts at the receipt of a complete dossier, domain §2.6)."""
    try:
        if dossier.received_at is not None:
            if dossier.appointment_at is None:
                return None
            deadline = services.dossier_deadline(dossier=dossier)
            moment = dossier.appointment_at
            return Appointment(format_moment(timezone.localtime(moment)), [str(x) for x in deadline.lines()], False)
        deadline = services.dossier_deadline_if_received(dossier=dossier)
    except (TimeLimitUnknown, InvalidInput):
        return None
    if deadline.due_at is None:
        return None
    return Appointment(format_moment(timezone.localtime(deadline.due_at)), [str(x) for x in deadline.lines()], True)


@never_cache
@require_http_methods(["GET"])
def draft_submitted_view(request: HttpRequest, draft_uuid: str) -> HttpResponse:
    """The acknowledgement of a submitted dossier; the receipt once the centre received it."""
    _who, draft, refusal = _draft_for(request, draft_uuid)
    if refusal is not None:
        return refusal
    assert draft is not None
    if draft.status != Draft.Status.SUBMITTED or draft.dossier is None:
        return HttpResponseRedirect(reverse("portal:draft", args=[draft.uuid]))
    dossier = Dossier.objects.select_related("procedure_version", "receiving_agency", "competent_agency").get(
        pk=draft.dossier.pk
    )
    qr = ""
    if dossier.code and dossier.received_at:
        qr = qr_data_uri(
            QrPayload(
                dossier_code=dossier.code,
                procedure_code=dossier.procedure_code,
                applicant_id=dossier.applicant_id_number,
                document_name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                issued_at=dossier.received_at,
                appointment_at=dossier.appointment_at,
            )
        )
    context = {
        "draft": draft,
        "dossier": dossier,
        "documents": list(dossier.documents.order_by("component", "version")),
        "appointment": _appointment(dossier),
        "is_submitted": dossier.state == State.SUBMITTED,
        "submitted_at": format_moment(timezone.localtime(dossier.submitted_at)),
        "qr": qr,
        # The citizen's page of the dossier (dossiers.tracking): its code once received, its UUID before.
        "reference": dossier.code or str(dossier.uuid),
    }
    return render(request, "portal/apply/submitted.html", context)


# -- the citizen's drafts --------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
def drafts_view(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    if citizen is None:
        return _sign_in(request)
    rows = [
        (draft, format_moment(timezone.localtime(draft.updated_at))) for draft in drafts.drafts_open_of(citizen=citizen)
    ]
    return render(request, "portal/apply/drafts.html", {"rows": rows})


@never_cache
@require_http_methods(["GET", "POST"])
def draft_discard_view(request: HttpRequest, draft_uuid: str) -> HttpResponse:
    _who, draft, refusal = _draft_for(request, draft_uuid)
    if refusal is not None:
        return refusal
    assert draft is not None
    if draft.status != Draft.Status.OPEN:
        return HttpResponseRedirect(reverse("portal:draft_submitted", args=[draft.uuid]))
    if request.method == "POST":
        drafts.draft_discard(draft=draft)
        messages.success(request, _("The draft was deleted."))
        return HttpResponseRedirect(reverse("portal:drafts"))
    return render(request, "portal/apply/discard.html", {"draft": draft, "version": draft.procedure_version})


__all__ = [
    "apply_start_view",
    "draft_discard_view",
    "draft_file_view",
    "draft_review_view",
    "draft_setup_view",
    "draft_submitted_view",
    "draft_view",
    "drafts_view",
    "in_person_notes",
    "slot_key",
]
