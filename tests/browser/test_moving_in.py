"""A council moves in, in the browser, from an empty database to dashboards of its own history:
issue 13's whole journey, with axe and the CSP checked on every page of ours.

1. ``manage.py new_council`` starts an empty council and its first performance admin.
2. The admin loads the HR files (5 directorates, 40 services, 200 teams, 2,000 people with
   line managers; the people as the Excel file an HR system exports), then next month's file
   with joiners, movers and leavers: the preview says what will change, the result matches.
3. An imported person signs in through the council's OpenID Connect provider (the tests' real
   provider on loopback) and is signed out there too.
4. The admin imports the Council Plan's tree and five years of quarterly history for 20 KPIs
   (the data dictionary, targets, then the figures, which make their historic periods).
5. The dashboards show that history with RAG and direction of travel.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from kpis.models import Kpi, KpiReturn, ReportingPeriod
from planning.models import CouncilPlan
from tests import history_files, hr_files, plan_files
from tests.oidc_provider.fixtures import PASSWORD, PEOPLE, PROVIDER_NAME, configure

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

FIRST_YEAR = 2021
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hr_upload(checked, kind: str, name: str, data: bytes, mime: str = "text/csv") -> None:
    page = checked.page
    checked.goto("/organisation/")
    page.get_by_role("link", name="Import the organisation and people from HR").click()
    checked.check()
    page.get_by_role("link", name=f"Import {kind}").click()
    checked.check()
    page.get_by_label("CSV or Excel file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the changes before you apply them")).to_be_visible(timeout=60_000)
    checked.check()


def hr_apply(checked, heading: str) -> None:
    checked.page.get_by_role("button", name="Apply these changes").click()
    expect(checked.page.get_by_role("heading", name=heading)).to_be_visible(timeout=60_000)
    checked.check()


def kpi_import(checked, kind: str, data: str) -> None:
    page = checked.page
    checked.goto(f"/imports/{kind}/")
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": f"{kind}.csv", "mimeType": "text/csv", "buffer": data.encode()}]
    )
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_load_state("load")
    assert "Nothing was imported" not in page.content(), page.locator("main").inner_text()[:3000]
    expect(page.get_by_text(re.compile(r": \d+ rows? imported\."))).to_be_visible(timeout=120_000)
    checked.check()


def test_a_council_moves_in_from_an_empty_database_to_dashboards_of_its_own_history(
    transactional_db, checked, oidc_provider, settings
):
    page = checked.page

    # 1. An empty council and its first performance admin.
    out = io.StringIO()
    call_command(
        "new_council",
        "--no-input",
        name="Anytown Borough Council",
        code="C",
        admin_first_name="Priya",
        admin_last_name="Shah",
        admin_email="priya.shah@anytown.gov.uk",
        admin_username="priya.shah",
        stdout=out,
    )
    password = out.getvalue().split("shown only this once: ", 1)[1].split()[0]
    assert not Kpi.objects.exists()
    assert not CouncilPlan.objects.exists()
    assert not ReportingPeriod.objects.exists()
    configure(settings, oidc_provider)  # single sign-on on, password sign-in kept for the admin
    checked.sign_in("priya.shah", password)

    # 2. The organisation and its 2,000 people from HR; one of them is Ada, whom the council's
    # identity provider knows by her email (written in other letter case there).
    files = hr_files.council(council_code="C")
    later, change = hr_files.next_month(files, joiners=40, movers=30, leavers=25)
    ada_number = next(
        row["employee_number"]
        for row in files.people
        if "Officer" in row["job_title"] and row["employee_number"] not in {*change.leavers, *change.movers}
    )
    for month in (files, later):
        month.person(ada_number).update(first_name="Ada", last_name="Lovelace", email=PEOPLE["ada"].lower())
    hr_upload(checked, "organisation", "units.csv", files.units_csv())
    hr_apply(checked, "Organisation imported")
    hr_upload(checked, "people", "people.xlsx", files.people_xlsx(), XLSX)
    expect(page.locator("#counts").locator(".govuk-summary-list__row", has_text="Joiners")).to_contain_text("2000")
    hr_apply(checked, "People imported")
    hr_upload(checked, "organisation", "units.csv", files.units_csv())  # the heads are people now
    hr_apply(checked, "Organisation imported")
    assert User.objects.filter(is_active=True).exclude(employee_number="").count() == 2000

    # Next month: joiners, movers and leavers, previewed, then applied.
    hr_upload(checked, "people", "people.csv", later.people_csv())
    counts = page.locator("#counts")
    for label, number in (("Joiners", 40), ("Movers and changed details", 30), ("Leavers", 25)):
        expect(counts.locator(".govuk-summary-list__row", has_text=label)).to_contain_text(str(number))
    mover = sorted(change.movers)[0]
    expect(page.get_by_role("row", name=mover)).to_be_visible()
    assert User.objects.filter(employee_number__in=change.leavers, is_active=True).count() == 25  # not yet
    hr_apply(checked, "People imported")
    assert User.objects.filter(employee_number__in=change.leavers, is_active=False).count() == 25  # kept, inactive
    assert User.objects.filter(employee_number__in=change.joiners, is_active=True).count() == 40
    checked.sign_out()

    # 3. Ada signs in through the provider, as the person HR imported, and out again there.
    checked.goto("/accounts/sign-in/")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.wait_for_url(f"{oidc_provider.url}/login/**")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{checked.base_url}/")
    checked.check()
    expect(page.get_by_text("Signed in as")).to_contain_text("Ada Lovelace")
    checked.sign_out()
    page.goto(f"{oidc_provider.url}/whoami/")
    expect(page.locator("body")).to_have_text("nobody")

    # 4. The Council Plan's tree, then five years of history for 20 KPIs.
    checked.sign_in("priya.shah", password)
    checked.goto("/council-plans/")
    page.get_by_role("link", name="Import a Council Plan from a spreadsheet").click()
    checked.check()
    page.get_by_label("Title").fill("Anytown Council Plan 2025-29")
    page.get_by_label("Start date").fill("2025-04-01")
    page.get_by_label("End date").fill("2029-03-31")
    page.get_by_label("Vision or aim").fill(plan_files.DETAILS["vision"])
    page.get_by_label("The plan's tree: a CSV or Excel file").set_input_files(
        files=[{"name": "plan.xlsx", "mimeType": XLSX, "buffer": plan_files.plan_xlsx()}]
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text(re.compile(r"Anytown Council Plan 2025-29 imported: 5 Priority"))).to_be_visible()
    checked.check()
    plan = CouncilPlan.objects.get(title="Anytown Council Plan 2025-29")
    markers = list(plan.nodes.filter(depth=2).order_by("code").values_list("code", flat=True))

    services = sorted(row["unit_code"] for row in files.units if row["unit_type"].lower() == "service")
    owners = list(
        User.objects.filter(is_active=True, org_unit__code__in=services)
        .order_by("username")[:5]
        .values_list("username", flat=True)
    )
    # History from 2021/22 to 2025/26: the last year under the plan in force today.
    dictionary = history_files.dictionary_csv(services=services[:8], owners=owners, first_year=FIRST_YEAR)
    kpi_import(checked, "dictionary", _with_plan_links(dictionary, markers))
    kpi_import(checked, "targets", history_files.targets_csv(first_year=FIRST_YEAR))
    kpi_import(checked, "values", history_files.history_csv(first_year=FIRST_YEAR))
    assert ReportingPeriod.objects.filter(historic=True).count() == 20
    assert KpiReturn.objects.filter(state="approved").count() >= 390

    # 5. The dashboards show the history: the council's total, then each KPI's latest figure
    # with its RAG and direction of travel.
    checked.goto("/dashboards/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2025/26 Q4")
    expect(page.locator("#council-total").locator("..")).to_contain_text("20 KPIs")
    checked.goto("/dashboards/kpis/")
    card = page.locator("section.pmf-kpi-card").filter(has_text="HX-01").first
    expect(card).to_contain_text("2025/26 Q4")
    expect(card.locator(".pmf-rag")).to_have_count(1)
    expect(card).to_contain_text(re.compile(r"On the previous period: . (Improving|Worsening|No change)"))
    rags = page.locator("section.pmf-kpi-card .pmf-rag").all_inner_texts()
    assert {"Red", "Amber", "Green"} & {text.strip() for text in rags}, rags
    checked.goto("/kpis/HX-01/")
    expect(page.get_by_text("2021/22 Q1").first).to_be_visible()


def _with_plan_links(dictionary: str, markers: list[str]) -> str:
    """The dictionary file with a council_plan_nodes column: each KPI measures one marker of
    success, so the dashboards group the KPIs by the plan's priorities."""
    lines = dictionary.strip().splitlines()
    rows = [lines[0] + ",council_plan_nodes"]
    rows += [f"{line},{markers[index % len(markers)]}" for index, line in enumerate(lines[1:])]
    return "\n".join(rows) + "\n"
