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


def test_the_scorecard_is_one_line_per_kpi_grouped_by_priority_ordered_and_exported(world, reported, clients):
    from decimal import Decimal

    from kpis.models import Target

    Target.objects.filter(kpi=reported["s1"], for_date=reported["period"].end).update(value=Decimal("90"))  # Red
    page = clients["cmt"].get(reverse("reporting:scorecard")).content.decode()
    captions = re.findall(r'<caption class="govuk-table__caption govuk-table__caption--m">([^<]+)</caption>', page)
    assert captions == ["P1 Economic growth", "P2 Healthy communities"]
    rows = re.findall(r'href="/kpis/([^/]+)/">', page)
    assert rows == ["NODATA", "S1-01", "CNT-01", "S2-01"]  # by code within each priority
    by_rag = clients["cmt"].get(reverse("reporting:scorecard") + "?order=rag").content.decode()
    assert re.findall(r'href="/kpis/([^/]+)/">', by_rag)[:2] == ["S1-01", "NODATA"]  # Red before no value
    assert 'aria-sort="ascending">RAG' in by_rag
    exported = clients["cmt"].get(reverse("reporting:scorecard-export", args=["csv"]) + "?order=rag")
    lines = exported.getvalue().decode().splitlines()
    assert lines[0].startswith("priority,kpi_code,kpi_title,value,data_period,target,rag")
    assert lines[1].startswith("P1 Economic growth,S1-01,")
    assert ",Red," in lines[1]
    # A scoped lead's scorecard holds only their area's KPIs.
    scoped = clients["service_lead"].get(reverse("reporting:scorecard")).content.decode()
    assert reported["s2"].title not in scoped


def test_the_exceptions_page_lists_each_red_kpi_with_its_words_in_the_persons_scope(world, reported, clients):
    from decimal import Decimal

    from kpis.models import Target

    Target.objects.filter(kpi=reported["s1"], for_date=reported["period"].end).update(value=Decimal("90"))  # Red
    page = clients["cmt"].get(reverse("reporting:exceptions")).content.decode()
    assert re.findall(r'id="exception-([^"]+)"', page) == ["S1-01"]
    assert "Better than planned" in page  # its commentary, escaped
    assert "&lt;script&gt;" in page
    assert "Open and overdue: owner" in page  # the world's escalation of S1-01
    overview = clients["cmt"].get(reverse("reporting:overview")).content.decode()
    assert reverse("reporting:exceptions") in overview
