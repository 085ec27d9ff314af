"""A report's content: one JSON document holding everything the report shows, with the
figures already written out as people read them ("82.5%", "2025/26 Q2", "Green").

The snapshot stores this document and its SHA-256, and the PDFs and the published pages are
rendered from it alone, so rendering again gives the same figures whatever has changed in
the database since.

Shape::

    {"council", "period": {"id", "label"}, "kind", "status_label", "as_at", "plan",
     "priorities": [{"id", "code", "title", "narrative", "summary": [[rag, label, count]],
                     "kpis": [KPI, ...]}],
     "unapproved": [{"code", "title", "state"}], "missing_commentary": [{"code", "title"}],
     "revisions": [{"code", "title", "data_period_label", "old_text", "new_text", "reason", "revised_on"}],
     "summary": {"kpis", "rag": [[rag, label, count]], "improving", "no_change", "worsening",
                 "changed": [{"code", "title", "from", "from_label", "to", "to_label"}],
                 "escalations": [ESCALATION + {"code", "title"}]},
     "exceptions": [{"code", "priorities": [code], "reasons": [str], "owner", "kpi": KPI,
                     "escalation": ESCALATION or null, "risks": [RISK]}]}

    ESCALATION = {"owner", "due", "status", "reason", "actions"}

    RISK = {"reference", "title", "register", "current_score", "current_text", "owner", "review_date"}
    (reports built before the risk register hold no "risks"; they render without them)

    KPI = {"code", "title", "directorate", "portfolio", "is_council_plan_measure",
           "value", "value_text", "data_period_label", "status", "status_text",
           "status_tag", "status_detail", "provisional", "out_of_date_text", "spc_variation",
           "spc_variation_text", "spc_assurance", "spc_assurance_text",
           "target_text", "timescale", "rag", "rag_label", "direction", "direction_label",
           "direction_last_year", "direction_last_year_label", "direction_text",
           "direction_last_year_text", "commentary", "actions",
           "data_quality_caveat", "data_quality_unmet": [dimension label],
           "benchmark_text", "neighbours": {"text", "rank_text", "short_text", "national_short_text", "national_text",
           "average_text", "average_value_text", "data_period_label", "source", "group_quartile",
           "national_quartile"} or {} (older reports have no "short_text" or "national_short_text"),
           "definition": {"version", "calculation_method", "unit"},
           "chart": {"title", "decimal_places", "prefix", "suffix", "axis_title",
                     "points": [[label, actual, target]],
                     "spc": {"segments": [[start, end, mean, lower, upper]], "marked": [[place, tone]]}},
           (a chart has "spc" only where SPC applies, ADR 0017; older reports have none and draw without)
           "breakdowns": [{"name", "cells": [[category, text]], "note"}]}
"""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from core.charts import TrendChart, chart_content, chart_from_content
from core.numbers import exact_text
from core.suppression import SUPPRESSION_NOTE
from kpis.benchmarking import position_content
from kpis.breakdowns import published_cells
from kpis.data_quality import caveat_of
from kpis.figures import value_text
from kpis.models import Escalation, ReportingPeriod, ReturnRevision, ReturnState
from kpis.results import Direction, Rag
from planning.models import Risk, RiskStatus
from reporting.models import PriorityNarrative, Snapshot, SnapshotKind
from reporting.selectors import (
    KpiRow,
    Status,
    direction_counts,
    plan_for,
    rag_summary,
    report_rows,
    reported_kpis,
)


