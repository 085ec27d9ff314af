"""A return entry: what someone entered on a return (its figure and text, a monthly KPI's
months, the breakdown cells) as one value. The return form builds it, ``entry_problems``
is the one rule that judges it, and ``kpis.services.returns.return_save`` applies it.

Problems are keyed by what they are about (``"value"``, a month, a cell), never by a form's
field names: the form translates the keys to its fields, so the service knows no form.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from decimal import Decimal

from kpis.models import Breakdown, KpiReturn
from kpis.monthly import Month, months_of
from kpis.validation import check_entry, check_value


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: A field the entry does not mention: what the return holds stays as it is.
KEEP = _Keep()


@dataclass(frozen=True)
class Parts:
    """What was entered beyond the one figure: months by their first day, breakdown cells by
    (breakdown id, category)."""

    months: dict[datetime.date, Month] = field(default_factory=dict)
    cells: dict[tuple[int, str], Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ReturnEntry:
    """One entry on a return. A field left as ``KEEP`` is not changed; ``None`` for a figure
    means blank. ``months`` and ``cells`` are given together, or neither (``None``)."""

    value: Decimal | None | _Keep = KEEP
    numerator: Decimal | None | _Keep = KEEP
    denominator: Decimal | None | _Keep = KEEP
    commentary: str | _Keep = KEEP
    actions: str | _Keep = KEEP
    data_quality_note: str | _Keep = KEEP
    #: The data quality attestation (``kpis.data_quality.attestation``).
    data_quality: dict | _Keep = KEEP
    months: dict[datetime.date, Month] | None = None
    cells: dict[tuple[int, str], Decimal] | None = None

    def changes(self) -> dict[str, object]:
        """The return's own fields this entry sets, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in {"months", "cells"} and getattr(self, f.name) is not KEEP
        }

    def figure(self, name: str):
        """A figure as entered, or None when the entry does not give it."""
        given = getattr(self, name)
        return None if given is KEEP else given

    @property
    def parts(self) -> Parts | None:
        if self.months is None and self.cells is None:
            return None
        cells = {key: value for key, value in (self.cells or {}).items() if value is not None}
        return Parts(months=dict(self.months or {}), cells=cells)


def month_key(month: datetime.date, name: str) -> str:
    """The problem key for a month's value, numerator or denominator."""
    return f"month:{month.isoformat()}:{name}"


def cell_key(breakdown_id: int, category: str) -> str:
    """The problem key for a breakdown cell."""
    return f"breakdown:{breakdown_id}:{category}"


def quarter_months(kpi_return: KpiReturn) -> list[datetime.date]:
    return months_of(kpi_return.period.year, kpi_return.period.quarter)


def entry_problems(kpi_return: KpiReturn, entry: ReturnEntry, breakdowns: list[Breakdown]) -> dict[str, str]:
    """Key → message for anything wrong in the entry, by the KPI's rules for the definition
    the return is made under. The form shows these; the service refuses on them."""
    kpi, version = kpi_return.kpi, kpi_return.version
    problems = check_entry(
        kpi,
        version,
        value=entry.figure("value"),
        numerator=entry.figure("numerator"),
        denominator=entry.figure("denominator"),
    )
    parts = entry.parts
    if parts is None:
        return problems
    for month in quarter_months(kpi_return):
        entered = parts.months.get(month)
        if entered is None:
            continue
        found = check_entry(
            kpi, version, value=entered.value, numerator=entered.numerator, denominator=entered.denominator
        )
        problems.update({month_key(month, name): message for name, message in found.items()})
    for breakdown in breakdowns:
        for category in breakdown.categories:
            problem = cell_problem(kpi, version, breakdown, parts.cells.get((breakdown.pk, category)))
            if problem:
                problems[cell_key(breakdown.pk, category)] = problem
    return problems


def cell_problem(kpi, version, breakdown, value) -> str | None:
    """What is wrong with a breakdown cell, entered with a return or imported with history: a
    count of people is a whole number, 0 or more; other cells are checked as the figure is."""
    if value is not None and breakdown.holds_counts and (value < 0 or value != int(value)):
        return "A count of people is a whole number, 0 or more"
    return check_value(kpi, version, value) if not breakdown.holds_counts else None


#: An entry that changes nothing: submitting what was saved before.
NOTHING = ReturnEntry()
