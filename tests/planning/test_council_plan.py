import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.policy import SYSTEM
from audit.models import AuditEvent
from planning.models import CouncilPlan
from planning.selectors import council_plan_tree
from planning.services import CouncilPlanReadOnly, council_plan_create, plan_node_create
from tests.factories import CouncilPlanFactory, PlanNodeFactory


def make_plan(**overrides):
    values = {
        "by": SYSTEM,
        "title": "Council Plan 2030-34",
        "start_date": datetime.date(2030, 4, 1),
        "end_date": datetime.date(2034, 3, 31),
        "vision": "A good place to live.",
        "level_names": ["Ambition", "Priority", "Outcome"],
    }
    values.update(overrides)
    return council_plan_create(**values)


def test_plan_needs_at_least_three_named_levels(db):
    with pytest.raises(ValidationError) as error:
        make_plan(level_names=["Priority", "Outcome"])
    assert "at least 3" in str(error.value.message_dict["level_names"])
    assert not CouncilPlan.objects.exists()


def test_plan_has_at_most_six_levels(db):
    with pytest.raises(ValidationError) as error:
        make_plan(level_names=[f"Level {n}" for n in range(1, 8)])
    assert "at most 6 levels" in str(error.value.message_dict["level_names"])
    assert make_plan(level_names=[f"Level {n}" for n in range(1, 7)]).level_names[-1] == "Level 6"


def test_level_names_must_differ(db):
    with pytest.raises(ValidationError):
        make_plan(level_names=["Priority", "priority", "Outcome"])


def test_plan_must_end_after_it_starts(db):
    with pytest.raises(ValidationError) as error:
        make_plan(end_date=datetime.date(2030, 1, 1))
    assert "end_date" in error.value.message_dict


def test_creating_a_plan_and_nodes_is_audited(db):
    plan = make_plan()
    node = plan_node_create(by=SYSTEM, plan=plan, code="A1", title="Thriving economy")
    assert AuditEvent.objects.filter(object_type="planning.councilplan", object_id=str(plan.pk)).exists()
    assert AuditEvent.objects.filter(object_type="planning.plannode", object_id=str(node.pk)).exists()


def test_ended_plan_is_read_only(db):
    plan = CouncilPlanFactory(start_date=datetime.date(2022, 4, 1), end_date=datetime.date(2025, 3, 31))
    assert plan.is_read_only(today=datetime.date(2025, 4, 1))
    assert not plan.is_read_only(today=datetime.date(2025, 3, 31))
    with pytest.raises(CouncilPlanReadOnly):
        plan_node_create(by=SYSTEM, plan=plan, code="X", title="Late addition")


def test_nodes_cannot_go_deeper_than_the_levels(db):
    plan = make_plan()
    a = plan_node_create(by=SYSTEM, plan=plan, code="A", title="a")
    b = plan_node_create(by=SYSTEM, plan=plan, code="B", title="b", parent=a)
    c = plan_node_create(by=SYSTEM, plan=plan, code="C", title="c", parent=b)
    assert (a.depth, b.depth, c.depth) == (0, 1, 2)
    assert c.level_name == "Outcome"
    with pytest.raises(ValidationError):
        plan_node_create(by=SYSTEM, plan=plan, code="D", title="d", parent=c)


def test_a_node_cannot_hang_off_a_retired_node(db):
    plan = make_plan()
    retired = plan_node_create(by=SYSTEM, plan=plan, code="OLD", title="old")
    retired.retired_at = datetime.date(2030, 5, 1)
    retired.save()
    with pytest.raises(ValidationError) as error:
        plan_node_create(by=SYSTEM, plan=plan, code="NEW", title="new", parent=retired)
    assert "retired" in str(error.value)


def test_tree_is_built_in_one_query(db, django_assert_num_queries):
    plan = CouncilPlanFactory()
    for p in range(5):
        priority = PlanNodeFactory(plan=plan, code=f"P{p}")
        for o in range(2):
            outcome = PlanNodeFactory(plan=plan, code=f"P{p}O{o}", parent=priority)
            for m in range(2):
                PlanNodeFactory(plan=plan, code=f"P{p}O{o}M{m}", parent=outcome)
    with django_assert_num_queries(1):
        tree = council_plan_tree(plan)
        titles = [(n.node.code, len(n.children), [len(c.children) for c in n.children]) for n in tree]
    assert len(titles) == 5
    assert all(count == 2 and grandchildren == [2, 2] for _, count, grandchildren in titles)
