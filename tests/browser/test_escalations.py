"""CMT acts on an escalation in a real browser: a decision refused without words then
recorded, then the escalation closed with a resolution. axe and the CSP on every page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from audit.models import AuditEvent
from kpis.models import Escalation, Kpi, ReportingPeriod
from kpis.services.escalations import escalation_raise

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _raised() -> Escalation:
    kpi = Kpi.objects.get(code="PH-03")
    with transaction.atomic():
        return escalation_raise(
            by=User.objects.get(username="priya.raman"),
            kpi=kpi,
            period=ReportingPeriod.objects.current_or_latest(),
            reason="Year 6 obesity has been Red for two years.",
            actions="Joint plan with schools.",
            owner=kpi.owner,
            due_date=timezone.localdate() + datetime.timedelta(days=90),
        )


def test_cmt_records_a_decision_and_closes_an_escalation(demo, checked):
    escalation = _raised()
    page = checked.page
    checked.sign_in("rosalind.adeyemi")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Escalations").click()
    checked.check()
    page.get_by_role("link", name=re.compile("PH-03")).first.click()
    checked.check()

    page.get_by_label("Record CMT's decision").check()
    page.get_by_role("button", name="Record for CMT").click()
    expect(page.locator("#id_note-error")).to_contain_text("Enter the decision, the question or the resolution")
    checked.check()
    page.get_by_label("Record CMT's decision").check()
    page.get_by_label("The decision, what CMT wants to know, or the resolution").fill(
        "Fund a school nurse post for a year."
    )
    page.get_by_role("button", name="Record for CMT").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    expect(page.get_by_text("Fund a school nurse post for a year.")).to_be_visible()
    checked.check()

    page.get_by_label("Close it with a resolution").check()
    page.get_by_label("The decision, what CMT wants to know, or the resolution").fill("Back on track.")
    page.get_by_role("button", name="Record for CMT").click()
    expect(page.get_by_text("Escalation closed.")).to_be_visible()
    expect(page.get_by_text("Back on track.")).to_be_visible()
    checked.check()

    escalation.refresh_from_db()
    assert not escalation.is_open
    actions = set(AuditEvent.objects.filter(object_id=str(escalation.pk)).values_list("action", flat=True))
    assert {"escalation:decide", "escalation:close"} <= actions
