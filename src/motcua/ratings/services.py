"""Writes of ratings: an applicant rates the service for a dossier (issue #6 item 6)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from motcua.citizens.models import Citizen
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, InvalidInput, NotFound
from motcua.core.events import publish
from motcua.core.text import nfc
from motcua.dossiers.models import Dossier
from motcua.dossiers.tracking import RATEABLE_STATES, dossiers_visible_to_citizen
from motcua.dossiers.workflow import State
from motcua.ratings.events import DossierRated
from motcua.ratings.models import COMMENT_MAX, CRITERIA, Rating, Satisfaction

__all__ = ["RatingNotOpen", "rating_submit"]

_FIELDS = frozenset(c.field for c in CRITERIA)


class RatingNotOpen(DomainError):
    """The dossier has no result yet: there is nothing to rate."""

    code = "rating_not_open"
    status = 409


def _answers(answers: Mapping[str, int | None]) -> dict[str, int | None]:
    unknown = sorted(set(answers) - _FIELDS)
    if unknown:
        raise InvalidInput(
            _("There is no criterion “%(name)s” to rate.") % {"name": ", ".join(unknown)}, field=unknown[0]
        )
    clean: dict[str, int | None] = {}
    for criterion in CRITERIA:
        value = answers.get(criterion.field)
        if value is None:
            if not criterion.optional:
                raise InvalidInput(
                    _("Answer criterion %(number)s: %(criterion)s")
                    % {"number": criterion.number, "criterion": criterion.label},
                    field=criterion.field,
                )
        elif isinstance(value, bool) or value not in Satisfaction.values:
            raise InvalidInput(
                _("Criterion %(number)s: choose one of the answers offered.") % {"number": criterion.number},
                field=criterion.field,
            )
        # A plain int (not a Satisfaction member): the event's payload takes exact types.
        clean[criterion.field] = None if value is None else int(value)
    return clean


def rating_submit(
    *, dossier: Dossier, citizen: Citizen, answers: Mapping[str, int | None], comment: str = ""
) -> Rating:
    """Record the citizen's rating of the service for the dossier: version 1, or version n+1 when
    they rated it before (the earlier versions stay as they were). Publishes DossierRated.

    Only once the result exists (result ready or returned: the applicant has been served; domain
    §2.7), and only by someone who may follow the dossier: its applicant, or whoever acts for them
    (dossiers.tracking). `answers` maps each criterion's field to a Satisfaction value; the optional
    criteria may be None ("not applicable").

    Raises NotFound (not the citizen's dossier), RatingNotOpen, InvalidInput (an answer missing or
    off the scale, an unknown criterion, a comment too long), Conflict (the same citizen rated the
    same dossier at the same moment from elsewhere).
    """
    if not dossiers_visible_to_citizen(citizen=citizen).filter(pk=dossier.pk).exists():
        raise NotFound(
            _("There is no dossier %(reference)s among yours.") % {"reference": dossier.code or dossier.uuid}
        )
    current = Dossier.objects.select_related("competent_agency").get(pk=dossier.pk)
    if State(current.state) not in RATEABLE_STATES:
        raise RatingNotOpen(_("The service can be rated once the result of the dossier is ready."))
    values = _answers(answers)
    overall = values["overall"]
    assert overall is not None  # criterion 1 is not optional (_answers)
    text = nfc(comment).strip()
    if len(text) > COMMENT_MAX:
        raise InvalidInput(
            _("The comment has at most %(max)s characters; it has %(length)s.")
            % {"max": COMMENT_MAX, "length": len(text)},
            field="comment",
        )
    try:
        with transaction.atomic():
            # Two submissions of one citizen queue here; on SQLite (no row locks) the unique
            # version constraint refuses the second instead.
            Citizen.objects.select_for_update().filter(pk=citizen.pk).get()
            last = Rating.objects.filter(dossier=current, citizen=citizen).aggregate(last=Max("version"))["last"]
            rating = Rating.objects.create(
                dossier=current,
                citizen=citizen,
                version=(last or 0) + 1,
                comment=text,
                created_at=clock.now(),
                **values,
            )
            publish(
                DossierRated(
                    rating_uuid=str(rating.uuid),
                    dossier_uuid=str(current.uuid),
                    dossier_code=current.code,
                    procedure_code=current.procedure_code,
                    competent_agency_code=current.competent_agency.code,
                    version=rating.version,
                    overall=overall,
                    dissatisfied=overall == Satisfaction.NOT_SATISFIED,
                    has_comment=bool(text),
                    at=rating.created_at,
                ),
                # The ratings of one dossier form one stream, delivered in order.
                aggregate_type="dossier_rating",
                aggregate_id=str(current.uuid),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Your rating of this dossier was being recorded from elsewhere at the same moment; reload and check it.")
        ) from exc
    return rating
