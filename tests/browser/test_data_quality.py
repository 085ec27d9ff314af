"""Data quality in a real browser: a service lead attests a return with one caveat, the
return is approved with the reviewer's own check, and the caveat shows with its note on the
dashboard card and in the pack's PDF; the audit committee's report lists it. axe and the CSP
are checked on every page."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from kpis.models import KpiReturn, PeriodState, ReturnState
from reporting.content import build
from reporting.pdf import render_pack
from tests.browser.conftest import attest_data_quality

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

WHY = "Two care homes' returns were estimated from last quarter"


def submit(page) -> None:
    """Submit for review, confirming the value if it moved unusually far."""
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state("load")
    confirm = page.get_by_label("I have checked this value and it is right")
    if confirm.count() and confirm.is_visible():
        confirm.check()
        page.get_by_role("button", name="Submit for review").click()
        page.wait_for_load_state("load")


def test_a_caveat_attested_with_a_return_shows_on_the_dashboard_and_in_the_pack(demo, checked):
    page = checked.page
    # An Adult Social Care return in the Council Plan, not yet handed in (a return sent back
    # keeps the attestation it was submitted with, for the service lead to change).
    kpi_return = (
        KpiReturn.objects.filter(
            period__state=PeriodState.OPEN,
            kpi__owning_service__name="Adult Social Care",
            kpi__council_plan_nodes__isnull=False,
            state__in=[ReturnState.DRAFT, ReturnState.NOT_STARTED],  # never attested
        )
        .select_related("kpi", "period")
        .distinct()
        .order_by("kpi__code")
        .first()
    )
    assert kpi_return is not None
    code = kpi_return.kpi.code

    # The service lead enters the figure and attests: every dimension met but one.
    checked.sign_in("bernadette.quinn")
    checked.goto(f"/returns/{kpi_return.pk}/")
    value = page.get_by_label(re.compile(r"^Value"))
    if not value.input_value():
        value.fill("50")
    page.get_by_label("Commentary").fill("In line with last quarter.")
    submit(page)
    # Submitting without the attestation is refused, each question named.
    expect(page.locator("#id_dq_complete-error")).to_contain_text("Say whether the figure is complete")
    checked.check()
    attest_data_quality(page, not_met={"complete": WHY})
    page.screenshot(path="/tmp/dq-return-form.png", full_page=True)
    submit(page)
    expect(page.get_by_text(f"{code} submitted for review")).to_be_visible()
    checked.check()
    checked.sign_out()

    # The performance admin approves it after their own data quality check.
    checked.sign_in("imogen.hart")
    checked.goto(f"/review/{kpi_return.pk}/")
    expect(page.get_by_role("table", name="The service's data quality attestation")).to_contain_text(WHY)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#id_quality_checked-error")).to_contain_text("Confirm you have checked")
    checked.check()
    page.get_by_label("I have checked this figure's data quality").check()
    page.get_by_label("Note on your check (optional)").fill("Asked for the two homes' actual figures next quarter.")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text(f"{code} approved")).to_be_visible()
    checked.check()
    approved = KpiReturn.objects.get(pk=kpi_return.pk)
    assert (approved.state, approved.review_quality_checked) == (ReturnState.APPROVED, True)

    # The audit committee's report lists it, with the reviewer's check.
    checked.goto(f"/reports/periods/{kpi_return.period_id}/data-quality/")
    caveats = page.get_by_role("table", name="Figures with a data quality caveat")
    expect(caveats).to_contain_text(code)
    expect(caveats).to_contain_text("Asked for the two homes' actual figures next quarter.")
    page.screenshot(path="/tmp/dq-report.png", full_page=True)
    checked.sign_out()

    # The service lead's dashboard card flags the caveat with its note.
    checked.sign_in("bernadette.quinn")
    checked.goto(f"/dashboards/kpis/?period={kpi_return.period_id}")
    card = page.locator("section.pmf-kpi-card", has=page.get_by_role("heading", name=re.compile(f"^{code} ")))
    expect(card.get_by_text("Data quality caveat", exact=True)).to_be_visible()
    expect(card).to_contain_text(f"Not complete: {WHY}.")

    # The pack, built as the draft report is, prints the flag and the note.
    content = build(kpi_return.period, kind="draft", status_label="Draft for CMT")
    pdf = PdfReader(io.BytesIO(render_pack(content)))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "Data quality caveat" in text
    assert f"Not complete: {WHY}." in text