def digest(content: dict) -> str:
    """The SHA-256 of the content written canonically (sorted keys, no spaces)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def build(period: ReportingPeriod, *, kind: str, status_label: str, as_at: datetime.datetime | None = None) -> dict:
    as_at = as_at or timezone.now()
    plan = plan_for(period)
    priorities, rows = report_rows(period, plan=plan, kpis=reported_kpis(plan))
    narratives = {n.node_id: n.text for n in PriorityNarrative.objects.filter(period=period)}
    sections = []
    for priority in priorities:
        members = [row for row in rows if priority.pk in row.priority_ids]
        sections.append(
            {
                "id": priority.pk,
                "code": priority.code,
                "title": priority.title,
                "narrative": narratives.get(priority.pk, ""),
                "summary": rag_summary(members),
                "kpis": [kpi_content(row, published=kind == SnapshotKind.PUBLISHED) for row in members],
            }
        )
    reported = [row for row in rows if row.priority_ids]
    contents = {k["code"]: k for section in sections for k in section["kpis"]}
    escalations = open_escalations(reported)
    return {
        "council": settings.COUNCIL_NAME,
        "period": {"id": period.pk, "label": period.label},
        "kind": kind,
        "status_label": status_label,
        "as_at": timezone.localtime(as_at).isoformat(timespec="seconds"),
        "plan": plan.title if plan else "",
        "priorities": sections,
        "unapproved": [
            {"code": r.kpi.code, "title": r.kpi.title, "state": r.period_return.get_state_display()}
            for r in reported
            if r.period_return is not None and r.period_return.state != ReturnState.APPROVED
        ],
        "revisions": revisions_since_last_report(period),
        "missing_commentary": [
            {"code": r.kpi.code, "title": r.kpi.title}
            for r in reported
            if r.kpi.is_council_plan_measure and r.shown is not None and not r.shown.commentary.strip()
        ],
        "summary": summary(reported, escalations),
        "exceptions": with_risks(exceptions(reported, priorities, contents, escalations), reported),
    }


def summary(rows: list[KpiRow], escalations: dict) -> dict:
    """The council at a glance: every reported KPI once, by RAG and direction, the KPIs whose
    RAG changed since the previous data period, and the open escalations."""
    return {
        "kpis": len(rows),
        "rag": rag_summary(rows),
        **direction_counts(rows),
        "changed": [
            {
                "code": row.kpi.code,
                "title": row.kpi.title,
                "from": row.result.previous_rag.value,
                "from_label": row.result.previous_rag.written,
                "to": row.rag.value,
                "to_label": row.rag.written,
            }
            for row in rows
            if row.status == Status.CURRENT and row.result and row.result.rag_changed
        ],
        "escalations": [
            {"code": row.kpi.code, "title": row.kpi.title, **escalation_content(escalations[row.kpi.pk])}
            for row in rows
            if row.kpi.pk in escalations
        ],
    }


def open_escalations(rows: list[KpiRow]) -> dict:
    """Each KPI's latest open escalation, by KPI id, in one query."""
    found = Escalation.objects.open().filter(kpi_id__in=[row.kpi.pk for row in rows])
    return {e.kpi_id: e for e in found.select_related("owner").order_by("kpi_id", "raised_at")}


def exception_reasons(row: KpiRow) -> list[str]:
    """Why a KPI is in the exception report: every Red (saying when it is the second period
    running) and every Council Plan measure that worsened on the previous period."""
    reasons = []
    if row.rag == Rag.RED:
        reasons.append("Red two periods running" if row.result.red_two_periods_running else "Red")
    if row.kpi.is_council_plan_measure and row.result and row.result.direction == Direction.WORSENING:
        reasons.append("Worsening Council Plan measure")
    return reasons


def exceptions(rows: list[KpiRow], priorities, contents: dict, escalations: dict) -> list[dict]:
    codes = {priority.pk: priority.code for priority in priorities}
    found = []
    for row in rows:
        reasons = exception_reasons(row)
        if not reasons:
            continue
        escalation = escalations.get(row.kpi.pk)
        found.append(
            {
                "code": row.kpi.code,
                "priorities": sorted(codes[pk] for pk in row.priority_ids if pk in codes),
                "reasons": reasons,
                "owner": row.kpi.owner.display_name if row.kpi.owner_id else "",
                "kpi": contents[row.kpi.code],
                "escalation": escalation_content(escalation) if escalation else None,
            }
        )
    # Reds first, the longest-running first; then worsening measures; by code within each.
    order = {"Red two periods running": 0, "Red": 1, "Worsening Council Plan measure": 2}
    return sorted(found, key=lambda e: (order[e["reasons"][0]], e["code"]))


