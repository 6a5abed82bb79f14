"""Submissions: the checks every submission passes, and the asynchronous intake of many.

A submission is checked the same way whichever way it comes (the API at once, the API through the
intake queue, the intake worker again before it creates the dossier): the procedure has a version
in force, the channel is one of that version's, and whoever submits may submit there
(`submission_check`).

Asynchronous intake, for systems that submit many dossiers at once (the national portal in a
rush, a province's portal forwarding its day): the API checks the input, keeps it in one row
(`submission_accept`: one INSERT, in the transaction of the idempotency key) and answers 202; the
intake worker (`motcua process-submissions`, `submissions_process`) takes the accepted ones in
batches, oldest first, and creates each dossier with `services.dossier_submit`, in the transaction
that records the outcome on the row. So an accepted submission makes exactly one dossier or one
refusal, whatever crashes: a batch that did not commit is taken again; several workers skip each
other's rows (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer at a time).

The dossier's submission time is the moment of acceptance, not of creation: the applicant submitted
then (domain §2.6 keeps the submission time beside the receipt time, which starts the clock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Final

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Officer
from motcua.agencies.selectors import agency_by_code
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.selectors import version_in_force_cached
from motcua.core import clock
from motcua.core.bulk import insert_together, update_rows
from motcua.core.errors import DomainError, NotFound
from motcua.dossiers import policies, services
from motcua.dossiers.models import Dossier, Submission, SubmissionState

logger = logging.getLogger(__name__)

# An unexpected error (a bug, not a refusal) is retried by the next batches; after this many
# attempts the submission is held for an operator (state FAILED) rather than block the queue.
MAX_ATTEMPTS: Final = 5


@dataclass(frozen=True, slots=True)
class SubmissionInput:
    """What a submission says, checked for shape (the API's serializer)."""

    procedure_code: str
    channel: str
    applicant: services.Applicant
    receiving_agency: Agency
    competent_agency: Agency
    form_data: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    version: ProcedureVersion | None = None  # the version in force, when the caller already has it

    def payload(self) -> dict[str, Any]:
        """The input as JSON, agencies by code: what an accepted submission keeps."""
        return {
            "procedure_code": self.procedure_code,
            "channel": self.channel,
            "applicant": asdict(self.applicant),
            "receiving_agency": self.receiving_agency.code,
            "competent_agency": self.competent_agency.code,
            "form_data": self.form_data,
            "summary": self.summary,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> SubmissionInput:
        """Back from `payload()`. Raises NotFound when an agency no longer exists."""
        return cls(
            procedure_code=payload["procedure_code"],
            channel=payload["channel"],
            applicant=services.Applicant(**payload["applicant"]),
            receiving_agency=agency_by_code(code=payload["receiving_agency"]),
            competent_agency=agency_by_code(code=payload["competent_agency"]),
            form_data=payload.get("form_data") or {},
            summary=payload.get("summary") or "",
        )


def submission_check(*, submission: SubmissionInput, officer: Officer | None) -> tuple[ProcedureVersion, str]:
    """The version the dossier will pin and the role the officer submits in ("" for a system).

    Raises NotFound (no version in force), InvalidInput (a channel the version does not offer),
    ReceiptNotAllowed (the receiving agency may not receive for the competent one: Nghị định
    118/2025/NĐ-CP, within the province only) or ActionNotPermitted (the officer is not a receiving
    officer of the receiving agency)."""
    version = submission.version
    if version is None or version.procedure.code != submission.procedure_code:
        version = version_in_force_cached(code=submission.procedure_code, at=clock.today())
    services.channel_option(version, submission.channel)
    receiving, competent = submission.receiving_agency, submission.competent_agency
    if officer is not None:
        decision = policies.can_submit(officer, receiving, competent)
    else:
        decision = policies.can_receive_for(receiving, competent)
    if not decision and decision.code == "receipt_not_allowed":
        raise policies.ReceiptNotAllowed(decision.reason, field="receiving_agency")
    if not decision:
        raise policies.ActionNotPermitted(decision)
    return version, decision.role


def _new_dossier(
    submission: SubmissionInput,
    *,
    officer: Officer | None,
    role: str,
    version: ProcedureVersion,
    submitted_at: datetime | None,
) -> services.NewDossier:
    return services.NewDossier(
        procedure_code=submission.procedure_code,
        channel=submission.channel,
        applicant=submission.applicant,
        receiving_agency=submission.receiving_agency,
        competent_agency=submission.competent_agency,
        form_data=submission.form_data,
        summary=submission.summary,
        actor=services.officer_actor(officer, role) if officer is not None else None,
        version=version,
        submitted_at=submitted_at,
    )


def dossier_submit_checked(
    *, submission: SubmissionInput, officer: Officer | None, submitted_at: datetime | None = None
) -> Dossier:
    """Check the submission (`submission_check`), then create its dossier (status 1)."""
    version, role = submission_check(submission=submission, officer=officer)
    new = _new_dossier(submission, officer=officer, role=role, version=version, submitted_at=submitted_at)
    return services.dossiers_submit([new])[0]


def submission_accept(
    *,
    submission: SubmissionInput,
    client: str,
    officer: Officer | None,
    alongside: Callable[[Submission], Sequence[Model]] | None = None,
) -> Submission:
    """Check the submission and keep it for the intake worker: one row, no dossier yet.

    `alongside(submission)`: new rows of the caller's that must be written with it, all or none (the
    API's idempotency key with the answer); on PostgreSQL they make one statement together
    (core.bulk). Raises what `submission_check` raises: a submission that cannot be accepted is
    refused at once, and nothing is written."""
    _version, role = submission_check(submission=submission, officer=officer)
    row = Submission(
        client=client,
        officer=officer,
        role=role,
        payload=submission.payload(),
        state=SubmissionState.ACCEPTED,
        accepted_at=clock.now(),
    )
    insert_together([row, *(alongside(row) if alongside is not None else ())])
    return row


@dataclass(slots=True)
class IntakeReport:
    created: int = 0
    refused: int = 0
    retried: int = 0
    held: int = 0

    @property
    def settled(self) -> int:
        return self.created + self.refused + self.held

    def __str__(self) -> str:
        return (
            f"{self.created} dossiers created, {self.refused} submissions refused, "
            f"{self.retried} to retry, {self.held} held for an operator"
        )


def _problem(exc: DomainError) -> dict[str, str]:
    return {"code": exc.code, "detail": str(exc.message), "field": exc.field or ""}


def submissions_process(*, limit: int = 100) -> IntakeReport:
    """Create the dossiers of up to `limit` accepted submissions, oldest first, in one transaction.

    Each submission is checked again (the procedure may have been abolished meanwhile, the officer
    may have lost the role: a refusal, recorded as such). The dossiers of those that pass are made
    together by `services.dossiers_submit`, a few statements for the whole batch, in a savepoint.
    If that fails, they are made one by one, each in its own savepoint, so that one bad submission
    cannot hold back the others: its unexpected error is counted as an attempt and retried by a later
    batch, then held for an operator after MAX_ATTEMPTS. The outcomes are recorded in the same
    transaction as the dossiers."""
    report = IntakeReport()
    # A look outside any transaction first: an idle worker polls often, and on SQLite every
    # transaction here would take the database's write lock (transaction_mode IMMEDIATE).
    if not Submission.objects.filter(state=SubmissionState.ACCEPTED).exists():
        return report
    with transaction.atomic():
        batch = list(
            # of=("self",): lock the submissions only (PostgreSQL refuses FOR UPDATE on the nullable
            # side of the outer join to the officer).
            Submission.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("officer__agency")
            .filter(state=SubmissionState.ACCEPTED)
            .order_by("accepted_at", "pk")[:limit]
        )
        outcomes = _Outcomes(report)
        ready: list[tuple[Submission, services.NewDossier]] = []
        for row in batch:
            try:
                submission = SubmissionInput.from_payload(row.payload)
                version, role = submission_check(submission=submission, officer=row.officer)
            except DomainError as exc:
                outcomes.refused(row, exc)
                continue
            except Exception:
                outcomes.failed(row)
                continue
            new = _new_dossier(
                submission, officer=row.officer, role=role, version=version, submitted_at=row.accepted_at
            )
            ready.append((row, new))
        try:
            with transaction.atomic():
                dossiers = services.dossiers_submit([new for _row, new in ready])
        except Exception:
            logger.warning("a batch of %s submissions failed together; making them one by one", len(ready))
            for row, new in ready:
                try:
                    outcomes.created(row, services.dossiers_submit([new])[0])
                except DomainError as exc:
                    outcomes.refused(row, exc)
                except Exception:
                    outcomes.failed(row)
        else:
            for (row, _new), dossier in zip(ready, dossiers, strict=True):
                outcomes.created(row, dossier)
        outcomes.record()
    return report


class _Outcomes:
    """The outcome of each submission of a batch, recorded in one statement (core.bulk.update_rows)."""

    def __init__(self, report: IntakeReport) -> None:
        self.report = report
        self.now = clock.now()
        self.rows: list[Submission] = []

    def created(self, row: Submission, dossier: Dossier) -> None:
        row.state = SubmissionState.CREATED
        row.dossier = dossier
        row.settled_at = self.now
        self.rows.append(row)
        self.report.created += 1

    def refused(self, row: Submission, exc: DomainError) -> None:
        row.state = SubmissionState.REFUSED
        row.problem = _problem(exc)
        row.settled_at = self.now
        self.rows.append(row)
        self.report.refused += 1

    def failed(self, row: Submission) -> None:
        row.attempts += 1
        logger.exception("submission %s: attempt %s failed", row.uuid, row.attempts)
        if row.attempts < MAX_ATTEMPTS:
            self.report.retried += 1
        else:
            row.state = SubmissionState.FAILED
            row.problem = {
                "code": "intake_failed",
                "detail": _("The dossier could not be created yet; the submission is kept for an operator."),
                "field": "",
            }
            row.settled_at = self.now
            self.report.held += 1
        self.rows.append(row)

    def record(self) -> None:
        update_rows(self.rows, ["state", "dossier", "problem", "attempts", "settled_at"])


def submissions_process_until_idle(*, limit: int = 100, stop: Callable[[], bool] = lambda: False) -> IntakeReport:
    """Process batches until a batch is not full (the queue is drained) or `stop()` says so."""
    total = IntakeReport()
    while not stop():
        report = submissions_process(limit=limit)
        total.created += report.created
        total.refused += report.refused
        total.retried += report.retried
        total.held += report.held
        if report.settled + report.retried < limit or report.settled == 0:
            break
    return total


def submissions_retry(*, ids: list[int]) -> int:
    """Put held submissions (FAILED) back in the queue with a fresh series of attempts, once an
    operator has fixed the cause (the admin's "Retry now"). Returns how many; others are left alone."""
    return Submission.objects.filter(pk__in=ids, state=SubmissionState.FAILED).update(
        state=SubmissionState.ACCEPTED, attempts=0, problem=None, settled_at=None
    )


def submission_for_client(*, uuid: str, client: str) -> Submission:
    """The submission `uuid` of `client`. Raises NotFound for another client's, like a missing one."""
    row = (
        Submission.objects.select_related("dossier")
        .filter(uuid=uuid, client=client)
        .only("uuid", "state", "accepted_at", "settled_at", "problem", "dossier__uuid", "dossier__code")
        .first()
    )
    if row is None:
        raise NotFound(_("There is no such submission."), field="id")
    return row
