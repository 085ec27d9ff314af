"""Open data: the council's published figures for a period, for anyone, without signing in,
as CSV and JSON under the Open Government Licence v3.0.

Only published figures leave here: approved returns in a period whose figures are published
(``KpiReturn.objects.published()``, the one rule the pages use too). Each figure carries its
definition, unit, data period and revision history; its breakdowns are written through
``kpis.breakdowns.published_cells``, so small counts are suppressed as in every other output
that leaves the council's staff (ADR 0022).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from django.conf import settings

from core.numbers import exact_text
from core.suppression import SUPPRESSION_NOTE
from core.tabular import safe_text
from kpis.breakdowns import cells_by_return, published_cells
from kpis.figures import value_text
from kpis.models import KpiReturn, ReportingPeriod

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

#: The CSV's columns: a row per figure (``record`` "figure") and a row per breakdown cell
#: (``record`` "breakdown"), documented in docs/open-data.md.
CSV_COLUMNS = [
    "record",
    "period",
    "kpi_code",
    "kpi_title",
    "definition",
    "calculation_method",
    "definition_version",
    "unit",
    "data_period_label",
    "data_period_start",
    "data_period_end",
    "value",
    "value_text",
    "breakdown",
    "category",
    "suppressed",
    "revisions",
    "licence",
]


def published_periods() -> list[ReportingPeriod]:
    """The periods whose figures are published, latest first: the ones open data offers."""
    return list(ReportingPeriod.objects.filter(ReportingPeriod.figures_published_q()).order_by("-year", "-quarter"))


def published_period(year: int, quarter: int) -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(ReportingPeriod.figures_published_q(), year=year, quarter=quarter).first()


@dataclass(frozen=True)
class OpenFigure:
    """One published figure with all that open data says about it."""

    kpi_return: KpiReturn
    value_text: str
    revisions: list[dict]
    breakdowns: list[dict]

    def as_json(self) -> dict:
        r, version = self.kpi_return, self.kpi_return.version
        return {
            "kpi_code": r.kpi.code,
            "kpi_title": r.kpi.title,
            "definition": r.kpi.definition,
            "calculation_method": version.calculation_method,
            "definition_version": version.number,
            "unit": version.get_unit_display(),
            "rate_per": version.rate_per,
            "data_period": {
                "label": r.data_period_label,
                "start": r.data_period_start.isoformat(),
                "end": r.data_period_end.isoformat(),
            },
            "value": exact_text(r.value),
            "value_text": self.value_text,
            "revisions": self.revisions,
            "breakdowns": self.breakdowns,
        }


def period_figures(period: ReportingPeriod) -> list[OpenFigure]:
    """The period's published figures, in KPI code order, in a fixed number of queries."""
    returns = list(
        KpiReturn.objects.published()
        .filter(period=period)
        .select_related("kpi", "version")
        .prefetch_related("revisions")
        .order_by("kpi__code")
    )
    cells = cells_by_return(returns)
    figures = []
    for r in returns:

        def write(value, r=r):
            return value_text(value, r.version, r.kpi.decimal_places)

        breakdowns = []
        for breakdown, held in cells.get(r.pk, []):
            published = published_cells(breakdown, r.version.unit, held, write)
            breakdowns.append(
                {
                    "name": breakdown.name,
                    "holds_counts": breakdown.holds_counts,
                    "cells": [
                        {
                            "category": cell.category,
                            "value": exact_text(cell.value),
                            "value_text": cell.text,
                            "suppressed": cell.suppressed,
                        }
                        for cell in published
                    ],
                    "note": SUPPRESSION_NOTE if any(cell.suppressed for cell in published) else "",
                }
            )
        figures.append(
            OpenFigure(
                kpi_return=r,
                value_text=write(r.value) if r.value is not None else "",
                revisions=[
                    {
                        "revised_on": revision.revised_at.date().isoformat(),
                        "old_value": exact_text(revision.old_value),
                        "new_value": exact_text(revision.new_value),
                        "reason": revision.reason,
                    }
                    for revision in r.revisions.all()
                ],
                breakdowns=breakdowns,
            )
        )
    return figures


def period_json(period: ReportingPeriod) -> str:
    document = {
        "publisher": settings.COUNCIL_NAME,
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "attribution": f"Contains public sector information licensed under the {LICENCE_NAME}.",
        "period": {"label": period.label, "year": period.year, "quarter": period.quarter},
        "suppression": SUPPRESSION_NOTE,
        "figures": [figure.as_json() for figure in period_figures(period)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _revisions_text(revisions: list[dict]) -> str:
    return "; ".join(
        f"{r['revised_on']}: {r['old_value'] or 'none'} to {r['new_value'] or 'none'} ({r['reason']})"
        for r in revisions
    )


def period_csv(period: ReportingPeriod) -> str:
    licence = f"{LICENCE_NAME} {LICENCE_URL}"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for figure in period_figures(period):
        data = figure.as_json()
        common = [
            period.label,
            data["kpi_code"],
            data["kpi_title"],
            data["definition"],
            data["calculation_method"],
            data["definition_version"],
            data["unit"],
            data["data_period"]["label"],
            data["data_period"]["start"],
            data["data_period"]["end"],
        ]
        rows = [
            [
                "figure",
                *common,
                data["value"] or "",
                data["value_text"],
                "",
                "",
                "",
                _revisions_text(data["revisions"]),
                licence,
            ]
        ]
        for breakdown in data["breakdowns"]:
            for cell in breakdown["cells"]:
                rows.append(
                    [
                        "breakdown",
                        *common,
                        cell["value"] or "",
                        cell["value_text"],
                        breakdown["name"],
                        cell["category"],
                        "yes" if cell["suppressed"] else "no",
                        "",
                        licence,
                    ]
                )
        # Text that a spreadsheet would run as a formula is neutralised; the value column is
        # a number written by ``exact_text`` and stays as it is (a minus sign is not a formula).
        value_at = CSV_COLUMNS.index("value")
        writer.writerows([[v if i == value_at else safe_text(v) for i, v in enumerate(row)] for row in rows])
    return buffer.getvalue()
