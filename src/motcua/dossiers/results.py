"""Electronic results (issue #5 items 3–4): a result of a dossier issued as a PDF signed by its agency.

`dossier_mark_result_ready` (status 9) numbers the results `<dossier code>-KQn` without a file;
`result_document_issue` then issues each one electronically: the PDF is rendered from the
agency's result template (documents.templating, kind "result") with the dossier's data and the QR
code of Thông tư 01/2023/TT-VPCP Art 26 (domain §3.4: dossier code, procedure code, applicant,
document name, issuing system, time of issue, validity; plus the result code), signed with the
agency's key (PAdES, documents.signing; the signer's name and role on the visible stamp), stored,
and recorded on the ResultDocument with a history entry `issue_result`.

Legal basis (domain §3.1, §12):
- an electronic result carries the digital signature of the competent agency, ensures integrity,
  authenticity and non-repudiation, and has the unified code `<dossier code>-KQn` (Nghị định
  45/2020/NĐ-CP Art 14(3));
- an electronic document signed by the competent person and the competent agency has the value of
  the paper original (Nghị định 30/2020/NĐ-CP Art 5).
Hence who signs (`can_issue_result`): an officer of the dossier's *competent* agency (not the
centre that received it, nor another agency that handled a step) whose role signs or seals for
that agency (domain §2.2): the agency leader, who approves and signs, or the clerk (văn thư), who
numbers, registers, seals and issues the results. The key is the agency's (its seal); the person
and their role are written in the signature and on its stamp.

When (`ISSUABLE_STATES`): while the dossier is "result ready" (status 9), the internal sub-state
"awaiting signature" of domain §2.3. Not before (there is no result yet), not once it was returned
(status 10): what was handed over is the result, so a signature added afterwards would certify a
paper the applicant never received. Only once: a signed result is never replaced, because its
code is what the applicant's data store, the verification page and other agencies know it by; a
corrected result is a new result with the next code `-KQ(n+1)` (Art 14(3): n counts the results of
one dossier).

Order of work, so that a failure anywhere changes nothing: every check is made first, then the PDF
is rendered, signed and its bytes stored (durable, no row: documents.services), all without a
lock; only then, in one transaction under the dossier's row lock, the checks are repeated, the
StoredFile row is recorded, the result points at it, the revision is bumped and the history entry
appended. A failure before the transaction leaves nothing; a failure in it leaves stored bytes no
row points at, which `motcua documents-check` reports as an orphan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Officer, OfficerRole
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, InvalidInput, NotFound
from motcua.documents.formatting import date_words, datetime_words
from motcua.documents.models import Confidentiality, SigningKey, TemplateKind
from motcua.documents.pki import NoSigningKey, signing_key_for_agency
from motcua.documents.rendering import QrPayload, RenderedDocument, document_render
from motcua.documents.services import stored_bytes_put_generated, stored_file_record
from motcua.documents.signing import pdf_sign, stamp_placement_for
from motcua.documents.templating import document_template_current
from motcua.dossiers import history, policies
from motcua.dossiers.models import Dossier, ResultDocument
from motcua.dossiers.selectors import dossiers_visible_to
from motcua.dossiers.services import DossierChanged, _lock, officer_actor
from motcua.dossiers.slips import _base_context, _issuer
from motcua.dossiers.workflow import STATE_LABELS, State

__all__ = [
    "ISSUABLE_STATES",
    "ISSUER_ROLES",
    "ISSUE_RESULT",
    "ISSUE_RESULT_LABEL",
    "SIGNING_REASON",
    "NoSigningKeyForResult",
    "ResultAlreadyIssued",
    "ResultNotIssuable",
    "ResultNotIssued",
    "ResultRow",
    "can_issue_result",
    "dossier_get_for_results",
    "result_document_issue",
    "result_get",
    "result_render",
    "result_rows",
]

R = OfficerRole

# The history action (the state does not change: the dossier stays "result ready").
ISSUE_RESULT: Final = "issue_result"
ISSUE_RESULT_LABEL = gettext_lazy("sign and issue a result")

ISSUABLE_STATES: Final = frozenset({State.RESULT_READY})

# Domain §2.2: the leader approves and signs; the clerk seals and issues. Listed in order of
# preference: an officer holding both signs as the leader.
ISSUER_ROLES: Final = (R.AGENCY_LEADER, R.CLERK)

# Written in the signature dictionary (/Reason); in Vietnamese, as the document it is part of.
SIGNING_REASON: Final = "Ban hành kết quả giải quyết thủ tục hành chính"

MAX_DETAILS: Final = 2000
MAX_VALIDITY: Final = 200


class ResultNotIssuable(DomainError):
    """The dossier's state does not allow issuing its results (like TransitionNotAllowed, 409)."""

    code = "result_not_issuable"
    status = 409


