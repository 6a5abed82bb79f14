"""Who sees and who acts (issue #4 §4): the role table, the desks, non-geographical receipt."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from motcua.agencies.models import OfficerRole
from motcua.dossiers import policies, selectors, services
from motcua.dossiers.models import Dossier
from motcua.dossiers.policies import APOLOGISE, DESK_OF_ROLE, ROLES_BY_ACTION, Desk, can_act, can_view
from motcua.dossiers.tests.conftest import (
    MONDAY,
    SPECIALISTS_UNIT,
    World,
    received,
    received_b,
    submit,
    with_specialist,
)
from motcua.dossiers.workflow import TRANSITIONS, Action

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# -- the table -----------------------------------------------------------------------------------------


def test_every_action_and_every_role_is_in_the_table() -> None:
    assert set(ROLES_BY_ACTION) == {*TRANSITIONS, APOLOGISE}
    assert set(DESK_OF_ROLE) == set(OfficerRole.values)
    for roles in ROLES_BY_ACTION.values():
        assert roles and roles <= set(OfficerRole.values)
    # The agency administrator manages accounts: sees the agency, acts on no dossier.
    assert DESK_OF_ROLE[OfficerRole.AGENCY_ADMINISTRATOR] is Desk.NONE
    assert all(OfficerRole.AGENCY_ADMINISTRATOR not in roles for roles in ROLES_BY_ACTION.values())
    assert set(policies.ACTION_LABELS) == set(ROLES_BY_ACTION)


def test_intake_is_for_receiving_officers_and_return_for_returning_officers() -> None:
    for action in (Action.RECEIVE, Action.MARK_INCOMPLETE, Action.REFUSE):
        assert ROLES_BY_ACTION[action] == {OfficerRole.RECEIVING_OFFICER}
    assert ROLES_BY_ACTION[Action.RETURN_RESULT] == {OfficerRole.RETURNING_OFFICER}


# -- seeing --------------------------------------------------------------------------------------------


def _seers(world: World, dossier: Dossier) -> set[str]:
    return {name for name, officer in world.officers().items() if can_view(officer, dossier)}


def test_a_submitted_dossier_is_seen_at_the_counter_and_by_the_agencys_leaders(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = submit(world.centre, world.ward)
    assert _seers(world, dossier) == {"receiver", "returner", "unit_leader", "leader", "administrator"}


def test_a_dossier_at_a_step_is_seen_by_its_assignee_their_unit_the_counter_and_the_leaders(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    assert _seers(world, dossier) == {
        "receiver",
        "returner",
        "specialist",
        "colleague",
        "unit_leader",
        "leader",
        "administrator",
    }


def test_handed_over_to_the_leader_the_specialists_no_longer_see_it(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
        services.dossier_hand_over(
            dossier=dossier,
            officer=world.specialist,
            step_name="Ký",
            role=OfficerRole.AGENCY_LEADER,
            unit="Lãnh đạo UBND",
            budget=Decimal(2),
            assignee=world.leader,
        )
    dossier.refresh_from_db()
    assert _seers(world, dossier) == {"receiver", "returner", "unit_leader", "leader", "administrator"}


def test_officers_of_another_province_see_nothing_of_this_one(world: World) -> None:
    with time_machine.travel(MONDAY):
        ours, theirs = with_specialist(world), received_b(world)
    for officer in (world.receiver_b, world.specialist_b, world.leader_b):
        assert not can_view(officer, ours)
    assert _seers(world, theirs) == {"receiver_b", "specialist_b", "leader_b"}


def test_an_inactive_officer_sees_nothing(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    world.leader.is_active = False
    assert not can_view(world.leader, dossier)
    assert not selectors.dossiers_visible_to(world.leader).exists()


def test_the_query_and_the_policy_agree_for_every_officer_and_dossier(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossiers = [
            submit(world.centre, world.ward),
            submit(world.province_centre, world.other_ward),
            received(world),
            with_specialist(world),
            received_b(world),
        ]
        leader_step = with_specialist(world)
        services.dossier_hand_over(
            dossier=leader_step,
            officer=world.specialist,
            step_name="Ký",
            role=OfficerRole.AGENCY_LEADER,
            unit="Lãnh đạo UBND",
            budget=Decimal(2),
        )
        dossiers.append(leader_step)
    for officer in world.officers().values():
        visible = set(selectors.dossiers_visible_to(officer).values_list("pk", flat=True))
        for dossier in Dossier.objects.filter(pk__in=[d.pk for d in dossiers]):
            assert (dossier.pk in visible) == can_view(officer, dossier), (officer.user.username, dossier.pk)


# -- acting --------------------------------------------------------------------------------------------


def test_a_specialist_cannot_receive(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = submit(world.centre, world.ward)
    decision = can_act(world.specialist, dossier, Action.RECEIVE)
    # The specialist does not even see a dossier still at intake.
    assert not decision and decision.code == "not_found"
    # A leader sees it, but receiving is not a leader's job.
    decision = can_act(world.leader, dossier, Action.RECEIVE)
    assert not decision and decision.code == "role_not_allowed"
    assert "One-stop receiving officer" in decision.reason
    decision = can_act(world.receiver, dossier, Action.RECEIVE)
    assert decision and decision.role == OfficerRole.RECEIVING_OFFICER


def test_a_returning_officer_cannot_request_a_supplement(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    decision = can_act(world.returner, dossier, Action.REQUEST_SUPPLEMENT)
    assert not decision and decision.code == "role_not_allowed"
    assert decision.reason.startswith("Your roles do not allow you to request a supplement")
    assert can_act(world.specialist, dossier, Action.REQUEST_SUPPLEMENT)
    assert can_act(world.colleague, dossier, Action.REQUEST_SUPPLEMENT).role == OfficerRole.SPECIALIST


def test_the_counter_hands_over_a_received_dossier_once(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = received(world)
        assert can_act(world.receiver, dossier, Action.HAND_OVER)
        dossier = with_specialist(world)
    decision = can_act(world.receiver, dossier, Action.HAND_OVER)
    assert not decision and decision.code == "not_assigned"
    assert SPECIALISTS_UNIT in decision.reason


def test_leaders_act_where_the_dossier_is_decided_not_where_it_was_received(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    assert can_act(world.leader, dossier, Action.STOP).role == OfficerRole.AGENCY_LEADER
    assert can_act(world.unit_leader, dossier, Action.MARK_RESULT_READY).role == OfficerRole.UNIT_LEADER
    decision = can_act(world.specialist, dossier, Action.STOP)
    assert not decision and decision.code == "role_not_allowed"


def test_the_administrator_sees_but_does_not_act(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    assert can_view(world.administrator, dossier)
    assert policies.actions_allowed(world.administrator, dossier) == []
    assert can_act(world.administrator, dossier, Action.HAND_OVER).code == "role_not_allowed"


def test_an_unknown_action_is_refused(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = with_specialist(world)
    decision = can_act(world.leader, dossier, "approve_everything")
    assert not decision and decision.code == "unknown_action"


def test_the_actions_allowed_follow_the_state_and_the_roles(world: World) -> None:
    with time_machine.travel(MONDAY):
        submitted = submit(world.centre, world.ward)
        at_step = with_specialist(world)
        assert policies.actions_allowed(world.receiver, submitted) == [
            Action.RECEIVE,
            Action.MARK_INCOMPLETE,
            Action.REFUSE,
            Action.WITHDRAW,
        ]
        assert policies.actions_allowed(world.specialist, at_step) == [
            Action.HAND_OVER,
            Action.REQUEST_COORDINATION,
            Action.REQUEST_SUPPLEMENT,
            Action.REQUEST_PAYMENT,
            APOLOGISE,
        ]
        assert policies.actions_allowed(world.leader, at_step) == [
            Action.HAND_OVER,
            Action.REQUEST_SUPPLEMENT,
            Action.STOP,
            APOLOGISE,
            Action.MARK_RESULT_READY,
        ]
        assert policies.actions_allowed(world.receiver, at_step) == [Action.WITHDRAW]
        assert policies.actions_allowed(world.surveyor, at_step) == []
    # After the due moment, an apology is too late.
    assert at_step.due_at is not None
    with time_machine.travel(at_step.due_at):
        assert APOLOGISE not in policies.actions_allowed(world.leader, at_step)


# -- receipt -------------------------------------------------------------------------------------------


def test_a_centre_receives_for_any_agency_of_its_province(world: World) -> None:
    assert policies.can_receive_for(world.ward, world.ward)
    assert policies.can_receive_for(world.centre, world.ward)  # its own People's Committee
    assert policies.can_receive_for(world.centre, world.other_ward)  # another ward of the province
    assert policies.can_receive_for(world.province_centre, world.ward)
    decision = policies.can_receive_for(world.centre, world.ward_b)
    assert not decision and decision.code == "receipt_not_allowed"
    assert "only for agencies of its own province" in decision.reason
    assert not policies.can_receive_for(world.centre_b, world.ward)


def test_an_agency_that_is_not_a_centre_receives_only_for_itself_and_its_units(world: World) -> None:
    assert policies.can_receive_for(world.ward, world.centre)
    decision = policies.can_receive_for(world.ward, world.other_ward)
    assert not decision and decision.code == "receipt_not_allowed"


def test_only_a_receiving_officer_of_the_receiving_agency_enters_a_submission(world: World) -> None:
    assert policies.can_submit(world.receiver, world.centre, world.other_ward).role == OfficerRole.RECEIVING_OFFICER
    assert policies.can_submit(world.specialist, world.ward, world.ward).code == "role_not_allowed"
    assert policies.can_submit(world.receiver, world.province_centre, world.ward).code == "not_your_agency"
    assert policies.can_submit(world.receiver, world.centre, world.ward_b).code == "receipt_not_allowed"


def test_a_dossier_is_handed_over_within_its_agency_or_to_the_competent_one(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = received(world)
    assert policies.can_hand_over_to(dossier, None)
    assert policies.can_hand_over_to(dossier, world.ward)
    decision = policies.can_hand_over_to(dossier, world.ward_b)
    assert not decision and decision.code == "hand_over_not_allowed"


def test_the_clerk_of_the_competent_agency_sees_results_awaiting_issue(world: World) -> None:
    dossier = with_specialist(world)
    assert not can_view(world.clerk, dossier)  # at the specialists' step, not the clerk's desk
    services.dossier_mark_result_ready(dossier=dossier, officer=world.specialist, results=[{"name": "Giấy khai sinh"}])
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert can_view(world.clerk, dossier)
    assert selectors.dossiers_visible_to(world.clerk).filter(pk=dossier.pk).exists()
    # Not an officer of another province; and no longer once the result is returned.
    assert not can_view(world.specialist_b, dossier)
    services.dossier_return_result(dossier=dossier, officer=world.returner)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert not can_view(world.clerk, dossier)
    assert not selectors.dossiers_visible_to(world.clerk).filter(pk=dossier.pk).exists()
