"""Judged figures: a KPI's approved history and targets turned, in one place, into what every
page shows of a figure: its value and data period, the target that judges it, its RAG,
direction of travel against the previous data period and the same period last year, the
figure written out, and the trend behind it.

The return page, the review queue, the data dictionary, the exports, the API, the dashboards
and the report content all read through ``judged_figures``, so they cannot disagree about a
figure. It reads the history and the targets once, in two queries however many KPIs there
are. The rules themselves are in ``kpis.results`` (RAG, direction, their words) and
``kpis.data_periods`` (which period is "previous"); ADR 0008 says why they are as they are.
Whatever else a page says about a figure (a benchmark, control limits) belongs here too:
``spc_summary`` is every page's statistical process control of a KPI (ADR 0017).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import F

from core.charts import SpcLines, TrendChart, TrendPoint, XmrChart, XmrSegment
from core.numbers import figure_text
from kpis import spc
from kpis.data_periods import data_period_ending, months_before, previous_period_end
from kpis.models import CumulativeBasis, Kpi, KpiReturn, KpiVersion, ReturnState, Target, Unit
from kpis.results import Direction, Polarity, Rag, Tolerance, ToleranceType, comparison_text, direction, rag

#: Targets as ``read_targets`` gives them: (KPI id, the date the target is for, year to date) → value.
Targets = dict[tuple[int, datetime.date, bool], Decimal]


# --- The target rule ----------------------------------------------------------------------------


def target_for(kpi_id: int, data_period_end: datetime.date, cumulative: bool, targets: Targets) -> Decimal | None:
    """The target that judges a figure for the data period ending on ``data_period_end``: a
    cumulative figure only against a year-to-date target; any other against the target for
    that date, year to date or not (a KPI has one target per date)."""
    target = targets.get((kpi_id, data_period_end, cumulative))
    if target is None and not cumulative:
        target = targets.get((kpi_id, data_period_end, True))
    return target


def read_targets(kpi_ids: Iterable[int], ends: Iterable[datetime.date]) -> Targets:
    """The KPIs' targets for those dates, in one query."""
    return {
        (kpi_id, for_date, ytd): value
        for kpi_id, for_date, ytd, value in Target.objects.filter(
            kpi_id__in=set(kpi_ids), for_date__in=set(ends)
        ).values_list("kpi_id", "for_date", "is_year_to_date", "value")
    }


def judge(kpi_return: KpiReturn, targets: Targets) -> tuple[Decimal | None, Rag]:
    """A return's target and RAG, by the KPI's polarity, places and tolerance."""
    kpi, version = kpi_return.kpi, kpi_return.version
    target = target_for(kpi.pk, kpi_return.data_period_end, version.is_cumulative, targets)
    status = rag(
        kpi_return.value,
        target,
        polarity=Polarity(version.polarity),
        decimal_places=kpi.decimal_places,
        tolerance=Tolerance(ToleranceType(kpi.tolerance_type), kpi.tolerance_amount),
    )
    return target, status


# --- How a figure is written ----------------------------------------------------------------------


def unit_affixes(unit: str, rate_per: int | None = None) -> tuple[str, str]:
    """How a figure in a unit is written: (before, after), as in "£1,200", "72.5%", "12 days"."""
    return {
        Unit.PERCENTAGE: ("", "%"),
        Unit.CURRENCY: ("£", ""),
        Unit.DAYS: ("", " days"),
        Unit.RATE: ("", f" per {rate_per:,}" if rate_per else ""),
    }.get(unit, ("", ""))


def value_text(value: Decimal, version: KpiVersion | None, decimal_places: int) -> str:
    """A KPI's figure (a value, a target, a benchmark) written in the definition's unit."""
    prefix, suffix = unit_affixes(version.unit, version.rate_per) if version else ("", "")
    return figure_text(value, decimal_places, prefix, suffix)


def axis_title(version: KpiVersion | None) -> str:
    """The value axis's title: the unit, or "Rate per 10,000"."""
    if version is None:
        return "Value"
    if version.unit == Unit.RATE and version.rate_per:
        return f"Rate per {version.rate_per:,}"
    return version.get_unit_display()


