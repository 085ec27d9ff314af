"""What a report shows for each KPI (DESIGN §4): its latest approved value labelled with its
own data period, judged against that period's target, with direction of travel, a trend,
the latest commentary and the benchmark; or "not yet available" with the next update.

The live dashboards and the snapshot both read through ``report_rows``, so the browser and
the PDFs show the same figures. It runs a fixed number of queries however many KPIs there are.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import F, Prefetch

from core.charts import TrendChart, TrendPoint
from kpis.benchmarking import Position, benchmark_history, neighbour_averages
from kpis.breakdowns import cells_by_return
from kpis.data_periods import is_out_of_date
from kpis.figures import JudgedFigure, read_figures, spc_lines, spc_summary, trend_chart, value_text
from kpis.models import (
    Benchmark,
    Breakdown,
    Escalation,
    Kpi,
    KpiReturn,
    KpiVersion,
    ReportingPeriod,
    ReturnState,
)
from kpis.results import Direction, Rag
from kpis.spc import SpcResult
from kpis.workflow import SETTLED
from planning.models import CouncilPlan, PlanNode

#: How many approved values a trend chart shows.
TREND_LENGTH = 12


class Status:
    CURRENT = "current"  # approved for this period
    MISSING = "missing"  # due this period and not approved
    NOT_AVAILABLE = "not_available"  # the service says it is not available yet
    NOT_DUE = "not_due"  # e.g. an annual KPI outside its quarter: the latest figure stands
    NO_DATA = "no_data"  # never had an approved value


@dataclass
class KpiRow:
    kpi: Kpi
    shown: KpiReturn | None
    period_return: KpiReturn | None
    result: JudgedFigure | None
    status: str
    provisional: bool
    trend: list[TrendPoint]
    benchmark: Benchmark | None
    #: Where the council stands among other councils (``kpis.benchmarking``), if benchmarked,
    #: and its neighbours' average in each data period, by the period's label, for the chart.
    position: Position | None = None
    neighbour_averages: dict[str, Decimal] = field(default_factory=dict)
    breakdowns: list[tuple[Breakdown, list[tuple[str, Decimal]]]] = field(default_factory=list)
    priority_ids: set[int] = field(default_factory=set)
    #: The reporting period the row is shown for.
    period: ReportingPeriod | None = None
    #: Statistical process control over the KPI's approved figures to the period (ADR 0017).
    spc: SpcResult | None = None

    @property
    def out_of_date(self) -> bool:
        """The figure shown is older than the KPI's frequency allows for the period (ADR 0018)."""
        if self.shown is None or self.period is None:
            return False
        return is_out_of_date(self.kpi, self.shown.version, self.shown.data_period_end, self.period)

    @property
    def rag(self) -> Rag:
        return self.result.rag if self.result else Rag.NO_VALUE

    @property
    def directorate(self):
        return self.kpi.owning_service.parent

    @property
    def next_update(self) -> datetime.date | None:
        if self.period_return is not None and self.period_return.state == ReturnState.NOT_AVAILABLE:
            return self.period_return.expected_date
        return None

    @property
    def version(self) -> KpiVersion | None:
        """The definition the row's figures are written in: the shown figure's, else the latest."""
        return self.shown.version if self.shown else self.kpi.version_for(datetime.date.max)

    def written(self, value: Decimal) -> str:
        """Any figure of this KPI (a value, a target, a benchmark) in the row's unit."""
        return value_text(value, self.version, self.kpi.decimal_places)

    def chart(self) -> TrendChart:
        """The KPI's trend with its neighbours' average and, where SPC applies, the mean, process
        limits and special causes drawn into it (ADR 0017): the card and the PDF show SPC in
        the one chart, from figures already read."""
        points = [replace(p, neighbours=self.neighbour_averages.get(p.label)) for p in self.trend]
        lines = spc_lines(self.spc, [p.label for p in points], self.kpi.decimal_places)
        return trend_chart(self.kpi, self.version, points, title=f"{self.kpi.code} {self.kpi.title}", spc=lines)


