"""Every read of dossiers used by an interface, already scoped to the officer asking.

`dossiers_visible_to(officer)` is policies.can_view written as a query: the same rule, so that a
list never shows a dossier its detail page would refuse (the tests check that both agree). A dossier
the officer may not see does not exist for them: `dossier_get_for_officer` raises NotFound with the
same message as for a code that exists nowhere.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Exists, F, Field, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Officer, OfficerRole
from motcua.core import clock
from motcua.core.errors import InvalidInput, NotFound
from motcua.core.text import fold
from motcua.dossiers import policies, services
from motcua.dossiers.deadlines import TimeLimitUnknown
from motcua.dossiers.models import Dossier, HistoryEntry, ResultDocument, Step
from motcua.dossiers.policies import DESK_OF_ROLE, WHOLE_AGENCY_ROLES, Desk
from motcua.dossiers.workflow import State

__all__ = [
    "DeadlineExplained",
    "Queue",
    "dossier_after_action",
    "dossier_deadline_explained",
    "dossier_get_created",
    "dossier_get_for_officer",
    "dossier_is_overdue",
    "dossier_list_for_officer",
    "dossiers_visible_to",
    "officer_for_hand_over",
]


class Queue(enum.StrEnum):
    MINE = "mine"
    UNIT = "unit"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    WAITING_SUPPLEMENT = "waiting_supplement"


QUEUE_LABELS = {
    Queue.MINE: gettext_lazy("The open step is assigned to me"),
    Queue.UNIT: gettext_lazy("The open step is assigned to my unit"),
    Queue.DUE_TODAY: gettext_lazy("Due today and not finished"),
    Queue.OVERDUE: gettext_lazy("Past the due moment and not finished"),
    Queue.WAITING_SUPPLEMENT: gettext_lazy("Waiting for the applicant's supplement"),
}

# A dossier code: the agency identifier, the date of receipt and the sequence (numbering.py).
_CODE_LIKE = re.compile(r"^[0-9A-Za-z]{2,3}\.[0-9A-Za-z.\-]*$")


def _open_steps() -> QuerySet[Step]:
    return Step.objects.filter(dossier=OuterRef("pk"), completed_at__isnull=True)


def dossiers_visible_to(officer: Officer) -> QuerySet[Dossier]:
    """The dossiers this officer may see (policies.can_view as a query)."""
    if not officer.is_active:
        return Dossier.objects.none()
    agency = officer.agency_id
    of_agency = Q(receiving_agency_id=agency) | Q(competent_agency_id=agency) | Q(handling_agency_id=agency)
    roles = {r for r in officer.roles if isinstance(r, str)} if isinstance(officer.roles, list) else set()
    if roles & WHOLE_AGENCY_ROLES:
        return Dossier.objects.filter(of_agency)
    desks = {DESK_OF_ROLE[r] for r in roles if r in DESK_OF_ROLE}
    at_desk = Q(pk__in=[])
    if Desk.COUNTER in desks:
        at_desk |= Q(receiving_agency_id=agency)
    if Desk.STEP in desks:
        at_desk |= Q(Exists(_open_steps().filter(Q(assignee=officer) | Q(agency_id=agency, unit=officer.unit))))
    if Desk.AGENCY in desks:
        at_desk |= Q(handling_agency_id=agency) | Q(competent_agency_id=agency)
    if OfficerRole.CLERK in roles:  # results awaiting issue at the competent agency (policies.can_view)
        at_desk |= Q(state=State.RESULT_READY, competent_agency_id=agency)
    return Dossier.objects.filter(of_agency & at_desk)


def _by_reference(dossiers: QuerySet[Dossier], reference: str) -> QuerySet[Dossier]:
    reference = reference.strip()
    try:
        return dossiers.filter(uuid=uuid.UUID(reference))
    except ValueError:
        return dossiers.filter(code=reference)


STATUS_FIELDS = (
    "id",
    "uuid",
    "code",
    "state",
    "status_code",
    "revision",
    "due_at",
    "appointment_at",
    "is_late",
    # What policies.can_view reads of the dossier itself:
    "receiving_agency",
    "competent_agency",
    "handling_agency",
)


def _field(name: str) -> Field[Any, Any]:
    field = Dossier._meta.get_field(name)
    assert isinstance(field, Field)
    return field


@functools.cache
def _status_sql(key: str) -> str:
    columns = ", ".join(connection.ops.quote_name(_field(name).column) for name in STATUS_FIELDS)
    table = connection.ops.quote_name(Dossier._meta.db_table)
    where = connection.ops.quote_name(_field(key).column)
    return f"SELECT {columns} FROM {table} WHERE {where} = %s LIMIT 1"  # noqa: S608 (names from the model)


def dossier_status_for_officer(*, officer: Officer, code: str) -> Dossier:
    """The state and dates of one dossier the officer may see, in one query: the status look-up
    that other systems poll (DVCQG synchronisation, kiosks), without the detail's steps and history.
    Raises NotFound like dossier_get_for_officer, saying nothing about why.

    Read by its unique reference, then judged by policies.can_view (the rule dossiers_visible_to
    writes as a query): the rule reads the open step (a second query) only for an officer who sees
    dossiers at their step. The statement is written once from the model's own names rather than
    compiled by the ORM on every call: polled look-ups spent more time compiling it than running it."""
    reference = code.strip()
    key: str = "code"
    value: object = reference
    with contextlib.suppress(ValueError):
        key, value = "uuid", uuid.UUID(reference)
    param = _field(key).get_db_prep_value(value, connection, prepared=False)
    dossier = next(iter(Dossier.objects.raw(_status_sql(key), [param])), None)
    if dossier is None or not policies.can_view(officer, dossier):
        raise NotFound(_("There is no dossier %(code)s among yours.") % {"code": code}, field="code")
    return dossier


def dossier_get_for_officer(*, officer: Officer, code: str) -> Dossier:
    """The dossier with this code (or, before receipt, this UUID) if the officer may see it, with
    its steps, history and results. Raises NotFound otherwise, saying nothing about why."""
    dossier = (
        _by_reference(dossiers_visible_to(officer), code)
        .select_related(
            "procedure_version__procedure", "receiving_agency", "competent_agency", "handling_agency", "composite"
        )
        .prefetch_related(
            Prefetch("steps", queryset=Step.objects.select_related("agency", "assignee", "handed_over_by")),
            Prefetch("history", queryset=HistoryEntry.objects.order_by("sequence")),
            "results",
        )
        .first()
    )
    if dossier is None:
        raise NotFound(_("There is no dossier %(code)s among yours.") % {"code": code}, field="code")
    return dossier


def _local_day_bounds(at: datetime) -> tuple[datetime, datetime]:
    day = timezone.localdate(at)
    start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    return start, start + timedelta(days=1)


def _unfinished() -> Q:
    return Q(closed_at__isnull=True, finished_at__isnull=True)


def dossier_is_overdue(*, dossier: Dossier, at: datetime) -> bool:
    """Past its due moment and not finished: the rule of the `overdue` filter and queue, for one dossier."""
    return (
        dossier.due_at is not None and dossier.closed_at is None and dossier.finished_at is None and dossier.due_at < at
    )


def dossier_list_for_officer(
    *,
    officer: Officer,
    status: int | None = None,
    state: str | None = None,
    agency: str | None = None,
    overdue: bool | None = None,
    queue: str | None = None,
    q: str | None = None,
    at: datetime | None = None,
) -> QuerySet[Dossier]:
    """The dossiers the officer may see, filtered; the most urgent first (earliest due moment, then
    the latest submitted).

    `status`: the national status code 1–10; `state`: an internal state; `agency`: the code of the
    receiving, competent or handling agency; `overdue`: past the due moment and not finished (or not);
    `queue`: one of Queue; `q`: a dossier code (or its beginning), a personal ID number or tax code
    (or its beginning), or words of the applicant's name, case and diacritics ignored.
    """
    now = at or clock.now()
    dossiers = dossiers_visible_to(officer)
    if status is not None:
        dossiers = dossiers.filter(status_code=status)
    if state:
        dossiers = dossiers.filter(state=state)
    if agency:
        code = agency.strip()
        dossiers = dossiers.filter(
            Q(receiving_agency__code=code) | Q(competent_agency__code=code) | Q(handling_agency__code=code)
        )
    if overdue is True:
        dossiers = dossiers.filter(_unfinished(), due_at__lt=now)
    elif overdue is False:
        dossiers = dossiers.exclude(_unfinished() & Q(due_at__lt=now))
    if queue:
        dossiers = _in_queue(dossiers, officer=officer, queue=queue, now=now)
    if q and q.strip():
        dossiers = _matching(dossiers, q.strip())
    return dossiers.select_related(
        "procedure_version", "receiving_agency", "competent_agency", "handling_agency"
    ).order_by(F("due_at").asc(nulls_last=True), "-submitted_at", "-pk")


def _in_queue(dossiers: QuerySet[Dossier], *, officer: Officer, queue: str, now: datetime) -> QuerySet[Dossier]:
    if queue == Queue.MINE:
        return dossiers.filter(Exists(_open_steps().filter(assignee=officer)))
    if queue == Queue.UNIT:
        return dossiers.filter(Exists(_open_steps().filter(agency_id=officer.agency_id, unit=officer.unit)))
    if queue == Queue.DUE_TODAY:
        start, end = _local_day_bounds(now)
        return dossiers.filter(_unfinished(), due_at__gte=start, due_at__lt=end)
    if queue == Queue.OVERDUE:
        return dossiers.filter(_unfinished(), due_at__lt=now)
    if queue == Queue.WAITING_SUPPLEMENT:
        return dossiers.filter(state=State.SUPPLEMENT_REQUESTED)
    raise InvalidInput(_("There is no queue “%(queue)s”.") % {"queue": queue}, field="queue")


def _matching(dossiers: QuerySet[Dossier], term: str) -> QuerySet[Dossier]:
    match = Q(code__istartswith=term) | Q(applicant_id_number__startswith=term)
    folded = fold(term)
    if not _CODE_LIKE.match(term) and any(ch.isalpha() for ch in folded):
        # The applicant's name is compared folded (no diacritics, no case), the same on SQLite and
        # PostgreSQL, against the column services.dossier_submit fills with core.text.fold.
        match |= Q(applicant_name_folded__contains=folded)
    return dossiers.filter(match)


@dataclass(frozen=True, slots=True)
class DeadlineExplained:
    due_at: datetime | None
    lines: list[str]


def dossier_deadline_explained(*, dossier: Dossier) -> DeadlineExplained | None:
    """The due moment recomputed from its inputs, with its explanation in the active language; None
    before receipt, or when the procedure's time limit has no known unit."""
    if dossier.received_at is None:
        return None
    try:
        deadline = services.dossier_deadline(dossier=dossier)
    except TimeLimitUnknown:
        return None
    return DeadlineExplained(due_at=deadline.due_at, lines=deadline.lines())


