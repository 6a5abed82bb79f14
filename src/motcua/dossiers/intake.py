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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Officer
from motcua.agencies.selectors import agency_by_code
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.selectors import version_in_force_cached
from motcua.core import clock
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


def dossier_submit_checked(
    *, submission: SubmissionInput, officer: Officer | None, submitted_at: datetime | None = None
) -> Dossier:
    """Check the submission (`submission_check`), then create its dossier (status 1)."""
    version, role = submission_check(submission=submission, officer=officer)
    return services.dossier_submit(
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


def submission_accept(*, submission: SubmissionInput, client: str, officer: Officer | None) -> Submission:
    """Check the submission and keep it for the intake worker: one INSERT, no dossier yet.

    Raises what `submission_check` raises: a submission that cannot be accepted is refused at once."""
    _version, role = submission_check(submission=submission, officer=officer)
    return Submission.objects.create(
        client=client,
        officer=officer,
        role=role,
        payload=submission.payload(),
        state=SubmissionState.ACCEPTED,
        accepted_at=clock.now(),
    )


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

    Each dossier is made in its own savepoint (dossier_submit is atomic): a refusal (the procedure
    was abolished meanwhile, the officer lost the role) is recorded as such, an unexpected error is
    counted as an attempt and retried by a later batch, then held for an operator after MAX_ATTEMPTS."""
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
        now = clock.now()
        settled: list[Submission] = []
        for row in batch:
            try:
                # Checks write nothing; dossier_submit is atomic itself (its own savepoint here).
                submission = SubmissionInput.from_payload(row.payload)
                row.dossier = dossier_submit_checked(
                    submission=submission, officer=row.officer, submitted_at=row.accepted_at
                )
                row.state = SubmissionState.CREATED
                report.created += 1
            except DomainError as exc:
                row.state = SubmissionState.REFUSED
                row.problem = _problem(exc)
                report.refused += 1
            except Exception:
                row.attempts += 1
                logger.exception("submission %s: attempt %s failed", row.uuid, row.attempts)
                if row.attempts < MAX_ATTEMPTS:
                    report.retried += 1
                    row.save(update_fields=["attempts"])
                    continue
                row.state = SubmissionState.FAILED
                row.problem = {
                    "code": "intake_failed",
                    "detail": _("The dossier could not be created yet; the submission is kept for an operator."),
                    "field": "",
                }
                report.held += 1
            row.settled_at = now
            settled.append(row)
        # One statement for the batch's outcomes, in the transaction that made their dossiers.
        Submission.objects.bulk_update(settled, ["state", "dossier", "problem", "attempts", "settled_at"])
    return report


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
