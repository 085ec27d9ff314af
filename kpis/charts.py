"""A KPI's approved history as a trend chart (``core.charts``), and how its unit is written."""

from __future__ import annotations

from core.charts import TrendChart, TrendPoint
from kpis.models import Kpi, KpiReturn, KpiVersion, ReturnState, Unit
from kpis.selectors import Result


def unit_affixes(unit: str, rate_per: int | None = None) -> tuple[str, str]:
    """How a figure in a unit is written: (before, after), as in "£1,200", "72.5%", "12 days"."""
    return {
        Unit.PERCENTAGE: ("", "%"),
        Unit.CURRENCY: ("£", ""),
        Unit.DAYS: ("", " days"),
        Unit.RATE: ("", f" per {rate_per:,}" if rate_per else ""),
    }.get(unit, ("", ""))


def kpi_trend(kpi: Kpi, returns: list[KpiReturn], results: dict[int, Result]) -> TrendChart:
    """The approved values, oldest first, each against the target it was judged against: the
    targets come from ``results_for``, so the chart, the history table and the RAG agree and
    the chart costs no query of its own. Values take the unit of the latest approved return's
    definition."""
    approved = sorted((r for r in returns if r.state == ReturnState.APPROVED), key=lambda r: r.data_period_end)
    version = approved[-1].version if approved else None
    prefix, suffix = unit_affixes(version.unit, version.rate_per) if version else ("", "")
    return TrendChart(
        title=f"{kpi.code}: approved values against target",
        points=tuple(TrendPoint(r.data_period_label, r.value, results[r.pk].target) for r in approved),
        decimal_places=kpi.decimal_places,
        prefix=prefix,
        suffix=suffix,
        axis_title=axis_title(version),
    )


def axis_title(version: KpiVersion | None) -> str:
    """The value axis's title: the unit, or "Rate per 10,000"."""
    if version is None:
        return "Value"
    if version.unit == Unit.RATE and version.rate_per:
        return f"Rate per {version.rate_per:,}"
    return version.get_unit_display()
