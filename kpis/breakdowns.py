"""Breakdowns as they leave the council's staff, and the equalities view of a KPI.

``published_cells`` is the one place a breakdown's cells are made fit to publish: every output
for people outside the staff (the published report and its PDFs, the scrutiny pages, open data,
the API) writes its cells through it, so suppression (``core.suppression``, ADR 0022) is applied
the same way everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.suppression import SUPPRESSED_TEXT, suppressed_cells
from kpis.models import Breakdown, BreakdownValue, KpiReturn


@dataclass(frozen=True)
class PublishedCell:
    """One category as published: its value, or None and ``suppressed`` where it is hidden."""

    category: str
    value: Decimal | None
    text: str
    suppressed: bool


def published_cells(
    breakdown: Breakdown, unit: str, cells: Sequence[tuple[str, Decimal]], write: Callable[[Decimal], str]
) -> list[PublishedCell]:
    """A breakdown's cells as anyone outside the staff may see them: counts of people with the
    small ones hidden, and the others that would give them back from the total (ADR 0022);
    other values (a rate by age band) written as the KPI's figures are."""
    values = [value for _, value in cells]
    counts = breakdown.counts_people(unit, values)
    hidden = suppressed_cells([int(v) for v in values]) if counts else frozenset()
    return [
        PublishedCell(
            category,
            None if i in hidden else value,
            SUPPRESSED_TEXT if i in hidden else (f"{int(value):,}" if counts else write(value)),
            i in hidden,
        )
        for i, (category, value) in enumerate(cells)
    ]


def ordered_cells(breakdown: Breakdown, values: Sequence[BreakdownValue]) -> list[tuple[str, Decimal]]:
    """A return's cells of one breakdown in the breakdown's order (categories since removed
    from the list last)."""
    order = {category: i for i, category in enumerate(breakdown.categories)}
    ordered = sorted(values, key=lambda v: (order.get(v.category, len(order)), v.category))
    return [(v.category, v.value) for v in ordered]


def cells_by_return(kpi_returns: Sequence[KpiReturn]) -> dict[int, list[tuple[Breakdown, list]]]:
    """Each return's breakdowns with their cells in order, read in one query."""
    grouped: dict[int, dict[int, list[BreakdownValue]]] = defaultdict(lambda: defaultdict(list))
    breakdowns: dict[int, Breakdown] = {}
    for value in BreakdownValue.objects.filter(kpi_return__in=[r.pk for r in kpi_returns]).select_related("breakdown"):
        grouped[value.kpi_return_id][value.breakdown_id].append(value)
        breakdowns[value.breakdown_id] = value.breakdown
    return {
        return_id: [
            (breakdowns[b], ordered_cells(breakdowns[b], values))
            for b, values in sorted(by_breakdown.items(), key=lambda item: breakdowns[item[0]].name)
        ]
        for return_id, by_breakdown in grouped.items()
    }


def gap_text(kpi_return: KpiReturn, gap: Decimal, write: Callable[[KpiReturn, Decimal], str]) -> str:
    """A category's gap to the council's figure, signed, in points for a percentage."""
    from core.numbers import figure_text
    from kpis.models import Unit

    sign = "+" if gap > 0 else ""
    if kpi_return.version.unit == Unit.PERCENTAGE:
        return f"{sign}{figure_text(gap, kpi_return.kpi.decimal_places)} points"
    return f"{sign}{write(kpi_return, gap)}"


# --- The equalities view -------------------------------------------------------------------------


@dataclass
class EqualitiesColumn:
    """One data period: the council's figure and each category's value beside it."""

    kpi_return: KpiReturn
    council_text: str
    cells: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, str] = field(default_factory=dict)
    values: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class EqualitiesTable:
    """A breakdown over time: categories down the side, data periods across, each cell with
    its gap to the council's figure (a rate, a percentage) or its share of the total (a count)."""

    breakdown: Breakdown
    counts: bool
    columns: list[EqualitiesColumn]


def equalities_tables(
    breakdowns: Sequence[Breakdown], kpi_returns: Sequence[KpiReturn], write: Callable[[KpiReturn, Decimal], str]
) -> list[EqualitiesTable]:
    """Each breakdown of a KPI over its returns (oldest first), for the staff's equalities view.
    The staff see the values as entered; outputs for others go through ``published_cells``."""
    cells = cells_by_return(kpi_returns)
    tables = []
    for breakdown in breakdowns:
        columns = []
        all_values = []
        for kpi_return in kpi_returns:
            held = dict(next((c for b, c in cells.get(kpi_return.pk, []) if b.pk == breakdown.pk), []))
            if not held:
                continue
            all_values += list(held.values())
            columns.append(
                EqualitiesColumn(
                    kpi_return,
                    write(kpi_return, kpi_return.value) if kpi_return.value is not None else "no figure",
                    values=held,
                )
            )
        counts = breakdown.counts_people(kpi_returns[0].version.unit if kpi_returns else "", all_values)
        for column in columns:
            total = sum(column.values.values())
            for category, value in column.values.items():
                if counts:
                    column.cells[category] = f"{int(value):,}"
                    column.gaps[category] = f"{value / total * 100:.1f}% of the total" if total else ""
                else:
                    column.cells[category] = write(column.kpi_return, value)
                    council = column.kpi_return.value
                    if council is not None:
                        column.gaps[category] = gap_text(column.kpi_return, value - council, write)
        tables.append(EqualitiesTable(breakdown, counts, columns))
    return tables


def bar_chart_uri(
    labels: Sequence[str], values: Sequence[Decimal], texts: Sequence[str], council: Decimal | None
) -> str:
    """The latest period's categories side by side as labelled horizontal bars, with the
    council's figure as a dashed line named in words: each bar carries its category and value
    as text, so nothing is told by colour alone. An ``<img>`` data URI (the CSP allows those)."""
    from html import escape
    from urllib.parse import quote

    from core.charts.model import ACTUAL, TARGET, TEXT_COLOUR

    if not values:
        return ""
    label_px, bar_px, gap_px, width = 220, 22, 10, 640
    top = 24
    high = float(max([*values, council or 0, 0])) or 1.0
    plot = width - label_px - 90

    def x(value) -> float:
        return label_px + max(float(value), 0) / high * plot

    height = top + len(values) * (bar_px + gap_px) + 10
    parts = []
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        y = top + i * (bar_px + gap_px)
        parts.append(
            f'<text x="{label_px - 8}" y="{y + 16}" text-anchor="end" font-size="14" fill="{TEXT_COLOUR}">'
            f"{escape(label[:32])}</text>"
            f'<rect x="{label_px}" y="{y}" width="{x(value) - label_px:.1f}" height="{bar_px}" fill="{ACTUAL.colour}"/>'
            f'<text x="{x(value) + 6:.1f}" y="{y + 16}" font-size="14" fill="{TEXT_COLOUR}">{escape(text)}</text>'
        )
    if council is not None:
        cx = x(council)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{top - 6}" x2="{cx:.1f}" y2="{height - 4}" stroke="{TARGET.colour}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{cx:.1f}" y="{top - 10}" text-anchor="middle" font-size="13" fill="{TEXT_COLOUR}">'
            f"Council</text>"
        )
    drawn = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Arial, sans-serif">{"".join(parts)}</svg>'
    )
    return "data:image/svg+xml," + quote(drawn)