def plan_for(period: ReportingPeriod) -> CouncilPlan | None:
    """The Council Plan in force at the end of the period."""
    return CouncilPlan.objects.current(period.end)


def subtree_ids(plan: CouncilPlan, priority_id: int) -> list[int]:
    """The ids of a priority and every node beneath it."""
    roots = priority_of(list(plan.nodes.all()))
    return [node_id for node_id, root in roots.items() if root.pk == priority_id]


def priority_of(nodes: list[PlanNode]) -> dict[int, PlanNode]:
    """Each node's priority (its top-level ancestor), from the plan's nodes loaded once."""
    by_id = {n.pk: n for n in nodes}
    roots: dict[int, PlanNode] = {}
    for node in nodes:
        top = node
        while top.parent_id and top.parent_id in by_id:
            top = by_id[top.parent_id]
        roots[node.pk] = top
    return roots


def reported_kpis(plan: CouncilPlan | None, kpis=None):
    """The KPIs (of ``kpis``, a queryset; else every active KPI) reported against the plan's
    current parts: all a report or the exception report shows. Reading only these, not the
    whole data dictionary, took a report from 12 s to under a second at 2,000 KPIs with 100
    in the plan (docs/performance.md, "The largest councils")."""
    if plan is None:
        return Kpi.objects.none()
    kpis = kpis if kpis is not None else Kpi.objects.filter(is_active=True)
    return kpis.filter(council_plan_nodes__in=plan.nodes.active()).distinct()


def report_rows(
    period: ReportingPeriod,
    *,
    plan: CouncilPlan | None,
    kpis=None,
    detail: bool = True,
) -> tuple[list[PlanNode], list[KpiRow]]:
    """The plan's priorities, and a row per active KPI (or per KPI in ``kpis``, a queryset).
    Without ``detail`` (a summary page) the trends, benchmarks and breakdowns are not read."""
    nodes = list(plan.nodes.active().order_by("depth", "order", "code")) if plan else []
    roots = priority_of(nodes)
    priorities = [n for n in nodes if n.depth == 0]
    queryset = (kpis if kpis is not None else Kpi.objects.filter(is_active=True)).select_related(
        "owning_service__parent", "owner"
    )
    kpi_list = list(
        queryset.prefetch_related(
            "versions", Prefetch("council_plan_nodes", queryset=PlanNode.objects.only("id", "plan_id"))
        ).order_by("code")
    )
    kpi_ids = [k.pk for k in kpi_list]
    approved = KpiReturn.objects.filter(
        kpi_id__in=kpi_ids, state=ReturnState.APPROVED, value__isnull=False, data_period_end__lte=period.end
    )
    # Two approved figures for one data period (history loaded, then a return for the same
    # period): the one approved last is shown, with its commentary, never either at random.
    latest = {
        r.kpi_id: r
        for r in approved.select_related("version", "period")
        .order_by("kpi_id", "-data_period_end", F("approved_at").desc(nulls_last=True), "-pk")
        .distinct("kpi_id")
    }
    this_period = {
        r.kpi_id: r
        for r in KpiReturn.objects.filter(kpi_id__in=kpi_ids, period=period).select_related("version", "period")
    }
    benchmarks = (
        {
            b.kpi_id: b
            for b in Benchmark.objects.filter(kpi_id__in=kpi_ids)
            .order_by("kpi_id", "-period_end", "comparator")
            .distinct("kpi_id")
        }
        if detail
        else {}
    )
    positions = (
        benchmark_history(
            kpi_ids,
            polarities={k.pk: v.polarity for k in kpi_list if (v := k.version_for(datetime.date.max))},
            until=period.end,
        )
        if detail
        else {}
    )
    shown: dict[int, KpiReturn] = {}
    for kpi in kpi_list:
        current = this_period.get(kpi.pk)
        if current is not None and current.state == ReturnState.APPROVED and current.value is not None:
            shown[kpi.pk] = current
        elif kpi.pk in latest:
            shown[kpi.pk] = latest[kpi.pk]
    kpi_by_id = {k.pk: k for k in kpi_list}
    for kpi_return in [*shown.values(), *this_period.values()]:
        kpi_return.kpi = kpi_by_id[kpi_return.kpi_id]  # the loaded KPI: no query per row
    # The shown figures judged, and each KPI's trend, from one read of history and targets.
    figures = read_figures(
        list(shown.values()),
        kpi_ids=kpi_ids if detail else (),
        until=period.end,
        trend_length=TREND_LENGTH if detail else 0,
    )
    cells = cells_by_return(list(shown.values())) if detail else {}
    rows = []
    for kpi in kpi_list:
        current, figure = this_period.get(kpi.pk), shown.get(kpi.pk)
        rows.append(
            KpiRow(
                kpi=kpi,
                shown=figure,
                period_return=current,
                result=figures.judged.get(figure.pk) if figure else None,
                status=_status(current, figure),
                # Provisional until published: history in a historic period already was.
                provisional=bool(figure is not None and figure.period_id == period.pk and not period.figures_published),
                trend=figures.trends.get(kpi.pk, []),
                benchmark=benchmarks.get(kpi.pk),
                position=positions[kpi.pk][-1] if kpi.pk in positions else None,
                neighbour_averages=neighbour_averages(positions.get(kpi.pk, [])),
                breakdowns=cells.get(figure.pk, []) if figure else [],
                priority_ids={roots[n.pk].pk for n in kpi.council_plan_nodes.all() if n.pk in roots},
                period=period,
                spc=spc_summary(figures, kpi.pk) if detail else None,
            )
        )
    return priorities, rows


