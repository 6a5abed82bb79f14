"""Dossier components (thành phần hồ sơ): files added version by version, and the digitisation flags.

Adding a file to a component (`dossier_document_add`) appends version n+1 of that component; the
earlier versions and their files stay (history is appended, never edited). Each file records where
it came from, the flags the service-quality indicators count (QĐ 766/QĐ-TTg group 4, domain §5;
sync fields `DuocSoHoa`, `DuocLayTuKhoDMQG`, domain §3.2):
- `uploaded`: sent by the applicant (online, or brought on a storage medium);
- `digitised`: a paper component scanned at the counter by an officer (Thông tư 01/2023/TT-VPCP
  Art 3: converting the information on paper in dossier components into electronic data; Nghị định
  107/2021/NĐ-CP: digitisation at the one-stop unit); it needs the officer who digitised it;
- `reused`: taken from data the state already holds (a result of an earlier procedure, the
  citizen's data store), with the code of that source (once-only principle, Nghị định 224/2026 Art
  15(1)(d), domain §3.3).

When files may be added (`DOCUMENT_STATES`, from workflow.TRANSITIONS):
- at intake (submitted, incomplete): the applicant completes the dossier and the counter digitises
  the papers of a walk-in (Nghị định 118/2025/NĐ-CP, one-stop receipt);
- received and during processing (received, in process, awaiting coordination): a walk-in dossier
  is received first and digitised right after, a specialist adds a better scan, a coordinating
  agency's opinion is a component in scope of digitisation (domain §3.2);
- while a supplement is requested: the applicant brings what was asked (Nghị định 63/2010/NĐ-CP
  Art 20), recorded before `dossier_supplement` restarts the clock.
Never once the result is ready or the dossier is closed: the dossier decided on must stay as it was
(results are ResultDocuments). Nor while only fees are awaited: nothing is being examined then.

Who may add them (`can_add_document`), through policies.can_act with the action of the desk the
dossier is at in that state: at intake, the receiving officers of the counter (receive /
complete_intake); while received or in process, whoever holds the dossier now (hand_over: the
counter until the first hand-over, then the step's specialist or clerk, and the leaders); while a
supplement is requested, those who record it (supplement: the counter or the specialist).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from django.core.files.base import File
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from motcua.agencies.models import Officer, OfficerRole
from motcua.core import clock
from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.documents.models import Confidentiality, Retention
from motcua.documents.services import stored_bytes_put, stored_file_record
from motcua.documents.uploads import UploadRules
from motcua.dossiers import history, policies
from motcua.dossiers.models import Dossier, DossierDocument, ResultDocument
from motcua.dossiers.services import DossierChanged, _lock, applicant_actor, officer_actor
from motcua.dossiers.workflow import Action, State

__all__ = [
    "ADD_DOCUMENT",
    "DOCUMENT_STATES",
    "Component",
    "DigitisationFlags",
    "DigitisedNeedsOfficer",
    "DocumentsClosed",
    "SourceReferenceRequired",
    "can_add_document",
    "dossier_components",
    "dossier_digitisation_flags",
    "dossier_document_add",
    "dossier_document_get",
    "dossier_documents",
    "dossiers_digitisation_flags",
]

Origin = DossierDocument.Origin

# The history action of an added file (the state does not change).
ADD_DOCUMENT: Final = "add_document"

DOCUMENT_STATES: Final = frozenset(
    {
        State.SUBMITTED,
        State.INCOMPLETE,
        State.RECEIVED,
        State.IN_PROCESS,
        State.AWAITING_COORDINATION,
        State.SUPPLEMENT_REQUESTED,
    }
)

# The action whose desk adds files in each state (see the module docstring).
_DESK_ACTION: Final = {
    State.SUBMITTED: Action.RECEIVE,
    State.INCOMPLETE: Action.COMPLETE_INTAKE,
    State.RECEIVED: Action.HAND_OVER,
    State.IN_PROCESS: Action.HAND_OVER,
    State.AWAITING_COORDINATION: Action.HAND_OVER,
    State.SUPPLEMENT_REQUESTED: Action.SUPPLEMENT,
}

_COMPONENT_MAX: Final = 500
_SOURCE_MAX: Final = 120


class DocumentsClosed(DomainError):
    """The dossier's state does not take new files (like TransitionNotAllowed, 409)."""

    code = "documents_closed"
    status = 409


