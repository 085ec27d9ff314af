"""A KPI's trend chart in a real browser: plotly.js, served by the site, draws it from the page's
JSON under the strict CSP, axe finds nothing wrong, and the table under it holds every period."""

from __future__ import annotations

import re

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


#: The x of each plotted point of a chart's first line (the actual values), in the line's
#: order, from the transforms plotly.js wrote into the page's SVG.
POINT_XS = """(plot) => Array.from(plot.querySelectorAll('.scatterlayer .trace')[0].querySelectorAll('.point'))
  .map((point) => parseFloat(point.getAttribute('transform').match(/translate\\(([-\\d.]+)/)[1]))"""


def test_the_dashboard_draws_quarterly_year_to_date_figures_in_time_order(demo, checked, tmp_path):
    """PH-01's last twelve year-to-date figures start at a Q4: drawn in the browser, every point
    sits right of the one before, as the labels under them and the table say."""
    page = checked.page
    checked.sign_in("imogen.hart")
    checked.goto("/dashboards/kpis/")
    card = page.locator("section.pmf-kpi-card", has=page.get_by_role("heading", name="PH-01", exact=False))
    plot = card.locator("[data-chart]")
    expect(plot.locator(".scatterlayer .trace").first.locator(".point").first).to_be_attached()
    checked.check()
    rows = card.locator("figure.pmf-chart table tbody th").all_text_contents()  # the periods, oldest first
    assert rows[0] == "2022/23 Q4 year to date"
    assert len(rows) == 12
    xs = plot.evaluate(POINT_XS)
    assert len(xs) == len(rows)
    assert all(earlier < later for earlier, later in zip(xs, xs[1:], strict=False)), xs
    # The labels under the points say the same: each year once, Q4 after Q1 within it.
    ticks = plot.evaluate(
        """(plot) => Array.from(plot.querySelectorAll('.xtick text')).map((text) => [
             text.textContent, text.getBoundingClientRect().x])"""
    )
    parts = [text for text, _ in sorted(ticks, key=lambda tick: tick[1])]
    assert parts == ["Q4", "Q1", "Q2", "Q3", "Q4", "Q1", "Q2", "Q3", "Q4", "Q1", "Q2", "Q3"]
    years = plot.evaluate(
        """(plot) => Array.from(plot.querySelectorAll('.annotation-text')).map((text) => [
             text.textContent, text.getBoundingClientRect().x])"""
    )
    assert [text for text, _ in sorted(years, key=lambda year: year[1])] == ["2022/23", "2023/24", "2024/25", "2025/26"]
    card.scroll_into_view_if_needed()
    plot.screenshot(path=str(tmp_path / "ph01-dashboard.png"))
    card.screenshot(path=str(tmp_path / "ph01-card.png"))
    print(f"\nscreenshots: {tmp_path / 'ph01-dashboard.png'} {tmp_path / 'ph01-card.png'}")


def test_the_pdf_draws_quarterly_year_to_date_figures_in_time_order(demo, tmp_path):
    """The same KPI in the report's PDF: the chart drawn from the report's content runs left to
    right in time order, and the priority's page carries it."""
    import io
    import re

    from pypdf import PdfReader

    from core.charts import ACTUAL, svg
    from kpis.models import ReportingPeriod
    from reporting.content import build, chart_from
    from reporting.pdf import CHART_HEIGHT_PX, CHART_WIDTH_PX, render_priority

    period = ReportingPeriod.objects.current_or_latest()
    content = build(period, kind="draft", status_label="Draft")
    priority, kpi = next((p, k) for p in content["priorities"] for k in p["kpis"] if k["code"] == "PH-01")
    chart = chart_from(kpi)
    assert chart.points[0].label == "2022/23 Q4 year to date"
    drawn = svg(chart, CHART_WIDTH_PX, CHART_HEIGHT_PX)
    line = re.search(rf'<path d="([^"]*)" style="fill: none; stroke: {ACTUAL.colour}', drawn).group(1)
    xs = [float(x) for x in re.findall(r"[ML] ([\d.]+) [\d.]+", line)]
    assert len(xs) == len(chart.points)
    assert all(earlier < later for earlier, later in zip(xs, xs[1:], strict=False)), xs

    data = render_priority(content, priority["code"])
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "PH-01" in text
    (tmp_path / "priority.pdf").write_bytes(data)
    print(f"\npdf: {tmp_path / 'priority.pdf'}")