class ResultAlreadyIssued(Conflict):
    code = "result_already_issued"


class NoSigningKeyForResult(Conflict):
    """The competent agency has no signing certificate in use: nothing can be signed until an
    administrator registers one (an operator's task, hence 409 and not 404)."""

    code = "no_signing_key"


class ResultNotIssued(NotFound):
    """The result has no electronic file (not signed yet, or issued on paper only)."""

    code = "result_not_issued"


# -- who may issue ------------------------------------------------------------------------------------------


def _roles(officer: Officer) -> set[str]:
    roles = officer.roles if isinstance(officer.roles, list) else []
    return {r for r in roles if isinstance(r, str)}


def _issuer_role(officer: Officer, dossier: Dossier) -> str:
    """The role in which the officer signs the dossier's results, or "" if they do not."""
    if not officer.is_active or officer.agency_id != dossier.competent_agency_id:
        return ""
    roles = _roles(officer)
    return next((role for role in ISSUER_ROLES if role in roles), "")


def can_issue_result(officer: Officer, dossier: Dossier) -> policies.Decision:
    """Whether the officer may sign and issue the dossier's results, as far as who they are is
    concerned (the state and the result are `result_document_issue`'s questions).

    Legal basis: Nghị định 45/2020/NĐ-CP Art 14(3) and Nghị định 30/2020/NĐ-CP Art 5 (see the module
    docstring): a leader or a clerk of the competent agency. A clerk of the competent agency may
    issue a result even when the dossier is no longer at their desk (its last step is closed when
    the result is ready): issuing results is the clerk's work for the whole agency."""
    role = _issuer_role(officer, dossier)
    if role:
        return policies.Decision(True, role=role)
    if not policies.can_view(officer, dossier):
        return policies.Decision(False, _("There is no such dossier among yours."), "not_found")
    if officer.agency_id != dossier.competent_agency_id:
        return policies.Decision(
            False,
            _("A result is signed by the agency competent to decide the dossier, %(agency)s.")
            % {"agency": dossier.competent_agency.name},
            "not_competent_agency",
        )
    labels = ", ".join(sorted(str(R(role).label) for role in ISSUER_ROLES))
    return policies.Decision(
        False,
        _("Your roles do not allow you to sign and issue a result; it is for: %(roles)s.") % {"roles": labels},
        "role_not_allowed",
    )


# -- reading ----------------------------------------------------------------------------------------------


def _issuer_scope(officer: Officer) -> Q:
    if officer.is_active and _roles(officer) & set(ISSUER_ROLES):
        return Q(competent_agency_id=officer.agency_id)
    return Q(pk__in=[])


def dossier_get_for_results(*, officer: Officer, code: str) -> Dossier:
    """The dossier with this code for reading and issuing its results: one the officer sees
    (selectors.dossiers_visible_to), or one whose results they sign (`can_issue_result`). Raises
    NotFound otherwise, saying nothing about why (as selectors.dossier_get_for_officer)."""
    visible = Q(pk__in=dossiers_visible_to(officer).values("pk")) | _issuer_scope(officer)
    dossier = (
        Dossier.objects.filter(visible, code=code.strip())
        .select_related(
            "procedure_version__procedure",
            "receiving_agency",
            "competent_agency__parent",
            "competent_agency__administrative_unit",
            "handling_agency",
        )
        .first()
    )
    if dossier is None:
        raise NotFound(_("There is no dossier %(code)s among yours.") % {"code": code}, field="code")
    return dossier


