"""A KPI's trend chart in a real browser: plotly.js, served by the site, draws it from the page's
JSON under the strict CSP, axe finds nothing wrong, and the table under it holds every period."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kpis.models import KpiReturn, ReturnState

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_kpi_page_draws_its_history_as_a_chart_with_a_table(demo, checked):
    approved = KpiReturn.objects.filter(kpi__code="PH-01", state=ReturnState.APPROVED).count()
    assert approved > 3
    page = checked.page
    checked.sign_in("imogen.hart")

    checked.goto("/kpis/PH-01/")
    chart = page.locator("figure.pmf-chart")
    expect(chart.locator("[data-chart] .main-svg").first).to_be_attached()
    expect(chart.locator("[data-chart] .scatterlayer .trace")).to_have_count(2)  # actual and target
    expect(chart.locator("figcaption")).to_contain_text("PH-01")
    assert page.evaluate("document.querySelectorAll('style').length") == 0, "plotly.js injected a <style>"
    checked.check()  # axe and the CSP again, now the chart is drawn

    # Hovering a point shows its value, still within the CSP.
    chart.locator("[data-chart] .scatterlayer .trace").first.locator(".point").last.hover(force=True)
    expect(chart.locator(".hoverlayer .hovertext")).to_contain_text("Actual")
    checked.assert_no_csp_violations()

    chart.get_by_text("Show the data as a table").click()
    expect(chart.locator("table tbody tr")).to_have_count(approved)
    checked.check()
