"""The plan-level key risks made before the register keep their rows through the migration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("planning", "0002_golden_thread"), ("kpis", "0004_historic_periods")]
AFTER = [("planning", "0003_risk_register"), ("kpis", "0008_kpi_risks")]


@pytest.mark.django_db(transaction=True)
def test_existing_risks_move_into_their_units_register_with_their_scores():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    unit = old.get_model("accounts", "OrgUnit")
    council = unit.objects.create(kind="council", code="MC", name="Council", path="/MC/")
    service = unit.objects.create(kind="service", code="MS", name="Service", parent=council, path="/MC/MS/")
    team = unit.objects.create(kind="team", code="MT", name="Team", parent=service, path="/MC/MS/MT/")
    plan = old.get_model("planning", "UnitPlan")
    risk = old.get_model("planning", "Risk")
    service_plan = plan.objects.create(unit=service, year=2025, title="Service plan")
    team_plan = plan.objects.create(unit=team, year=2025, title="Team plan")
    kept = risk.objects.create(
        plan=service_plan, description="Staff turnover", likelihood=3, impact=4, mitigation="Exit interviews"
    )
    long_text = "A" * 250
    from_team = risk.objects.create(plan=team_plan, description=long_text, likelihood=2, impact=2)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("planning", "Risk")
    moved = new.objects.get(pk=kept.pk)
    assert (moved.unit_id, moved.title, moved.event, moved.controls) == (
        service.pk,
        "Staff turnover",
        "Staff turnover",
        "Exit interviews",
    )
    assert (moved.inherent_likelihood, moved.current_impact, moved.target_likelihood) == (3, 4, 3)
    assert moved.status == "open"
    team_risk = new.objects.get(pk=from_team.pk)
    assert team_risk.unit_id == service.pk  # a team keeps no register: its service's
    assert len(team_risk.title) == 200
    assert team_risk.event == long_text

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