def result_get(*, dossier: Dossier, result_code: str) -> ResultDocument:
    """The result of this dossier with this code. Raises NotFound (also for another dossier's)."""
    result = (
        ResultDocument.objects.filter(dossier=dossier, code=result_code.strip())
        .select_related("file", "signed_by")
        .first()
    )
    if result is None:
        raise NotFound(
            _("Dossier %(dossier)s has no result %(code)s.") % {"dossier": dossier.code, "code": result_code},
            field="result_code",
        )
    return result


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A result as an officer's page shows it: whether it is signed, and whether they may issue it now."""

    result: ResultDocument
    can_issue: bool

    @property
    def is_issued(self) -> bool:
        return self.result.file_id is not None


def result_rows(*, officer: Officer, dossier: Dossier) -> list[ResultRow]:
    """The dossier's results in code order, each with whether this officer may issue it now."""
    may_issue = State(dossier.state) in ISSUABLE_STATES and bool(can_issue_result(officer, dossier))
    results = ResultDocument.objects.filter(dossier=dossier).select_related("file", "signed_by").order_by("pk")
    return [ResultRow(result=r, can_issue=may_issue and r.file_id is None) for r in results]


# -- rendering and issuing ------------------------------------------------------------------------------------


def _signer_title(officer: Officer, role: str) -> str:
    # In Vietnamese whatever the officer's language: the title is part of the document.
    with translation.override("vi"):
        return " ".join(officer.position.split()) or str(R(role).label)


def result_render(
    *,
    dossier: Dossier,
    result: ResultDocument,
    officer: Officer,
    role: str,
    at: datetime,
    details: str = "",
    validity: str = "",
) -> RenderedDocument:
    """The result as an unsigned PDF in Vietnamese, from the template in use at the competent
    agency, dated `at`, with the QR code of Thông tư 01/2023/TT-VPCP Art 26 (domain §3.4)."""
    agency = dossier.competent_agency
    with translation.override("vi"):  # papers are issued in Vietnamese whatever the officer's language
        context = _base_context(dossier)
    context |= {
        "result": {"code": result.code, "name": result.name, "details": details, "validity": validity},
        "issued_on": date_words(at),
        "issued_at": datetime_words(at),
        "signer_name": officer.full_name,
        "signer_title": _signer_title(officer, role),
    }
    assert dossier.code is not None  # a dossier has results only once received (and numbered)
    source = document_template_current(kind=TemplateKind.RESULT, agency=agency)
    qr = QrPayload(
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        applicant_id=dossier.applicant_id_number,
        document_name=result.name,
        issued_at=at,
        validity=validity,
        result_code=result.code,
    )
    return document_render(source=source, context=context, issuer=_issuer(agency), qr=qr)


def _clean(text: str, limit: int, field: str) -> str:
    cleaned = text.strip()
    if len(cleaned) > limit:
        raise InvalidInput(_("At most %(max)s characters.") % {"max": limit}, field=field)
    return cleaned


def _check_issuable(dossier: Dossier, result: ResultDocument) -> None:
    if State(dossier.state) not in ISSUABLE_STATES:
        raise ResultNotIssuable(
            _("A result is issued while the dossier is “%(ready)s”; this one is “%(state)s”.")
            % {"ready": STATE_LABELS[State.RESULT_READY], "state": dossier.get_state_display()}
        )
    if result.file_id is not None:
        raise ResultAlreadyIssued(
            _(
                "The result %(code)s was already signed and issued; a signed result is never replaced. To correct it, "
                "issue a new result (it gets the next code)."
            )
            % {"code": result.code}
        )


def _signing_key(dossier: Dossier) -> SigningKey:
    try:
        return signing_key_for_agency(agency=dossier.competent_agency)
    except NoSigningKey as exc:
        raise NoSigningKeyForResult(
            _(
                "%(agency)s has no signing certificate in use, so its results cannot be signed. An administrator "
                "must register one (motcua import-signing-key; on a demo or test installation, motcua "
                "create-dev-ca)."
            )
            % {"agency": dossier.competent_agency.name}
        ) from exc


