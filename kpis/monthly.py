"""How a monthly KPI's three months make its quarter (DESIGN §3): the quarter's last month,
the sum of the months, or the sum of the numerators over the sum of the denominators."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from kpis.calendar import quarter_bounds
from kpis.models import KpiVersion, QuarterRule
from kpis.validation import compute


@dataclass(frozen=True)
class Month:
    """One month as entered: a value, or a numerator and a denominator."""

    month: datetime.date
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    def entered(self, is_ratio: bool) -> bool:
        if is_ratio:
            return self.numerator is not None and self.denominator is not None
        return self.value is not None


@dataclass(frozen=True)
class Quarter:
    """The quarter's figure, or ``missing`` naming the months it still needs."""

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    missing: tuple[datetime.date, ...] = ()


def months_of(year: int, quarter: int) -> list[datetime.date]:
    """The first day of each month of a financial-year quarter (2025, 2 → Jul, Aug, Sep 2025)."""
    start, _ = quarter_bounds(year, quarter)
    return [_add_months(start, n) for n in range(3)]


def needed(version: KpiVersion, months: list[datetime.date]) -> list[datetime.date]:
    """The months the quarter is made from: only the last for "last month", else all three."""
    return months[-1:] if version.quarter_rule == QuarterRule.LAST_MONTH else list(months)


def quarter_figure(version: KpiVersion, months: list[datetime.date], entered: dict[datetime.date, Month]) -> Quarter:
    missing = tuple(m for m in needed(version, months) if not (m in entered and entered[m].entered(version.is_ratio)))
    if missing:
        return Quarter(None, missing=missing)
    if version.quarter_rule == QuarterRule.LAST_MONTH:
        last = entered[months[-1]]
        if version.is_ratio:
            return Quarter(compute(version, last.numerator, last.denominator).value, last.numerator, last.denominator)
        return Quarter(last.value)
    figures = [entered[m] for m in months]
    if version.quarter_rule == QuarterRule.RATIO_OF_SUMS:
        numerator = sum((f.numerator for f in figures), Decimal(0))
        denominator = sum((f.denominator for f in figures), Decimal(0))
        return Quarter(compute(version, numerator, denominator).value, numerator, denominator)
    return Quarter(sum((f.value for f in figures), Decimal(0)))


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1, day=1)
