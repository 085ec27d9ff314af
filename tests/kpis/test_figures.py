"""Judged figures (kpis.figures): the one target rule, how a figure is written, and the one
read of history and targets behind every page's figures, as worked examples."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from core.charts import TrendChart, TrendPoint, chart_content, chart_from_content
from core.numbers import figure_text
from core.templatetags.pmf import number
from kpis.figures import judged_figures, read_figures, target_for
from kpis.models import KpiReturn, ReportingPeriod, ReturnState, Target, Unit
from kpis.results import Direction, Rag
from kpis.services.returns import rag_for, return_for
from tests.kpis.conftest import make_kpi
from tests.querycount import count_queries

Q2_END = datetime.date(2025, 9, 30)


# --- The target rule, on its own ----------------------------------------------------------------


def test_a_cumulative_figure_is_judged_only_against_a_year_to_date_target():
    assert target_for(1, Q2_END, True, {(1, Q2_END, True): D(40)}) == D(40)
    assert target_for(1, Q2_END, True, {(1, Q2_END, False): D(20)}) is None


def test_a_figure_for_one_period_falls_back_to_a_year_to_date_target():
    assert target_for(1, Q2_END, False, {(1, Q2_END, False): D(20)}) == D(20)
    assert target_for(1, Q2_END, False, {(1, Q2_END, True): D(40)}) == D(40)
    assert target_for(1, Q2_END, False, {(2, Q2_END, False): D(20)}) is None  # another KPI's


# --- How a figure is written ------------------------------------------------------------------


def test_a_figure_is_written_one_way_on_pages_charts_and_reports():
    assert figure_text(D("-1200.5"), 0, "£") == "-£1,201"
    assert figure_text(D("72.45"), 1, suffix="%") == "72.5%"
    chart = TrendChart("", (), 1, "", "%")
    for value in (D("72.45"), D("-0.04"), D("1234567.891")):
        assert number(value, 1) + "%" == chart.format(value)


def test_a_value_that_rounds_to_nothing_has_no_minus_sign():
    """The page's number filter once wrote "-0.0" where the chart and the PDF wrote "0.0"."""
    assert number(D("-0.04"), 1) == "0.0"


def test_a_chart_read_back_from_a_report_is_the_chart_stored():
    chart = TrendChart("S1-01 Cases", (TrendPoint("Q1", D("82.50"), None), TrendPoint("Q2", None, D(80))), 1, "", "%")
    stored = chart_content(chart)
    assert stored["points"] == [["Q1", "82.5", None], ["Q2", None, "80"]]
    assert chart_from_content(stored) == chart


# --- Judged figures ----------------------------------------------------------------------------


def approved_in(kpi, year: int, quarter: int, value: str) -> KpiReturn:
    period = ReportingPeriod.objects.filter(year=year, quarter=quarter).first() or ReportingPeriod.objects.create(
        year=year, quarter=quarter, **ReportingPeriod.default_dates(year, quarter)
    )
    kpi_return = return_for(kpi, period)
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.APPROVED, value=D(value))
    return KpiReturn.objects.select_related("kpi", "version", "period").get(pk=kpi_return.pk)


def test_a_cumulative_kpi_is_judged_against_its_year_to_date_target(world):
    """A year-to-date count of 2025/26 Q2, 45 against a year-to-date target of 40: Green, and
    written with its unit. The return page's check before submitting agrees."""
    kpi = make_kpi(world, "YTD", unit=Unit.NUMBER, version_fields={"cumulative_basis": "financial_ytd"})
    figure = approved_in(kpi, 2025, 2, "45")
    assert figure.data_period_label == "2025/26 Q2 year to date"
    Target.objects.create(kpi=kpi, for_date=figure.data_period_end, value=D(40), is_year_to_date=True)
    judged = judged_figures([figure])[figure.pk]
    assert (judged.target, judged.rag, judged.direction) == (D(40), Rag.GREEN, Direction.CUMULATIVE)
    assert (judged.value_text, judged.target_text) == ("45.0", "40.0")
    assert rag_for(figure) == Rag.GREEN


def test_a_cumulative_kpi_is_not_judged_against_a_target_for_the_quarter_alone(world):
    kpi = make_kpi(world, "YTD", unit=Unit.NUMBER, version_fields={"cumulative_basis": "financial_ytd"})
    figure = approved_in(kpi, 2025, 2, "45")
    Target.objects.create(kpi=kpi, for_date=figure.data_period_end, value=D(60), is_year_to_date=False)
    judged = judged_figures([figure])[figure.pk]
    assert (judged.target, judged.rag, judged.target_text) == (None, Rag.DATA_ONLY, "no target")
    assert rag_for(figure) == Rag.DATA_ONLY


def test_a_quarter_s_figure_falls_back_to_a_year_to_date_target(world):
    """Only a year-to-date target is set for the quarter's end: it judges the quarter's figure
    (72.5% against 75%, within an absolute tolerance of 5 points: Amber), on every page."""
    kpi = make_kpi(world, "QTR", tolerance_type="absolute", tolerance_amount=D(5))
    figure = approved_in(kpi, 2025, 2, "72.5")
    Target.objects.create(kpi=kpi, for_date=figure.data_period_end, value=D(75), is_year_to_date=True)
    judged = judged_figures([figure])[figure.pk]
    assert (judged.target, judged.rag) == (D(75), Rag.AMBER)
    assert (judged.value_text, judged.target_text) == ("72.5%", "75.0%")
    assert rag_for(figure) == Rag.AMBER


