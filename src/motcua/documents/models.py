"""Stored files, operator-editable document templates and agencies' signing keys.

A `StoredFile` is immutable: its bytes live in the configured storage under a content-addressed
name and are never overwritten; a new version of a document is a new row. A `DocumentTemplate` is
versioned the same way: an operator's edit appends a version, the newest active one is used, and
every generated PDF records which version produced it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency


class Confidentiality(models.TextChoices):
    # A dossier holds personal data (personal-data protection, domain §13), hence "personal" is the
    # default; "sensitive" marks health, biometric and similar components.
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    PERSONAL = "personal", _("Personal data")
    SENSITIVE = "sensitive", _("Sensitive personal data")


class Retention(models.TextChoices):
    # Retention follows the archive law (Luật Lưu trữ 33/2024/QH15, domain §13); the class of each
    # record is set by the operator per procedure, and a retention job will act on it.
    PERMANENT = "permanent", _("Permanent")
    YEARS_20 = "20y", _("20 years")
    YEARS_10 = "10y", _("10 years")
    YEARS_5 = "5y", _("5 years")


class StoredFile(models.Model):
    """One immutable file: bytes in storage, identity by SHA-256, metadata sniffed on the way in."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=255)
    # Name inside the storage backend ("ab/abcdef…"): content-addressed, never reused for other bytes.
    storage_name = models.CharField(max_length=255)
    confidentiality = models.CharField(
        _("confidentiality"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.PERSONAL
    )
    retention = models.CharField(_("retention"), max_length=16, choices=Retention.choices, default=Retention.YEARS_20)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        indexes = [models.Index(fields=["storage_name"], name="documents_storage_name_idx")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"


class TemplateKind(models.TextChoices):
    # The forms of Circular 03/2025/TT-VPCP (domain §2.4) and the results generated from data.
    RECEIPT = "receipt", _("Receipt and appointment slip")
    GUIDANCE = "guidance", _("Guidance slip for an incomplete dossier")
    SUPPLEMENT = "supplement", _("Request for supplement")
    REFUSAL = "refusal", _("Refusal slip")
    APOLOGY = "apology", _("Apology and new appointment")
    STOP = "stop", _("Notice of stopping")
    CONTROL = "control", _("Process control slip")
    RESULT = "result", _("Result notice")


class DocumentTemplate(models.Model):
    """A version of an operator-editable template (Django template language, HTML + CSS)."""

    kind = models.CharField(_("kind"), max_length=32, choices=TemplateKind.choices)
    # Blank: the national default; an agency code: that agency's own wording and layout.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("agency")
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body (HTML)"))
    stylesheet = models.TextField(_("stylesheet (CSS)"), blank=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "agency_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "agency", "version"], name="documents_template_version_unique"),
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=models.Q(agency__isnull=True),
                name="documents_template_national_version_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class SigningKey(models.Model):
    """An agency's signing certificate and where its private key is held.

    The private key never enters the database: `key_source` names a PKCS#12 file (default) or a
    PKCS#11 token slot (documented option); the passphrase comes from an environment variable or a
    secret file named by `passphrase_source`.
    """

    class Backend(models.TextChoices):
        PKCS12 = "pkcs12", _("PKCS#12 file")
        PKCS11 = "pkcs11", _("PKCS#11 token or HSM")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="signing_keys")
    label = models.CharField(_("label"), max_length=255)
    backend = models.CharField(_("key store"), max_length=16, choices=Backend.choices, default=Backend.PKCS12)
    key_source = models.CharField(_("key location"), max_length=500)
    passphrase_source = models.CharField(_("passphrase source"), max_length=255, blank=True)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    chain_pem = models.TextField(_("issuer chain (PEM)"), blank=True)
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial_number = models.CharField(_("serial number"), max_length=80)
    fingerprint_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["agency_id", "-valid_until"]

    def __str__(self) -> str:
        return f"{self.label} ({self.agency_id})"
