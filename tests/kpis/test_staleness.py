"""When a figure shown for a reporting period is out of date (ADR 0018): by its data period kind,
never by a date written into the test."""

from __future__ import annotations

import datetime

import pytest

from kpis.data_periods import is_out_of_date
from kpis.models import Kpi, KpiVersion, ReportingPeriod

Q2_2025 = ReportingPeriod(year=2025, quarter=2)  # July to September 2025


def kpi(frequency="quarterly", data_period_type="quarter", **version):
    return (
        Kpi(code="K", frequency=frequency, data_period_type=data_period_type, annual_reporting_quarter=2),
        KpiVersion(cumulative_basis="none", quarter_rule="last_month", **version),
    )


@pytest.mark.parametrize(
    ("end", "stale"),
    [
        (datetime.date(2025, 9, 30), False),  # this quarter
        (datetime.date(2025, 6, 30), False),  # a quarter behind: the usual lag
        (datetime.date(2025, 3, 31), True),  # two quarters behind
    ],
)
def test_a_quarterly_figure_may_lag_one_quarter(end, stale):
    assert is_out_of_date(*kpi(), end, Q2_2025) is stale


@pytest.mark.parametrize(
    ("end", "stale"),
    [
        (datetime.date(2025, 9, 30), False),
        (datetime.date(2025, 7, 31), False),  # two months behind the quarter's last month
        (datetime.date(2025, 6, 30), True),
    ],
)
def test_a_monthly_figure_may_lag_two_months(end, stale):
    assert is_out_of_date(*kpi("monthly", "month"), end, Q2_2025) is stale


@pytest.mark.parametrize(
    ("end", "stale"),
    [
        (datetime.date(2025, 3, 31), False),  # the 2024/25 outturn: the year a return in Q2 covers
        (datetime.date(2024, 3, 31), False),  # a year behind: outturns are published months late
        (datetime.date(2023, 3, 31), True),  # two years behind
    ],
)
def test_a_yearly_figure_may_lag_one_year(end, stale):
    assert is_out_of_date(*kpi("annual", "financial_year"), end, Q2_2025) is stale


def test_an_academic_year_is_judged_against_the_academic_year_a_return_covers():
    # In 2025/26 Q2 (to September 2025) the 2024/25 academic year (to August 2025) is due.
    academic = kpi("annual", "academic_year")
    assert is_out_of_date(*academic, datetime.date(2024, 8, 31), Q2_2025) is False
    assert is_out_of_date(*academic, datetime.date(2023, 8, 31), Q2_2025) is True