def test_a_gap_is_named_and_the_trend_runs_across_it(world):
    """2025/26 Q1 and Q3 approved, Q2 missing: Q3 is not compared with Q1, it names Q2; the
    trend has the two figures, each with the target that judges it."""
    kpi = make_kpi(world, "GAP")
    q1 = approved_in(kpi, 2025, 1, "60")
    q3 = approved_in(kpi, 2025, 3, "80")
    Target.objects.create(kpi=kpi, for_date=q1.data_period_end, value=D(65))
    figures = read_figures([q3], trend_length=12)
    judged = figures.judged[q3.pk]
    assert (judged.previous, judged.direction, judged.previous_text) == (
        None,
        Direction.NO_COMPARISON,
        "No figure for 2025/26 Q2",
    )
    assert figures.trends[kpi.pk] == [TrendPoint("2025/26 Q1", D(60), D(65)), TrendPoint("2025/26 Q3", D(80), None)]
    assert figures.earlier(q3) == [("2025/26 Q1", D(60))]  # the return page's list, newest first
    assert figures.earlier(q1) == []


def test_a_relative_tolerance_on_a_zero_target_is_not_judged_and_says_why(world):
    """Older data the forms now refuse: a figure that cannot be judged, never an exception."""
    kpi = make_kpi(world, "ZERO", unit=Unit.NUMBER)
    type(kpi).objects.filter(pk=kpi.pk).update(tolerance_type="relative", tolerance_amount=D(5))
    figure = approved_in(kpi, 2025, 2, "3")
    Target.objects.create(kpi=kpi, for_date=figure.data_period_end, value=D(0))
    judged = judged_figures([figure])[figure.pk]
    assert judged.rag == Rag.CANNOT_JUDGE
    assert judged.rag.written == "Not judged: a relative tolerance needs a target other than 0"
    assert judged.target_text == "0.0"
    assert rag_for(figure) == Rag.CANNOT_JUDGE


def test_history_and_targets_are_read_once_however_many_kpis(world):
    def figures_for(count):
        returns = []
        for i in range(count):
            kpi = make_kpi(world, f"MANY-{count}-{i}")
            for quarter in (1, 2, 3):
                returns.append(approved_in(kpi, 2025, quarter, str(60 + quarter)))
                Target.objects.create(kpi=kpi, for_date=returns[-1].data_period_end, value=D(62))
        return returns

    few, many = figures_for(1), figures_for(6)
    assert count_queries(lambda: read_figures(few, trend_length=12)) == 2
    assert count_queries(lambda: read_figures(many, trend_length=12)) == 2


def test_of_two_figures_for_one_data_period_the_one_approved_last_is_compared_with(world):
    """2025/26 Q1's figure approved twice (history loaded, then a return for the same data
    period): Q2 is compared with the one approved last, the one a report shows."""
    from django.utils import timezone

    kpi = make_kpi(world, "TWICE")
    later = approved_in(kpi, 2025, 1, "70")
    earlier = approved_in(kpi, 2024, 4, "50")  # made second, then given Q1's data period
    KpiReturn.objects.filter(pk=earlier.pk).update(
        data_period_end=later.data_period_end,
        data_period_start=later.data_period_start,
        data_period_label=later.data_period_label,
        approved_at=timezone.now() - datetime.timedelta(days=30),
    )
    KpiReturn.objects.filter(pk=later.pk).update(approved_at=timezone.now())
    q2 = approved_in(kpi, 2025, 2, "60")
    judged = judged_figures([q2])[q2.pk]
    assert judged.previous.pk == later.pk
    assert judged.previous_text == "Worsening against 2025/26 Q1"  # 70 then 60, higher is better


def ten_quarters(world, code):
    """A KPI with approved figures for ten quarters (2023/24 Q1 to 2025/26 Q2), some Red."""
    kpi = make_kpi(world, code)
    figures = []
    for n in range(10):
        year, quarter = 2023 + n // 4, n % 4 + 1
        figures.append(approved_in(kpi, year, quarter, str(60 + (n * 7) % 11)))
        Target.objects.create(kpi=kpi, for_date=figures[-1].data_period_end, value=D(64))
    return kpi, figures


def test_judging_a_list_reads_a_year_of_history_not_all_of_it(world):
    """A list (the data dictionary, the review queue, exports) judges each figure against the
    one before and the one a year before: it reads that year, not ten years of quarters."""
    kpi, figures = ten_quarters(world, "YEAR")
    latest = figures[-1]
    read = read_figures([latest], compared_only=True)
    assert [row[4] for row in read.history[kpi.pk]] == [f.data_period_end for f in figures[-5:]]
    assert len(read_figures([latest]).history[kpi.pk]) == 10


def test_judging_an_early_figure_reads_its_year_not_what_came_after(world):
    """An export judges ten years of returns a chunk at a time: the oldest chunk reads the year
    before it, not every figure since (which held the whole history for each chunk)."""
    kpi, figures = ten_quarters(world, "EARLY")
    early = figures[5]
    read = read_figures([early], compared_only=True)
    assert [row[4] for row in read.history[kpi.pk]] == [f.data_period_end for f in figures[1:6]]


def test_a_figure_is_judged_the_same_from_a_year_of_history_as_from_all_of_it(world):
    kpi, figures = ten_quarters(world, "SAME")
    everything = read_figures(figures).judged
    for figure in figures:
        judged, whole = judged_figures([figure])[figure.pk], everything[figure.pk]
        assert (judged.target, judged.rag, judged.previous, judged.direction, judged.previous_text) == (
            whole.target,
            whole.rag,
            whole.previous,
            whole.direction,
            whole.previous_text,
        )
        assert (judged.last_year, judged.previous_rag) == (whole.last_year, whole.previous_rag)
