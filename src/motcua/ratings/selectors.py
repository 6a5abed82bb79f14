"""Reads of ratings: one citizen's rating of a dossier, and the sums the service-quality indicators use.

The rating in force is the latest version of each (dossier, citizen) pair. For a statistics period
[start, end) the indicators count the ratings given in the period and still in force at its end: a
version replaced before the end by a newer one does not count, the newer one does (QĐ 766/QĐ-TTg
group 5, domain §5.3; general rules: an empty denominator shows N/A, ratios are rounded to 2
decimals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from motcua.citizens.models import Citizen
from motcua.dossiers.models import Dossier
from motcua.ratings.models import CRITERIA, Rating, Satisfaction

__all__ = [
    "CriterionCounts",
    "RatingSummary",
    "rating_latest",
    "rating_summaries",
    "rating_versions",
    "ratings_in_force",
]

Grouping = Literal["competent_agency", "receiving_agency", "procedure"]

_GROUPS: dict[str, tuple[str, str]] = {
    "competent_agency": ("dossier__competent_agency__code", "dossier__competent_agency__name"),
    "receiving_agency": ("dossier__receiving_agency__code", "dossier__receiving_agency__name"),
    "procedure": ("dossier__procedure_code", "dossier__procedure_version__name"),
}


def rating_versions(*, dossier: Dossier, citizen: Citizen) -> QuerySet[Rating]:
    """Every version of the citizen's rating of the dossier, oldest first."""
    return Rating.objects.filter(dossier=dossier, citizen=citizen).order_by("version")


def rating_latest(*, dossier: Dossier, citizen: Citizen) -> Rating | None:
    """The citizen's rating of the dossier in force (its latest version), if any."""
    return Rating.objects.filter(dossier=dossier, citizen=citizen).order_by("-version").first()


def ratings_in_force(*, end: datetime, start: datetime | None = None) -> QuerySet[Rating]:
    """The ratings in force at `end` (the latest version of each pair created before it), given
    at or after `start` when it is set."""
    newer = Rating.objects.filter(
        dossier=OuterRef("dossier"),
        citizen=OuterRef("citizen"),
        version__gt=OuterRef("version"),
        created_at__lt=end,
    )
    ratings = Rating.objects.filter(created_at__lt=end).exclude(Exists(newer))
    if start is not None:
        ratings = ratings.filter(created_at__gte=start)
    return ratings


@dataclass(frozen=True, slots=True)
class CriterionCounts:
    very_satisfied: int = 0
    satisfied: int = 0
    not_satisfied: int = 0
    not_applicable: int = 0

    @property
    def answered(self) -> int:
        return self.very_satisfied + self.satisfied + self.not_satisfied


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """The ratings in force of one agency or procedure over a period.

    `dissatisfied`: ratings whose overall answer (criterion 1) is "not satisfied";
    `dissatisfied_dossiers`: dossiers with at least one such rating, what indicator 5.4 counts with
    the late dossiers (domain §5.3)."""

    code: str
    name: str
    ratings: int
    dossiers: int
    dissatisfied: int
    dissatisfied_dossiers: int
    criteria: dict[str, CriterionCounts] = field(default_factory=dict)

    @property
    def satisfied_percent(self) -> Decimal | None:
        """Share of ratings not "not satisfied" overall, in percent to 2 decimals; None with no rating."""
        if not self.ratings:
            return None
        ratio = Decimal(self.ratings - self.dissatisfied) * 100 / Decimal(self.ratings)
        return ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rating_summaries(*, by: Grouping, start: datetime, end: datetime) -> list[RatingSummary]:
    """The ratings given in [start, end) and in force at `end`, summed per competent agency,
    receiving agency or procedure (by code), with the count of each answer to each criterion."""
    if by not in _GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    code_field, name_field = _GROUPS[by]
    not_satisfied = Satisfaction.NOT_SATISFIED
    sums: dict[str, Any] = {
        "ratings": Count("pk"),
        "dossiers": Count("dossier", distinct=True),
        "dissatisfied": Count("pk", filter=Q(overall=not_satisfied)),
        "dissatisfied_dossiers": Count("dossier", filter=Q(overall=not_satisfied), distinct=True),
        # The name of the newest version of a procedure, the current name of an agency.
        "name": Max(name_field),
    }
    for criterion in CRITERIA:
        f = criterion.field
        sums[f"{f}_very"] = Count("pk", filter=Q((f, Satisfaction.VERY_SATISFIED)))
        sums[f"{f}_satisfied"] = Count("pk", filter=Q((f, Satisfaction.SATISFIED)))
        sums[f"{f}_not"] = Count("pk", filter=Q((f, not_satisfied)))
        sums[f"{f}_na"] = Count("pk", filter=Q((f"{f}__isnull", True)))
    rows = ratings_in_force(start=start, end=end).values(code_field).annotate(**sums).order_by(code_field)
    return [
        RatingSummary(
            code=row[code_field],
            name=row["name"] or "",
            ratings=row["ratings"],
            dossiers=row["dossiers"],
            dissatisfied=row["dissatisfied"],
            dissatisfied_dossiers=row["dissatisfied_dossiers"],
            criteria={
                c.field: CriterionCounts(
                    very_satisfied=row[f"{c.field}_very"],
                    satisfied=row[f"{c.field}_satisfied"],
                    not_satisfied=row[f"{c.field}_not"],
                    not_applicable=row[f"{c.field}_na"],
                )
                for c in CRITERIA
            },
        )
        for row in rows
    ]