def trend_chart(
    kpi: Kpi,
    version: KpiVersion | None,
    points: Iterable[TrendPoint],
    *,
    title: str,
    spc: SpcLines | None = None,
) -> TrendChart:
    """A KPI's trend as a chart, its values written in ``version``'s unit: how every page and
    report builds one (with ``spc_lines`` drawn into it where SPC applies)."""
    prefix, suffix = unit_affixes(version.unit, version.rate_per) if version else ("", "")
    return TrendChart(
        title=title,
        points=tuple(points),
        decimal_places=kpi.decimal_places,
        prefix=prefix,
        suffix=suffix,
        axis_title=axis_title(version),
        spc=spc,
    )


# --- Judged figures -------------------------------------------------------------------------------


@dataclass
class JudgedFigure:
    """A return's figure as every page shows it."""

    kpi_return: KpiReturn
    target: Decimal | None
    rag: Rag
    previous: KpiReturn | None
    previous_rag: Rag | None
    direction: Direction
    last_year: KpiReturn | None = None
    direction_last_year: Direction = Direction.NO_COMPARISON
    #: The data periods compared with ("2025/26 Q1"), named even when they have no figure.
    previous_label: str = ""
    last_year_label: str = ""

    @property
    def value(self) -> Decimal | None:
        return self.kpi_return.value

    @property
    def red_two_periods_running(self) -> bool:
        """Red now and Red at the previous data period: what a lead must escalate or explain,
        and what the report's exceptions name."""
        return self.rag == Rag.RED and self.previous_rag == Rag.RED

    @property
    def rag_changed(self) -> bool:
        """The RAG moved since the previous data period's figure (both judged)."""
        judged = {Rag.RED, Rag.AMBER, Rag.GREEN}
        return self.previous_rag in judged and self.rag in judged and self.previous_rag != self.rag

    @property
    def data_period_label(self) -> str:
        return self.kpi_return.data_period_label

    @property
    def value_text(self) -> str:
        return "no data" if self.value is None else self.written(self.value)

    @property
    def target_text(self) -> str:
        return "no target" if self.target is None else self.written(self.target)

    def written(self, value: Decimal) -> str:
        """Any figure of this KPI (a target, a benchmark) in this figure's unit."""
        return value_text(value, self.kpi_return.version, self.kpi_return.kpi.decimal_places)

    @property
    def previous_text(self) -> str:
        return comparison_text(self.direction, self.previous_label, has_figure=self.previous is not None)

    @property
    def last_year_text(self) -> str:
        return comparison_text(self.direction_last_year, self.last_year_label, has_figure=self.last_year is not None)


@dataclass
class Figures:
    """What ``read_figures`` found: each return's judged figure, by the return's id, and each
    KPI's trend (its last approved values, oldest first, each with the target that judges it),
    by the KPI's id, when trends were asked for."""

    judged: dict[int, JudgedFigure] = field(default_factory=dict)
    trends: dict[int, list[TrendPoint]] = field(default_factory=dict)
    #: Each KPI's approved history as read (``_PAST_FIELDS`` rows, oldest first).
    history: dict[int, list[tuple]] = field(default_factory=dict)
    #: The targets read, for the returns, the figures compared with and the whole history.
    targets: Targets = field(default_factory=dict)

    def earlier(self, kpi_return: KpiReturn, limit: int = 5) -> list[tuple[str, Decimal]]:
        """The approved figures for the data periods before the return's, newest first, each
        with its data period's label, as the return page lists them."""
        rows = [row for row in self.history.get(kpi_return.kpi_id, []) if row[4] < kpi_return.data_period_end]
        return [(row[5], row[3]) for row in reversed(rows)][:limit]


def judged_figures(returns: list[KpiReturn], among=None) -> dict[int, JudgedFigure]:
    """Each return judged, by its id: see ``read_figures``. Only the year of history before
    the returns is read, the figures they are compared with (a list needs no trend or SPC)."""
    return read_figures(returns, among=among, compared_only=True).judged