def with_risks(found: list[dict], rows: list[KpiRow]) -> list[dict]:
    """Each exception with the open risks linked to its KPI, from every register (the pack is
    the council's, not one reader's), highest current score first. One query, over the
    reported KPIs (so the count does not depend on how many are in exception)."""
    links = (
        Risk.kpis.through.objects.filter(kpi_id__in=[row.kpi.pk for row in rows], risk__status=RiskStatus.OPEN)
        .select_related("kpi", "risk__unit", "risk__owner")
        .order_by("-risk__current_likelihood", "-risk__current_impact", "risk_id")
    )
    by_code: dict[str, list[dict]] = {}
    for link in links:
        by_code.setdefault(link.kpi.code, []).append(risk_content(link.risk))
    for exception in found:
        exception["risks"] = by_code.get(exception["code"], [])
    return found


def risk_content(risk: Risk) -> dict:
    return {
        "reference": risk.reference,
        "title": risk.title,
        "register": f"{risk.level.label if risk.level else ''}: {risk.unit.name}",
        "current_score": risk.current_score,
        "current_text": risk.current_text,
        "owner": risk.owner.display_name if risk.owner_id else "",
        "review_date": f"{risk.review_date:%-d %B %Y}" if risk.review_date else "",
    }


def escalation_content(escalation) -> dict:
    today = timezone.localdate()
    status = "Open" if escalation.due_date >= today else "Open and overdue"
    return {
        "owner": escalation.owner.display_name,
        "due": f"{escalation.due_date:%-d %B %Y}",
        "status": status,
        "reason": escalation.reason,
        "actions": escalation.actions,
    }


def revisions_since_last_report(period: ReportingPeriod) -> list[dict]:
    """Figures revised after an earlier report was published, since the last published report:
    the old value, the new value and the reason (DESIGN §4)."""
    last = Snapshot.objects.published().exclude(period=period).order_by("-created_at").first()
    revisions = ReturnRevision.objects.exclude(kpi_return__period=period).select_related(
        "kpi_return__kpi", "kpi_return__version"
    )
    if last is not None:
        revisions = revisions.filter(revised_at__gt=last.created_at)
    return [
        {
            "code": r.kpi_return.kpi.code,
            "title": r.kpi_return.kpi.title,
            "data_period_label": r.kpi_return.data_period_label,
            "old_text": _figure(r.kpi_return, r.old_value),
            "new_text": _figure(r.kpi_return, r.new_value),
            "reason": r.reason,
            "revised_on": f"{timezone.localtime(r.revised_at):%-d %B %Y}",
        }
        for r in revisions.order_by("revised_at")
    ]


def _figure(kpi_return, value: Decimal | None) -> str:
    if value is None:
        return "no value"
    return value_text(value, kpi_return.version, kpi_return.kpi.decimal_places)


def kpi_content(row: KpiRow, *, published: bool = False) -> dict:
    """One KPI as the report shows it. In a report being published nothing is provisional."""
    provisional = row.provisional and not published
    kpi, figure, result = row.kpi, row.shown, row.result
    version = row.version
    value = figure.value if figure else None
    direction = result.direction if result else Direction.NO_COMPARISON
    last_year = result.direction_last_year if result else Direction.NO_COMPARISON
    rag = row.rag
    unit = version.unit if version else ""
    return {
        "code": kpi.code,
        "title": kpi.title,
        "directorate": row.directorate.name if row.directorate else "",
        "portfolio": kpi.portfolio,
        "is_council_plan_measure": kpi.is_council_plan_measure,
        "value": exact_text(value),
        "value_text": result.value_text if result else "no data",
        "data_period_label": figure.data_period_label if figure else "",
        "status": row.status,
        "status_text": status_text(row, provisional),
        "status_tag": status_parts(row, provisional)[0],
        "status_detail": status_parts(row, provisional)[1],
        "provisional": provisional,
        "out_of_date_text": out_of_date_text(row),
        **spc_content(row),
        "target_text": result.target_text if result else "no target",
        "timescale": timescale(row),
        "rag": rag.value,
        "rag_label": rag.written,
        "direction": direction.value,
        "direction_label": direction.label,
        "direction_last_year": last_year.value,
        "direction_last_year_label": last_year.label,
        "direction_text": result.previous_text if result else direction.label,
        "direction_last_year_text": result.last_year_text if result else last_year.label,
        "commentary": figure.commentary if figure else "",
        "actions": figure.actions if figure else "",
        **data_quality_content(figure),
        "benchmark_text": (
            f"{row.benchmark.comparator} {row.written(row.benchmark.value)} ({row.benchmark.data_period_label})"
            if row.benchmark
            else ""
        ),
        "neighbours": position_content(row.position, row.written),
        "definition": {
            "version": version.number if version else None,
            "calculation_method": version.calculation_method if version else "",
            "unit": version.get_unit_display() if version else "",
        },
        "chart": chart_content(row.chart()),
        "breakdowns": [breakdown_content(breakdown, cells, unit, row) for breakdown, cells in row.breakdowns],
    }


