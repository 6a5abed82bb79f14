"""Dossiers (hồ sơ) under the one-stop mechanism: the aggregate, its clock and its history.

A dossier is always a dossier of one pinned procedure version (the version in force when it was
submitted, domain §0.2). Three organisations are kept apart (domain §2.1, Nghị định 118/2025
non-geographical receipt): where it was received, the agency competent to decide, and the agency
currently handling it. It may be one child of a composite dossier spanning agencies (interlinked
procedure groups, domain §4). Nothing here is edited in place except the current state and the
denormalised dates; every change appends a `HistoryEntry` chained by hash to the previous one.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, Officer
from motcua.catalog.models import Channel, EForm, ProcedureVersion
from motcua.citizens.models import Citizen
from motcua.documents.models import StoredFile
from motcua.dossiers.numbering import DossierCodeSequence
from motcua.dossiers.workflow import STATE_LABELS, State

__all__ = [
    "Apology",
    "Dossier",
    "DossierCodeSequence",
    "DossierDocument",
    "Draft",
    "DraftFile",
    "HistoryEntry",
    "Pause",
    "ResultDocument",
    "Step",
    "Submission",
    "SubmissionState",
]

STATE_CHOICES = [(state.value, label) for state, label in STATE_LABELS.items()]


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business or organisation")


class Dossier(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Assigned at receipt (Thông tư 01/2018/TT-VPCP Art 19); empty while only submitted.
    code = models.CharField(_("dossier code"), max_length=64, unique=True, null=True, blank=True)
    procedure_version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("procedure version"), on_delete=models.PROTECT, related_name="dossiers"
    )
    procedure_code = models.CharField(_("procedure code"), max_length=32, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=32, choices=STATE_CHOICES, default=State.SUBMITTED)
    status_code = models.PositiveSmallIntegerField(_("national status code"), default=1)
    # Bumped by every change: two officers acting on the same version of a dossier cannot both win.
    revision = models.PositiveIntegerField(default=0)

    applicant_kind = models.CharField(
        _("applicant"), max_length=16, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("applicant's name"), max_length=255)
    # fold(applicant_name): officers search names without diacritics (selectors._matching).
    applicant_name_folded = models.CharField(max_length=255, editable=False, db_index=True, default="")
    applicant_id_number = models.CharField(_("personal ID number or tax code"), max_length=20, db_index=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=500, blank=True)
    summary = models.TextField(_("summary of the request"), blank=True)
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    # The signed-in citizen who submitted it online (the applicant above is whom it is for: themselves,
    # a business or another citizen they act for). Read by the citizen's "my dossiers".
    submitted_by = models.ForeignKey(
        Citizen,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_submitted",
    )

    receiving_agency = models.ForeignKey(
        Agency, verbose_name=_("receiving agency"), on_delete=models.PROTECT, related_name="received_dossiers"
    )
    competent_agency = models.ForeignKey(
        Agency, verbose_name=_("competent agency"), on_delete=models.PROTECT, related_name="decided_dossiers"
    )
    handling_agency = models.ForeignKey(
        Agency, verbose_name=_("handling agency"), on_delete=models.PROTECT, related_name="handled_dossiers"
    )
    composite = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
        help_text=_("The interlinked dossier this one belongs to (birth + residence + health insurance…)."),
    )

    submitted_at = models.DateTimeField(_("submitted at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    # The statutory due moment, recomputed from its inputs (deadlines.py); never edited by hand.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    # The appointment given to the applicant: the due moment, or a new one after an apology.
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    finished_at = models.DateTimeField(_("result ready at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    supplement_requests = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    # QĐ 766: late if finished after the due moment, whatever new appointment was given, or if a
    # second supplement was requested (domain §2.6). Set by the services, read by indicators.
    is_late = models.BooleanField(_("late"), default=False)
    # Deadline state, like healthchecks' alert_after: set once by the sweeper (sweeper.py), each with
    # a compare-and-set, so that a warning or a breach is published exactly once per due moment.
    warned_at = models.DateTimeField(_("due-soon warning sent at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("found past due at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            models.Index(fields=["handling_agency", "state"], name="dossiers_agency_state"),
            # Used by the deadline sweeper and the overdue queues: open dossiers by due moment.
            models.Index(
                fields=["due_at"],
                name="dossiers_open_due",
                condition=models.Q(closed_at__isnull=True, due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"({self.uuid})"

    @property
    def state_enum(self) -> State:
        return State(self.state)


class Pause(models.Model):
    """A period during which the statutory clock stood still (a supplement request)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.reason} {self.started_at:%Y-%m-%d %H:%M}–{self.ended_at or '…'}"