def result_document_issue(
    *,
    result: ResultDocument,
    officer: Officer,
    details: str = "",
    validity: str = "",
    expected_revision: int | None = None,
) -> ResultDocument:
    """Issue `result` electronically: render it, sign it with the competent agency's key in the
    officer's name and role, store it, record the file, the signer and the moment on the result,
    and append a history entry `issue_result` (result code, file, SHA-256). The dossier's state
    does not change; its revision is bumped.

    `details`: text printed on the result under its name. `validity`: its validity period or scope,
    printed and carried by the QR code (Thông tư 01/2023 Art 26); the catalogue records none per
    result type yet, so the officer gives it (e.g. "Không thời hạn"), or nothing.

    Raises InvalidInput (too long), ActionNotPermitted (`can_issue_result`: 404 for an officer who
    does not see the dossier, 403 otherwise), ResultNotIssuable (the state), ResultAlreadyIssued,
    DossierChanged (`expected_revision`), NoSigningKeyForResult, and what signing raises
    (SigningKeyUnavailable, TimestampUnavailable: 503). Nothing is changed when it raises.
    """
    details = _clean(details, MAX_DETAILS, "details")
    validity = _clean(validity, MAX_VALIDITY, "validity")
    dossier = (
        Dossier.objects.select_related(
            "procedure_version",
            "receiving_agency",
            "competent_agency__parent",
            "competent_agency__administrative_unit",
            "handling_agency",
        )
        .prefetch_related("steps")
        .get(pk=result.dossier_id)
    )
    result = ResultDocument.objects.get(pk=result.pk)
    decision = can_issue_result(officer, dossier)
    if not decision:
        raise policies.ActionNotPermitted(decision)
    # Cheap checks first, without the lock, so that nothing is rendered or signed in vain; they are
    # repeated under the lock.
    _check_issuable(dossier, result)
    if expected_revision is not None and dossier.revision != expected_revision:
        raise DossierChanged(_("Someone else changed this dossier in the meantime; reload it to see what changed."))
    key = _signing_key(dossier)

    now = clock.now()
    rendered = result_render(
        dossier=dossier,
        result=result,
        officer=officer,
        role=decision.role,
        at=now,
        details=details,
        validity=validity,
    )
    issuer = _issuer(dossier.competent_agency)
    signed = pdf_sign(
        pdf=rendered.pdf,
        key=key,
        signer_name=officer.full_name,
        signer_role=_signer_title(officer, decision.role),
        reason=SIGNING_REASON,
        location=issuer.place or issuer.name,
        placement=stamp_placement_for(rendered.signature_area),
    )
    stored = stored_bytes_put_generated(content=signed, name=f"{result.code}.pdf")

    with transaction.atomic():
        locked = _lock(dossier, expected_revision)
        current = ResultDocument.objects.select_for_update().get(pk=result.pk)
        _check_issuable(locked, current)
        # Personal data (the applicant's name and ID number, domain §13). Retention: the platform's
        # default class; the per-procedure class of the archive law is not in the catalogue yet.
        file = stored_file_record(stored=stored, confidentiality=Confidentiality.PERSONAL, created_by=officer.user)
        current.file = file
        current.signed_at = now
        current.signed_by = officer
        current.save(update_fields=["file", "signed_at", "signed_by"])
        locked.revision += 1
        locked.save(update_fields=["revision"])
        history.append(
            locked,
            at=now,
            action=ISSUE_RESULT,
            from_state=locked.state,
            to_state=locked.state,
            actor=officer_actor(officer, decision.role),
            data={
                "result": current.code,
                "name": current.name,
                "file": str(file.uuid),
                "sha256": file.sha256,
                "size": file.size,
                "template": rendered.template.label,
                "validity": validity,
                "certificate": key.fingerprint_sha256,
            },
        )
    return current