def read_figures(
    returns: list[KpiReturn],
    *,
    among=None,
    kpi_ids: Iterable[int] = (),
    until: datetime.date | None = None,
    trend_length: int = 0,
    compared_only: bool = False,
) -> Figures:
    """Judge each return against the right target, with direction against the figure for the
    previous data period and for the same period last year; and, with ``trend_length``, the
    trend of each KPI (of the returns, and of ``kpi_ids``). Two queries however many there
    are: the KPIs' approved history, then the targets for it (the dates are a few period ends,
    shared by every KPI), which ``spc_summary`` reads too.

    Only those periods' approved figures are compared with: across a gap there is no
    comparison, and the figure names the period that has no figure (ADR 0008). Of two
    approved figures for one data period the one approved last is compared with. ``among`` is
    the person's scoped returns (``KpiReturn.objects.restrict(...)``) when they may not see
    every earlier figure, so a comparison never carries a figure they may not read. ``until``
    leaves out figures for data periods ending after it (a report's period). ``compared_only``
    reads only the figures compared with (from a year before the earliest return to the latest;
    no trend or SPC then): a list of 100 KPIs with ten years of quarters read 4,000 figures to use 200."""
    kpi_ids = {r.kpi_id for r in returns} | set(kpi_ids)
    if not kpi_ids:
        return Figures()
    approved = (KpiReturn.objects.all() if among is None else among).filter(
        kpi_id__in=kpi_ids, state=ReturnState.APPROVED, value__isnull=False
    )
    if until is not None:
        approved = approved.filter(data_period_end__lte=until)
    if compared_only and returns:
        # A figure is compared with the previous data period and the same one a year before
        # (``previous_period_end``, at most 12 months back), never earlier nor later: an export
        # judging ten years a chunk at a time reads each chunk's year, not everything since.
        approved = approved.filter(
            data_period_end__gte=months_before(min(r.data_period_end for r in returns), 12),
            data_period_end__lte=max(r.data_period_end for r in returns),
        )
    # Every approved value of the KPIs, oldest first, as tuples: only the two each return is
    # compared with become model instances (a dashboard of 125 KPIs reads some 1,500 and keeps 250).
    history: dict[int, list[tuple]] = {}
    for row in approved.order_by("kpi_id", "data_period_end", F("approved_at").asc(nulls_first=True), "pk").values_list(
        *_PAST_FIELDS
    ):
        history.setdefault(row[1], []).append(row)
    previous_of = {r.pk: _compared_with(r, previous_period_end(r.kpi, r.data_period_end), history) for r in returns}
    last_year_of = {r.pk: _compared_with(r, months_before(r.data_period_end, 12), history) for r in returns}
    trend_rows = {kpi_id: rows[-trend_length:] for kpi_id, rows in history.items()} if trend_length else {}
    ends = (
        {r.data_period_end for r in returns}
        | {p.data_period_end for p, _ in previous_of.values() if p}
        | {row[4] for rows in history.values() for row in rows}
    )
    targets = read_targets(kpi_ids, ends)
    judged = {}
    for kpi_return in returns:
        target, status = judge(kpi_return, targets)
        previous, previous_label = previous_of[kpi_return.pk]
        last_year, last_year_label = last_year_of[kpi_return.pk]
        previous_rag = None
        if previous is not None:
            previous.kpi = kpi_return.kpi
            previous_rag = judge(previous, targets)[1]
        cumulative = kpi_return.version.is_cumulative
        # A cumulative KPI is compared only with the same point last year (DESIGN §4).
        judged[kpi_return.pk] = JudgedFigure(
            kpi_return,
            target,
            status,
            previous,
            previous_rag,
            Direction.CUMULATIVE if cumulative else _moved(kpi_return, previous),
            last_year,
            _moved(kpi_return, last_year),
            "" if cumulative else previous_label,
            last_year_label,
        )
    trends = {
        kpi_id: [
            TrendPoint(label, value, target_for(kpi_id, end, basis != CumulativeBasis.NONE, targets))
            for _, _, _, value, end, label, _, basis in rows
        ]
        for kpi_id, rows in trend_rows.items()
    }
    return Figures(judged, trends, history, targets)


