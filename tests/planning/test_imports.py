"""Importing a whole Council Plan from one spreadsheet: the plan's details from a form (or the
command's options), its levels and tree from the file; all of it or nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from planning.models import MAX_LEVELS, CouncilPlan, PlanNode
from tests.plan_files import DETAILS, command_args, plan_csv, plan_rows, plan_xlsx

URL = "planning:council-plan-import-new"


def post(client, content: bytes, *, name: str = "plan.xlsx", **details):
    data = {**DETAILS, **details, "file": SimpleUploadedFile(name, content)}
    return client.post(reverse(URL), data)


def problems_of(response) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in response.context["checked"].problems]


def row(code, parent, level, title="A title", description=""):
    return {"code": code, "parent_code": parent, "level": level, "title": title, "description": description}


def test_a_realistic_plan_imports_with_the_councils_own_level_names(world, clients):
    response = post(clients["performance_admin"], plan_xlsx())
    plan = CouncilPlan.objects.get(title=DETAILS["title"])
    assert response.status_code == 302
    assert response.url == reverse("planning:council-plan-detail", kwargs={"pk": plan.pk})
    assert plan.level_names == ["Priority", "Outcome", "Marker of success"]
    assert (plan.start_date, plan.end_date) == (datetime.date(2025, 4, 1), datetime.date(2029, 3, 31))
    assert plan.vision == DETAILS["vision"]
    depths = [n.depth for n in plan.nodes.all()]
    assert (depths.count(0), depths.count(1), depths.count(2)) == (5, 20, 60)
    marker = PlanNode.objects.get(plan=plan, code="P2.O3.M1")
    assert (marker.parent.code, marker.parent.parent.code) == ("P2.O3", "P2")
    # Siblings keep the file's order.
    assert list(PlanNode.objects.filter(plan=plan, depth=0).order_by("order").values_list("code", flat=True)) == [
        "P1",
        "P2",
        "P3",
        "P4",
        "P5",
    ]
    # Through the audited services: the plan and every node.
    assert AuditEvent.objects.filter(object_type="planning.councilplan", object_id=str(plan.pk)).count() == 1
    assert AuditEvent.objects.filter(object_type="planning.plannode").count() >= 85


def test_other_level_names_and_a_csv_with_children_before_parents(world, clients):
    rows = list(reversed(plan_rows(levels=("Ambition", "Priority", "Objective"))))
    response = post(clients["performance_admin"], plan_csv(rows), name="plan.csv")
    assert response.status_code == 302
    plan = CouncilPlan.objects.get(title=DETAILS["title"])
    assert plan.level_names == ["Ambition", "Priority", "Objective"]
    assert plan.nodes.count() == 85


def test_a_bad_file_is_refused_whole_with_a_row_by_row_report(world, clients):
    rows = [
        row("A", "", "Priority"),
        row("A1", "A", "Outcome"),
        row("A1a", "A1", "Marker"),
        row("A", "", "Priority"),  # 5: the code again
        row("B", "Z", "Outcome"),  # 6: no such parent
        row("C", "", "Ambition"),  # 7: a top row is a Priority
        row("D", "", "Priority", title=""),  # 8: no title
        row("E", "E", "Priority"),  # 9: its own parent
        row("F1", "F2", "Outcome"),  # 10: F1 and F2 go round in a circle
        row("F2", "F1", "Outcome"),  # 11
        row("A1b", "A1", ""),  # 12: no level
        row("A1ab", "A1a", "Marker"),  # 13: Marker is the third level's name
        row("G" * 21, "", "Priority"),  # 14: too long a code
    ]
    response = post(clients["performance_admin"], plan_csv(rows), name="plan.csv")
    assert response.status_code == 400
    assert problems_of(response) == [
        (5, "code"),
        (6, "parent_code"),
        (7, "level"),
        (8, "title"),
        (9, "parent_code"),
        (10, "parent_code"),
        (11, "parent_code"),
        (12, "level"),
        (13, "level"),
        (14, "code"),
    ]
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "Code A is used again (first on row 2)" in body
    assert "go round in a circle" in body
    assert "A row with no parent is a Priority (row 2), not “Ambition”" in body
    assert not CouncilPlan.objects.filter(title=DETAILS["title"]).exists()
    assert not PlanNode.objects.filter(code="A1").exists()


def test_the_plans_own_rules_apply_to_the_levels_in_the_file(world, clients):
    admin = clients["performance_admin"]
    two_levels = [row("A", "", "Priority"), row("A1", "A", "Outcome")]
    response = post(admin, plan_csv(two_levels), name="plan.csv")
    assert response.status_code == 400
    [problem] = response.context["checked"].problems
    assert (problem.row, problem.column) == (1, "level")
    assert "Priority, Outcome" in problem.message
    assert "at least 3" in problem.message

    same_name = [row("A", "", "Priority"), row("A1", "A", "Outcome"), row("A1a", "A1", "priority")]
    response = post(admin, plan_csv(same_name), name="plan.csv")
    assert problems_of(response) == [(4, "level")]
    assert "“priority” is the name of the 1st level (row 2)" in response.content.decode()

    deep = [row("L0", "", "Level 0")]
    deep += [row(f"L{i}", f"L{i - 1}", f"Level {i}") for i in range(1, MAX_LEVELS + 1)]
    response = post(admin, plan_csv(deep), name="plan.csv")
    assert problems_of(response) == [(MAX_LEVELS + 2, "parent_code")]
    assert f"at most {MAX_LEVELS} levels" in response.content.decode()
    assert not CouncilPlan.objects.filter(title=DETAILS["title"]).exists()


def test_the_plans_details_are_checked_by_the_form(world, clients):
    response = post(clients["performance_admin"], plan_xlsx(), title=world.plan.title, end_date="2025-01-01")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"title", "end_date"}
    assert CouncilPlan.objects.count() == 1


def test_the_template_has_example_rows_that_import(world, clients):
    admin = clients["performance_admin"]
    template = admin.get(reverse("planning:council-plan-import-template"))
    assert template.status_code == 200
    text = template.content.decode()
    assert text.splitlines()[0] == "code,parent_code,level,title,description"
    assert len(text.splitlines()) >= 4
    response = post(admin, text.encode(), name="template.csv")
    assert response.status_code == 302


def test_the_command_imports_a_plan_and_refuses_a_bad_one(world, tmp_path):
    admin = world.people["performance_admin"].username
    good = tmp_path / "plan.xlsx"
    good.write_bytes(plan_xlsx())
    call_command(*command_args(good, admin, title="Borough Plan 2026-30", start_date="2026-04-01"))
    plan = CouncilPlan.objects.get(title="Borough Plan 2026-30")
    assert plan.nodes.count() == 85
    assert plan.level_names == ["Priority", "Outcome", "Marker of success"]
    assert plan.start_date == datetime.date(2026, 4, 1)

    bad = tmp_path / "bad.csv"
    bad.write_bytes(plan_csv([row("A", "", "Priority"), row("B", "Z", "Outcome")]))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(*command_args(bad, admin, title="Another plan"))
    assert not CouncilPlan.objects.filter(title="Another plan").exists()
    with pytest.raises(CommandError, match="the plan's details"):
        call_command(*command_args(good, admin, title="Borough Plan 2026-30"))  # the title is taken


def test_the_command_refuses_someone_who_may_not_manage_council_plans(world, tmp_path):
    good = tmp_path / "plan.xlsx"
    good.write_bytes(plan_xlsx())
    with pytest.raises(CommandError, match="Not allowed: manage_council_plan"):
        call_command(*command_args(good, world.people["cmt"].username))
    assert not CouncilPlan.objects.filter(title=DETAILS["title"]).exists()


def test_every_council_plan_import_column_is_documented():
    from pathlib import Path

    from django.conf import settings

    from planning.imports import NEW_PLAN_COLUMNS, STRUCTURE_COLUMNS

    text = (Path(settings.BASE_DIR) / "docs" / "imports.md").read_text()
    assert "## Council Plan (`council_plan`)" in text
    for column in (*NEW_PLAN_COLUMNS, *STRUCTURE_COLUMNS):
        assert f"| `{column.name}` |" in text, column.name


# --- More of an existing plan's tree (the same checks) ---------------------------------------


def future_plan():
    from tests.factories import CouncilPlanFactory

    return CouncilPlanFactory(
        title="Future plan", start_date=datetime.date(2030, 4, 1), end_date=datetime.date(2034, 3, 31)
    )


def post_structure(client, plan, text: str):
    upload = SimpleUploadedFile("plan.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("planning:council-plan-import", kwargs={"pk": plan.pk}), {"file": upload})


def test_structure_import_takes_a_parent_from_a_later_row_and_checks_level_names(world, clients):
    plan = future_plan()
    admin = clients["performance_admin"]
    text = "code,parent_code,level,title\nA1,A,Outcome,Later parent\nA,,Priority,Ambition A\n"
    assert post_structure(admin, plan, text).status_code == 302
    assert PlanNode.objects.get(plan=plan, code="A1").parent.code == "A"

    response = post_structure(admin, plan, "code,parent_code,level,title\nB,,Ambition,Wrong level name\n")
    assert response.status_code == 400
    assert problems_of(response) == [(2, "level")]
    assert "A row with no parent is a Priority in this plan, not “Ambition”" in response.content.decode()


def test_structure_import_refuses_circles_and_moves(world, clients):
    plan = future_plan()
    admin = clients["performance_admin"]
    assert post_structure(admin, plan, "code,parent_code,title\nA,,A\nB,,B\nA1,A,A1\n").status_code == 302
    text = "code,parent_code,title\nX,Y,X\nY,X,Y\nA1,B,Moved\n"
    response = post_structure(admin, plan, text)
    assert problems_of(response) == [(2, "parent_code"), (3, "parent_code"), (4, "parent_code")]
    assert "A1 already sits under A" in response.content.decode()


def test_structure_import_clears_a_description_only_when_the_column_is_there(world, clients):
    plan = future_plan()
    admin = clients["performance_admin"]
    post_structure(admin, plan, "code,parent_code,title,description\nA,,Ambition,Detail\n")
    post_structure(admin, plan, "code,parent_code,title\nA,,Ambition renamed\n")
    node = PlanNode.objects.get(plan=plan, code="A")
    assert (node.title, node.description) == ("Ambition renamed", "Detail")
    post_structure(admin, plan, "code,parent_code,title,description\nA,,Ambition renamed,\n")
    node.refresh_from_db()
    assert node.description == ""


def test_structure_import_needs_the_parent_code_column(world, clients):
    response = post_structure(clients["performance_admin"], future_plan(), "code,title\nA,Ambition\n")
    assert problems_of(response) == [(1, "parent_code")]