def test_the_pages_that_show_a_figure_and_the_kpi_form_pass_axe(demo, checked, tmp_path):
    """The pages this issue changed, as their readers see them: the return and review pages
    with direction against a named period, the review queue, the KPI form's checkboxes (ticked
    when clicked), and the scrutiny home page listing the published report."""
    page = checked.page
    submitted = KpiReturn.objects.filter(kpi__code="ASC-02", state=ReturnState.SUBMITTED).get()
    checked.sign_in("imogen.hart")
    checked.goto(f"/returns/{submitted.pk}/")
    expect(page.get_by_text("No figure for 2024/25 outturn").first).to_be_visible()
    expect(page.locator("h2", has_text="Previous values").locator("+ dl")).to_contain_text("2022/23 outturn")
    checked.goto(f"/review/{submitted.pk}/")
    expect(page.get_by_text("No figure for 2024/25 outturn").first).to_be_visible()
    checked.goto("/review/")
    checked.goto("/kpis/new/")
    box = page.get_by_label("Statutory", exact=False).first
    expect(box).not_to_be_checked()
    page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()
    checked.check()
    box.locator("xpath=ancestor::div[contains(@class, 'govuk-checkboxes')][1]").screenshot(
        path=str(tmp_path / "kpi-form-checkbox.png")
    )
    print(f"\nscreenshot: {tmp_path / 'kpi-form-checkbox.png'}")
    checked.sign_out()
    checked.sign_in(_scrutiny_member())
    expect(page.get_by_role("link", name=re.compile("quarterly report"))).to_be_visible()


def _scrutiny_member() -> str:
    from accounts.models import RoleAssignment

    return RoleAssignment.objects.filter(role="scrutiny").select_related("user").first().user.username


def test_kpi_page_shows_statistical_process_control_and_passes_axe(demo, checked, tmp_path):
    """PH-02 has 14 years of published figures: enough for process limits (provisional below
    15), so the XmR chart, both icons in words and the explanation are shown; CSC-01's are
    too few, so its chart has points and a mean only, and the page says why."""
    page = checked.page
    checked.sign_in("imogen.hart")
    checked.goto("/kpis/PH-02/")
    spc = page.locator("h2#spc")
    expect(spc).to_have_text("Statistical process control")
    expect(page.locator(".pmf-spc-icons")).to_contain_text("Variation:")
    expect(page.locator(".pmf-spc-icons")).to_contain_text("Assurance:")
    expect(page.get_by_text("treat them as provisional")).to_be_visible()
    chart = page.locator("img.pmf-xmr-chart")
    expect(chart).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", chart.element_handle()) > 0, "the chart did not load"
    expect(chart).to_have_attribute("alt", re.compile(r"^XmR chart of PH-02: 14 figures from"))
    checked.check()
    page.get_by_text("Show the chart's data as a table").click()
    expect(page.locator("figure:has(img.pmf-xmr-chart) table tbody tr")).to_have_count(14)
    page.get_by_text("How to read this chart").click()
    checked.check()
    page.locator("section.pmf-spc").screenshot(path=str(tmp_path / "kpi-spc.png"))
    print(f"\nscreenshot: {tmp_path / 'kpi-spc.png'}")

    checked.goto("/kpis/CSC-01/")
    expect(page.get_by_text(re.compile(r"^Only \d+ points: process limits need at least 12"))).to_be_visible()
    expect(page.locator(".pmf-spc-icons")).to_have_count(0)
    checked.check()
    page.locator("section.pmf-spc").screenshot(path=str(tmp_path / "kpi-spc-short.png"))