def kpi_trend(
    kpi: Kpi,
    returns: list[KpiReturn],
    judged: dict[int, JudgedFigure],
    neighbours: dict[str, Decimal] | None = None,
) -> TrendChart:
    """A KPI page's chart: the approved values among ``returns``, oldest first, each against
    the target it was judged against, so the chart, the history table and the RAG agree and
    the chart costs no query of its own. Values take the unit of the latest approved return's
    definition. ``neighbours`` gives the neighbours' average by data period label, if any."""
    approved = sorted((r for r in returns if r.state == ReturnState.APPROVED), key=lambda r: r.data_period_end)
    neighbours = neighbours or {}
    return trend_chart(
        kpi,
        approved[-1].version if approved else None,
        (
            TrendPoint(r.data_period_label, r.value, judged[r.pk].target, neighbours.get(r.data_period_label))
            for r in approved
        ),
        title=f"{kpi.code}: approved values against target",
    )


# --- Statistical process control ------------------------------------------------------------------

#: Why a year-to-date figure gets no SPC.
CUMULATIVE_NO_SPC = (
    "This figure is cumulative: it builds up through the year and starts again, so its values do not "
    "vary about one mean and statistical process control does not apply."
)


def spc_summary(figures: Figures, kpi_id: int) -> spc.SpcResult:
    """A KPI's statistical process control (ADR 0017) from the approved figures ``read_figures``
    read, which are only those the person may read (its ``among``): the figure for each data
    period approved last, oldest first, each with the target that judged it; the limits start
    again where the figures' version of the definition changes; the icons judge the latest
    figure by the latest definition's polarity and against its target. Dashboards, the PDF and
    the KPI page all call this, so they show the same limits and icons."""
    by_period: dict[datetime.date, tuple] = {}
    for row in figures.history.get(kpi_id, []):
        by_period[row[4]] = row  # oldest first, ties by approval: the last approved stays
    rows = [by_period[end] for end in sorted(by_period)]
    if not rows:
        return spc.analyse([], polarity=Polarity.NONE)
    latest = rows[-1]
    polarity = Polarity(latest[6])
    if latest[7] != CumulativeBasis.NONE:
        return spc.SpcResult((), polarity, not_applicable=CUMULATIVE_NO_SPC)
    points = [
        spc.SpcPoint(label, value, end, target_for(kpi_id, end, basis != CumulativeBasis.NONE, figures.targets))
        for _, _, _, value, end, label, _, basis in rows
    ]
    changes = [row[4] for before, row in zip(rows, rows[1:], strict=False) if row[2] != before[2]]
    return spc.analyse(points, polarity=polarity, target=points[-1].target, changes=changes)


@dataclass(frozen=True)
class SpcShown:
    """A KPI's SPC as a page or a report shows it: the result, the XmR chart, the chart in a
    sentence (its alt text) and its data as table rows (period, value, mean, process limits,
    special cause)."""

    result: spc.SpcResult
    chart: XmrChart
    description: str
    rows: list[tuple[str, str, str, str, str]]


def spc_shown(kpi: Kpi, version: KpiVersion | None, result: spc.SpcResult) -> SpcShown:
    """``result`` drawn and written in ``version``'s unit."""
    trend = trend_chart(
        kpi,
        version,
        (TrendPoint(p.label, p.value, p.target) for p in result.points),
        title=f"{kpi.code}: XmR chart (statistical process control)",
    )

    segments = drawn_segments(result, kpi.decimal_places)
    marked = result.marked
    chart = XmrChart(trend, segments, tuple(sorted(marked.items())))
    reasons: dict[int, list[str]] = {}
    for seg in result.segments:
        for signal in seg.signals:
            for i in signal.points:
                reasons.setdefault(i, []).append(signal.text)
    rows = []
    for seg, drawn in zip(result.segments, segments, strict=True):
        limits = "none" if drawn.upper is None else f"{trend.format(drawn.lower)} to {trend.format(drawn.upper)}"
        for i in range(seg.start, seg.end):
            point = result.points[i]
            cause = "; ".join(dict.fromkeys(reasons.get(i, []))) or "no"
            rows.append((point.label, trend.format(point.value), trend.format(drawn.mean), limits, cause))
    return SpcShown(result, chart, _spc_description(kpi, result, trend, segments), rows)


