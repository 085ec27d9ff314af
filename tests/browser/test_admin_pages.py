"""Pages a performance admin and a service lead use less often, in a real browser with axe and
the CSP checked: adding a breakdown, revising a published figure, the cycle's timeline with
"run now", notifications, and a return with a field per category."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.numbers import round_half_up
from kpis.models import KpiReturn, PeriodState, ReportingPeriod, ReturnState

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_breakdowns_revisions_the_cycle_and_notifications(demo, checked):
    page = checked.page
    checked.sign_in("imogen.hart")

    # A breakdown by ward: the error by the field, then saved.
    checked.goto("/kpis/ASC-04/")
    page.get_by_role("link", name="Add a breakdown").click()
    checked.check()
    page.get_by_label("Name").fill("Ward")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_categories-error")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Ward")
    checked.check()
    page.get_by_label("Categories").fill("Bloxwich East\nBloxwich West")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Breakdown by ward saved")).to_be_visible()
    checked.check()

    # Revising a published figure needs a reason.
    published = (
        KpiReturn.objects.filter(period__state=PeriodState.PUBLISHED, state=ReturnState.APPROVED)
        .select_related("kpi")
        .first()
    )
    checked.goto(f"/returns/{published.pk}/revise/")
    page.get_by_label("Revised value").fill(f"{round_half_up(published.value, published.kpi.decimal_places)}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_reason-error")).to_be_visible()
    checked.check()
    page.get_by_label("Why the published figure is revised").fill("The national release was corrected.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("revised; the next report shows"))).to_be_visible()
    checked.check()

    # The open period's cycle, with a step run by hand.
    period = ReportingPeriod.objects.current_open()
    checked.goto(f"/reports/periods/{period.pk}/cycle/")
    page.get_by_role("button", name=re.compile("^Run now")).first.click()
    expect(page.get_by_text(re.compile("^Done: "))).to_be_visible()
    checked.check()
    checked.goto("/notifications/")
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    checked.sign_out()

    # The service lead's return now has a field for each ward.
    checked.sign_in("bernadette.quinn")
    open_return = KpiReturn.objects.get(kpi__code="ASC-04", period=period)
    checked.goto(f"/returns/{open_return.pk}/")
    expect(page.get_by_label("Ward: Bloxwich East")).to_be_visible()
    expect(page.get_by_label("Ward: Bloxwich West")).to_be_visible()
