"""Administrative units of Viet Nam and how the 2025 reform links old units to new ones.

A unit is identified by its GSO code, its level and the date it came into force: the 2025 reform
reused the numbering space, so the same code names two different units. Of the 3,321 communes in
force since 1 July 2025, 3,310 carry a code that a pre-2025 commune also had, and for 2,179 of them
the old unit had another name (old 26740 is Phường Bến Nghé, new 26740 is Phường Sài Gòn, which
absorbed it). Codes are therefore unique per (level, code, valid_from), and at most one unit per
level and code may still be in force.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

# Legal basis: Quyết định 124/2004/QĐ-TTg, section 2 (kept by Quyết định 19/2025/QĐ-TTg): provinces are
# coded with 2 digits, districts with 3, communes with 5. Stored zero-padded because codes, not names,
# are the identity (names and types change, e.g. "Tỉnh" → "Thành phố").
CODE_LENGTHS = {"province": 2, "district": 3, "commune": 5}

unit_code_validator = RegexValidator(
    regex=r"^\d{2,5}\Z",
    message=_("Enter the GSO code in digits: 2 for a province, 3 for a district, 5 for a commune."),
    code="invalid_unit_code",
)

# Sorts legacy units (no known start date) before every dated unit in the uniqueness index.
_UNKNOWN_START = date(1, 1, 1)


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Province level")
    # Abolished on 1 July 2025 (Nghị quyết 202/2025/QH15): only pre-2025 units have this level.
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")  # tỉnh
    CENTRAL_CITY = "central_city", _("Centrally-run city")  # thành phố trực thuộc trung ương
    URBAN_DISTRICT = "urban_district", _("Urban district")  # quận
    RURAL_DISTRICT = "rural_district", _("Rural district")  # huyện
    DISTRICT_TOWN = "district_town", _("District-level town")  # thị xã
    # thành phố thuộc tỉnh, and Thủ Đức (thành phố thuộc thành phố trực thuộc trung ương).
    DISTRICT_CITY = "district_city", _("City (district level)")
    COMMUNE = "commune", _("Commune")  # xã
    WARD = "ward", _("Ward")  # phường
    TOWNSHIP = "township", _("Township")  # thị trấn
    SPECIAL_ZONE = "special_zone", _("Special zone")  # đặc khu, created on 1 July 2025


KINDS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    UnitLevel.PROVINCE: (UnitKind.PROVINCE, UnitKind.CENTRAL_CITY),
    UnitLevel.DISTRICT: (
        UnitKind.URBAN_DISTRICT,
        UnitKind.RURAL_DISTRICT,
        UnitKind.DISTRICT_TOWN,
        UnitKind.DISTRICT_CITY,
    ),
    UnitLevel.COMMUNE: (UnitKind.COMMUNE, UnitKind.WARD, UnitKind.TOWNSHIP, UnitKind.SPECIAL_ZONE),
}


class AdministrativeUnit(models.Model):
    code = models.CharField(_("code"), max_length=5, validators=[unit_code_validator])
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=128)
    # fold(name): filled by the services, searched by unit_search (same results on SQLite and PostgreSQL).
    name_folded = models.CharField(_("name without diacritics"), max_length=128, editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Empty: in force since before our records.")
    )
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day in force. Empty: still in force.")
    )

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                "level",
                "code",
                Coalesce("valid_from", models.Value(_UNKNOWN_START), output_field=models.DateField()),
                name="geo_unit_code_unique_per_start",
                violation_error_message=_("A unit with this level, code and start date already exists."),
            ),
            # unit_resolve_current relies on this: a code names at most one unit still in force.
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=models.Q(valid_to__isnull=True),
                name="geo_unit_one_open_unit_per_code",
                violation_error_message=_("Another unit with this level and code is still in force."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="geo_unit_valid_to_after_valid_from",
                violation_error_message=_("The last day in force cannot be before the first."),
            ),
            models.CheckConstraint(
                condition=models.Q(level=UnitLevel.PROVINCE, kind__in=KINDS_BY_LEVEL[UnitLevel.PROVINCE])
                | models.Q(level=UnitLevel.DISTRICT, kind__in=KINDS_BY_LEVEL[UnitLevel.DISTRICT])
                | models.Q(level=UnitLevel.COMMUNE, kind__in=KINDS_BY_LEVEL[UnitLevel.COMMUNE]),
                name="geo_unit_kind_matches_level",
                violation_error_message=_("This kind of unit does not exist at this level."),
            ),
        ]
        indexes = [models.Index(fields=["level", "valid_to"], name="geo_unit_level_valid_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        expected = CODE_LENGTHS.get(self.level)
        if expected is not None and len(self.code) != expected:
            raise ValidationError({"code": _("A code at this level has %(digits)d digits.") % {"digits": expected}})
        if self.parent_id is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A unit cannot be its own parent.")})

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class UnitSuccession(models.Model):
    """The predecessor's territory passed, wholly or in part, to the successor on `effective_on`."""

    predecessor = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("predecessor"),
        on_delete=models.CASCADE,
        related_name="successor_links",
    )
    successor = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("successor"),
        on_delete=models.CASCADE,
        related_name="predecessor_links",
    )
    is_partial = models.BooleanField(
        _("partial"), default=False, help_text=_("Only part of the predecessor went to this successor.")
    )
    effective_on = models.DateField(_("effective on"))

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        ordering = ["predecessor", "successor"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="geo_succession_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")),
                name="geo_succession_not_self",
                violation_error_message=_("A unit cannot succeed itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"
