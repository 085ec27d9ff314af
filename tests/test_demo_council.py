import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import OrgUnit, Role, RoleAssignment, User
from audit.models import AuditEvent
from planning.models import CouncilPlan, PlanNode
from tests.conftest import shared_by_the_module


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for this module's tests, which only read it (or load it again)."""
    folder = tmp_path_factory.mktemp("demo-var")
    with shared_by_the_module(django_db_blocker):
        with django_db_blocker.unblock(), override_settings(VAR_DIR=folder):
            call_command("demo_council", verbosity=0)
        yield folder


@pytest.fixture
def demo(loaded, db, settings):
    settings.VAR_DIR = loaded
    return loaded


def test_loads_the_real_2022_25_plan_as_a_read_only_record(demo):
    plan = CouncilPlan.objects.get(title="Council Plan 2022-25")
    assert plan.vision_label == "Aim"
    assert plan.vision.startswith("Inequalities are reduced and all potential is maximised")
    counts = [PlanNode.objects.filter(plan=plan, depth=d).count() for d in range(3)]
    assert counts == [5, 10, 20]
    assert plan.level_names == ["Priority", "Outcome", "Marker of Success"]
    assert plan.is_read_only(today=datetime.date(2026, 1, 1))
    assert not plan.is_demo


def test_loads_a_current_2025_29_demo_plan_that_says_so(demo):
    plan = CouncilPlan.objects.get(is_demo=True)
    assert plan.start_date == datetime.date(2025, 4, 1)
    assert "continuously improving council" in plan.vision
    assert "demonstration" in plan.description
    assert PlanNode.objects.filter(plan=plan).count() == 35
    assert CouncilPlan.objects.current(datetime.date(2026, 11, 22)) == plan


def test_every_role_has_a_demo_person_and_units_have_heads(demo):
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == {role.value for role in Role}
    assert OrgUnit.objects.filter(kind="directorate").count() >= 4
    assert not OrgUnit.objects.filter(head__isnull=True).exists()
    assert User.objects.filter(role_assignments__isnull=True, line_manager__isnull=False).exists()


def test_running_again_changes_nothing(demo):
    counts = (User.objects.count(), OrgUnit.objects.count(), PlanNode.objects.count(), AuditEvent.objects.count())
    call_command("demo_council", verbosity=0)
    again = (User.objects.count(), OrgUnit.objects.count(), PlanNode.objects.count(), AuditEvent.objects.count())
    assert again == counts


def test_loading_is_audited_as_the_system(demo):
    assert AuditEvent.objects.filter(object_type="planning.plannode", actor_name="system").count() == 70


def test_writes_the_sign_ins_for_the_run_command(demo):
    text = (demo / "demo-sign-ins.txt").read_text()
    for label in ("Performance admin", "Service lead", "Directorate performance lead", "CMT member", "Scrutiny member"):
        assert label in text
    assert "Employee with no performance role" in text


def test_the_demo_has_a_published_report_for_scrutiny(demo):
    from reporting.models import Snapshot, SnapshotKind

    published = Snapshot.objects.get(kind=SnapshotKind.PUBLISHED)
    assert any(priority["kpis"] for priority in published.content["priorities"])
    assert all(priority["narrative"] for priority in published.content["priorities"])
    # Its exceptions read as a real report's do: with the service's commentary and actions.
    assert published.content["exceptions"]
    assert all(e["kpi"]["commentary"] and e["kpi"]["actions"] for e in published.content["exceptions"])


def test_a_demo_database_with_people_added_since_is_topped_up(demo):
    """The local copy is the demo's own: people added there while trying it do not stop it."""
    from tests.factories import UserFactory

    UserFactory(username="added-while-trying")
    call_command("demo_council", verbosity=0)


def test_the_demo_ranks_walsall_among_its_neighbours_from_the_real_published_figures(demo):
    """Checked by hand against Oflog's ASC_data.csv and NN.json: in 2022-23 Walsall's ASC5 was
    75.0; 8 of its 15 nearest neighbours with a value did better (9th of 16), their mean was
    74.753; 88 of the 151 councils with a value did better nationally."""
    from kpis.benchmarking import benchmark_positions
    from kpis.models import Kpi

    kpi = Kpi.objects.get(code="ASC-01")
    position = benchmark_positions([kpi.pk])[kpi.pk]
    assert position.data_period_label == "2022/23 outturn"
    assert (position.group_rank, position.group_count, position.group_quartile) == (9, 16, 3)
    assert round(position.neighbour_average, 3) == Decimal("74.753")
    assert (position.national_rank, position.national_count) == (89, 151)
    assert position.source == "Oflog"
    children = Kpi.objects.get(code="CSC-01")  # DfE LAIT, lower is better, 10 statistical neighbours
    assert benchmark_positions([children.pk])[children.pk].group_count == 11


def test_the_demo_has_a_few_invented_risks_at_each_level_linked_to_kpis(demo):
    from planning.models import Risk, RiskEscalation

    risks = list(Risk.objects.select_related("unit"))
    assert {risk.unit.kind for risk in risks} == {"council", "directorate", "service"}
    assert all("invented for the demonstration" in risk.event for risk in risks)
    assert Risk.objects.filter(kpis__code="ASC-04").exists()
    escalated = RiskEscalation.objects.get()
    assert (escalated.from_unit.code, escalated.to_unit.code) == ("ASC", "ASH")
    assert Risk.objects.review_overdue().exists()  # the reminders have one to send
    assert all(risk.actions.exists() for risk in risks)


def test_two_demo_kpis_have_invented_breakdowns_published_with_small_counts_suppressed(demo):
    """A count by ward and a percentage by age band, named as invented; the published report
    suppresses the ward's small counts and the next smallest with them."""
    from kpis.models import Breakdown
    from reporting.models import Snapshot

    breakdowns = list(Breakdown.objects.order_by("name"))
    assert [b.name for b in breakdowns] == ["Age band (invented for the demo)", "Ward (invented for the demo)"]
    assert all(b.values.count() >= 9 for b in breakdowns)
    published = Snapshot.objects.get(kind="published")
    cards = [k for p in published.content["priorities"] for k in p["kpis"] if k["breakdowns"]]
    ward = next(b for k in cards for b in k["breakdowns"] if b["name"].startswith("Ward"))
    assert [text for _, text in ward["cells"]] == ["41", "suppressed", "26", "suppressed", "33"]
    assert ward["note"]