def drawn_segments(result: spc.SpcResult, decimal_places: int) -> tuple[XmrSegment, ...]:
    """Each segment's mean and process limits from ``kpis.spc``, as decimals to draw: the one
    place the XmR chart and the SPC drawn into a trend chart take their lines from."""

    def shown(value) -> Decimal:
        return spc.as_decimal(value, decimal_places + 3)

    return tuple(
        XmrSegment(
            seg.start,
            seg.end,
            shown(seg.mean),
            None if seg.lower is None else shown(seg.lower),
            None if seg.upper is None else shown(seg.upper),
        )
        for seg in result.segments
    )


def spc_lines(result: spc.SpcResult | None, labels: Sequence[str], decimal_places: int) -> SpcLines | None:
    """A KPI's SPC placed on its trend chart, whose points are ``labels`` (the latest few of the
    figures SPC ran over, in time order): each segment's mean and limits across the chart's
    points that belong to it, and the special causes among them. None where SPC does not apply
    (too few figures for limits, or a cumulative figure), so the chart stays a plain trend."""
    if result is None or not result.has_limits:
        return None
    index = {point.label: i for i, point in enumerate(result.points)}
    at = [index.get(label) for label in labels]
    segments = []
    for seg, drawn in zip(result.segments, drawn_segments(result, decimal_places), strict=True):
        places = [place for place, i in enumerate(at) if i is not None and seg.start <= i < seg.end]
        if places:
            segments.append(replace(drawn, start=places[0], end=places[-1] + 1))
    if not segments:
        return None
    marked = result.marked
    return SpcLines(tuple(segments), tuple((place, marked[i]) for place, i in enumerate(at) if i in marked))


def _spc_description(kpi: Kpi, result: spc.SpcResult, trend: TrendChart, segments) -> str:
    if not result.points:
        return "No figures to chart."
    first, last = result.points[0], result.points[-1]
    latest = segments[-1]
    words = [f"XmR chart of {kpi.code}: {len(result.points)} figures from {first.label} to {last.label}."]
    if len(segments) > 1:
        changes = len(segments) - 1
        words.append(f"The mean and limits start again where the definition changed ({_count(changes, 'time')}).")
    words.append(f"Latest mean {trend.format(latest.mean)}")
    if latest.upper is not None:
        words[-1] += f", process limits {trend.format(latest.lower)} to {trend.format(latest.upper)}"
    words[-1] += "."
    if result.marked:
        words.append(f"{_count(len(result.marked), 'point')} marked as a special cause.")
    return " ".join(words)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _compared_with(kpi_return: KpiReturn, end, history: dict[int, list[tuple]]) -> tuple[KpiReturn | None, str]:
    """The approved figure for the data period ending on ``end``, if any (the one approved
    last), and that period's label: the figure's own, or the one a return for that period
    would carry."""
    row = next((past for past in reversed(history.get(kpi_return.kpi_id, [])) if past[4] == end), None)
    if row is not None:
        return _past(row), row[5]
    return None, data_period_ending(kpi_return.kpi, kpi_return.version, end).label


def _moved(kpi_return: KpiReturn, earlier: KpiReturn | None) -> Direction:
    return direction(
        kpi_return.value,
        earlier.value if earlier else None,
        polarity=Polarity(kpi_return.version.polarity),
        decimal_places=kpi_return.kpi.decimal_places,
        same_definition=earlier is None or earlier.version_id == kpi_return.version_id,
    )


#: What judging, comparing and a trend read of an earlier approved value, in this order.
_PAST_FIELDS = (
    "pk",
    "kpi_id",
    "version_id",
    "value",
    "data_period_end",
    "data_period_label",
    "version__polarity",
    "version__cumulative_basis",
)


def _past(row: tuple) -> KpiReturn:
    """An earlier approved value as a return loaded with just the fields judging it needs,
    the rest deferred, as ``.only()`` would load it."""
    pk, kpi_id, version_id, value, end, label, polarity, basis = row
    kpi_return = _loaded(
        KpiReturn,
        id=pk,
        kpi_id=kpi_id,
        version_id=version_id,
        value=value,
        data_period_end=end,
        data_period_label=label,
    )
    kpi_return.version = _loaded(KpiVersion, id=version_id, kpi_id=kpi_id, polarity=polarity, cumulative_basis=basis)
    return kpi_return


def _loaded(model, **values):
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", names, [values[name] for name in names])
