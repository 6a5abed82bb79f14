"""Reads scoped to the officer: one dossier, lists, queues, search, the due moment explained."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from motcua.agencies.models import OfficerRole
from motcua.core.errors import InvalidInput, NotFound
from motcua.dossiers import selectors, services
from motcua.dossiers.selectors import Queue, dossier_get_for_officer, dossier_list_for_officer
from motcua.dossiers.tests.conftest import MONDAY, World, at, received, received_b, submit, with_specialist
from motcua.dossiers.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# -- one dossier ---------------------------------------------------------------------------------------


def test_it_finds_a_dossier_by_code_or_before_receipt_by_uuid(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        submitted = submit(world.centre, world.ward)
    assert dossier.code is not None
    found = dossier_get_for_officer(officer=world.specialist, code=dossier.code)
    assert found.pk == dossier.pk
    assert [s.assignee for s in found.steps.all()] == [world.specialist]
    assert [h.action for h in found.history.all()] == ["submit", "receive", "start_processing", "hand_over"]
    assert dossier_get_for_officer(officer=world.receiver, code=str(submitted.uuid)).pk == submitted.pk


def test_a_dossier_of_another_agency_is_not_found_like_one_that_does_not_exist(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    assert dossier.code is not None
    with pytest.raises(NotFound) as hidden:
        dossier_get_for_officer(officer=world.leader_b, code=dossier.code)
    with pytest.raises(NotFound) as missing:
        dossier_get_for_officer(officer=world.leader_b, code="267.40.01.X79-260302-9999")
    assert str(hidden.value.message) == f"There is no dossier {dossier.code} among yours."
    assert str(missing.value.message) == "There is no dossier 267.40.01.X79-260302-9999 among yours."
    # Same agency, not at this officer's desk: not found either.
    with pytest.raises(NotFound):
        dossier_get_for_officer(officer=world.surveyor, code=dossier.code)


# -- lists ---------------------------------------------------------------------------------------------


def test_lists_hold_only_what_the_officer_may_see(world: World) -> None:
    with time_machine.travel(MONDAY):
        ours = with_specialist(world)
        theirs = received_b(world)
        assert dossier_list_for_officer(officer=world.leader_b).get() == theirs
        assert dossier_list_for_officer(officer=world.specialist).get() == ours
        assert not dossier_list_for_officer(officer=world.surveyor).exists()
        assert set(dossier_list_for_officer(officer=world.leader)) == {ours}


def test_filters_by_status_state_and_agency(world: World) -> None:
    with time_machine.travel(MONDAY):
        submitted = submit(world.centre, world.ward)
        in_process = with_specialist(world)
        elsewhere = submit(world.centre, world.other_ward)
        leader = world.leader
        assert set(dossier_list_for_officer(officer=leader, status=1)) == {submitted}
        assert set(dossier_list_for_officer(officer=leader, status=4)) == {in_process}
        assert set(dossier_list_for_officer(officer=leader, state=State.IN_PROCESS)) == {in_process}
        # The receiving counter sees every dossier it received, for any ward of the province.
        receiver = world.receiver
        assert set(dossier_list_for_officer(officer=receiver)) == {submitted, in_process, elsewhere}
        assert set(dossier_list_for_officer(officer=receiver, agency=world.other_ward.code)) == {elsewhere}
        assert set(dossier_list_for_officer(officer=receiver, agency=world.ward.code)) == {submitted, in_process}


def test_queues_mine_and_my_unit(world: World) -> None:
    with time_machine.travel(MONDAY):
        mine = with_specialist(world)
        colleagues = received(world, name="Lê Văn Cường", id_number="079086000003")
        services.dossier_hand_over(
            dossier=colleagues,
            officer=world.receiver,
            step_name="Thẩm định",
            role=OfficerRole.SPECIALIST,
            unit="Tư pháp - hộ tịch",
            budget=Decimal(4),
            agency=world.ward,
            assignee=world.colleague,
        )
        specialist = world.specialist
        assert set(dossier_list_for_officer(officer=specialist, queue=Queue.MINE)) == {mine}
        assert set(dossier_list_for_officer(officer=specialist, queue=Queue.UNIT)) == {mine, colleagues}
        assert set(dossier_list_for_officer(officer=world.unit_leader, queue=Queue.UNIT)) == {mine, colleagues}
        assert not dossier_list_for_officer(officer=world.leader, queue=Queue.UNIT).exists()


def test_queues_due_today_overdue_and_waiting_for_a_supplement(world: World) -> None:
    with time_machine.travel(MONDAY):
        on_time = with_specialist(world)
        waiting = with_specialist(world, name="Phạm Thị Dung", id_number="079086000004")
        services.dossier_request_supplement(
            dossier=waiting,
            officer=world.specialist,
            items=[{"document": "Giấy chứng sinh", "reason": "Không đọc được"}],
        )
    assert on_time.due_at is not None
    due_day = on_time.due_at
    leader = world.leader
    with time_machine.travel(due_day - timedelta(hours=1)):
        assert set(dossier_list_for_officer(officer=leader, queue=Queue.DUE_TODAY)) == {on_time}
        assert not dossier_list_for_officer(officer=leader, queue=Queue.OVERDUE).exists()
        assert set(dossier_list_for_officer(officer=leader, overdue=False)) == {on_time, waiting}
    with time_machine.travel(due_day + timedelta(minutes=1)):
        assert set(dossier_list_for_officer(officer=leader, queue=Queue.OVERDUE)) == {on_time}
        assert set(dossier_list_for_officer(officer=leader, overdue=True)) == {on_time}
        assert set(dossier_list_for_officer(officer=leader, overdue=False)) == {waiting}
        assert set(dossier_list_for_officer(officer=leader, queue=Queue.WAITING_SUPPLEMENT)) == {waiting}
    # A dossier whose result is ready is no longer overdue work.
    with time_machine.travel(due_day + timedelta(hours=2)):
        services.dossier_mark_result_ready(dossier=on_time, officer=leader, results=[{"name": "Giấy khai sinh"}])
        assert not dossier_list_for_officer(officer=leader, queue=Queue.OVERDUE).exists()


def test_an_unknown_queue_is_invalid_input(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        list(dossier_list_for_officer(officer=world.leader, queue="everything"))
    assert refused.value.field == "queue"


def test_the_most_urgent_come_first(world: World) -> None:
    with time_machine.travel(MONDAY):
        first = with_specialist(world)
    with time_machine.travel(at(3, 3, 9)):
        second = with_specialist(world, name="Võ Văn Em", id_number="079086000005")
        submitted = submit(world.centre, world.ward)
        assert list(dossier_list_for_officer(officer=world.leader)) == [first, second, submitted]


# -- search --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    ["Nguyễn Văn An", "nguyen van an", "NGUYEN VAN", "van an", "  Nguyễn  Văn  ", "Nguyên Van An"],
)
def test_it_searches_the_applicants_name_without_diacritics_or_case(world: World, term: str) -> None:
    with time_machine.travel(MONDAY):
        an = with_specialist(world)
        with_specialist(world, name="Đặng Thị Đào", id_number="079086000006")
        assert list(dossier_list_for_officer(officer=world.leader, q=term)) == [an]


def test_it_searches_by_code_and_id_number(world: World) -> None:
    with time_machine.travel(MONDAY):
        an = with_specialist(world)
        dao = with_specialist(world, name="Đặng Thị Đào", id_number="001186000006")
    assert an.code is not None and dao.code is not None
    leader = world.leader
    assert list(dossier_list_for_officer(officer=leader, q=an.code)) == [an]
    assert set(dossier_list_for_officer(officer=leader, q="267.40.01.X79-260302")) == {an, dao}
    assert list(dossier_list_for_officer(officer=leader, q="001186")) == [dao]
    assert list(dossier_list_for_officer(officer=leader, q="dang thi dao")) == [dao]
    assert list(dossier_list_for_officer(officer=leader, q="đào")) == [dao]
    assert not dossier_list_for_officer(officer=leader, q="Trần").exists()


def test_search_stays_within_what_the_officer_sees(world: World) -> None:
    with time_machine.travel(MONDAY):
        with_specialist(world)
        theirs = received_b(world)
    assert not dossier_list_for_officer(officer=world.leader, q="Trần Thị Bình").exists()
    assert list(dossier_list_for_officer(officer=world.leader_b, q="tran thi binh")) == [theirs]


# -- the due moment explained ----------------------------------------------------------------------------


def test_the_due_moment_is_explained_after_receipt_only(world: World) -> None:
    with time_machine.travel(MONDAY):
        submitted = submit(world.centre, world.ward)
        dossier = with_specialist(world)
    assert selectors.dossier_deadline_explained(dossier=submitted) is None
    explained = selectors.dossier_deadline_explained(dossier=dossier)
    assert explained is not None and explained.due_at == dossier.due_at
    assert explained.lines[-1].startswith("Due: ")


def test_officer_for_hand_over_is_an_active_officer_of_the_target_agency(world: World) -> None:
    assert selectors.officer_for_hand_over(agency_id=world.ward.pk, username="specialist") == world.specialist
    with pytest.raises(InvalidInput):
        selectors.officer_for_hand_over(agency_id=world.ward.pk, username="specialist_b")


def test_the_status_look_up_sees_exactly_what_the_officers_lists_see(world: World) -> None:
    """dossier_status_for_officer judges one row with policies.can_view; the lists filter with
    dossiers_visible_to: for every officer and every dossier, the two agree."""
    with time_machine.travel(MONDAY):
        dossiers = [submit(world.centre, world.ward), received(world, id_number="079086000001")]
        dossiers += [with_specialist(world, id_number="079086000002"), received_b(world)]
        ready = with_specialist(world, id_number="079086000003")
        services.dossier_mark_result_ready(dossier=ready, officer=world.leader, results=[{"name": "Giấy khai sinh"}])
        dossiers.append(ready)
    for officer in world.officers().values():
        visible = set(selectors.dossiers_visible_to(officer).values_list("pk", flat=True))
        for dossier in dossiers:
            reference = dossier.code or str(dossier.uuid)
            try:
                selectors.dossier_status_for_officer(officer=officer, code=reference)
                found = True
            except NotFound:
                found = False
            assert found == (dossier.pk in visible), (officer.user.username, reference)
