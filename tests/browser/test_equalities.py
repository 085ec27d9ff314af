"""Published breakdowns in a real browser, on the demo council: a scrutiny member reads the
published report and an anonymous visitor the open data, and both see the ward breakdown's
small counts suppressed with the cells that would give them back from the total (ADR 0022).
Then the staff's equalities view of the same KPI. axe and the CSP on every page."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from core.suppression import SUPPRESSED_TEXT
from kpis.models import Breakdown, BreakdownValue, KpiReturn
from reporting.models import Snapshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def held_cells(kpi_return) -> dict[str, int]:
    return {
        v.category: int(v.value)
        for v in BreakdownValue.objects.filter(kpi_return=kpi_return, breakdown__name__startswith="Ward")
    }


def assert_nothing_recoverable(shown: dict[str, str], held: dict[str, int]) -> None:
    """The counts below 5 are hidden; at least two cells are hidden, and they do not all hold
    0, so the total less the cells shown never pins one down; the cells shown are as held."""
    hidden = [c for c, text in shown.items() if text == SUPPRESSED_TEXT]
    assert {c for c, n in held.items() if n < 5} <= set(hidden)
    assert len(hidden) >= 2
    assert sum(held[c] for c in hidden) > 0
    for category, text in shown.items():
        if category not in hidden:
            assert text == f"{held[category]:,}"


def test_scrutiny_and_an_anonymous_visitor_see_a_published_breakdown_suppressed(demo, checked):
    page = checked.page
    published = Snapshot.objects.get(kind="published")
    period = published.period
    ward = Breakdown.objects.get(name__startswith="Ward")
    figure = KpiReturn.objects.published().get(kpi=ward.kpi, period=period)
    held = held_cells(figure)
    assert min(held.values()) < 5  # the demo holds a small count to hide

    # A scrutiny member reads the published report.
    checked.sign_in("ibrahim.rahman")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    checked.check()
    page.get_by_role("link", name=f"{period.label} report").click()
    checked.check()
    table = page.locator("table", has=page.locator("caption", has_text="by ward (invented for the demo)"))
    expect(table).to_be_visible()
    shown = dict(
        zip(
            table.locator("tbody th").all_inner_texts(),
            [t.strip() for t in table.locator("tbody td").all_inner_texts()],
            strict=True,
        )
    )
    assert_nothing_recoverable(shown, held)
    expect(page.get_by_text("Counts of fewer than 5 people are suppressed").first).to_be_visible()
    checked.sign_out()

    # Anyone, without signing in, finds the open data and downloads the period's CSV.
    checked.goto("/open-data/")
    expect(page.get_by_role("heading", name="Open data: published performance figures")).to_be_visible()
    page.get_by_role("link", name="Open Government Licence v3.0").click()
    checked.check()
    expect(page.get_by_role("heading", name="Licence for the open data")).to_be_visible()
    checked.goto("/open-data/")
    link = page.get_by_role("link", name=f"CSV for {period.label}")
    response = page.context.request.get(checked.base_url + link.get_attribute("href"))
    assert response.status == 200
    assert "public" in response.headers["cache-control"]
    rows = list(csv.DictReader(io.StringIO(response.text())))
    cells = {r["category"]: r for r in rows if r["record"] == "breakdown" and r["kpi_code"] == ward.kpi.code}
    assert_nothing_recoverable({c: r["value_text"] for c, r in cells.items()}, held)
    assert all(r["value"] == "" for r in cells.values() if r["suppressed"] == "yes")
    # Only published figures: every figure row is a published return of that period.
    published_codes = set(KpiReturn.objects.published().filter(period=period).values_list("kpi__code", flat=True))
    assert {r["kpi_code"] for r in rows if r["record"] == "figure"} == published_codes
    assert all(r["licence"].startswith("Open Government Licence v3.0") for r in rows)

    # A signed-in page is still closed to the visitor.
    page.goto(checked.base_url + f"/reports/{published.pk}/")
    expect(page).to_have_url(f"{checked.base_url}/accounts/sign-in/?next=/reports/{published.pk}/")


def test_the_staff_read_the_equalities_view_from_the_kpi_page(demo, checked):
    page = checked.page
    ward = Breakdown.objects.get(name__startswith="Ward")
    checked.sign_in("imogen.hart")
    checked.goto(f"/kpis/{ward.kpi.code}/")
    page.get_by_role("link", name=f"Equalities view: {ward.kpi.code} by category over time").click()
    checked.check()
    table = page.locator("table", has=page.locator("caption", has_text="by ward (invented for the demo)"))
    expect(table.get_by_role("rowheader", name="Council figure")).to_be_visible()
    expect(table.get_by_text("of the total").first).to_be_visible()
    expect(page.get_by_role("img", name="Bar chart of")).to_be_visible()
