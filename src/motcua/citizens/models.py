"""Citizens, businesses and who may act for whom on the portal.

A `Citizen` is one person, identified by the personal identification number (domain §10.1) that the
identity provider vouched for; it is linked one to one with a Django user that has no usable
password: citizens only ever sign in through the identity provider (VNeID in production, domain
§3.7). A `Business` is an organisation known by its tax code (domain §10.2). An `Authorisation`
lets a citizen (the agent) act for a business or for another citizen (the principal); it is never
edited or deleted, only ended by appending an `AuthorisationRevocation`. Every sign-in appends a
`SignIn` row.

Writes: motcua.citizens.services. Reads: motcua.citizens.selectors.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.identity.validators import validate_personal_id_number, validate_tax_code


class AssuranceLevel(models.IntegerChoices):
    # Nghị định 69/2024/NĐ-CP (domain §10.4): level 1 identifies the person from their declared data;
    # level 2 adds biometric verification and is equivalent to presenting the căn cước card.
    LEVEL_1 = 1, _("Level 1")
    LEVEL_2 = 2, _("Level 2")


class Gender(models.TextChoices):
    # Same values as motcua.identity.identifiers.Gender, so validate_personal_id can check them.
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Citizen(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="citizen"
    )
    personal_id = models.CharField(
        _("personal identification number"), max_length=12, unique=True, validators=[validate_personal_id_number]
    )
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    # The commune of the address, when the identity provider gave a code of a unit in force.
    commune = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    assurance_level = models.PositiveSmallIntegerField(
        _("assurance level of the last sign-in"), choices=AssuranceLevel.choices
    )
    idp_issuer = models.CharField(_("identity provider"), max_length=255)
    idp_subject = models.CharField(_("subject at the identity provider"), max_length=255)
    created_at = models.DateTimeField(_("created at"))
    last_sign_in_at = models.DateTimeField(_("last sign-in at"))

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        ordering = ["full_name", "personal_id"]
        constraints = [
            # citizen_sign_in_from_claims looks the account up by (issuer, subject) first.
            models.UniqueConstraint(fields=["idp_issuer", "idp_subject"], name="citizens_citizen_idp_subject_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id})"


class SignIn(models.Model):
    """One sign-in through the identity provider: appended, never changed (domain §13, access log)."""

    citizen = models.ForeignKey(Citizen, verbose_name=_("citizen"), on_delete=models.PROTECT, related_name="sign_ins")
    signed_in_at = models.DateTimeField(_("signed in at"))
    idp_issuer = models.CharField(_("identity provider"), max_length=255)
    idp_subject = models.CharField(_("subject at the identity provider"), max_length=255)
    acr = models.CharField(_("authentication context (acr)"), max_length=255)
    assurance_level = models.PositiveSmallIntegerField(_("assurance level"), choices=AssuranceLevel.choices)
    # Names of the Citizen fields this sign-in created or changed, e.g. ["address", "phone"].
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        ordering = ["-signed_in_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.citizen} @ {self.signed_in_at:%Y-%m-%d %H:%M}"


class Business(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tax_code = models.CharField(_("tax code"), max_length=14, unique=True, validators=[validate_tax_code])
    name = models.CharField(_("name"), max_length=300)
    address = models.CharField(_("address"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name", "tax_code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_code})"


class Authorisation(models.Model):
    """The agent may act for the principal (a business or another citizen) within a scope and period.

    Legal basis: Bộ luật Dân sự 91/2015/QH13 art. 134-140 (representation by law, e.g. a company's legal
    representative, art. 137; and by authorisation, art. 138; its period, art. 140) [U: not in the
    domain spec's source register]; the one-stop actors "người nộp hồ sơ ... người được ủy quyền" of
    domain §2.2. Never edited: a change is a revocation plus a new grant.
    """

    class Kind(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
        AUTHORISED_PERSON = "authorised_person", _("Authorised person")

    class Source(models.TextChoices):
        # Recorded by an officer or an operator from an authorisation document.
        RECORDED = "recorded", _("Recorded from a document")
        # Asserted by the identity provider at sign-in (e.g. the legal representative of a business);
        # ended by the next sign-in that no longer asserts it.
        IDENTITY_PROVIDER = "identity_provider", _("Asserted by the identity provider")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agent = models.ForeignKey(
        Citizen, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="authorisations_held"
    )
    business = models.ForeignKey(
        Business,
        verbose_name=_("business represented"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorisations",
    )
    principal_citizen = models.ForeignKey(
        Citizen,
        verbose_name=_("citizen represented"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorisations_given",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=24, choices=Source.choices, default=Source.RECORDED)
    all_procedures = models.BooleanField(_("for every procedure"), default=False)
    # Codes of the procedures covered (catalog codes such as "1.001193") when not all_procedures.
    procedure_codes = models.JSONField(_("procedures covered"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: until revoked."))
    document_reference = models.CharField(_("document reference"), max_length=300)
    granted_at = models.DateTimeField(_("granted at"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(business__isnull=False) & models.Q(principal_citizen__isnull=True))
                | (models.Q(business__isnull=True) & models.Q(principal_citizen__isnull=False)),
                name="citizens_authorisation_one_principal",
                violation_error_message=_("An authorisation is for exactly one business or one citizen."),
            ),
            models.CheckConstraint(
                condition=~models.Q(principal_citizen=models.F("agent")),
                name="citizens_authorisation_not_self",
                violation_error_message=_("A citizen cannot be authorised to act for themselves."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="citizens_authorisation_until_after_from",
                violation_error_message=_("The last day of validity cannot be before the first."),
            ),
        ]

    def __str__(self) -> str:
        principal = self.business if self.business_id is not None else self.principal_citizen
        return f"{self.agent} → {principal} ({self.get_kind_display()})"


class AuthorisationRevocation(models.Model):
    """Ends an authorisation from `revoked_at` on. At most one per authorisation; never deleted."""

    authorisation = models.OneToOneField(
        Authorisation, verbose_name=_("authorisation"), on_delete=models.PROTECT, related_name="revocation"
    )
    revoked_at = models.DateTimeField(_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("revocation of an authorisation")
        verbose_name_plural = _("revocations of authorisations")
        ordering = ["-revoked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.authorisation} ✕ {self.revoked_at:%Y-%m-%d}"
