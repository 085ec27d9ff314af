"""A CMT member reads the quarter as the pack is ordered: the council overview, then the
exceptions, then a KPI in exception with its statistical process control chart and where the
council stands among its neighbours. axe and the CSP are checked on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_a_cmt_member_walks_from_the_overview_to_the_exceptions_to_a_kpis_spc_and_neighbours(demo, checked):
    page = checked.page
    checked.sign_in("rosalind.adeyemi")
    checked.goto("/dashboards/")
    expect(page.get_by_role("heading", name="The council as a whole")).to_be_visible()
    page.get_by_role("link", name=re.compile("^The exceptions")).click()
    checked.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exceptions")
    listed = page.locator("section.pmf-kpi-card h2 a")
    assert listed.count() >= 1
    # Each exception says why it is there, and what the service says about it.
    first = page.locator("section.pmf-kpi-card").first
    expect(first).to_contain_text(re.compile(r"Red|Worsening Council Plan measure"))
    expect(first.locator("dt", has_text="Commentary")).to_be_visible()
    codes = [text.split()[0] for text in listed.all_inner_texts()]
    # A KPI in exception that is benchmarked against its neighbours, else the first.
    chosen = next((code for code in codes if code.startswith(("ASC", "CSC"))), codes[0])
    page.get_by_role("link", name=re.compile(rf"^{re.escape(chosen)} ")).first.click()
    checked.check()
    expect(page).to_have_url(re.compile(rf"/kpis/{re.escape(chosen)}/$"))
    expect(page.get_by_role("heading", name=re.compile("Statistical process control"))).to_be_visible()
    expect(page.get_by_role("heading", name="Against other councils")).to_be_visible()
    expect(page.locator("#neighbours ~ table").first).to_contain_text(re.compile(r"\d+(st|nd|rd|th) of \d+"))
