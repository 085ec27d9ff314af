"""A KPI's page charts its approved history against the targets it was judged by."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.urls import reverse

from accounts.policy import SYSTEM
from kpis.figures import kpi_trend
from kpis.models import Kpi, KpiReturn, KpiVersion, ReportingPeriod, ReturnState, Unit
from kpis.services.dictionary import target_set
from kpis.services.returns import return_for


def returned(kpi, year, quarter, *, state=ReturnState.APPROVED, value="70", target=None) -> KpiReturn:
    period = ReportingPeriod.objects.create(year=year, quarter=quarter, **ReportingPeriod.default_dates(year, quarter))
    kpi_return = return_for(kpi, period)
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=state, value=Decimal(value))
    if target is not None:
        target_set(by=SYSTEM, kpi=kpi, for_date=kpi_return.data_period_end, value=Decimal(target))
    return kpi_return


def test_kpi_page_charts_approved_values_oldest_first_against_their_targets(world, clients):
    kpi = world.kpis["s1"]
    returned(kpi, 2024, 3, value="80")
    returned(kpi, 2024, 2, state=ReturnState.SUBMITTED, value="99", target="70")
    returned(kpi, 2024, 1, value="72.5", target="75")
    response = clients["directorate_lead"].get(reverse("kpis:kpi-detail", kwargs={"code": kpi.code}))
    trend = response.context["trend"]
    assert [(p.actual, p.target) for p in trend.points] == [(Decimal("72.5"), Decimal(75)), (Decimal(80), None)]
    assert trend.suffix == "%"
    page = response.content.decode()
    assert "Rose from 72.5% in" in page
    assert 'data-chart="kpi-trend"' in page
    assert 'id="kpi-trend" type="application/json"' in page
    assert "vendor/plotly/plotly.min.js" in page
    assert 'id="plotly.js-style-global"' in page


def test_kpi_page_without_approved_values_says_so_and_loads_no_plotly(world, clients):
    kpi = world.kpis["s1"]
    returned(kpi, 2024, 1, state=ReturnState.DRAFT)
    page = clients["directorate_lead"].get(reverse("kpis:kpi-detail", kwargs={"code": kpi.code})).content.decode()
    assert "No data yet." in page
    assert "data-chart" not in page
    assert "plotly" not in page


def test_kpi_trend_writes_values_in_the_latest_definition_s_unit():
    kpi = Kpi(code="RATE-01", decimal_places=1)

    def approved(pk, end, unit, rate_per=None):
        version = KpiVersion(unit=unit, rate_per=rate_per)
        return KpiReturn(
            pk=pk, state=ReturnState.APPROVED, data_period_label=str(end), data_period_end=end, value=1, version=version
        )

    results = {1: SimpleNamespace(target=None), 2: SimpleNamespace(target=None)}
    older = approved(1, datetime.date(2024, 3, 31), Unit.PERCENTAGE)
    assert kpi_trend(kpi, [older], results).suffix == "%"
    assert kpi_trend(kpi, [older, approved(2, datetime.date(2025, 3, 31), Unit.CURRENCY)], results).prefix == "£"
    rate = kpi_trend(kpi, [approved(2, datetime.date(2025, 3, 31), Unit.RATE, 10000), older], results)
    assert (rate.prefix, rate.suffix, rate.axis_title) == ("", " per 10,000", "Rate per 10,000")
    assert kpi_trend(kpi, [], {}).axis_title == "Value"
