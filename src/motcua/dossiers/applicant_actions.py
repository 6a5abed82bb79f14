"""What the applicant (or whoever acts for them) does to a dossier from the portal: answer a
supplement request with the documents asked for, and withdraw the dossier.

Services: the portal pages call them, and so will a citizens' API. Each checks that the citizen
may follow the dossier (tracking.dossiers_visible_to_citizen; NotFound otherwise, as for a code
that does not exist), then calls the dossier services, which lock the row, check the revision the
citizen saw (DossierChanged) and the transition (TransitionNotAllowed), and append the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.citizens.models import Citizen
from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.documents.uploads import UploadRefused, UploadRules, upload_receive
from motcua.dossiers.documents import dossier_document_add
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.services import dossier_supplement, dossier_withdraw
from motcua.dossiers.tracking import (
    citizen_actor,
    dossier_open_supplement_request,
    dossiers_visible_to_citizen,
    requested_documents,
)

__all__ = [
    "REASON_MAX",
    "SupplementDocumentMissing",
    "SupplementDocumentNotRequested",
    "SupplementFile",
    "SupplementNotRequested",
    "dossier_supplement_answer",
    "dossier_withdraw_by_applicant",
    "supplement_field",
]

REASON_MAX: Final = 1000


class SupplementNotRequested(DomainError):
    """The dossier is not waiting for a supplement (anymore)."""

    code = "supplement_not_requested"
    status = 409


class SupplementDocumentMissing(InvalidInput):
    code = "supplement_document_missing"


class SupplementDocumentNotRequested(InvalidInput):
    code = "supplement_document_not_requested"


@dataclass(frozen=True, slots=True)
class SupplementFile:
    """The file sent for one requested document (`component`: the document as the request names it)."""

    component: str
    content: bytes | File[bytes]
    name: str | None = None
    declared_type: str | None = None


def supplement_field(index: int) -> str:
    """The name errors give to the n-th requested document (0-based), as the portal's form names it."""
    return f"document_{index}"


def _check_visible(citizen: Citizen, dossier: Dossier) -> None:
    if not dossiers_visible_to_citizen(citizen=citizen).filter(pk=dossier.pk).exists():
        raise NotFound(
            _("There is no dossier %(reference)s among yours.") % {"reference": dossier.code or dossier.uuid}
        )


def dossier_supplement_answer(
    *,
    dossier: Dossier,
    citizen: Citizen,
    files: Sequence[SupplementFile],
    expected_revision: int | None = None,
    rules: UploadRules | None = None,
) -> Dossier:
    """Send exactly the documents the open supplement request lists, one file each, and restart the clock.

    Legal basis: Nghị định 63/2010/NĐ-CP Art 18(5), 20(4) (domain §2.6): the request lists, once and
    in writing, what to supplement and why; the time the applicant takes is not counted, so the due
    moment moves by the working time the clock stood still (services.dossier_supplement).

    Every file is checked against the upload rules before anything is stored or changed; then, in one
    transaction, each becomes a new version of its component (documents.dossier_document_add, origin
    "uploaded") and the supplement is recorded. Raises NotFound (not the citizen's dossier),
    SupplementNotRequested, SupplementDocumentNotRequested or SupplementDocumentMissing (field:
    `supplement_field(n)`), an UploadRefused for the n-th document (same field; nothing stored),
    DossierChanged (`expected_revision` is not the dossier's).
    """
    _check_visible(citizen, dossier)
    current = Dossier.objects.get(pk=dossier.pk)
    request = dossier_open_supplement_request(dossier=current)
    if request is None:
        raise SupplementNotRequested(_("This dossier is not waiting for documents from you."))
    requested = [r.document for r in requested_documents(request)]
    by_component: dict[str, SupplementFile] = {}
    for sent in files:
        if " ".join(sent.component.split()) not in requested:
            raise SupplementDocumentNotRequested(
                _("“%(document)s” was not requested: send only the documents the agency asked for.")
                % {"document": sent.component},
                field="files",
            )
        by_component[" ".join(sent.component.split())] = sent
    for index, component in enumerate(requested):
        if component not in by_component:
            raise SupplementDocumentMissing(
                _("Choose the file for “%(document)s”.") % {"document": component}, field=supplement_field(index)
            )
    upload_rules = rules or UploadRules.default()
    # Checked first, each, so that a refused file leaves nothing behind: no bytes, no version.
    for index, component in enumerate(requested):
        sent = by_component[component]
        try:
            with upload_receive(
                content=sent.content, name=sent.name, declared_type=sent.declared_type, rules=upload_rules
            ):
                pass
        except UploadRefused as refused:
            raise type(refused)(refused.message, field=supplement_field(index)) from refused

    with transaction.atomic():
        revision = expected_revision
        added: list[DossierDocument] = []
        for component in requested:
            sent = by_component[component]
            document = dossier_document_add(
                dossier=current,
                component=component,
                content=sent.content,
                origin=DossierDocument.Origin.UPLOADED,
                name=sent.name,
                declared_type=sent.declared_type,
                expected_revision=revision,
                rules=upload_rules,
            )
            added.append(document)
            revision = document.dossier.revision
        return dossier_supplement(
            dossier=current,
            documents=[f"{d.component} (v{d.version})" for d in added],
            actor=citizen_actor(citizen=citizen, dossier=current),
            expected_revision=revision,
        )


def dossier_withdraw_by_applicant(
    *, dossier: Dossier, citizen: Citizen, reason: str, expected_revision: int | None = None
) -> Dossier:
    """The applicant, or their representative, withdraws the dossier, with a reason (status 7,
    "Công dân yêu cầu rút hồ sơ", domain §2.3; the applicant's right, domain §2.2). The history
    names who did it. Raises NotFound, InvalidInput (reason), TransitionNotAllowed, DossierChanged."""
    clean = " ".join(reason.split())
    if not clean:
        raise InvalidInput(_("Say why you withdraw the dossier."), field="reason")
    if len(clean) > REASON_MAX:
        raise InvalidInput(_("The reason has at most %(max)s characters.") % {"max": REASON_MAX}, field="reason")
    _check_visible(citizen, dossier)
    return dossier_withdraw(
        dossier=dossier,
        reason=clean,
        actor=citizen_actor(citizen=citizen, dossier=dossier),
        expected_revision=expected_revision,
    )