class SourceReferenceRequired(InvalidInput):
    code = "source_reference_required"


class DigitisedNeedsOfficer(InvalidInput):
    code = "digitised_needs_officer"


# -- who may add ------------------------------------------------------------------------------------------


def can_add_document(officer: Officer, dossier: Dossier) -> policies.Decision:
    """Whether the officer may add files to the dossier now, as far as who they are is concerned;
    whether the state allows it is `dossier_document_add`'s question (DocumentsClosed)."""
    if not policies.can_view(officer, dossier):
        return policies.Decision(False, _("There is no such dossier among yours."), "not_found")
    action = _DESK_ACTION.get(State(dossier.state))
    if action is None:
        # Closed to files whoever asks: the service answers with the state's reason.
        return policies.Decision(True)
    decision = policies.can_act(officer, dossier, action)
    if decision.code == "role_not_allowed":
        roles = ", ".join(sorted(str(OfficerRole(r).label) for r in policies.ROLES_BY_ACTION[action]))
        return policies.Decision(
            False,
            _("Your roles do not allow you to add files to a dossier at this stage; it is for: %(roles)s.")
            % {"roles": roles},
            decision.code,
        )
    if decision.code == "not_assigned":
        return policies.Decision(
            False,
            _("This dossier is not at your desk; files are added by whoever holds it now."),
            decision.code,
        )
    return decision


# -- adding -------------------------------------------------------------------------------------------------


def _check_open(dossier: Dossier) -> None:
    if State(dossier.state) not in DOCUMENT_STATES:
        raise DocumentsClosed(
            _("Files cannot be added to a dossier that is “%(state)s”.") % {"state": dossier.get_state_display()}
        )


def _clean_arguments(component: str, origin: str, source_reference: str, officer: Officer | None) -> tuple[str, str]:
    name = " ".join(component.split())
    if not name:
        raise InvalidInput(_("Name the dossier component the file belongs to."), field="component")
    if len(name) > _COMPONENT_MAX:
        raise InvalidInput(
            _("The name of a component has at most %(max)s characters.") % {"max": _COMPONENT_MAX}, field="component"
        )
    if origin not in Origin.values:
        raise InvalidInput(
            _("The origin of a file is one of: %(origins)s.") % {"origins": ", ".join(Origin.values)}, field="origin"
        )
    source = source_reference.strip()
    if len(source) > _SOURCE_MAX:
        raise InvalidInput(
            _("The source reference has at most %(max)s characters.") % {"max": _SOURCE_MAX}, field="source_reference"
        )
    if origin == Origin.REUSED and not source:
        raise SourceReferenceRequired(
            _("A reused component names its source: the code of the result or record it was taken from."),
            field="source_reference",
        )
    if origin == Origin.DIGITISED and officer is None:
        raise DigitisedNeedsOfficer(
            _("A digitised component is scanned at the counter: record the officer who digitised it."),
            field="origin",
        )
    return name, source