class SupplementRequest(models.Model):
    """What is missing per document, with the reason (Nghị định 63/2010 Art 18(5): in writing, with reasons)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplement_requests_made")
    number = models.PositiveSmallIntegerField()
    items = models.JSONField(default=list)  # [{"document": name, "reason": text}]
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.dossier} #{self.number}"


class Apology(models.Model):
    """An apology letter with the reason and a new appointment, issued before the due moment
    (Nghị quyết 131/NQ-CP; domain §2.6), with the explanation to the head of the agency."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apologies")
    reason = models.TextField()
    explanation_to_head = models.TextField()
    previous_appointment_at = models.DateTimeField()
    new_appointment_at = models.DateTimeField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["issued_at"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.issued_at:%Y-%m-%d} → {self.new_appointment_at:%Y-%m-%d %H:%M}"


class Step(models.Model):
    """One row of the process control slip: a hand-over to a unit or person, with its due moment."""

    class Outcome(models.TextChoices):
        EARLY = "early", _("Early")
        ON_TIME = "on_time", _("On time")
        LATE = "late", _("Late")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=32)
    unit = models.CharField(max_length=255)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(Officer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handed_over_by = models.ForeignKey(Officer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    # Set once by the deadline sweeper (sweeper.py), as on Dossier.
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "order"]
        constraints = [models.UniqueConstraint(fields=["dossier", "order"], name="dossiers_step_order_unique")]
        # Used by the deadline sweeper, which reads open steps in due order.
        indexes = [
            models.Index(
                fields=["due_at"], name="dossiers_open_step_due", condition=models.Q(completed_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.order}. {self.name}"


class ResultDocument(models.Model):
    """A result of the dossier, numbered `<dossier code>-KQn`, with the result type it delivers."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="results")
    code = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=500)
    result_type_code = models.CharField(max_length=40, blank=True)
    issued_at = models.DateTimeField()
    # The electronic result (a PDF generated from a template and signed by the agency, domain §12);
    # blank for a result issued on paper only. Indicators count results issued electronically.
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(Officer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DossierDocument(models.Model):
    """One version of one component of a dossier (a file the applicant provided or the state reused).

    Versions are appended: a supplement or a better scan adds version n+1 of the same component and
    the earlier file stays. `origin` carries the flags the service-quality indicators count (domain
    §3.2, §5 group 4): components digitised at the counter and components reused from data held.
    """

    class Origin(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded by the applicant")
        DIGITISED = "digitised", _("Digitised at the counter")
        REUSED = "reused", _("Reused from data already held")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    # The component as the procedure version names it (DocumentRequirement.name), or free text for
    # an extra paper the applicant brought.
    component = models.CharField(_("component"), max_length=500)
    version = models.PositiveSmallIntegerField(_("version"))
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    # For a reused component: the code of the result or record it came from (e.g. "...-KQ1").
    source_reference = models.CharField(_("source"), max_length=120, blank=True)
    added_at = models.DateTimeField(_("added at"))
    added_by = models.ForeignKey(Officer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["dossier_id", "component", "version"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "component", "version"], name="dossiers_document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.component} v{self.version}"


class HistoryEntry(models.Model):
    """Append-only, hash-chained history of a dossier (who, which unit, when, from → to, why).

    `hash` = SHA-256 of the previous entry's hash and this entry's canonical content, so changing,
    removing or reordering any entry breaks every later hash (`motcua verify-history`).
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="history")
    sequence = models.PositiveIntegerField()
    at = models.DateTimeField()
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    actor = models.CharField(max_length=255)
    actor_role = models.CharField(max_length=32, blank=True)
    actor_unit = models.CharField(max_length=255, blank=True)
    actor_agency = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["dossier", "sequence"]
        constraints = [models.UniqueConstraint(fields=["dossier", "sequence"], name="dossiers_history_sequence")]

    def __str__(self) -> str:
        return f"{self.sequence} {self.action} {self.from_state}→{self.to_state}"


class Draft(models.Model):
    """A citizen's online application before it is submitted (lưu nháp, domain §2.3 internal sub-state).

    Kept on the server, so it can be resumed from any device; `revision` is bumped by every save of
    the entered data, and a save based on an older revision is refused (two tabs, two devices). The
    files attached so far are `DraftFile`s. Once submitted, the draft keeps only the link to its
    dossier (a second press of "submit" finds it) and its entered data is cleared.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class PrincipalKind(models.TextChoices):
        SELF = "self", _("Yourself")
        BUSINESS = "business", _("A business")
        CITIZEN = "citizen", _("Another person")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    citizen = models.ForeignKey(Citizen, verbose_name=_("citizen"), on_delete=models.CASCADE, related_name="drafts")
    procedure_version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("procedure version"), on_delete=models.PROTECT, related_name="+"
    )
    procedure_code = models.CharField(_("procedure code"), max_length=32)
    # The e-form revision the data was entered in; None: the generic form.
    eform = models.ForeignKey(EForm, verbose_name=_("e-form"), on_delete=models.PROTECT, null=True, related_name="+")
    principal_kind = models.CharField(
        _("on behalf of"), max_length=16, choices=PrincipalKind.choices, default=PrincipalKind.SELF
    )
    # The principal's personal ID number or tax code (citizens.selectors.Principal.identifier).
    principal_identifier = models.CharField(_("principal's identifier"), max_length=20)
    case_name = models.TextField(_("case"), blank=True)
    competent_agency = models.ForeignKey(
        Agency, verbose_name=_("competent agency"), on_delete=models.PROTECT, related_name="+"
    )
    receiving_agency = models.ForeignKey(
        Agency, verbose_name=_("receiving centre"), on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(_("entered data"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, null=True, blank=True, related_name="draft"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        ordering = ["-updated_at", "-pk"]
        # The citizen's list of open drafts (drafts.drafts_of).
        indexes = [models.Index(fields=["citizen", "status", "-updated_at"], name="dossiers_draft_citizen")]

    def __str__(self) -> str:
        return f"{self.procedure_code} draft {self.uuid} r{self.revision}"


class DraftFile(models.Model):
    """The file attached to one dossier component of a draft; attaching another replaces it."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    # The component as the procedure version names it (DocumentRequirement.name, whitespace collapsed).
    component = models.CharField(_("component"), max_length=500)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["draft", "component"]
        constraints = [models.UniqueConstraint(fields=["draft", "component"], name="dossiers_draft_file_unique")]

    def __str__(self) -> str:
        return f"{self.draft} {self.component}"


class SubmissionState(models.TextChoices):
    ACCEPTED = "accepted", _("accepted, the dossier is being created")
    CREATED = "created", _("dossier created")
    REFUSED = "refused", _("refused")
    FAILED = "failed", _("held for an operator")


class Submission(models.Model):
    """A submission accepted for asynchronous creation (dossiers.intake).

    A system that submits many dossiers (the national portal, a province's portal) asks the API to
    answer at once (`Prefer: respond-async`): the checked input is kept here in one INSERT, the
    answer is 202 with this row's address, and the intake worker creates the dossier from it with
    the same service as a synchronous submission, in the transaction that records the outcome here,
    so that each accepted submission makes exactly one dossier or one refusal."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The API client that submitted (api.auth: a system's name or an officer's token), who alone may read it.
    client = models.CharField(max_length=255)
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=32, blank=True)  # the role the officer submitted in (policies)
    # The checked input, with agencies and procedure by code (intake.SubmissionInput).
    payload = models.JSONField()
    state = models.CharField(max_length=16, choices=SubmissionState.choices, default=SubmissionState.ACCEPTED)
    accepted_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, null=True, blank=True, related_name="submission")
    # A refusal or a hold: {"code", "detail", "field"}, as the problem+json of a synchronous answer.
    problem = models.JSONField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        # The intake worker's queue: the accepted ones, oldest first.
        indexes = [
            models.Index(
                fields=["accepted_at"],
                name="dossiers_submission_queue",
                condition=models.Q(state="accepted"),
            )
        ]

    def __str__(self) -> str:
        return f"submission {self.uuid} ({self.state})"
