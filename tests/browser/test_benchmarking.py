"""A CMT member sees where Walsall stands among its neighbours: on the dashboard card (with the
neighbours' average as a line on the chart) and on the KPI page, from the demo's real Oflog
figures, with axe passing on both."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

#: ASC-01 in 2022/23, worked out by hand from Oflog's ASC_data.csv and NN.json (tests/test_demo_council.py).
ASC_01 = (
    "9th of 16 among nearest neighbours (third quartile), 2022/23 outturn; nearest neighbours' average 74.8%; Oflog"
)


def test_the_card_and_the_kpi_page_show_the_neighbours(demo, checked, tmp_path):
    shots = Path(os.environ.get("PMF_SCREENSHOTS", tmp_path))
    page = checked.page
    checked.sign_in("rosalind.adeyemi")  # CMT
    checked.goto("/dashboards/kpis/")
    card = page.locator("section.pmf-kpi-card", has=page.get_by_role("heading", name="ASC-01", exact=False))
    expect(card.get_by_text("Against other councils")).to_be_visible()
    expect(card).to_contain_text(ASC_01)
    expect(card).to_contain_text("Nationally: 89th of 151 councils with data (third quartile)")
    plot = card.locator("[data-chart]")
    expect(plot.locator(".scatterlayer .trace")).to_have_count(3)  # actual, target, neighbours' average
    expect(card.locator("figcaption")).to_contain_text("A second line shows the neighbours' average")
    checked.check()
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(shots / "asc01-card.png"))

    checked.goto("/kpis/ASC-01/")
    table = page.locator("table", has=page.get_by_text("Where the council stands among other councils"))
    expect(table.locator("tbody tr").first).to_contain_text("2022/23 outturn")
    expect(table.locator("tbody tr").first).to_contain_text("9th of 16 among nearest neighbours (third quartile)")
    expect(page.locator("figure.pmf-chart [data-chart] .scatterlayer .trace")).to_have_count(3)
    checked.check()
    page.screenshot(path=str(shots / "asc01-kpi-page.png"), full_page=True)
    print(f"\nscreenshots: {shots}")
