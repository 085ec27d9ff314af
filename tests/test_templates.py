"""Every template in templates/ is rendered by some real page here, without error."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.signals import template_rendered
from django.urls import reverse

from accounts.models import User
from core.errors import server_error
from kpis.models import KpiReturn
from reporting.content import build
from reporting.data_quality import data_quality_report
from reporting.pdf import data_quality_html, pack_html, priority_html
from tests.test_permission_matrix import _published_kpi

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates"


def all_templates() -> set[str]:
    return {str(path.relative_to(TEMPLATE_DIR)) for path in TEMPLATE_DIR.rglob("*.html")}


def templates_rendered_by(action) -> set[str]:
    """Templates rendered outside a response (the PDFs' HTML)."""
    names: set[str] = set()

    def seen(sender, template, **kwargs):
        names.add(template.name)

    template_rendered.connect(seen)
    try:
        action()
    finally:
        template_rendered.disconnect(seen)
    return names


def test_every_template_renders(world, clients, monkeypatch):
    rendered: set[str] = set()

    def visit(client, url, method="get", data=None, expect=200):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == expect, url
        rendered.update(t.name for t in response.templates if t.name)
        return response

    anonymous = clients["anonymous"]
    visit(anonymous, reverse("accounts:sign-in"))
    visit(anonymous, reverse("accounts:sign-in"), "post", {"username": "nobody", "password": "wrong"})
    visit(anonymous, reverse("accessibility"))
    visit(anonymous, reverse("reporting:open-data"))
    visit(anonymous, reverse("reporting:open-data-licence"))
    for persona in ("performance_admin", "cmt", "cabinet", "scrutiny", "directorate_lead", "service_lead", "no_role"):
        visit(clients[persona], reverse("home"))
    admin = clients["performance_admin"]
    visit(admin, reverse("planning:council-plan-list"))
    visit(admin, reverse("planning:council-plan-detail", kwargs={"pk": world.plan.pk}))
    visit(admin, reverse("accounts:org-unit-list"))
    visit(admin, reverse("accounts:org-unit-detail", kwargs={"code": world.s1.code}))
    visit(admin, reverse("organisation:person-list"), data={"q": "role"})
    visit(admin, reverse("organisation:person-detail", kwargs={"pk": world.people["no_role"].pk}))
    visit(admin, reverse("privacy:subject-access", kwargs={"pk": world.people["no_role"].pk}))
    cmt = world.people["cmt"]
    visit(
        admin,
        reverse("organisation:role-remove", kwargs={"pk": cmt.pk, "assignment_pk": cmt.role_assignments.get().pk}),
    )
    visit(admin, reverse("audit:event-list"), data={"date_from": "2025-02-01", "date_to": "2025-01-01"})
    visit(clients["no_role"], reverse("accounts:org-unit-list"), expect=403)
    visit(clients["no_role"], reverse("api_tokens:list"), "post", {"name": "Power BI", "days": "30"})
    visit(clients["no_role"], reverse("api_tokens:list"), "post", {"name": "", "days": "7"})
    token = world.people["no_role"].api_tokens.get()
    visit(admin, reverse("api_tokens:everyone"))
    visit(admin, reverse("api_tokens:revoke", kwargs={"pk": token.pk}))

    plan, thread = world.plan, world.thread
    node = thread["priority"]
    visit(admin, reverse("planning:council-plan-create"), "post", {"title": ""})
    visit(admin, reverse("planning:council-plan-edit", kwargs={"pk": plan.pk}))
    visit(admin, reverse("planning:plan-node-add", kwargs={"pk": plan.pk}), "post", {"code": ""})
    visit(admin, reverse("planning:plan-node-edit", kwargs={"pk": plan.pk, "node_pk": node.pk}))
    visit(admin, reverse("planning:plan-node-retire", kwargs={"pk": plan.pk, "node_pk": node.pk}))
    visit(admin, reverse("planning:council-plan-import", kwargs={"pk": plan.pk}))
    visit(admin, reverse("planning:council-plan-import-new"), "post", {"title": ""})
    s1_plan, objective = thread["plans"]["S1"], thread["s1_objective"]
    lead = clients["service_lead"]
    visit(lead, reverse("planning:plan-list"))
    visit(lead, reverse("planning:plan-create"))
    visit(lead, reverse("planning:plan-detail", kwargs={"pk": s1_plan.pk}))
    visit(lead, reverse("planning:plan-edit", kwargs={"pk": s1_plan.pk}))
    visit(lead, reverse("planning:plan-on-a-page", kwargs={"pk": s1_plan.pk}))
    visit(lead, reverse("planning:objective-add", kwargs={"pk": s1_plan.pk}), "post", {"title": ""})
    visit(lead, reverse("planning:objective-detail", kwargs={"pk": objective.pk}))
    visit(lead, reverse("planning:objective-edit", kwargs={"pk": objective.pk}))
    visit(lead, reverse("planning:progress-add", kwargs={"pk": objective.pk}), "post", {"note": ""})
    risk = thread["risk_s1"]
    visit(lead, reverse("planning:risk-register"))
    visit(lead, reverse("planning:risk-add"), "post", {"title": ""})
    visit(lead, reverse("planning:risk-detail", kwargs={"pk": risk.pk}))
    visit(lead, reverse("planning:risk-edit", kwargs={"pk": risk.pk}))
    visit(lead, reverse("planning:risk-review", kwargs={"pk": risk.pk}), "post", {"next_review_date": ""})
    visit(lead, reverse("planning:risk-escalate", kwargs={"pk": risk.pk}), "post", {"reason": ""})
    visit(lead, reverse("planning:risk-action-add", kwargs={"pk": risk.pk}), "post", {"description": ""})
    visit(lead, reverse("planning:risk-import"))
    visit(lead, reverse("planning:thread-index"))
    visit(lead, reverse("planning:thread-node", kwargs={"pk": node.pk}))
    visit(lead, reverse("planning:gaps"))
    employee, cic = clients["no_role"], thread["cic"]
    visit(employee, reverse("planning:cic-list"))
    visit(employee, reverse("planning:cic-add"))
    visit(employee, reverse("planning:cic-detail", kwargs={"pk": cic.pk}))
    visit(employee, reverse("planning:cic-edit", kwargs={"pk": cic.pk}))
    visit(employee, reverse("planning:cic-note-add", kwargs={"pk": cic.pk}))

    kpis = world.kpis
    visit(lead, reverse("kpis:kpi-list"))
    visit(lead, reverse("kpis:kpi-detail", kwargs={"code": kpis["s1"].code}))
    visit(lead, reverse("kpis:kpi-equalities", kwargs={"code": kpis["s1"].code}))
    visit(lead, reverse("kpis:my-returns"))
    visit(
        lead,
        reverse("kpis:return-edit", kwargs={"pk": kpis["return_s1"].pk}),
        "post",
        {"action": "save", "revision": "0", "value": "x"},
    )
    director = clients["directorate_lead"]
    visit(director, reverse("kpis:review-queue"))
    visit(director, reverse("kpis:return-review", kwargs={"pk": kpis["return_s1"].pk}))
    visit(director, reverse("kpis:escalation-list"))
    visit(director, reverse("kpis:escalation-detail", kwargs={"pk": kpis["escalation_s1"].pk}))
    visit(director, reverse("kpis:escalation-create", kwargs={"code": kpis["s1"].code}))
    visit(director, reverse("kpis:red-run-decision", kwargs={"code": kpis["s1"].code}))
    visit(admin, reverse("kpis:period-list"))
    visit(admin, reverse("kpis:period-detail", kwargs={"pk": kpis["period"].pk}))
    visit(admin, reverse("kpis:import-index"))
    visit(admin, reverse("kpis:kpi-create"), "post", {"code": ""})
    visit(admin, reverse("kpis:kpi-edit", kwargs={"code": kpis["s1"].code}))
    visit(admin, reverse("kpis:kpi-version-add", kwargs={"code": kpis["s1"].code}), "post", {"change_reason": ""})
    visit(admin, reverse("kpis:kpi-target-add", kwargs={"code": kpis["s1"].code}))
    visit(admin, reverse("kpis:import-upload", kwargs={"kind": "targets"}))
    KpiReturn.objects.filter(pk=kpis["return_s1"].pk).update(state="approved", value=50)  # a trend to chart
    visit(lead, reverse("kpis:kpi-detail", kwargs={"code": kpis["s1"].code}))
    visit(lead, reverse("reporting:overview"))
    visit(clients["cmt"], reverse("reporting:dashboard"), data={"rag": "green"})
    visit(clients["cmt"], reverse("reporting:dashboard"))
    visit(clients["cmt"], reverse("reporting:scorecard"))
    visit(clients["cmt"], reverse("reporting:exceptions"))
    visit(admin, reverse("reporting:report", kwargs={"pk": kpis["period"].pk}))
    visit(admin, reverse("reporting:data-quality", kwargs={"pk": kpis["period"].pk}))
    visit(
        admin,
        reverse("reporting:narrative-edit", kwargs={"pk": kpis["period"].pk, "node_pk": thread["priority"].pk}),
        "post",
        {"text": ""},
        expect=400,
    )
    visit(clients["scrutiny"], reverse("reporting:report-list"))
    visit(clients["scrutiny"], reverse("reporting:notifications"))
    visit(clients["scrutiny"], reverse("reporting:notification-settings"))
    visit(clients["scrutiny"], reverse("reporting:kpi-published", kwargs=_published_kpi(world)))
    visit(admin, reverse("reporting:cycle", kwargs={"pk": kpis["period"].pk}))
    visit(clients["cmt"], reverse("reporting:snapshot", kwargs={"pk": kpis["draft_snapshot"].pk}))
    visit(clients["cmt"], reverse("reporting:snapshot-progress", kwargs={"pk": kpis["published_snapshot"].pk}))
    kpis["s1"].council_plan_nodes.add(thread["priority"])
    content = build(kpis["period"], kind="draft", status_label="Draft for CMT")
    rendered.update(templates_rendered_by(lambda: pack_html(content)))
    rendered.update(templates_rendered_by(lambda: data_quality_html(data_quality_report(kpis["period"]))))
    rendered.update(templates_rendered_by(lambda: priority_html(content, thread["priority"].code)))
    visit(admin, reverse("organisation:import-index"))
    visit(admin, reverse("organisation:import-upload", kwargs={"kind": "organisation"}))
    User.objects.filter(pk=kpis["s2"].owner_id).update(employee_number="E2")  # a leaver with things to hand over
    header = "employee_number,first_name,last_name,email,job_title,unit_code,line_manager_employee_number"
    people = SimpleUploadedFile("people.csv", f"{header}\nE1,Ann,Lee,ann@council.example,,T1,\n".encode())
    preview = visit(admin, reverse("organisation:import-upload", kwargs={"kind": "people"}), "post", {"file": people})
    apply = {"token": preview.context["token"], "digest": preview.context["digest"]}
    visit(admin, reverse("organisation:import-apply", kwargs={"kind": "people"}), "post", apply)
    visit(admin, reverse("organisation:leavers"))
    visit(admin, reverse("kpis:kpi-hand-over", kwargs={"pk": kpis["s2"].owner_id}), "post", {"to_person": "nobody"})
    visit(admin, "/no-such-page/", expect=404)
    monkeypatch.setattr("core.tabular.MAX_EXCEL_ROWS", 0)  # the refusal of an Excel too long to build
    visit(admin, reverse("kpis:returns-export", kwargs={"fmt": "xlsx"}))
    monkeypatch.undo()
    visit(Client(), reverse("accounts:sso-refused"))
    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = locked.post(reverse("accounts:sign-in"), {"username": "no_role", "password": "wrong"})
    assert response.status_code == 429
    rendered.update(t.name for t in response.templates if t.name)

    error_page = server_error(RequestFactory().get("/"))
    assert error_page.status_code == 500
    assert b"Sorry, there is a problem with the service" in error_page.content
    rendered.add("errors/500.html")

    missing = all_templates() - rendered
    assert not missing, f"Templates no test renders: {sorted(missing)}"
