"""The national catalogue of administrative procedures (CSDL quốc gia về TTHC), versioned.

A `Procedure` is the stable identity (its national code, e.g. 1.001193, or a localised one such as
1.000948.H38); everything the law says about it lives in a `ProcedureVersion`. Legal basis:
Nghị định 63/2010/NĐ-CP Art 8(2) (as amended by 92/2017/NĐ-CP) lists the components a procedure
must have: (a) name, (b) steps, (c) method of submission, (d) dossier components and copies,
(đ) time limit, (e) applicants, (g) implementing agency, (h) where applicable forms, result,
conditions, fees. A published version is immutable: an amendment is a new version with its own
effective dates, and a dossier pins the version in force when it was received (domain §0.2, §1).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, OfficerRole


class TimeUnit(models.TextChoices):
    """Units of a time limit (766 field `DonViTinh`); unknown when the source lost it."""

    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


class UnitSource(models.TextChoices):
    """How the unit of an imported time limit was known."""

    EXPLICIT = "explicit", _("stated with the time limit")
    INFERRED = "inferred", _("taken from another statement in the same record")
    UNKNOWN = "unknown", _("unknown: a number without a unit")
    ABSENT = "absent", _("no time limit stated")
    MANUAL = "manual", _("entered by an operator")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    POSTAL = "postal", _("Public postal service")


class OnlineLevel(models.TextChoices):
    # Nghị định 42/2022/NĐ-CP Art 11, kept by Nghị định 224/2026/NĐ-CP Art 14: full (toàn trình)
    # when filing, processing and returning the result all happen online; otherwise partial.
    FULL = "full", _("Full online service")
    PARTIAL = "partial", _("Partial online service")
    NONE = "none", _("No online service")


class Level(models.TextChoices):
    """Levels of government that implement the procedure (districts were abolished on 1 July 2025)."""

    CENTRAL = "central", _("Ministry level")
    PROVINCE = "province", _("Province level")
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")


class Field(models.Model):
    """A sector (lĩnh vực), e.g. Hộ tịch; the code list is set by Thông tư 03/2025/TT-VPCP."""

    code = models.CharField(_("code"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=255, unique=True)
    name_folded = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """The identity of a procedure across its versions."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    # Denormalised from the version in force, for search and listing (filled by services).
    name = models.CharField(_("name"), max_length=1000, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    # Search columns (motcua.catalog.search, filled by search_index_update): folded words separated by
    # single spaces, with a space at each end, so that " khai sinh" matches at a word start with LIKE.
    name_words = models.TextField(editable=False, blank=True, default="")
    search_words = models.TextField(editable=False, blank=True, default="")
    agency_words = models.TextField(editable=False, blank=True, default="")
    popularity = models.PositiveIntegerField(
        _("popularity"), default=0, help_text=_("Dossiers received in the last year; used to rank search results.")
    )
    is_abolished = models.BooleanField(_("abolished"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("administrative procedure")
        verbose_name_plural = _("administrative procedures")
        ordering = ["code"]
        # The order of a list without a search: its first page is read from here, not sorted.
        indexes = [models.Index(fields=["-popularity", "code"], name="catalog_procedure_popular")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProcedureVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        AMENDED = "amended", _("Amended (replaced by a later version)")
        ABOLISHED = "abolished", _("Abolished")

    class Source(models.TextChoices):
        PORTAL_IMPORT = "portal_import", _("Imported from the National Public Service Portal")
        OPERATOR = "operator", _("Entered by an operator")

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # (a) name; the longest published name has 672 characters.
    name = models.CharField(_("name"), max_length=1000)
    decision_number = models.CharField(_("publication decision"), max_length=200, blank=True)
    decision_date = models.DateField(_("publication decision date"), null=True, blank=True)
    levels = models.JSONField(
        _("levels"), default=list, blank=True, help_text=_("Level codes: central, province, commune.")
    )
    levels_text = models.CharField(_("levels as published"), max_length=255, blank=True)
    kind = models.CharField(_("type of procedure"), max_length=255, blank=True)
    fields = models.ManyToManyField(Field, verbose_name=_("fields"), related_name="versions", blank=True)
    # (e) applicants
    applicants = models.JSONField(_("who may apply"), default=list, blank=True)
    # (g) agencies, as the catalogue states them (a role, not one agency: "Công an cấp Xã").
    competent_agency = models.TextField(_("competent agency"), blank=True)
    implementing_agency = models.TextField(_("implementing agency"), blank=True)
    delegated_agency = models.TextField(_("delegated agency"), blank=True)
    coordinating_agency = models.TextField(_("coordinating agency"), blank=True)
    receiving_address = models.TextField(_("where to submit"), blank=True)
    publishing_agency = models.ForeignKey(
        Agency,
        verbose_name=_("publishing agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_procedure_versions",
    )
    # (b) steps, as an ordered list of texts.
    steps = models.JSONField(_("steps"), default=list, blank=True)
    conditions = models.TextField(_("requirements and conditions"), blank=True)
    related_procedures = models.TextField(_("related procedures"), blank=True)
    online_level = models.CharField(
        _("online service level"), max_length=16, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    online_level_reason = models.TextField(
        _("why not fully online"),
        blank=True,
        help_text=_(
            "Nghị định 224/2026/NĐ-CP Art 14: the reason and legal basis when the service is only partly online."
        ),
    )
    same_day_cutoff = models.TimeField(
        _("afternoon cut-off"),
        null=True,
        blank=True,
        help_text=_("For a same-day procedure: receipts after this time count from the next working day (e.g. 15:00)."),
    )
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OPERATOR)
    source_url = models.URLField(_("source page"), max_length=500, blank=True)
    # The portal record as received, so that export → import is lossless and parsing can be redone.
    source_record = models.JSONField(default=dict, blank=True, editable=False)
    # Hash of the normalised content: an import of identical content changes nothing.
    content_hash = models.CharField(max_length=64, editable=False, db_index=True)
    # What the importer could not understand: [{"code", "detail"}]; shown to operators.
    flags = models.JSONField(_("import flags"), default=list, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="catalog_version_number_unique"),
            # At most one version in force per procedure (the selectors find it without ambiguity).
            models.UniqueConstraint(
                fields=["procedure"], condition=models.Q(status="published"), name="catalog_one_published_version"
            ),
        ]
        indexes = [
            # Covers the whole "in force on a day" test (selectors.versions_in_force_on), so that search
            # checks it for thousands of procedures without reading the version rows.
            models.Index(
                fields=["procedure", "status", "effective_from", "effective_to"], name="catalog_version_in_force"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class ChannelOption(models.Model):
    """(c) a method of submission with its own (đ) time limit and fees."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="channels")
    order = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    time_limit_value = models.DecimalField(_("time limit"), max_digits=8, decimal_places=2, null=True, blank=True)
    time_limit_unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices, blank=True)
    time_limit_source = models.CharField(
        _("unit known from"), max_length=16, choices=UnitSource.choices, default=UnitSource.MANUAL
    )
    time_limit_text = models.CharField(_("time limit as published"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("submission channel")
        verbose_name_plural = _("submission channels")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.time_limit_text}"


class Fee(models.Model):
    """A fee or charge of a channel (phí, lệ phí); amount 0 means free, None a rate or a text."""

    channel = models.ForeignKey(ChannelOption, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(default=0)
    amount_vnd = models.PositiveBigIntegerField(_("amount (VND)"), null=True, blank=True)
    # A few fees are set in another currency (consular and customs fees in USD): kept as stated.
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, help_text=_("ISO 4217, e.g. VND, USD."))
    is_free = models.BooleanField(_("free of charge"), default=False)
    understood = models.BooleanField(_("understood"), default=True)
    text = models.TextField(_("fee as published"), blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["channel", "order"]

    def __str__(self) -> str:
        return self.text or str(self.amount_vnd)


class DocumentRequirement(models.Model):
    """(d) a dossier component: name, originals and copies, templates, when it applies."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(default=0)
    case_name = models.TextField(
        _("case"), blank=True, help_text=_("The situation this document belongs to; empty when it always applies.")
    )
    name = models.TextField(_("name"))
    originals = models.PositiveSmallIntegerField(_("originals"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(_("copies"), null=True, blank=True)
    quantity_text = models.CharField(_("quantity as published"), max_length=255, blank=True)
    templates = models.JSONField(_("form templates"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    # Nghị quyết 66.7/2025/NQ-CP, Nghị định 224/2026 Art 15: information the state already holds
    # is taken from the database instead of being asked for again.
    reusable_from_data = models.BooleanField(_("can be taken from data the state holds"), default=False)

    class Meta:
        verbose_name = _("dossier component")
        verbose_name_plural = _("dossier components")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name[:80]


class LegalBasis(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="legal_basis")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.TextField(_("title"))
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal basis")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.number or self.title[:80]


class ResultType(models.Model):
    """A result the procedure produces, with its national result code (e.g. KQ.G15.000031)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="results")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.TextField(_("name"))
    code = models.CharField(_("result code"), max_length=40, blank=True)
    requires_paper = models.BooleanField(
        _("must be returned on paper"), default=False, help_text=_("The law requires the result as a paper document.")
    )

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:60]}".strip()


# Who performs a step of handling (domain §2.2): an officer role (defined once, in agencies), or
# another agency taking part in an interlinked procedure.
COORDINATING_AGENCY = "coordinating_agency"
STEP_ROLE_CHOICES: list[tuple[str, str | Promise]] = [
    *((value, label) for value, label in OfficerRole.choices if value != OfficerRole.AGENCY_ADMINISTRATOR),
    (COORDINATING_AGENCY, _("Coordinating agency")),
]


class ProcessingFlow(models.Model):
    """The ordered steps of handling of a procedure version, for all agencies or for one."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="flows")
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("implementing agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="processing_flows",
        help_text=_("Empty: the flow of every agency that has none of its own."),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    name = models.CharField(_("name"), max_length=255)
    is_default = models.BooleanField(
        _("generated default"),
        default=False,
        help_text=_("Generated from the time limit; replace it with the real flow."),
    )

    class Meta:
        verbose_name = _("processing flow")
        verbose_name_plural = _("processing flows")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "agency", "channel"], name="catalog_flow_unique_per_agency_channel"
            ),
            models.UniqueConstraint(
                fields=["version", "channel"],
                condition=models.Q(agency__isnull=True),
                name="catalog_flow_unique_general",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FlowStep(models.Model):
    flow = models.ForeignKey(ProcessingFlow, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role"), max_length=32, choices=STEP_ROLE_CHOICES)
    unit = models.CharField(
        _("organisational unit"), max_length=255, help_text=_("E.g. Bộ phận Một cửa, Phòng Tư pháp, Công an xã.")
    )
    # Interlinked procedures hand a dossier to several agencies at once (e.g. the police register
    # the residence while social insurance issues the health-insurance card, domain §4.1): such a
    # step runs alongside the step before it, and the budget check counts the longer of the two.
    parallel_with_previous = models.BooleanField(_("runs alongside the previous step"), default=False)
    budget_value = models.DecimalField(_("time budget"), max_digits=8, decimal_places=2)
    budget_unit = models.CharField(
        _("budget unit"),
        max_length=16,
        choices=[
            (TimeUnit.WORKING_HOURS, TimeUnit.WORKING_HOURS.label),
            (TimeUnit.WORKING_DAYS, TimeUnit.WORKING_DAYS.label),
        ],
    )

    class Meta:
        verbose_name = _("flow step")
        verbose_name_plural = _("flow steps")
        ordering = ["flow", "order"]
        constraints = [models.UniqueConstraint(fields=["flow", "order"], name="catalog_flow_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class CatalogChange(models.Model):
    """Append-only audit of the catalogue: who did what to which procedure version, with the changes."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="changes")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=40)
    actor = models.CharField(max_length=150)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("catalogue change")
        verbose_name_plural = _("catalogue changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.procedure.code} {self.action} by {self.actor}"


class EForm(models.Model):
    """One revision of the electronic declaration form (tờ khai điện tử) of a procedure.

    Legal basis: Nghị định 224/2026/NĐ-CP Art 15(1): every online service has an e-form, filled
    automatically from the data the state holds so that people provide information only once
    (domain §1.4, §3.3). The fields are a JSON schema checked by motcua.catalog.eforms before a
    revision is accepted; like a document template, a revision is never changed: an edit appends
    revision n+1, and a draft or dossier records the revision it was filled in with.
    """

    class Source(models.TextChoices):
        PACKAGED = "packaged", _("Packaged with the software")
        OPERATOR = "operator", _("Entered by an operator")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="eforms"
    )
    # Empty: the form of every version of the procedure that has none of its own.
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("procedure version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="eforms",
        help_text=_("Empty: every version of the procedure without a form of its own."),
    )
    revision = models.PositiveIntegerField(_("revision"))
    schema = models.JSONField(_("fields (JSON)"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.OPERATOR)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("e-form")
        verbose_name_plural = _("e-forms")
        ordering = ["procedure__code", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "revision"], name="catalog_eform_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} e-form r{self.revision}"
