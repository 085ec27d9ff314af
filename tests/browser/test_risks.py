"""The risk register in a real browser: a service lead adds a risk to their service's register
and links it to a KPI that is Red; the KPI's page shows it, and the draft pack's exception for
that KPI lists it with its current score in words (read from the PDF with pypdf). axe and the
CSP on every page."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import RoleAssignment
from kpis.models import Kpi, ReportingPeriod
from planning.models import Risk
from reporting.content import build
from reporting.pdf import render_pack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

TITLE = "Agency care staff withdraw at short notice"


def exceptions_text(period) -> str:
    content = build(period, kind="draft", status_label="Draft for CMT")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(render_pack(content))).pages]
    return " ".join(" ".join(p for p in pages if p.lstrip().startswith("Exceptions")).split())


def test_a_risk_linked_to_a_red_kpi_shows_on_the_kpi_page_and_in_the_packs_exceptions(demo, checked):
    page = checked.page
    period = ReportingPeriod.objects.current_open()
    content = build(period, kind="draft", status_label="Draft for CMT")
    red = next(e for e in content["exceptions"] if e["reasons"][0].startswith("Red"))
    kpi = Kpi.objects.select_related("owning_service").get(code=red["code"])
    lead = RoleAssignment.objects.filter(role="service_lead", org_unit=kpi.owning_service).first().user
    assert TITLE not in exceptions_text(period)

    # The service lead adds the risk to their service's register, linked to the Red KPI.
    checked.sign_in(lead.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Risks").click()
    checked.check()
    page.get_by_role("link", name="Add a risk").click()
    checked.check()
    page.get_by_role("button", name="Save risk").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    checked.check()
    page.get_by_label("Register").select_option(label=f"{kpi.owning_service.name} (service)")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Cause").fill("The local agencies are short of staff themselves")
    page.get_by_label("Event", exact=True).fill("Agency staff cover is withdrawn with a day's notice")
    page.get_by_label("Effect").fill("Visits are missed and people go without care")
    page.get_by_label("Owner").fill(lead.username)
    for stage, (likelihood, impact) in {"Inherent": (5, 4), "Current": (4, 4), "Target": (2, 3)}.items():
        page.get_by_label(f"{stage} likelihood").select_option(str(likelihood))
        page.get_by_label(f"{stage} impact").select_option(str(impact))
    page.get_by_label("Controls").fill("A second agency on the framework")
    page.get_by_label("Review date").fill("2027-03-31")
    page.get_by_label("KPIs it threatens").select_option(label=f"{kpi.code} {kpi.title}")
    page.get_by_role("button", name="Save risk").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("16 Very high").first).to_be_visible()
    checked.check()
    risk = Risk.objects.get(title=TITLE)
    assert risk.unit == kpi.owning_service

    # The register, with the risk and the matrix; a screenshot to look at.
    checked.goto("/risks/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    shots = Path(os.environ.get("PMF_SCREENSHOTS", "/tmp"))
    page.screenshot(path=str(shots / "risk-register.png"), full_page=True)

    # The KPI's page lists it.
    checked.goto(f"/kpis/{kpi.code}/")
    risks = page.locator("table", has=page.get_by_text(f"Open risks that threaten {kpi.code}"))
    expect(risks.get_by_role("link", name=re.compile(TITLE))).to_be_visible()
    expect(risks.get_by_text("16 Very high")).to_be_visible()

    # The draft pack's exception for the KPI lists it: reference, title, score in words, owner.
    text = exceptions_text(period)
    assert f"{risk.reference} {TITLE}" in text
    assert "16 Very high" in text
    assert lead.display_name in text
