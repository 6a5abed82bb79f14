"""State agencies: who receives, decides and co-operates on a procedure.

Each agency carries its national electronic identifier (mã định danh điện tử), the code that dossier
codes start with (Thông tư 01/2018/TT-VPCP art. 19, domain.md §2.5) and that addresses documents on
the national exchange axis (domain.md §9.3).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.calendars.models import WorkingCalendar
from motcua.geo.models import AdministrativeUnit

# Legal basis: QCVN 102:2016/BTTTT (Thông tư 10/2016/TT-BTTTT) and Quyết định 20/2020/QĐ-TTg, as amended by
# Quyết định 09/2025/QĐ-TTg: V1V2V3.Z1Z2.Y1Y2.MX1X2, where MX1X2 is the level-1 agency (G.. ministries,
# H.. provincial People's Committees), Y1Y2 level 2, Z1Z2 level 3, V1V2V3 level 4; 000.00.00.G09 is a
# ministry itself, 000.00.04.G18 one of its level-2 units.
# [0-9], not \d: \d would also accept other scripts' digits (e.g. Arabic-Indic).
AGENCY_CODE_PATTERN = r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z"

agency_code_validator = RegexValidator(
    regex=AGENCY_CODE_PATTERN,
    message=_(
        "Enter an agency code in the form V1V2V3.Z1Z2.Y1Y2.MX1X2 (digits, and one capital letter "
        "before the last two digits), for example 000.00.04.G18."
    ),
    code="invalid_agency_code",
)

# A chain of parents longer than this is a cycle (the real hierarchy has at most four levels).
MAX_HIERARCHY_DEPTH = 10


class AgencyKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    MINISTERIAL_AGENCY = "ministerial_agency", _("Ministerial-level agency")
    GOVERNMENT_AGENCY = "government_agency", _("Government agency")
    PROVINCIAL_PEOPLES_COMMITTEE = "provincial_peoples_committee", _("Provincial People's Committee")
    PROVINCIAL_DEPARTMENT = "provincial_department", _("Provincial department")
    PROVINCIAL_SERVICE_CENTRE = "provincial_service_centre", _("Provincial public administration service centre")
    COMMUNE_PEOPLES_COMMITTEE = "commune_peoples_committee", _("Commune People's Committee")
    COMMUNE_SERVICE_CENTRE = "commune_service_centre", _("Commune public administration service centre")
    # Police, social insurance, tax, customs: organised by their ministry down to the province.
    VERTICAL_AGENCY = "vertical_agency", _("Vertical agency")
    MINISTRY_UNIT = "ministry_unit", _("Ministry unit")


class AgencyLevel(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class Agency(models.Model):
    code = models.CharField(
        _("code"),
        max_length=13,
        unique=True,
        validators=[agency_code_validator],
        help_text=_("National electronic identifier, e.g. 000.00.00.G15."),
    )
    code_verified = models.BooleanField(
        _("code verified"),
        default=False,
        help_text=_("Checked against a published decision. Unchecked: a placeholder to correct."),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    # fold(name): filled by the services, searched by agency_search.
    name_folded = models.CharField(_("name without diacritics"), max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        help_text=_("The province or commune the agency serves."),
    )
    # Working hours and days of the agency's counters; empty means the parent's, and at the top
    # the national calendar (selectors.agency_calendar).
    calendar = models.ForeignKey(
        WorkingCalendar,
        verbose_name=_("working calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    is_active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty: still in existence."))
    # The row of agencies.json (or generated commune agency) this agency comes from; agencies_load
    # matches on it, so operators may correct the code. Empty for agencies created by hand.
    seed_key = models.CharField(_("seed key"), max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["kind"], name="agencies_agency_kind_idx"),
            models.Index(fields=["level", "kind"], name="agencies_agency_level_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="agencies_agency_valid_to_after_valid_from",
                violation_error_message=_("The last day of existence cannot be before the first."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="agencies_agency_not_own_parent",
                violation_error_message=_("An agency cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        ancestor = self.parent
        for _depth in range(MAX_HIERARCHY_DEPTH):
            if ancestor is None:
                return
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An agency cannot be placed under one of its own units.")})
            ancestor = ancestor.parent
        raise ValidationError({"parent": _("The chain of parent agencies is too deep.")})


class OfficerRole(models.TextChoices):
    """Who does what in a one-stop procedure (domain §2.2)."""

    RECEIVING_OFFICER = "receiving_officer", _("One-stop receiving officer")
    SPECIALIST = "specialist", _("Specialist")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    AGENCY_LEADER = "agency_leader", _("Agency leader")
    CLERK = "clerk", _("Clerk")
    RETURNING_OFFICER = "returning_officer", _("Returning officer")
    AGENCY_ADMINISTRATOR = "agency_administrator", _("Agency administrator")


class Officer(models.Model):
    """A civil servant of one agency, in one organisational unit, with one or more roles.

    Every action on a dossier is recorded with the officer, the unit and the role it was done in;
    what an officer may see and do is decided from these (dossiers.policies).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="officer")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="officers")
    unit = models.CharField(
        _("organisational unit"), max_length=255, help_text=_("E.g. Bộ phận Một cửa, Phòng Tư pháp, Công an xã.")
    )
    full_name = models.CharField(_("full name"), max_length=255)
    position = models.CharField(_("position"), max_length=255, blank=True)
    roles = models.JSONField(_("roles"), default=list, help_text=_("One or more of the officer roles."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["agency__code", "full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.unit}, {self.agency.code})"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def clean(self) -> None:
        roles = self.roles
        if not isinstance(roles, list) or not roles or any(r not in OfficerRole.values for r in roles):
            raise ValidationError({"roles": _("Choose one or more of the officer roles.")})
