"""What CMT and Cabinet see first: the council as a whole, only periods that have opened, and
a Cabinet member's portfolio before the rest."""

from __future__ import annotations

import re

from django.urls import reverse

from accounts.models import RoleAssignment
from accounts.policy import SYSTEM
from kpis.models import Kpi, PeriodState
from kpis.services.periods import period_create


def test_the_overview_opens_with_the_council_total_counting_each_kpi_once_and_a_picture(reported, clients):
    page = clients["cmt"].get(reverse("reporting:overview")).content.decode()
    start = page.index('id="council-total"')
    council = page[start : page.index("</section>", start)]
    # Four KPIs: S1-01 and NODATA under P1, S2-01 and CNT-01 under P2; none counted twice.
    assert "4 KPIs, each counted once however many priorities it serves" in council
    labels = re.findall(r'role="img" aria-label="([^"]+)"', council)
    assert labels[0].startswith("The council: ")
    assert sum(int(n) for n in re.findall(r"(\d+) [A-Z]", labels[0].split(": ", 1)[1])) == 4
    assert [label.split(":")[0] for label in labels[1:]] == ["P1", "P2"]


def test_the_period_list_offers_only_periods_that_have_opened(reported, clients):
    scheduled = period_create(by=SYSTEM, year=2030, quarter=1)
    assert scheduled.state == PeriodState.SCHEDULED
    page = clients["cmt"].get(reverse("reporting:overview")).content.decode()
    assert f'value="{scheduled.pk}"' not in page
    assert f'value="{reported["period"].pk}"' in page
    # Asked for by its id, a period that has not opened is not shown as if it were the latest.
    asked = clients["cmt"].get(reverse("reporting:overview") + f"?period={scheduled.pk}").content.decode()
    assert "2030/31 Q1" not in asked


def test_a_cabinet_member_sees_their_portfolio_first(world, reported, clients):
    RoleAssignment.objects.filter(user=world.people["cabinet"]).update(portfolio="Health")
    Kpi.objects.filter(code="S2-01").update(portfolio="Health")  # last but one by code
    page = clients["cabinet"].get(reverse("reporting:dashboard")).content.decode()
    order = re.findall(r'<h3 class="govuk-heading-m" id="kpi-([^"]+)"', page)
    assert order[0] == "S2-01", order
    assert "Your portfolio first: the KPIs of Health come before the rest." in page
    # CMT, who hold no portfolio, read the usual order.
    cmt = clients["cmt"].get(reverse("reporting:dashboard")).content.decode()
    assert re.findall(r'<h3 class="govuk-heading-m" id="kpi-([^"]+)"', cmt)[0] != "S2-01"
