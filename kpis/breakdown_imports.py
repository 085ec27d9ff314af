"""The breakdown history import: values per category (by ward, by a protected characteristic)
of figures already approved, from the reports before this service. A separate kind beside the
period values import (``kpis.imports``), registered into its index: load the figures first,
then their breakdowns. The columns are documented in docs/imports.md.
"""

from __future__ import annotations

from collections import defaultdict

from core.imports import Column, ImportKind, number, text
from kpis.import_columns import FIGURE_COLUMNS
from kpis.models import Breakdown, BreakdownValue, Kpi, KpiReturn, ReturnState


def _context() -> dict:
    context: dict = {"kpis": {kpi.code: kpi for kpi in Kpi.objects.all()}}
    context["breakdowns"] = {(b.kpi.code, b.name): b for b in Breakdown.objects.select_related("kpi")}
    context["returns"] = {
        (r.kpi.code, r.period.year, r.period.quarter): r
        for r in KpiReturn.objects.select_related("kpi", "period", "version")
    }
    context["held"] = {(v.kpi_return_id, v.breakdown_id, v.category): v.value for v in BreakdownValue.objects.all()}
    return context


def _check_row(row: dict, context: dict) -> str | None:
    from kpis.entry import cell_problem

    kpi = context["kpis"].get(row["kpi_code"])
    if kpi is None:
        return f"kpi_code: No KPI has the code {row['kpi_code']}"
    kpi_return = context["returns"].get((kpi.code, row["year"], int(row["quarter"])))
    if kpi_return is None or kpi_return.state != ReturnState.APPROVED:
        return "quarter: No approved figure of this KPI in that reporting period: import the figure first"
    breakdown = context["breakdowns"].get((kpi.code, row["breakdown"]))
    if breakdown is None:
        names = ", ".join(sorted(name for code, name in context["breakdowns"] if code == kpi.code)) or "none"
        return f"breakdown: {kpi.code} has no breakdown named {row['breakdown']} (it has: {names})"
    if row["category"] not in breakdown.categories:
        return f"category: Not a category of {kpi.code} by {breakdown.name.lower()}"
    problem = cell_problem(kpi, kpi_return.version, breakdown, row["value"])
    if problem:
        return f"value: {problem}"
    held = context["held"].get((kpi_return.pk, breakdown.pk, row["category"]))
    if kpi_return.period.figures_published and held is not None and held != row["value"]:
        return f"value: The published figure already holds {held.normalize():f} for this category"
    return None


def _apply(*, by, rows: list[dict]) -> int:
    from kpis.services.breakdowns import breakdown_history_set

    context = _context()
    grouped: dict[tuple, dict] = defaultdict(dict)
    for row in rows:
        grouped[(row["kpi_code"], row["year"], int(row["quarter"]), row["breakdown"])][row["category"]] = row["value"]
    for (code, year, quarter, name), cells in grouped.items():
        breakdown_history_set(
            by=by,
            kpi_return=context["returns"][(code, year, quarter)],
            breakdown=context["breakdowns"][(code, name)],
            cells=cells,
        )
    return len(rows)


BREAKDOWN_VALUES = ImportKind(
    slug="breakdown-values",
    title="Breakdown values (history)",
    description="Loads the values per category (by ward, by a protected characteristic) of figures already "
    "approved, for the equalities view and the published breakdowns. Import the figures first.",
    columns=(
        *FIGURE_COLUMNS,
        Column("breakdown", text, help="the breakdown's name on the KPI, exactly", example="Age band"),
        Column("category", text, help="one of the breakdown's categories, exactly", example="65 to 74"),
        Column("value", number, help="the category's value: in the KPI's unit, or a count of people", example="80.5"),
    ),
    check_row=_check_row,
    apply=_apply,
    key=lambda row: (row["kpi_code"], row["year"], row["quarter"], row["breakdown"], row["category"]),
    context=_context,
)