def _status(current: KpiReturn | None, figure: KpiReturn | None) -> str:
    if current is not None and current.state == ReturnState.APPROVED:
        return Status.CURRENT
    if current is not None and current.state == ReturnState.NOT_AVAILABLE:
        return Status.NOT_AVAILABLE
    if current is not None:
        return Status.MISSING
    return Status.NOT_DUE if figure is not None else Status.NO_DATA


RAG_ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.DATA_ONLY, Rag.NO_VALUE]


def rag_summary(rows: list[KpiRow]) -> list[list]:
    """[rag, label, count] for each RAG, worst first; counts are of KPIs, not people."""
    summary = [[rag.value, rag.short_label, sum(1 for r in rows if r.rag == rag)] for rag in RAG_ORDER]
    unjudged = sum(1 for r in rows if r.rag == Rag.CANNOT_JUDGE)
    if unjudged:  # only where a KPI's figure cannot be judged: it is counted, never dropped
        summary.append([Rag.CANNOT_JUDGE.value, Rag.CANNOT_JUDGE.short_label, unjudged])
    return summary


def direction_counts(rows: list[KpiRow]) -> dict[str, int]:
    """How many of the rows' figures improved, did not change and worsened on the previous period."""
    directions = Counter(row.result.direction for row in rows if row.result)
    return {
        "improving": directions.get(Direction.IMPROVING, 0),
        "no_change": directions.get(Direction.NO_CHANGE, 0),
        "worsening": directions.get(Direction.WORSENING, 0),
    }


def judged_rows(
    period: ReportingPeriod, plan: CouncilPlan | None, kpis, judged: tuple[list[PlanNode], list[KpiRow]] | None
) -> tuple[list[PlanNode], list[KpiRow]]:
    """``report_rows`` for ``kpis``; or, given ``judged`` (every active KPI's rows, already
    read once for several pages, as the worker's warm does), those of ``kpis`` picked from
    them: a KPI's row does not depend on which others are read with it."""
    if judged is None:
        return report_rows(period, plan=plan, kpis=kpis)
    priorities, rows = judged
    wanted = set(kpis.values_list("pk", flat=True))
    return priorities, [row for row in rows if row.kpi.pk in wanted]


