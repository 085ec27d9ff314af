"""The golden thread in a real browser: a directorate lead adds an objective linked to a
priority, a team manager links a team objective to it, an employee adds a CIC objective that
a colleague and an admin cannot read, and the thread view shows the chain down to the CIC
count. axe and the CSP are checked on every page and after every htmx swap."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from planning.models import CicObjective, Objective, UnitPlan

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

DIRECTORATE_OBJECTIVE = "Halve the time to a first safeguarding decision"
TEAM_OBJECTIVE = "Triage every MASH referral within one working day"
CIC_TITLE = "Cut my referral triage time to 30 minutes"


def option_value(page, select_id: str, text: str) -> str:
    return page.locator(f"#{select_id} option", has_text=text).first.get_attribute("value")


def wait_for_swap(page) -> None:
    page.locator("#objective-editor form").wait_for()


def test_the_golden_thread_from_priority_to_cic(demo, checked):
    page = checked.page

    # 1. The directorate lead adds an objective linked to a Council Plan marker, inline with htmx.
    checked.sign_in("tariq.mahmood")
    directorate_plan = UnitPlan.objects.get(unit__code="CHS")
    checked.goto(f"/plans/{directorate_plan.pk}/")
    page.get_by_role("link", name="Add an objective").click()
    wait_for_swap(page)
    assert page.url.endswith(f"/plans/{directorate_plan.pk}/"), "the form opens inline, not on a new page"
    checked.check()
    page.get_by_label("Title").fill(DIRECTORATE_OBJECTIVE)
    page.get_by_label("Owner").fill("tariq.mahmood")
    page.get_by_label("Council Plan link").select_option(option_value(page, "id_council_plan_node", "M13:"))
    page.get_by_label("Due date").fill("2020-01-01")  # outside the plan's year: refused next to the field
    page.get_by_role("button", name="Save objective").click()
    expect(page.locator("#id_due_date-error")).to_contain_text("within the plan's year")
    expect(page.get_by_label("Title")).to_have_value(DIRECTORATE_OBJECTIVE)
    checked.check()
    page.get_by_label("Due date").fill(str(directorate_plan.end_date))
    page.get_by_role("button", name="Save objective").click()
    expect(page.get_by_role("link", name=DIRECTORATE_OBJECTIVE)).to_be_visible()
    checked.check()
    checked.sign_out()

    # 2. The team manager links a team objective to it.
    checked.sign_in("kwame.boateng")
    team_plan = UnitPlan.objects.get(unit__code="MASH")
    checked.goto(f"/plans/{team_plan.pk}/objectives/new/")  # the full-page form works without JavaScript too
    page.get_by_label("Title").fill(TEAM_OBJECTIVE)
    page.get_by_label("Owner").fill("kwame.boateng")
    page.get_by_label("Objective above").select_option(option_value(page, "id_parent_objective", DIRECTORATE_OBJECTIVE))
    page.get_by_role("button", name="Save objective").click()
    expect(page).to_have_url(re.compile(rf"/plans/{team_plan.pk}/$"))
    expect(page.get_by_role("link", name=TEAM_OBJECTIVE)).to_be_visible()
    checked.check()
    checked.sign_out()

    # 3. An employee in the team adds a CIC objective linked to the team objective.
    checked.sign_in("lucy.bennett")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="CIC objectives").click()
    checked.check()
    page.get_by_role("link", name="Add a CIC objective").first.click()
    checked.check()
    page.get_by_label("Title").fill(CIC_TITLE)
    page.get_by_label("Team or service objective it contributes to").select_option(
        option_value(page, "id_objective", TEAM_OBJECTIVE)
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CIC_TITLE)
    checked.check()
    cic_url = page.url.replace(checked.base_url, "")
    checked.sign_out()

    # 4. A colleague and a performance admin cannot read it.
    for outsider in ("megan.hughes", "imogen.hart"):
        checked.sign_in(outsider)
        response = checked.goto(cic_url)
        assert response.status == 404
        expect(page.get_by_text(CIC_TITLE)).to_have_count(0)
        checked.sign_out()

    # 5. The thread view shows the chain from the priority down to the CIC count.
    checked.sign_in("rosalind.adeyemi")
    directorate_objective = Objective.objects.get(title=DIRECTORATE_OBJECTIVE)
    checked.goto(f"/thread/nodes/{directorate_objective.council_plan_node.parent.parent_id}/")
    chain = page.locator("li", has=page.get_by_role("link", name=re.compile(DIRECTORATE_OBJECTIVE)))
    expect(chain.get_by_role("link", name=re.compile(TEAM_OBJECTIVE))).to_be_visible()
    team_item = page.locator("li", has=page.get_by_role("link", name=re.compile(TEAM_OBJECTIVE))).last
    expect(team_item).to_contain_text("CIC objectives: fewer than 5")
    expect(page.get_by_text(CIC_TITLE)).to_have_count(0)
    assert CicObjective.objects.filter(title=CIC_TITLE, employee__username="lucy.bennett").exists()


def test_gaps_and_plan_on_a_page_pass_axe(demo, checked):
    checked.sign_in("imogen.hart")
    checked.goto("/gaps/")
    expect(checked.page.get_by_role("heading", name=re.compile("Council Plan parts with no objective"))).to_be_visible()
    plan = UnitPlan.objects.get(unit__code="EEC")
    checked.goto(f"/plans/{plan.pk}/on-a-page/")
    checked.goto("/thread/")
    checked.goto("/plans/")
    objective = Objective.objects.filter(contributes_to__isnull=False).first()
    checked.goto(f"/objectives/{objective.pk}/")
    expect(checked.page.get_by_role("heading", name="Across directorates")).to_be_visible()
    checked.goto(f"/council-plans/{objective.council_plan_node.plan_id}/import/")
    checked.goto(f"/council-plans/{objective.council_plan_node.plan_id}/")
    checked.page.get_by_role("link", name=re.compile("^Edit")).first.click()
    checked.check()


def test_a_council_plan_is_imported_from_a_spreadsheet(demo, checked):
    """The performance admin imports a whole plan: a bad file is refused with the row-by-row
    report (axe on the report), the realistic file makes the plan with the council's levels."""
    from planning.models import CouncilPlan
    from tests.plan_files import DETAILS, plan_rows, plan_xlsx

    page = checked.page
    checked.sign_in("imogen.hart")
    checked.goto("/council-plans/")
    page.get_by_role("link", name="Import a Council Plan from a spreadsheet").click()
    checked.check()

    page.get_by_label("Title").fill("Borough Plan 2026-30")
    page.get_by_label("Start date").fill("2026-04-01")
    page.get_by_label("End date").fill("2030-03-31")
    page.get_by_label("Vision or aim").fill(DETAILS["vision"])
    bad = plan_rows()
    bad[1] = {**bad[1], "parent_code": "NOPE"}
    upload = page.get_by_label("The plan's tree: a CSV or Excel file")
    upload.set_input_files(
        files=[{"name": "plan.xlsx", "mimeType": "application/octet-stream", "buffer": plan_xlsx(bad)}]
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("heading", name=re.compile("^Nothing was imported"))).to_be_visible()
    expect(page.get_by_text("No part has the code NOPE in the file")).to_be_visible()
    checked.check()
    assert not CouncilPlan.objects.filter(title="Borough Plan 2026-30").exists()

    expect(page.get_by_label("Title")).to_have_value("Borough Plan 2026-30")
    upload.set_input_files(files=[{"name": "plan.xlsx", "mimeType": "application/octet-stream", "buffer": plan_xlsx()}])
    page.get_by_role("button", name="Check and import").click()
    expect(
        page.get_by_text("Borough Plan 2026-30 imported: 5 Priority, 20 Outcome, 60 Marker of success.")
    ).to_be_visible()
    checked.check()
    assert CouncilPlan.objects.get(title="Borough Plan 2026-30").nodes.count() == 85
