"""The rules of the golden thread, enforced by the services whatever page calls them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import OrgUnitKind
from audit.models import AuditEvent
from planning.models import CicObjective, Objective, ObjectiveStatus
from planning.services import (
    cic_note_add,
    cic_objective_create,
    cic_objective_update,
    objective_create,
    objective_update,
    plan_node_retire,
    progress_update_add,
    risk_create,
    unit_plan_create,
)
from tests.factories import ObjectiveFactory, UnitPlanFactory, UserFactory

D = datetime.date


@pytest.fixture
def thread(world):
    """The world's plans and objectives, plus a team plan and a team member to work with."""
    people = world.people
    team_member = UserFactory(username="team.member", org_unit=world.t1, line_manager=people["service_lead"])
    plans = dict(world.thread["plans"])
    plans["T1"] = UnitPlanFactory(unit=world.t1)
    return {**world.thread, "plans": plans, "team_member": team_member}


def make(world, thread, plan_code="S1", by="service_lead", **overrides):
    values = {
        "title": "Reduce waiting times",
        "owner": world.people["service_lead"],
        "start_date": D(2025, 5, 1),
        "due_date": D(2026, 3, 1),
        "status": ObjectiveStatus.ON_TRACK,
        "parent_objective": thread["d1_objective"],
    }
    values.update(overrides)
    return objective_create(by=world.people[by], plan=thread["plans"][plan_code], **values)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_service_objective_links_up_to_its_directorate(world, thread):
    objective = make(world, thread)
    assert objective.parent_objective == thread["d1_objective"]
    event = AuditEvent.objects.get(object_type="planning.objective", object_id=str(objective.pk))
    assert event.after["parent_objective"] == thread["d1_objective"].pk


def test_dates_outside_the_plan_year_are_refused_on_their_fields(world, thread):
    with pytest.raises(ValidationError) as excinfo:
        make(world, thread, start_date=D(2025, 3, 1), due_date=D(2026, 4, 30))
    assert "within the plan's year, 2025/26" in errors_of(excinfo)["start_date"][0]
    assert "within the plan's year" in errors_of(excinfo)["due_date"][0]
    assert not Objective.objects.filter(title="Reduce waiting times").exists()


def test_owner_must_work_in_the_unit(world, thread):
    with pytest.raises(ValidationError) as excinfo:
        make(world, thread, owner=UserFactory(org_unit=world.s2))
    assert errors_of(excinfo)["owner"] == ["Choose an owner who works in Service One."]


def test_someone_in_a_team_below_may_own_a_service_objective(world, thread):
    assert make(world, thread, owner=thread["team_member"]).owner == thread["team_member"]


def test_upward_link_sideways_is_refused(world, thread):
    with pytest.raises(ValidationError) as excinfo:
        make(world, thread, parent_objective=thread["d2_objective"])
    assert "Directorate Two is beside it, not above" in errors_of(excinfo)["parent_objective"][0]


def test_upward_link_down_is_refused(world, thread):
    team_objective = ObjectiveFactory(plan=thread["plans"]["T1"], owner=thread["team_member"])
    with pytest.raises(ValidationError) as excinfo:
        make(world, thread, parent_objective=team_objective)
    assert "Team One is below it, not above" in errors_of(excinfo)["parent_objective"][0]


def test_link_to_a_retired_node_is_refused(world, thread):
    plan_node_retire(by=world.people["performance_admin"], node=thread["priority"])
    with pytest.raises(ValidationError) as excinfo:
        make(world, thread, parent_objective=None, council_plan_node=thread["priority"])
    assert "has been retired" in errors_of(excinfo)["council_plan_node"][0]


def test_only_one_upward_link(world, thread):
    with pytest.raises(ValidationError) as excinfo:
        make(world, thread, council_plan_node=thread["priority"])
    assert "not both" in str(excinfo.value)


def test_contributions_go_to_other_directorates_and_never_round_in_a_cycle(world, thread):
    objective = make(world, thread, contributes_to=[thread["d2_objective"]])
    assert list(objective.contributes_to.all()) == [thread["d2_objective"]]
    with pytest.raises(ValidationError) as same:
        objective_update(by=world.people["service_lead"], objective=objective, contributes_to=[thread["d1_objective"]])
    assert "same directorate" in errors_of(same)["contributes_to"][0]
    d2_lead = world.people["performance_admin"]
    with pytest.raises(ValidationError) as cycle:
        objective_update(by=d2_lead, objective=thread["d2_objective"], contributes_to=[objective])
    assert "would make a cycle" in errors_of(cycle)["contributes_to"][0]


def test_a_service_lead_cannot_write_another_services_plan(world, thread):
    with pytest.raises(PermissionDenied):
        make(world, thread, plan_code="S2", owner=UserFactory(org_unit=world.s2), parent_objective=None)
    with pytest.raises(PermissionDenied):
        objective_update(by=world.people["service_lead"], objective=thread["s2_objective"], title="Mine now")