def dossier_document_add(
    *,
    dossier: Dossier,
    component: str,
    content: bytes | File[bytes],
    origin: str,
    name: str | None = None,
    declared_type: str | None = None,
    source_reference: str = "",
    officer: Officer | None = None,
    role: str = "",
    expected_revision: int | None = None,
    rules: UploadRules | None = None,
    confidentiality: str = Confidentiality.PERSONAL,
    retention: str = Retention.YEARS_20,
) -> DossierDocument:
    """Add a file to a component of the dossier: version n+1 of that component, the earlier ones kept.

    The file is checked against `rules` (default: the platform's, UploadRules.default()) and stored
    before the dossier is locked, so no lock is held while it is received; then, in one transaction,
    the dossier is locked and its revision checked, the StoredFile and the DossierDocument are
    created, the revision is bumped and a history entry (`add_document`) is appended, which
    publishes the change. `name` and `declared_type` default to the upload's own; `role` is the role
    the officer acts in (policies.Decision.role), recorded in the history.

    Raises InvalidInput (the arguments), an UploadRefused (the file; nothing stored), DocumentsClosed
    (the state), DossierChanged (`expected_revision` is not the dossier's). A refusal after the bytes
    were stored (the state or revision changed meanwhile) leaves them unreferenced, reported as an
    orphan by `motcua documents-check`.
    """
    component, source = _clean_arguments(component, origin, source_reference, officer)
    # Cheap checks first, without the lock, so that a dossier that cannot take the file does not
    # receive its bytes; both are repeated under the lock.
    current = Dossier.objects.only("state", "revision").get(pk=dossier.pk)
    _check_open(current)
    if expected_revision is not None and current.revision != expected_revision:
        raise DossierChanged(_("Someone else changed this dossier in the meantime; reload it to see what changed."))

    stored = stored_bytes_put(
        content=content, name=name, declared_type=declared_type, rules=rules or UploadRules.default()
    )

    with transaction.atomic():
        locked = _lock(dossier, expected_revision)
        _check_open(locked)
        now = clock.now()
        last = DossierDocument.objects.filter(dossier=locked, component=component).aggregate(last=Max("version"))
        version = (last["last"] or 0) + 1
        file = stored_file_record(
            stored=stored,
            confidentiality=confidentiality,
            retention=retention,
            created_by=officer.user if officer is not None else None,
        )
        document = DossierDocument.objects.create(
            dossier=locked,
            component=component,
            version=version,
            file=file,
            origin=origin,
            source_reference=source,
            added_at=now,
            added_by=officer,
        )
        locked.revision += 1
        locked.save(update_fields=["revision"])
        history.append(
            locked,
            at=now,
            action=ADD_DOCUMENT,
            from_state=locked.state,
            to_state=locked.state,
            actor=officer_actor(officer, role) if officer is not None else applicant_actor(locked),
            data={
                "component": component,
                "version": version,
                "origin": origin,
                "source_reference": source,
                "file": str(file.uuid),
                "name": file.original_name,
                "content_type": file.content_type,
                "size": file.size,
                "sha256": file.sha256,
            },
        )
    return document


# -- reading ------------------------------------------------------------------------------------------------


def dossier_documents(*, dossier: Dossier) -> QuerySet[DossierDocument]:
    """Every version of every component, by component then version, each with `is_latest`."""
    newer = DossierDocument.objects.filter(
        dossier=OuterRef("dossier"), component=OuterRef("component"), version__gt=OuterRef("version")
    )
    return (
        DossierDocument.objects.filter(dossier=dossier)
        .select_related("file", "added_by", "dossier")
        .annotate(is_latest=~Exists(newer))
        .order_by("component", "version")
    )


def dossier_document_get(*, dossier: Dossier, file_uuid: str | uuid.UUID) -> DossierDocument:
    """The version of a component of this dossier whose file has this UUID. Raises NotFound (also for
    a malformed UUID or a file of another dossier: the answer says nothing about other dossiers)."""
    try:
        key = file_uuid if isinstance(file_uuid, uuid.UUID) else uuid.UUID(str(file_uuid))
    except ValueError:
        key = None
    document = (
        DossierDocument.objects.filter(dossier=dossier, file__uuid=key).select_related("file").first()
        if key is not None
        else None
    )
    if document is None:
        raise NotFound(_("This dossier has no file %(file)s.") % {"file": file_uuid}, field="file")
    return document


@dataclass(frozen=True, slots=True)
class Component:
    """A component of the dossier: those the procedure version lists (in its order, even without a
    file yet), then any extra paper the applicant brought."""

    name: str
    # None: not a component of the procedure (an extra paper).
    is_required: bool | None
    reusable_from_data: bool
    versions: tuple[DossierDocument, ...]

    @property
    def latest(self) -> DossierDocument | None:
        return self.versions[-1] if self.versions else None