def officer_for_hand_over(*, agency_id: int, username: str) -> Officer:
    """The active officer `username` of the agency a dossier is handed over to. Raises InvalidInput."""
    officer = (
        Officer.objects.select_related("agency")
        .filter(agency_id=agency_id, user__username=username.strip(), is_active=True)
        .first()
    )
    if officer is None:
        raise InvalidInput(
            _("There is no active officer “%(username)s” in the agency the dossier goes to.") % {"username": username},
            field="assignee",
        )
    return officer


def dossier_get_created(*, dossier: Dossier) -> Dossier:
    """The dossier just submitted by the caller, with what its detail shows (submitters without an
    agency desk, such as the citizen portal, see what they submitted once, in the answer).

    The object the service returned already holds its version and agencies; a dossier just
    submitted has no steps or results yet, so only its history (one entry) is read."""
    prefetch_related_objects([dossier], Prefetch("history", queryset=HistoryEntry.objects.order_by("sequence")))
    cache = dossier._prefetched_objects_cache  # type: ignore[attr-defined]
    cache["steps"] = Step.objects.none()
    cache["results"] = ResultDocument.objects.none()
    return dossier


def dossier_after_action(*, officer: Officer, dossier: Dossier) -> tuple[Dossier, bool]:
    """The dossier as the officer's action left it, and whether the officer still sees it (a
    hand-over moves it off their desk). Only its state is shown to an officer who no longer sees it."""
    after = Dossier.objects.select_related("receiving_agency", "competent_agency", "handling_agency").get(pk=dossier.pk)
    return after, dossiers_visible_to(officer).filter(pk=dossier.pk).exists()


def result_for_verification(*, code: str = "", sha256: tuple[str, ...] = ()) -> ResultDocument | None:
    """For the public signature check: the result numbered `code`, or else the electronic result
    whose file has the first of the `sha256` digests that matches (the file as issued, then the
    revisions a later change may have been appended to). None when nothing matches."""
    results = ResultDocument.objects.select_related("file", "dossier__competent_agency", "dossier__procedure_version")
    if code.strip():
        return results.filter(code=code.strip()).first()
    found = {r.file.sha256: r for r in results.filter(file__sha256__in=sha256) if r.file is not None}
    return next((found[digest] for digest in sha256 if digest in found), None)
