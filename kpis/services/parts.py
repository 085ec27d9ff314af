"""The parts of a return beyond its one figure: a monthly KPI's three months, and the values
per category of its breakdowns. ``return_save`` checks, records and audits them with the
return itself, so they share its optimistic lock and its audit entry."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from kpis.entry import Parts, month_key, quarter_months
from kpis.models import Breakdown, BreakdownValue, KpiReturn, MonthlyFigure
from kpis.monthly import Month, Quarter, needed, quarter_figure


def stored(kpi_return: KpiReturn, breakdowns: list[Breakdown]) -> Parts:
    """The months and cells saved with the return. Only a monthly KPI has months and only a
    KPI with breakdowns (``breakdowns``, already read by the caller) has cells, so the return of
    a plain KPI, most of them at quarter end, is read with no query at all."""
    months = (
        {
            m.month: Month(m.month, m.value, m.numerator, m.denominator)
            for m in MonthlyFigure.objects.filter(kpi_return=kpi_return)
        }
        if kpi_return.kpi.is_monthly
        else {}
    )
    cells = (
        {(v.breakdown_id, v.category): v.value for v in BreakdownValue.objects.filter(kpi_return=kpi_return)}
        if breakdowns
        else {}
    )
    return Parts(months=months, cells=cells)


def quarter(kpi_return: KpiReturn, months: dict[datetime.date, Month]) -> Quarter:
    return quarter_figure(kpi_return.version, quarter_months(kpi_return), months)


def missing_months(kpi_return: KpiReturn) -> dict[str, str]:
    """Submission problems for a monthly return whose quarter still needs months."""
    if not kpi_return.kpi.is_monthly:
        return {}
    months = quarter_months(kpi_return)
    entered = stored(kpi_return, []).months
    name = "numerator" if kpi_return.version.is_ratio else "value"
    return {
        month_key(month, name): f"Enter {month:%B %Y} before submitting"
        for month in needed(kpi_return.version, months)
        if not (month in entered and entered[month].entered(kpi_return.version.is_ratio))
    }


def record(kpi_return: KpiReturn, parts: Parts, *, monthly: bool, breakdowns: list[Breakdown]) -> None:
    """Make the stored months and cells what was entered; blank ones are removed."""
    if monthly:
        kept = {m: f for m, f in parts.months.items() if f.value is not None or f.numerator is not None}
        MonthlyFigure.objects.filter(kpi_return=kpi_return).exclude(month__in=list(kept)).delete()
        for month, figure in kept.items():
            MonthlyFigure.objects.update_or_create(
                kpi_return=kpi_return,
                month=month,
                defaults={"value": figure.value, "numerator": figure.numerator, "denominator": figure.denominator},
            )
    for breakdown in breakdowns:
        entered = {c: parts.cells.get((breakdown.pk, c)) for c in breakdown.categories}
        blank = [c for c, v in entered.items() if v is None]
        BreakdownValue.objects.filter(kpi_return=kpi_return, breakdown=breakdown).filter(category__in=blank).delete()
        for category, value in entered.items():
            if value is not None:
                BreakdownValue.objects.update_or_create(
                    kpi_return=kpi_return, breakdown=breakdown, category=category, defaults={"value": value}
                )


def snapshot(kpi_return: KpiReturn, parts: Parts, breakdowns: list[Breakdown]) -> dict:
    """The months and cells for the return's audit entry, labelled as a person reads them."""
    picture: dict = {}
    if parts.months:
        picture["months"] = {
            f"{m:%b %Y}": {k: str(v) for k, v in vars(f).items() if k != "month" and v is not None}
            for m, f in sorted(parts.months.items())
        }
    names = {b.pk: b.name for b in breakdowns}
    if parts.cells:
        picture["breakdowns"] = {
            f"{names.get(b, b)}: {category}": str(value) for (b, category), value in sorted(parts.cells.items())
        }
    return picture


def differences(before: Parts, entered: Parts, breakdowns: list[Breakdown]) -> list[tuple[str, object, object]]:
    """What someone else saved that differs from what this person entered, for the conflict message."""
    found = []
    for month in sorted(set(before.months) | set(entered.months)):
        theirs, yours = before.months.get(month), entered.months.get(month)
        for name in ("value", "numerator", "denominator"):
            a, b = getattr(theirs, name, None), getattr(yours, name, None)
            if a != b:
                found.append((f"{month:%B %Y} {name}", a, b))
    names = {b.pk: b.name for b in breakdowns}
    for key in sorted(set(before.cells) | set(entered.cells)):
        if before.cells.get(key) != entered.cells.get(key):
            found.append((f"{names.get(key[0], key[0])}: {key[1]}", before.cells.get(key), entered.cells.get(key)))
    return found


@dataclass(frozen=True)
class PartsView:
    """A return's months and breakdown cells, laid out for a page."""

    months: list[tuple[datetime.date, Month | None]]
    breakdowns: list[tuple[Breakdown, list[tuple[str, Decimal | None]]]]


def for_display(kpi_return: KpiReturn, breakdowns: list[Breakdown] | None = None) -> PartsView:
    """``breakdowns`` when the caller has read them already (the return form has)."""
    kpi = kpi_return.kpi
    breakdowns = list(kpi.breakdowns.all()) if breakdowns is None else breakdowns
    saved = stored(kpi_return, breakdowns)
    months = [(m, saved.months.get(m)) for m in quarter_months(kpi_return)] if kpi.is_monthly else []
    return PartsView(
        months,
        [(b, [(c, saved.cells.get((b.pk, c))) for c in b.categories]) for b in breakdowns],
    )
