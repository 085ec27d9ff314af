"""Planning pages end to end through Django's test client: forms, htmx, imports, exports."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from audit.models import AuditEvent
from planning.models import Objective, PlanNode
from tests.factories import CouncilPlanFactory, PlanNodeFactory


def objective_data(world, **overrides):
    data = {
        "title": "Answer 90% of calls within 2 minutes",
        "description": "",
        "owner": world.people["service_lead"].username,
        "start_date": "2025-04-01",
        "due_date": "2026-03-31",
        "status": "on_track",
        "council_plan_node": "",
        "parent_objective": world.thread["d1_objective"].pk,
    }
    data.update(overrides)
    return data


def test_service_lead_adds_an_objective_linked_to_their_directorate(world, clients):
    plan = world.thread["plans"]["S1"]
    response = clients["service_lead"].post(
        reverse("planning:objective-add", kwargs={"pk": plan.pk}), objective_data(world)
    )
    assert response.status_code == 302
    objective = Objective.objects.get(title="Answer 90% of calls within 2 minutes")
    assert objective.parent_objective == world.thread["d1_objective"]
    assert AuditEvent.objects.filter(object_type="planning.objective", object_id=str(objective.pk)).exists()


def test_bad_dates_get_messages_next_to_the_fields_and_keep_what_was_typed(world, clients):
    plan = world.thread["plans"]["S1"]
    response = clients["service_lead"].post(
        reverse("planning:objective-add", kwargs={"pk": plan.pk}),
        objective_data(world, start_date="2024-01-01", due_date="2027-01-01"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_start_date-error"' in body
    assert 'id="id_due_date-error"' in body
    assert "within the plan&#x27;s year, 2025/26" in body
    assert 'value="Answer 90% of calls within 2 minutes"' in body
    assert 'aria-describedby="id_start_date-error"' in body
    assert not Objective.objects.filter(title__startswith="Answer 90%").exists()


def test_htmx_gets_the_form_fragment_and_a_client_redirect_on_success(world, clients):
    plan = world.thread["plans"]["S1"]
    url = reverse("planning:objective-add", kwargs={"pk": plan.pk})
    client = clients["service_lead"]
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert b'class="pmf-editor"' in fragment.content
    assert "HX-Request" in fragment["Vary"]
    full = client.get(url)
    assert b"<html" in full.content
    saved = client.post(url, objective_data(world), HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert saved["HX-Redirect"] == reverse("planning:plan-detail", kwargs={"pk": plan.pk})
    invalid = client.post(url, objective_data(world, title=""), HTTP_HX_REQUEST="true")
    assert b"<html" not in invalid.content
    assert b"There is a problem" in invalid.content


def test_progress_update_changes_the_status(world, clients):
    objective = world.thread["s1_objective"]
    response = clients["service_lead"].post(
        reverse("planning:progress-add", kwargs={"pk": objective.pk}),
        {"date": "2025-10-01", "status": "off_track", "note": "Recruitment delayed"},
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.status == "off_track"


def test_the_objective_page_shows_the_path_up_to_the_council_plan(world, clients):
    objective = world.thread["s1_objective"]
    body = clients["no_role"].get(reverse("planning:objective-detail", kwargs={"pk": objective.pk})).content.decode()
    up = body.index("Up the golden thread")
    assert body.index("Economic growth", up) < body.index(world.thread["d1_objective"].title, up)
    assert body.index(world.thread["d1_objective"].title, up) < body.index("(this objective)", up)


def test_cic_words_are_hidden_from_everyone_but_counts_show(world, clients):
    objective = world.thread["s1_objective"]
    body = clients["performance_admin"].get(reverse("planning:objective-detail", kwargs={"pk": objective.pk}))
    text = body.content.decode()
    assert "Learn SQL" not in text
    assert "fewer than 5" in text
    thread = clients["performance_admin"].get(
        reverse("planning:thread-node", kwargs={"pk": world.thread["priority"].pk})
    )
    assert "Learn SQL" not in thread.content.decode()
    assert "CIC objectives: fewer than 5" in thread.content.decode()
    own = clients["no_role"].get(reverse("planning:cic-list")).content.decode()
    assert "Learn SQL" in own
    manager = clients["service_lead"].get(reverse("planning:cic-list")).content.decode()
    assert "Learn SQL" in manager


def test_thread_view_counts_objectives_by_status_at_each_level(world, clients):
    body = clients["cmt"].get(reverse("planning:thread-node", kwargs={"pk": world.thread["priority"].pk}))
    root = body.context["root"]
    assert root.objective_total == 4
    assert {label: count for _, label, count in root.status_counts}["On track"] == 4
    assert root.level_counts == [("Directorate", 2), ("Service", 2)]


def test_gaps_view_lists_each_kind_of_gap(world, clients):
    from planning.models import UnitPlan
    from tests.factories import ObjectiveFactory

    unlinked = ObjectiveFactory(plan=world.thread["plans"]["S1"], owner=world.people["service_lead"], title="Stray")
    late = ObjectiveFactory(
        plan=world.thread["plans"]["S1"],
        owner=world.people["service_lead"],
        parent_objective=world.thread["d1_objective"],
        due_date=datetime.date(2025, 6, 30),
        status="at_risk",
    )
    empty = UnitPlan.objects.create(unit=world.t2, year=2025, title="Empty team plan")
    response = clients["cmt"].get(reverse("planning:gaps"), {"year": 2025})
    gaps = response.context["gaps"]
    assert unlinked in gaps.unlinked_objectives
    assert late in gaps.overdue_objectives
    assert empty in gaps.plans_without_objectives


def test_import_adds_nodes_from_csv_all_at_once(world, clients):
    plan = CouncilPlanFactory(
        title="Future plan", start_date=datetime.date(2030, 4, 1), end_date=datetime.date(2034, 3, 31)
    )
    csv_text = "code,parent_code,title,description\nA,,Ambition A,\nA1,A,Priority A1,Detail\nA1a,A1,Outcome A1a,\n"
    upload = SimpleUploadedFile("plan.csv", csv_text.encode(), content_type="text/csv")
    response = clients["performance_admin"].post(
        reverse("planning:council-plan-import", kwargs={"pk": plan.pk}), {"file": upload}
    )
    assert response.status_code == 302
    assert [(n.code, n.depth) for n in PlanNode.objects.filter(plan=plan).order_by("depth")] == [
        ("A", 0),
        ("A1", 1),
        ("A1a", 2),
    ]


def test_import_with_problems_reports_each_row_and_imports_nothing(world, clients):
    plan = CouncilPlanFactory(
        title="Future plan", start_date=datetime.date(2030, 4, 1), end_date=datetime.date(2034, 3, 31)
    )
    csv_text = (
        "code,parent_code,title\n"
        "A,,Ambition A\n"
        "A,,Again\n"  # duplicate code
        "B,Z,Orphan\n"  # unknown parent
        "C,,\n"  # no title
        "A1,A,One\nA2,A1,Two\nA3,A2,Too deep\n"
    )
    upload = SimpleUploadedFile("plan.csv", csv_text.encode(), content_type="text/csv")
    response = clients["performance_admin"].post(
        reverse("planning:council-plan-import", kwargs={"pk": plan.pk}), {"file": upload}
    )
    assert response.status_code == 400
    problems = [(p.row, p.column) for p in response.context["checked"].problems]
    assert problems == [(3, "code"), (4, "parent_code"), (5, "title"), (8, "parent_code")]
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "used again (first on row 2)" in body
    assert not PlanNode.objects.filter(plan=plan).exists()


def test_import_reads_excel_too(world, clients):
    plan = CouncilPlanFactory(
        title="Future plan", start_date=datetime.date(2030, 4, 1), end_date=datetime.date(2034, 3, 31)
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "parent_code", "title"])
    sheet.append(["X", None, "Excel ambition"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("plan.xlsx", buffer.getvalue())
    response = clients["performance_admin"].post(
        reverse("planning:council-plan-import", kwargs={"pk": plan.pk}), {"file": upload}
    )
    assert response.status_code == 302
    assert PlanNode.objects.get(plan=plan).title == "Excel ambition"


def test_export_neutralises_formulas_in_csv_and_excel(world, clients):
    PlanNodeFactory(plan=world.plan, code="EVIL", title='=HYPERLINK("http://x")')
    csv_body = (
        clients["performance_admin"]
        .get(reverse("planning:council-plan-export", kwargs={"pk": world.plan.pk, "fmt": "csv"}))
        .getvalue()
        .decode()
    )
    assert "'=HYPERLINK" in csv_body
    assert "\nEVIL,,Priority,=HYPERLINK" not in csv_body
    xlsx = clients["performance_admin"].get(
        reverse("planning:council-plan-export", kwargs={"pk": world.plan.pk, "fmt": "xlsx"})
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    titles = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in titles


def test_an_ended_plan_cannot_be_edited(world, clients):
    old = CouncilPlanFactory(
        title="Old plan", start_date=datetime.date(2018, 4, 1), end_date=datetime.date(2022, 3, 31)
    )
    response = clients["performance_admin"].get(reverse("planning:council-plan-edit", kwargs={"pk": old.pk}))
    assert response.status_code == 302
    follow = clients["performance_admin"].get(response.url)
    assert "kept as a record and cannot be changed" in follow.content.decode()


def test_moving_and_retiring_nodes(world, clients):
    plan = world.plan
    second = PlanNodeFactory(plan=plan, code="P2", title="Second", order=2)
    world.thread["priority"].order = 1
    world.thread["priority"].save()
    clients["performance_admin"].post(
        reverse("planning:plan-node-move", kwargs={"pk": plan.pk, "node_pk": second.pk}), {"direction": "up"}
    )
    second.refresh_from_db()
    assert second.order == 1
    clients["performance_admin"].post(
        reverse("planning:plan-node-retire", kwargs={"pk": plan.pk, "node_pk": world.thread["priority"].pk})
    )
    retired = set(PlanNode.objects.filter(plan=plan, retired_at__isnull=False).values_list("code", flat=True))
    assert retired == {"P1", "O1", "M1"}


def test_creating_a_council_plan_with_too_few_levels_says_so(world, clients):
    response = clients["performance_admin"].post(
        reverse("planning:council-plan-create"),
        {
            "title": "Plan 2030",
            "start_date": "2030-04-01",
            "end_date": "2034-03-31",
            "vision_label": "Vision",
            "vision": "A good place",
            "level_names_text": "Priority\nOutcome",
        },
    )
    assert response.status_code == 200
    assert 'id="id_level_names_text-error"' in response.content.decode()
    assert 'value="Plan 2030"' in response.content.decode()


def test_the_thread_and_gaps_include_kpis(world, clients):
    from kpis.models import Kpi

    kpi = world.kpis["s1"]
    kpi.council_plan_nodes.add(world.thread["priority"])
    Kpi.objectives.through.objects.create(kpi=world.kpis["s2"], objective=world.thread["s2_objective"])
    thread = clients["cmt"].get(reverse("planning:thread-node", kwargs={"pk": world.thread["priority"].pk}))
    body = thread.content.decode()
    assert "KPIs: " in body
    assert f"{kpi.code} {kpi.title}" in body
    assert "Measured by: " in body
    gaps = clients["cmt"].get(reverse("planning:gaps")).content.decode()
    assert "KPIs in no plan (0)" in gaps
    kpi.council_plan_nodes.clear()
    gaps = clients["cmt"].get(reverse("planning:gaps")).content.decode()
    assert "KPIs in no plan (1)" in gaps
