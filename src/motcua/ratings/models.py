"""The applicant's rating of the service for one dossier, on the 12 criteria of the one-stop evaluation.

Legal basis: the applicant evaluates the service (domain §2.2, "evaluate"); the 12 criteria are those
the provincial portals display, derived from the one-stop evaluation rules (domain §2.7, [V: S49]);
ratings feed the satisfaction group of the service-quality index (QĐ 766/QĐ-TTg group 5, indicator
5.4: dossiers rated "not satisfied" count against the agency, domain §5.3).

The scale is the three levels of the national and provincial portals: very satisfied, satisfied,
not satisfied (the exact wording per criterion is [U] in the domain spec; kept in one place,
`Satisfaction`). Chosen over a 1–5 scale because indicator 5.4 needs one unambiguous answer to
"was the applicant dissatisfied?", which a scale with a neutral middle does not give, and because
applicants already know these three answers from the National Public Service Portal. Two criteria
may be answered "not applicable": feedback handling (11) for someone who never sent feedback, and
online services (12) for a dossier brought to the counter.

A rating is never edited: answering again appends version n+1 of the same (dossier, citizen)
rating; the latest version is the one in force (selectors.ratings_in_force).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.citizens.models import Citizen
from motcua.dossiers.models import Dossier

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["COMMENT_MAX", "CRITERIA", "Criterion", "Rating", "Satisfaction"]

COMMENT_MAX: Final = 2000


class Satisfaction(models.IntegerChoices):
    NOT_SATISFIED = 1, _("Not satisfied")
    SATISFIED = 2, _("Satisfied")
    VERY_SATISFIED = 3, _("Very satisfied")


@dataclass(frozen=True, slots=True)
class Criterion:
    """One of the 12 criteria (domain §2.7): its number there, the field that stores the answer, the
    question as the applicant reads it, and whether "not applicable" is an answer."""

    number: int
    field: str
    label: StrOrPromise
    optional: bool = False


CRITERIA: Final = (
    Criterion(1, "overall", _("Overall, how satisfied are you with the service?")),
    Criterion(2, "convenience", _("The convenience of the service")),
    Criterion(3, "on_time", _("Handling and return of the result on time")),
    Criterion(4, "staff_attitude", _("The attitude of the staff")),
    Criterion(5, "total_time", _("The total time taken, compared with the time the law allows")),
    Criterion(6, "step_time", _("The time of each step, compared with the rules")),
    Criterion(7, "contacts", _("The number of times you had to contact the agency to complete the dossier")),
    Criterion(8, "agencies", _("The number of agencies you had to deal with")),
    Criterion(9, "one_stop", _("Submitting and receiving the result at the one-stop desk")),
    Criterion(10, "publicity", _("The information published about the procedure")),
    Criterion(11, "feedback", _("The response to your feedback or recommendations"), optional=True),
    Criterion(12, "online_service", _("The progress and quality of the online services"), optional=True),
)


def _answer(criterion: Criterion) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(
        criterion.label, choices=Satisfaction.choices, null=criterion.optional, blank=criterion.optional
    )


def _on_scale(criterion: Criterion) -> Q:
    on_scale = Q((f"{criterion.field}__in", Satisfaction.values))
    return on_scale | Q((f"{criterion.field}__isnull", True)) if criterion.optional else on_scale


class Rating(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="ratings")
    citizen = models.ForeignKey(Citizen, verbose_name=_("citizen"), on_delete=models.PROTECT, related_name="ratings")
    # 1, 2, 3…: answering again appends a version; the latest is in force.
    version = models.PositiveSmallIntegerField(_("version"))
    overall = _answer(CRITERIA[0])
    convenience = _answer(CRITERIA[1])
    on_time = _answer(CRITERIA[2])
    staff_attitude = _answer(CRITERIA[3])
    total_time = _answer(CRITERIA[4])
    step_time = _answer(CRITERIA[5])
    contacts = _answer(CRITERIA[6])
    agencies = _answer(CRITERIA[7])
    one_stop = _answer(CRITERIA[8])
    publicity = _answer(CRITERIA[9])
    feedback = _answer(CRITERIA[10])
    online_service = _answer(CRITERIA[11])
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["dossier_id", "citizen_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "citizen", "version"], name="ratings_rating_version_unique"),
            *(
                models.CheckConstraint(condition=_on_scale(c), name=f"ratings_rating_{c.field}_on_scale")
                for c in CRITERIA
            ),
        ]
        indexes = [
            # The indicators' selectors read ratings by period (selectors.ratings_in_force).
            models.Index(fields=["created_at"], name="ratings_rating_created"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} v{self.version}"
