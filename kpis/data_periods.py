"""Which data period a KPI's return covers in a reporting period, and how it is labelled.

A report shows each value with its own data period ("2024/25 outturn", "Sep 2025",
"Q2 year to date"), so the label is worked out once, here, and stored on the return.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from kpis.calendar import quarter_bounds
from kpis.models import (
    CumulativeBasis,
    DataPeriodType,
    Frequency,
    Kpi,
    KpiReturn,
    KpiVersion,
    QuarterRule,
    ReportingPeriod,
)


@dataclass(frozen=True)
class DataPeriod:
    label: str
    start: datetime.date
    end: datetime.date


def fy_label(year: int) -> str:
    return f"{year}/{str(year + 1)[-2:]}"


def is_due(kpi: Kpi, period: ReportingPeriod) -> bool:
    """Annual KPIs report once a year, in their chosen quarter; the rest every quarter."""
    return kpi.frequency != Frequency.ANNUAL or period.quarter == kpi.annual_reporting_quarter


def is_yearly(kpi: Kpi) -> bool:
    """A KPI whose figures each cover a whole year (an outturn, an academic or calendar year)."""
    return kpi.frequency == Frequency.ANNUAL or kpi.data_period_type in {
        DataPeriodType.FINANCIAL_YEAR,
        DataPeriodType.ACADEMIC_YEAR,
        DataPeriodType.CALENDAR_YEAR,
    }


def months_before(end: datetime.date, months: int) -> datetime.date:
    """The last day of the month ``months`` before the month ``end`` falls in: the end of the
    data period a quarter or a year before one ending on ``end`` (every data period ends at a
    month's end)."""
    index = end.year * 12 + end.month - 1 - months + 1  # the month after the one wanted
    return datetime.date(index // 12, index % 12 + 1, 1) - datetime.timedelta(days=1)


def data_period_ending(kpi: Kpi, version: KpiVersion, end: datetime.date) -> DataPeriod:
    """The data period a return for the reporting quarter holding ``end`` covers: how a
    period without a figure is named ("no figure for 2024/25 Q2")."""
    fy_year = end.year if end.month >= 4 else end.year - 1
    quarter = (end.month - 4) % 12 // 3 + 1
    return data_period_for(kpi, version, ReportingPeriod(year=fy_year, quarter=quarter))


def previous_period_end(kpi: Kpi, end: datetime.date) -> datetime.date:
    """Where the data period before the one ending on ``end`` ends: the one direction of travel
    "on the previous period" compares with (ADR 0008). A year before for a yearly figure; else
    a quarter before, which for a monthly KPI is the month reported the quarter before
    ("Jun 2025" before "Sep 2025")."""
    return months_before(end, 12 if is_yearly(kpi) else 3)


def data_period_for(kpi: Kpi, version: KpiVersion, period: ReportingPeriod) -> DataPeriod:
    start, end = quarter_bounds(period.year, period.quarter)
    kind = kpi.data_period_type
    if is_yearly(kpi):
        return _annual(kind, period)
    if version.cumulative_basis == CumulativeBasis.FINANCIAL_YTD:
        fy_start = datetime.date(period.year, 4, 1)
        return DataPeriod(f"{fy_label(period.year)} Q{period.quarter} year to date", fy_start, end)
    if version.cumulative_basis == CumulativeBasis.SINCE_DATE and version.cumulative_since:
        return DataPeriod(
            f"Since {version.cumulative_since:%-d %b %Y} to {end:%-d %b %Y}", version.cumulative_since, end
        )
    if kpi.is_monthly and version.quarter_rule != QuarterRule.LAST_MONTH:
        return DataPeriod(f"{fy_label(period.year)} Q{period.quarter}", start, end)  # three months made one
    if kind == DataPeriodType.MONTH or kpi.is_monthly:
        month_start = end.replace(day=1)
        return DataPeriod(f"{end:%b %Y}", month_start, end)
    if kind == DataPeriodType.ROLLING_12:
        begin = end.replace(year=end.year - 1) + datetime.timedelta(days=1)  # quarter ends are never 29 Feb
        return DataPeriod(f"12 months to {end:%b %Y}", begin, end)
    if kind == DataPeriodType.AS_AT:
        return DataPeriod(f"As at {end:%-d %b %Y}", end, end)
    return DataPeriod(f"{fy_label(period.year)} Q{period.quarter}", start, end)


#: How far, in months, the figure shown may lag behind the data period a return in the
#: reporting period covers before it is out of date (ADR 0018): a yearly figure one year
#: (outturns and academic-year statistics are published months after the year ends), a
#: quarterly, rolling or as-at figure one quarter, a monthly figure two months.
ALLOWED_LAG_MONTHS = {"year": 12, "month": 2, "other": 3}


def lag_kind(kpi: Kpi) -> str:
    if is_yearly(kpi):
        return "year"
    if kpi.data_period_type == DataPeriodType.MONTH:
        return "month"
    return "other"


def is_out_of_date(kpi: Kpi, version: KpiVersion, figure_end: datetime.date, period: ReportingPeriod) -> bool:
    """Whether a figure for the data period ending on ``figure_end`` is older than the KPI's
    frequency allows when shown for ``period``: its data period ends before the one a return
    in ``period`` covers, by more than the allowed lag. A current pack then says so beside
    the figure, rather than letting an old Green stand as if it were this quarter's."""
    expected = data_period_for(kpi, version, period)
    return figure_end < months_before(expected.end, ALLOWED_LAG_MONTHS[lag_kind(kpi)])


def _annual(kind: str, period: ReportingPeriod) -> DataPeriod:
    """The last complete year before the reporting quarter ends."""
    _, end = quarter_bounds(period.year, period.quarter)
    if kind == DataPeriodType.ACADEMIC_YEAR:
        year = end.year - 1 if end.month < 8 else end.year
        return DataPeriod(
            f"{year - 1}/{str(year)[-2:]} academic year", datetime.date(year - 1, 9, 1), datetime.date(year, 8, 31)
        )
    if kind == DataPeriodType.CALENDAR_YEAR:
        year = end.year - 1 if end.month < 12 else end.year
        return DataPeriod(f"{year} calendar year", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    year = period.year - 1 if period.quarter < 4 else period.year
    return DataPeriod(f"{fy_label(year)} outturn", datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31))


#: What ``new_return`` works out for a return; ``kpis.services.returns.return_for`` makes a
#: return with these when it finds none.
MADE_WITH = ("version", "data_period_label", "data_period_start", "data_period_end")


def new_return(kpi: Kpi, period: ReportingPeriod, *, version: KpiVersion | None = None, **fields) -> KpiReturn:
    """A return (not yet saved) for a KPI in a period, under the definition in force at the
    period's end and labelled with its own data period (a monthly KPI's last month, a year to
    date, a financial year). The one place a return is made, so its data period is worked out
    one way: opening a period, a return needed on its own, the benchmarks' data."""
    version = version or kpi.version_for(period.end)
    data_period = data_period_for(kpi, version, period)
    return KpiReturn(
        kpi=kpi,
        period=period,
        version=version,
        data_period_label=data_period.label,
        data_period_start=data_period.start,
        data_period_end=data_period.end,
        **fields,
    )