def data_quality_content(figure) -> dict:
    """The figure's data quality caveat (``kpis.data_quality.caveat``) as the report prints it:
    the words, and the dimensions not met. Empty for a figure with none. A report made before
    these keys existed has neither, and its templates show no flag."""
    found = caveat_of(figure) if figure is not None else None
    return {
        "data_quality_caveat": found.text if found else "",
        "data_quality_unmet": found.unmet_labels if found else [],
    }


def chart_from(content: dict) -> TrendChart:
    """The trend chart again, from a KPI's content alone."""
    return chart_from_content(content["chart"])


def status_parts(row: KpiRow, provisional: bool) -> tuple[str, str]:
    """Why the figure shown is not simply this period's: a word or two for the tag, and the
    rest of the sentence, so the card shows the tag once and the detail after it."""
    if row.status == Status.NOT_AVAILABLE:
        when = row.next_update
        return "Not yet available", f"next update {when:%-d %B %Y}" if when else ""
    if row.status == Status.MISSING:
        return "Missing", "due this period and not approved"
    if row.status == Status.NO_DATA:
        return "No data yet", ""
    if row.status == Status.NOT_DUE:
        return "Not due", "latest available figure"
    return ("Provisional", "approved, not yet published") if provisional else ("", "")


def spc_content(row: KpiRow) -> dict:
    """The KPI's Making Data Count icons in words, where it has enough points for limits: the
    variation ("Special cause: concerning") and the assurance ("Consistently failing"), each
    with the sentence that explains it."""
    result = row.spc
    if result is None or not result.has_limits:
        return {"spc_variation": "", "spc_variation_text": "", "spc_assurance": "", "spc_assurance_text": ""}
    return {
        "spc_variation": result.variation.label if result.variation else "",
        "spc_variation_text": result.variation_text,
        "spc_assurance": result.assurance.label if result.assurance else "",
        "spc_assurance_text": result.assurance_text,
    }


def out_of_date_text(row: KpiRow) -> str:
    """What the card and the PDF say beside a figure older than the KPI's frequency allows
    (ADR 0018); empty for a figure that is not."""
    if not row.out_of_date:
        return ""
    frequency = row.kpi.get_frequency_display().lower()
    article = "an" if frequency[0] in "aeiou" else "a"
    return (
        f"The latest figure ({row.shown.data_period_label}) is older than {article} {frequency} "
        f"KPI's figure should be in {row.period.label}"
    )


def status_text(row: KpiRow, provisional: bool) -> str:
    """The status in one sentence, as the PDFs print it: "Missing: due this period and not
    approved"."""
    tag, detail = status_parts(row, provisional)
    return f"{tag}: {detail}" if detail else tag


def timescale(row: KpiRow) -> str:
    kpi = row.kpi
    parts = []
    if row.result and row.result.target is not None and row.shown:
        parts.append(f"{row.result.target_text} for {row.shown.data_period_label}")
    if kpi.end_of_plan_target is not None:
        by = f" by {kpi.end_of_plan_target_date:%B %Y}" if kpi.end_of_plan_target_date else ""
        parts.append(f"end-of-plan target {row.written(kpi.end_of_plan_target)}{by}")
    return "; ".join(parts)


def breakdown_content(breakdown, cells, unit: str, row: KpiRow) -> dict:
    """A breakdown as the report publishes it, through the one suppression rule (ADR 0022):
    a report leaves the council's staff, so its small counts, and any cell that would give
    one back from the total, are suppressed, with a note saying so."""
    published = published_cells(breakdown, unit, cells, row.written)
    return {
        "name": breakdown.name,
        "cells": [[cell.category, cell.text] for cell in published],
        "note": SUPPRESSION_NOTE if any(cell.suppressed for cell in published) else "",
    }
