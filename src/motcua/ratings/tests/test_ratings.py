"""Issue #6 item 6: the applicant rates the service on the 12 criteria once the result exists; a
second answer appends a version; the sums per agency and procedure count the versions in force."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import translation

from motcua.core.errors import InvalidInput, NotFound
from motcua.core.models import OutboxEvent
from motcua.dossiers import services
from motcua.dossiers.tests.applicant_support import BINH_ID, citizen, received, result_ready
from motcua.dossiers.tests.conftest import MONDAY, World, at, build_world
from motcua.ratings.events import DossierRated
from motcua.ratings.models import CRITERIA, Rating, Satisfaction
from motcua.ratings.selectors import rating_latest, rating_summaries, rating_versions, ratings_in_force
from motcua.ratings.services import RatingNotOpen, rating_submit

pytestmark = pytest.mark.django_db

VERY, SATISFIED, NOT = Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.NOT_SATISFIED


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with translation.override("en"), time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def answers(overall: int = VERY, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {c.field: SATISFIED for c in CRITERIA}
    values["overall"] = overall
    values["feedback"] = None  # never sent any: not applicable
    return {**values, **changes}


def test_the_service_is_rated_once_the_result_is_ready(world: World) -> None:
    dossier = result_ready(world)
    an = citizen()

    rating = rating_submit(dossier=dossier, citizen=an, answers=answers(), comment="  Nhanh, gọn.  ")

    assert (rating.version, rating.overall, rating.feedback, rating.comment) == (1, VERY, None, "Nhanh, gọn.")
    assert rating_latest(dossier=dossier, citizen=an) == rating
    event = OutboxEvent.objects.get(event_type=DossierRated.event_type)
    assert event.aggregate_id == str(dossier.uuid)
    assert event.payload["version"] == 1 and event.payload["dissatisfied"] is False
    assert event.payload["competent_agency_code"] == world.ward.code


def test_not_before_the_result(world: World) -> None:
    dossier = received(world)

    with pytest.raises(RatingNotOpen):
        rating_submit(dossier=dossier, citizen=citizen(), answers=answers())

    assert not Rating.objects.exists() and not OutboxEvent.objects.filter(event_type=DossierRated.event_type).exists()


def test_only_by_the_applicant_or_their_representative(world: World) -> None:
    dossier = result_ready(world)

    with pytest.raises(NotFound):
        rating_submit(dossier=dossier, citizen=citizen(BINH_ID, "Trần Thị Bình"), answers=answers())

    assert not Rating.objects.exists()


def test_a_second_answer_appends_a_version_and_keeps_the_first(world: World, clock: time_machine.Traveller) -> None:
    dossier = result_ready(world)
    an = citizen()
    first = rating_submit(dossier=dossier, citizen=an, answers=answers(VERY))
    clock.move_to(at(3, 3, 10))
    services.dossier_return_result(dossier=dossier, officer=world.returner)

    second = rating_submit(dossier=dossier, citizen=an, answers=answers(NOT, staff_attitude=NOT), comment="Chờ lâu.")

    assert second.version == 2 and second.pk != first.pk
    first.refresh_from_db()
    assert (first.version, first.overall, first.staff_attitude, first.comment) == (1, VERY, SATISFIED, "")
    assert list(rating_versions(dossier=dossier, citizen=an)) == [first, second]
    assert rating_latest(dossier=dossier, citizen=an) == second
    payloads = [e.payload for e in OutboxEvent.objects.filter(event_type=DossierRated.event_type).order_by("pk")]
    assert [(p["version"], p["dissatisfied"]) for p in payloads] == [(1, False), (2, True)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"overall": None}, "overall"),
        ({"publicity": None}, "publicity"),
        ({"convenience": 4}, "convenience"),
        ({"convenience": 0}, "convenience"),
        ({"on_time": "3"}, "on_time"),
        ({"on_time": True}, "on_time"),
        ({"speed": 3}, "speed"),
    ],
)
def test_each_criterion_is_answered_on_the_scale(world: World, changes: dict[str, Any], field: str) -> None:
    dossier = result_ready(world)
    values = answers(**changes)

    with pytest.raises(InvalidInput) as refused:
        rating_submit(dossier=dossier, citizen=citizen(), answers=values)

    assert refused.value.field == field
    assert not Rating.objects.exists()


def test_the_optional_criteria_may_be_not_applicable_and_the_comment_is_bounded(world: World) -> None:
    dossier = result_ready(world)
    an = citizen()

    with pytest.raises(InvalidInput) as too_long:
        rating_submit(dossier=dossier, citizen=an, answers=answers(), comment="x" * 2001)
    rating = rating_submit(dossier=dossier, citizen=an, answers=answers(feedback=None, online_service=None))

    assert too_long.value.field == "comment"
    assert (rating.feedback, rating.online_service) == (None, None)


def test_the_database_refuses_an_answer_off_the_scale(world: World) -> None:
    dossier = result_ready(world)
    values = answers()
    values["overall"] = 5
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(dossier=dossier, citizen=citizen(), version=1, created_at=MONDAY, **values)


def test_the_sums_count_the_ratings_in_force_per_agency_and_procedure(
    world: World, clock: time_machine.Traveller
) -> None:
    an, binh = citizen(), citizen(BINH_ID, "Trần Thị Bình")
    ans = result_ready(world)
    binhs = result_ready(world, id_number=BINH_ID, name="Trần Thị Bình")
    rating_submit(dossier=ans, citizen=an, answers=answers(NOT))
    rating_submit(dossier=binhs, citizen=binh, answers=answers(SATISFIED, online_service=VERY))
    clock.move_to(at(3, 5, 9))
    # An changes their mind after the period: the period's sums keep the answer in force at its end.
    rating_submit(dossier=ans, citizen=an, answers=answers(VERY))

    period = rating_summaries(by="competent_agency", start=at(3, 1, 0), end=at(3, 4, 0))
    later = rating_summaries(by="procedure", start=at(3, 1, 0), end=at(4, 1, 0))

    assert len(period) == 1
    ward = period[0]
    assert (ward.code, ward.name, ward.ratings, ward.dossiers) == (world.ward.code, world.ward.name, 2, 2)
    assert (ward.dissatisfied, ward.dissatisfied_dossiers, ward.satisfied_percent) == (1, 1, Decimal("50.00"))
    assert ward.criteria["overall"].not_satisfied == 1 and ward.criteria["overall"].satisfied == 1
    assert ward.criteria["online_service"].very_satisfied == 1 and ward.criteria["feedback"].not_applicable == 2
    assert ward.criteria["feedback"].answered == 0
    assert [(s.code, s.ratings, s.dissatisfied, s.satisfied_percent) for s in later] == [
        ("1.001193", 2, 0, Decimal("100.00"))
    ]
    assert ratings_in_force(end=at(3, 4, 0)).count() == 2
    assert rating_summaries(by="receiving_agency", start=at(4, 1, 0), end=at(5, 1, 0)) == []
