"""Quarterly returns in a real browser: entry with an error then a submission, the lead
returning it, amending and resubmitting, approval, an escalation CMT can see, and two
sessions editing one return. axe and the CSP are checked on every page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kpis.models import Escalation, KpiReturn, PeriodState, ReturnState
from tests.browser.conftest import attest_data_quality

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def open_return(code: str) -> KpiReturn:
    return KpiReturn.objects.get(kpi__code=code, period__state=PeriodState.OPEN)


def test_a_return_from_entry_to_approval_and_an_escalation(demo, checked):
    page = checked.page
    kpi_return = open_return("ASC-04")

    # The service lead enters an impossible value, sees the error by the field, then submits.
    checked.sign_in("bernadette.quinn")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My returns").click()
    checked.check()
    page.get_by_role("link", name=re.compile("ASC-04")).click()
    checked.check()
    page.get_by_label("Value (Percentage (0-100))").fill("150")
    page.get_by_label("Commentary").fill("Turnover is falling after the recruitment campaign.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#id_value-error")).to_contain_text("Enter a percentage between 0 and 100")
    expect(page.get_by_label("Commentary")).to_have_value("Turnover is falling after the recruitment campaign.")
    checked.check()
    page.get_by_label("Value (Percentage (0-100))").fill("24.5")
    attest_data_quality(page)
    page.get_by_role("button", name="Submit for review").click()
    if page.get_by_label("I have checked this value and it is right").count():
        page.get_by_label("I have checked this value and it is right").check()
        page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("ASC-04 submitted for review")).to_be_visible()
    checked.check()
    checked.sign_out()

    # The directorate lead returns it with a reason.
    checked.sign_in("priya.raman")
    checked.goto("/review/")
    page.get_by_role("link", name=re.compile("ASC-04")).click()
    checked.check()
    page.get_by_role("button", name="Return with this reason").click()
    expect(page.locator("#id_reason-error")).to_contain_text("Say what needs to change")
    checked.check()
    page.get_by_label("What needs to change").fill("Say which staff groups the turnover covers.")
    page.get_by_role("button", name="Return with this reason").click()
    expect(page.get_by_text("ASC-04 returned to the service")).to_be_visible()
    checked.check()
    checked.sign_out()

    # The service lead amends and resubmits.
    checked.sign_in("bernadette.quinn")
    checked.goto(f"/returns/{kpi_return.pk}/")
    expect(page.get_by_text("Say which staff groups the turnover covers.")).to_be_visible()
    page.get_by_label("Commentary").fill("Turnover of all council-employed care staff is falling.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("ASC-04 submitted for review")).to_be_visible()
    checked.check()
    checked.sign_out()

    # The lead approves it from the queue, and escalates another KPI.
    checked.sign_in("priya.raman")
    checked.goto("/review/")
    page.get_by_label("Approve ASC-04").check()
    page.get_by_label("I have checked the data quality of the returns I ticked").check()
    page.get_by_role("button", name="Approve the ones ticked").click()
    expect(page.get_by_text("1 return approved")).to_be_visible()
    checked.check()
    assert KpiReturn.objects.get(pk=kpi_return.pk).state == ReturnState.APPROVED
    checked.goto("/kpis/PH-03/escalate/")
    page.get_by_label("Why it is being escalated").fill("Year 6 obesity has been Red for two years.")
    page.get_by_label("Actions agreed").fill("Joint plan with schools and the healthy weight service.")
    due = timezone.localdate() + datetime.timedelta(days=120)  # an escalation cannot be due in the past
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PH-03")
    checked.check()
    checked.sign_out()

    # A CMT member sees it in the escalation register.
    checked.sign_in("rosalind.adeyemi")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Escalations").click()
    checked.check()
    expect(page.get_by_role("link", name=re.compile("PH-03"))).to_be_visible()
    assert Escalation.objects.filter(kpi__code="PH-03").exists()


def test_two_sessions_editing_one_return_and_the_second_is_told(demo, browser, checked, live_server):
    kpi_return = open_return("ASC-03")
    first = checked
    first.sign_in("bernadette.quinn")
    first.goto(f"/returns/{kpi_return.pk}/")

    from tests.browser.conftest import CSP_LISTENER, Checked

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_LISTENER)
    second = Checked(context.new_page(), live_server.url)
    try:
        second.sign_in("bernadette.quinn")
        second.goto(f"/returns/{kpi_return.pk}/")
        first.page.get_by_label("Value (Percentage (0-100))").fill("66.1")
        first.page.get_by_role("button", name="Save as draft").click()
        expect(first.page.get_by_text("ASC-03 saved as a draft")).to_be_visible()
        second.page.get_by_label("Value (Percentage (0-100))").fill("70.2")
        second.page.get_by_role("button", name="Save as draft").click()
        expect(second.page.get_by_role("alert")).to_contain_text("This return changed while you were editing it")
        expect(second.page.get_by_role("alert")).to_contain_text("66.1")
        expect(second.page.get_by_label("Value (Percentage (0-100))")).to_have_value("70.2")
        second.check()
        assert str(KpiReturn.objects.get(pk=kpi_return.pk).value.normalize()) == "66.1"
    finally:
        context.close()