def test_a_team_manager_keeps_their_team_plan(world, thread):
    manager = UserFactory(username="team.manager", org_unit=world.t1)
    world.t1.head = manager
    world.t1.save()
    manager = type(manager).objects.get(pk=manager.pk)
    world.people["team_manager"] = manager
    parent = make(world, thread)
    team_objective = make(world, thread, plan_code="T1", by="team_manager", owner=manager, parent_objective=parent)
    assert team_objective.parent_objective == parent
    with pytest.raises(PermissionDenied):
        unit_plan_create(by=manager, unit=world.t2, year=2026, title="Not mine")


def test_progress_update_sets_the_objective_status(world, thread):
    objective = make(world, thread)
    progress_update_add(
        by=world.people["service_lead"], objective=objective, date=D(2025, 9, 1), note="Behind", status="at_risk"
    )
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.AT_RISK


def _scores(likelihood: int, impact: int) -> dict:
    return {
        f"{stage}_{part}": value
        for stage in ("inherent", "current", "target")
        for part, value in (("likelihood", likelihood), ("impact", impact))
    }


def test_risk_scores_must_be_one_to_five(world, thread):
    lead = world.people["service_lead"]
    too_likely = {**_scores(4, 2), "current_likelihood": 6}
    with pytest.raises(ValidationError) as excinfo:
        risk_create(by=lead, unit=world.s1, title="x", event="x", owner=lead, **too_likely)
    assert "current_likelihood" in errors_of(excinfo)
    risk = risk_create(by=lead, unit=world.s1, title="x", event="x", owner=lead, **_scores(4, 3))
    assert risk.score == 12
    assert risk.current_text == "12 High"


def test_one_plan_per_unit_per_year(world, thread):
    with pytest.raises(ValidationError):
        unit_plan_create(by=world.people["service_lead"], unit=world.s1, year=2025, title="Again")


def test_cic_objective_is_private_and_its_words_never_reach_the_audit_log(world, thread):
    service_objective = make(world, thread)
    member = thread["team_member"]
    cic = cic_objective_create(
        by=member,
        employee=member,
        objective=service_objective,
        title="Learn SQL",
        description="Course",
        status="on_track",
    )
    cic_objective_update(by=member, cic=cic, title="Learn SQL and Python")
    cic_note_add(by=member, cic=cic, date=D(2025, 6, 1), note="Booked the course")
    events = AuditEvent.objects.filter(object_type__startswith="planning.cic")
    assert events.count() == 3
    for event in events:
        text = f"{event.before} {event.after} {event.object_repr}"
        assert "SQL" not in text
        assert "Course" not in text
        assert "Booked" not in text
    readable = CicObjective.objects.readable_by
    assert list(readable(member)) == [cic]
    assert cic in readable(world.people["service_lead"])  # the line manager
    for outsider in ("performance_admin", "directorate_lead", "cmt", "no_role"):
        assert cic not in readable(world.people[outsider]), outsider


def test_line_management_chain_reaches_a_manager_two_levels_up(world, thread):
    member = thread["team_member"]
    world.people["service_lead"].line_manager = world.people["directorate_lead"]
    world.people["service_lead"].save()
    cic = cic_objective_create(
        by=world.people["directorate_lead"],
        employee=member,
        objective=make(world, thread),
        title="Mentoring",
        status="not_started",
    )
    assert cic in CicObjective.objects.readable_by(world.people["directorate_lead"])


def test_a_colleague_cannot_write_someone_elses_cic(world, thread):
    colleague = UserFactory(org_unit=world.t1)
    with pytest.raises(PermissionDenied):
        cic_objective_create(
            by=colleague, employee=thread["team_member"], objective=make(world, thread), title="x", status="on_track"
        )


def test_cic_must_link_to_a_team_or_service_objective(world, thread):
    member = thread["team_member"]
    with pytest.raises(ValidationError) as excinfo:
        cic_objective_create(by=member, employee=member, objective=thread["d1_objective"], title="x", status="on_track")
    assert "team or service objective" in errors_of(excinfo)["objective"][0]


def test_council_plan_node_of_the_wrong_period_is_refused(world, thread):
    from tests.factories import CouncilPlanFactory, PlanNodeFactory

    old = CouncilPlanFactory(title="Old plan", start_date=D(2018, 4, 1), end_date=D(2021, 3, 31))
    node = PlanNodeFactory(plan=old, code="OLD1")
    with pytest.raises(ValidationError) as excinfo:
        make(world, thread, parent_objective=None, council_plan_node=node)
    assert "does not cover 2025/26" in errors_of(excinfo)["council_plan_node"][0]


def test_org_kinds_are_the_ones_plans_belong_to(world):
    assert {world.d1.kind, world.s1.kind, world.t1.kind} == {
        OrgUnitKind.DIRECTORATE,
        OrgUnitKind.SERVICE,
        OrgUnitKind.TEAM,
    }