def dashboard_rows(
    period: ReportingPeriod, plan: CouncilPlan | None, kpis, chosen: dict, *, judged=None
) -> list[KpiRow]:
    """The rows a dashboard shows for its filters (priority, directorate, portfolio, Council
    Plan measures only, RAG). ``kpis`` is the person's scope; ``judged`` as ``judged_rows``."""
    if chosen.get("directorate"):
        kpis = kpis.filter(owning_service__parent_id=chosen["directorate"])
    if chosen.get("portfolio"):
        kpis = kpis.filter(portfolio=chosen["portfolio"])
    if chosen.get("measures"):
        kpis = kpis.filter(is_council_plan_measure=True)
    if chosen.get("priority") and plan:
        kpis = kpis.filter(council_plan_nodes__in=subtree_ids(plan, chosen["priority"])).distinct()
    _, rows = judged_rows(period, plan, kpis, judged)
    if chosen.get("priority"):
        rows = [r for r in rows if chosen["priority"] in r.priority_ids]
    if chosen.get("rag"):
        rows = [r for r in rows if r.rag.value == chosen["rag"]]
    return rows


def overview_sections(period: ReportingPeriod, plan: CouncilPlan | None, kpis, *, judged=None) -> dict:
    """The council as a whole, then each priority: KPIs by RAG and by direction, open
    escalations, returns outstanding. A KPI under two priorities counts once in the council's
    total. ``judged`` as ``judged_rows``; without it only what the counts need is read."""
    if judged is None:
        priorities, rows = report_rows(period, plan=plan, kpis=kpis, detail=False)
    else:
        priorities, rows = judged_rows(period, plan, kpis, judged)
    escalated = set(Escalation.objects.open().values_list("kpi_id", flat=True))

    def section(members: list[KpiRow]) -> dict:
        return {
            "kpis": len(members),
            "summary": rag_summary(members),
            **direction_counts(members),
            "escalations": sum(1 for r in members if r.kpi.pk in escalated),
            "outstanding": sum(
                1 for r in members if r.period_return is not None and r.period_return.state not in SETTLED
            ),
            "out_of_date": sum(1 for r in members if r.out_of_date),
        }

    return {
        "council": section(rows),
        "sections": [
            {"priority": priority, **section([r for r in rows if priority.pk in r.priority_ids])}
            for priority in priorities
        ],
    }


@dataclass(frozen=True)
class PublishedFigure:
    """A KPI as one published report showed it: read from the frozen content, never from the
    figures as they stand, so a scrutiny member compares what was published."""

    period_label: str
    published_on: datetime.date
    snapshot_id: int
    kpi: dict


def published_over_time(code: str, snapshots=None) -> list[PublishedFigure]:
    """The KPI in every published report that shows it, oldest first. One query, however
    many reports: PostgreSQL picks the KPI out of each report's content, so only what is
    shown is read (reading each content whole, 250 KiB at a large council, took most of a
    second for 20 reports)."""
    import json

    from django.db.models import Func, JSONField, Value
    from django.db.models.fields.json import KT
    from django.utils import timezone

    from reporting.models import Snapshot

    snapshots = Snapshot.objects.published() if snapshots is None else snapshots
    shown = Func(
        F("content"),
        Value("$.priorities[*].kpis[*] ? (@.code == $code)"),
        Value(json.dumps({"code": code})),
        function="jsonb_path_query_first",
        output_field=JSONField(),
    )
    rows = (
        snapshots.annotate(shown=shown, label=KT("content__period__label"))
        .filter(shown__isnull=False)
        .order_by("period__year", "period__quarter")
        .values_list("label", "created_at", "pk", "shown")
    )
    return [PublishedFigure(label, timezone.localdate(created), pk, kpi) for label, created, pk, kpi in rows]
