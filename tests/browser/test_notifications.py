"""A lead's send-back reaches the service lead within one tick: the directorate lead returns
a return in the browser, a real worker tells the service lead (the outbox drained once),
and the service lead finds it under their notifications and in their email. axe and the CSP
on every page."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.db import transaction
from playwright.sync_api import expect

from accounts.models import User
from kpis.data_quality import ALL_MET
from kpis.entry import ReturnEntry
from kpis.models import KpiReturn, PeriodState
from kpis.services.returns import return_submit
from reporting.models import Alert
from reporting.outbox import drain
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.processes, pytest.mark.timeout(240)]


def _submitted(code: str) -> KpiReturn:
    kpi_return = KpiReturn.objects.get(kpi__code=code, period__state=PeriodState.OPEN)
    with transaction.atomic():
        return_submit(
            by=User.objects.get(username="bernadette.quinn"),
            kpi_return=kpi_return,
            revision=kpi_return.revision,
            entry=ReturnEntry(value=D("24.5"), commentary="Turnover is falling.", data_quality=ALL_MET),
            confirm_unusual=True,
        )
    return kpi_return


def test_a_lead_s_send_back_reaches_the_service_lead_within_one_tick(demo, checked, tmp_path):
    _submitted("ASC-04")
    service_lead = User.objects.get(username="bernadette.quinn")
    page = checked.page
    with running_worker(PMF_MAIL_DIR=str(tmp_path)) as worker:
        checked.sign_in("priya.raman")
        checked.goto("/review/")
        page.get_by_role("link", name=re.compile("ASC-04")).click()
        checked.check()
        page.get_by_label("What needs to change").fill("Say which staff groups the turnover covers.")
        page.get_by_role("button", name="Return with this reason").click()
        expect(page.get_by_text("ASC-04 returned to the service")).to_be_visible()
        checked.check()
        checked.sign_out()
        drain()  # one tick's drain (sent already at commit while Redis is up: then nothing waits)
        wait_for(
            lambda: Alert.objects.filter(user=service_lead, emailed_at__isnull=False).exists(),
            worker=worker,
            timeout=30,
            what="telling the service lead",
        )

    checked.sign_in("bernadette.quinn")
    page.get_by_role("link", name="Your notifications").click()
    checked.check()
    told = page.get_by_role("link", name=re.compile("Sent back: ASC-04"))
    expect(told.first).to_be_visible()
    expect(page.get_by_text("Say which staff groups the turnover covers.").first).to_be_visible()
    told.first.click()
    checked.check()
    expect(page.get_by_text("Say which staff groups the turnover covers.").first).to_be_visible()
    mails = [path.read_text() for path in tmp_path.glob("*.log")]
    assert any(service_lead.email in m and "Say which staff groups" in m for m in mails)