def dossier_components(*, dossier: Dossier) -> list[Component]:
    """The components of the dossier with all their versions (oldest first)."""
    by_component: dict[str, list[DossierDocument]] = defaultdict(list)
    for document in dossier_documents(dossier=dossier):
        by_component[document.component].append(document)
    components: list[Component] = []
    listed: set[str] = set()
    for requirement in dossier.procedure_version.documents.order_by("order", "pk"):
        name = " ".join(requirement.name.split())
        if name in listed:
            continue
        listed.add(name)
        components.append(
            Component(
                name=name,
                is_required=requirement.is_required,
                reusable_from_data=requirement.reusable_from_data,
                versions=tuple(by_component.get(name, ())),
            )
        )
    for name, versions in sorted(by_component.items()):
        if name not in listed:
            components.append(
                Component(name=name, is_required=None, reusable_from_data=False, versions=tuple(versions))
            )
    return components


@dataclass(frozen=True, slots=True)
class DigitisationFlags:
    """What the digitisation indicators count for one dossier (QĐ 766 group 4, domain §5):
    components with a file of each origin, and results, issued and issued electronically (a
    result with its signed file, Nghị định 45/2020/NĐ-CP Art 14(3))."""

    components: int = 0
    uploaded_components: int = 0
    digitised_components: int = 0
    reused_components: int = 0
    results: int = 0
    electronic_results: int = 0

    @property
    def has_digitised_components(self) -> bool:
        """`HoSoCoThanhPhanSoHoa` / `DuocSoHoa`: at least one component digitised (indicator 4.2)."""
        return self.digitised_components > 0

    @property
    def has_reused_components(self) -> bool:
        """At least one component reused from data held (indicator 4.3)."""
        return self.reused_components > 0

    @property
    def has_electronic_result(self) -> bool:
        """At least one result issued electronically (indicator 4.1)."""
        return self.electronic_results > 0


def dossiers_digitisation_flags(*, dossiers: QuerySet[Dossier]) -> dict[int, DigitisationFlags]:
    """The flags of many dossiers (keyed by primary key, every dossier of the query set) in three
    queries, for the indicators.

    A component counts once per origin it has a version of (a component scanned at the counter and
    later replaced by the applicant's better copy counts as digitised and as uploaded)."""
    ids = dossiers.values("pk")
    documents = (
        DossierDocument.objects.filter(dossier__in=ids)
        .values("dossier_id")
        .annotate(
            components=Count("component", distinct=True),
            uploaded=Count("component", filter=Q(origin=Origin.UPLOADED), distinct=True),
            digitised=Count("component", filter=Q(origin=Origin.DIGITISED), distinct=True),
            reused=Count("component", filter=Q(origin=Origin.REUSED), distinct=True),
        )
        .order_by()
    )
    results = (
        ResultDocument.objects.filter(dossier__in=ids)
        .values("dossier_id")
        .annotate(
            issued=Count("pk"),
            electronic=Count("pk", filter=Q(file__isnull=False, signed_at__isnull=False)),
        )
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {pk: {} for pk in dossiers.values_list("pk", flat=True)}
    for row in documents:
        counts.setdefault(row["dossier_id"], {}).update(
            components=row["components"],
            uploaded_components=row["uploaded"],
            digitised_components=row["digitised"],
            reused_components=row["reused"],
        )
    for row in results:
        counts.setdefault(row["dossier_id"], {}).update(results=row["issued"], electronic_results=row["electronic"])
    return {pk: DigitisationFlags(**values) for pk, values in counts.items()}


def dossier_digitisation_flags(*, dossier: Dossier) -> DigitisationFlags:
    """The flags of one dossier (all zero for a dossier without files or results)."""
    return dossiers_digitisation_flags(dossiers=Dossier.objects.filter(pk=dossier.pk))[dossier.pk]
