"""A KPI's page shows its statistical process control (ADR 0017) from the figures the person may
read, through ``kpis.figures.spc_summary``: the XmR chart, the icons in words, and, below the
minimum, the points and their mean with a sentence why."""

import base64
import datetime
import re
from decimal import Decimal

from django.urls import reverse

from accounts.policy import SYSTEM
from kpis.figures import read_figures, spc_shown, spc_summary
from kpis.models import KpiReturn, PeriodState, ReportingPeriod, ReturnState
from kpis.services.dictionary import kpi_version_create, target_set
from kpis.services.returns import return_for
from kpis.spc import Assurance, Variation
from tests.conftest import client_for
from tests.kpis.test_spc import DROP

QUARTERS = [(year, quarter) for year in range(2019, 2025) for quarter in (1, 2, 3, 4)]


def approve(kpi, quarters, values, *, state=PeriodState.PUBLISHED, target=None) -> list[KpiReturn]:
    """Approved figures in periods of ``state`` (published: everyone may read them)."""
    made = []
    for (year, quarter), value in zip(quarters, values, strict=True):
        period, _ = ReportingPeriod.objects.get_or_create(
            year=year, quarter=quarter, defaults={"state": state, **ReportingPeriod.default_dates(year, quarter)}
        )
        kpi_return = return_for(kpi, period)
        KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.APPROVED, value=Decimal(value))
        if target is not None:
            target_set(by=SYSTEM, kpi=kpi, for_date=kpi_return.data_period_end, value=Decimal(target))
        made.append(kpi_return)
    return made


def page(world, persona, kpi):
    return client_for(world, persona).get(reverse("kpis:kpi-detail", kwargs={"code": kpi.code}))


def svg_of(body: str) -> str:
    encoded = re.search(r'class="pmf-xmr-chart" src="data:image/svg\+xml;base64,([^"]+)"', body)[1]
    return base64.b64decode(encoded).decode()


def test_the_kpi_page_shows_the_xmr_chart_and_the_icons_in_words(world):
    kpi = world.kpis["s1"]
    approve(kpi, QUARTERS[: len(DROP)], DROP, target="85")
    response = page(world, "directorate_lead", kpi)
    spc = response.context["spc"].result
    assert spc.variation == Variation.CONCERNING_LOW
    assert spc.assurance == Assurance.HIT_AND_MISS
    body = response.content.decode()
    assert "Statistical process control" in body
    assert "Special cause: concerning — 8 points in a row below the mean" in body
    assert "Hit and miss: the target lies within the process limits" in body
    assert "How to read this chart" in body
    drawn = svg_of(body)
    for words in ("Mean", "Process limits", "Target", "Special cause: concerning"):
        assert f">{words}<" in drawn
    assert "Special cause: improving" not in drawn
    # The alt text and the table say what the picture shows.
    assert 'alt="XmR chart of S1-01: 21 figures from 2019/20 Q1 to 2024/25 Q1.' in body
    assert "8 points marked as a special cause" in body
    assert response.context["spc"].rows[-1] == (
        "2024/25 Q1",
        "80.0%",
        "84.2%",
        "79.6% to 88.9%",
        "8 points in a row below the mean; 2 of 3 points in a row close to the lower process limit",
    )
    assert "79.6% to 88.9%" in body


def test_below_the_minimum_the_page_shows_points_and_mean_and_says_why(world):
    kpi = world.kpis["s1"]
    approve(kpi, QUARTERS[:5], DROP[:5], target="85")
    body = page(world, "directorate_lead", kpi).content.decode()
    assert (
        "Only 5 points: process limits need at least 12, so the chart shows the points and their mean only, "
        "and no special causes are judged."
    ) in body
    drawn = svg_of(body)
    assert ">Mean<" in drawn
    assert ">Process limits<" not in drawn
    assert "Variation:" not in body


def test_a_kpi_without_figures_has_no_spc_section(world):
    body = page(world, "directorate_lead", world.kpis["s1"]).content.decode()
    assert "Statistical process control" not in body


def test_spc_counts_only_figures_the_person_may_read(world):
    """An approved figure in a period not yet published is no point on the chart of someone
    who reads published figures only, and so cannot move their limits or icons."""
    kpi = world.kpis["s2"]
    approve(kpi, QUARTERS[:13], DROP[:13], target="85")
    approve(kpi, QUARTERS[13:14], ["40"], state=PeriodState.OPEN)  # far below: a special cause
    outsider = page(world, "service_lead", kpi)
    assert len(outsider.context["spc"].result.points) == 13
    assert outsider.context["spc"].result.variation == Variation.COMMON_CAUSE
    assert "40.0%" not in outsider.content.decode()
    admin = page(world, "performance_admin", kpi)
    assert len(admin.context["spc"].result.points) == 14
    assert admin.context["spc"].result.variation == Variation.CONCERNING_LOW
    assert "a point below the lower process limit" in admin.content.decode()


def test_a_new_definition_version_starts_the_limits_again(world):
    kpi = world.kpis["s1"]
    before = [50, 52, 49, 51, 50, 53, 48, 51, 50, 52, 49, 51]
    after = [70, 72, 69, 71, 70, 73, 68, 71, 70, 72, 69, 71]
    approve(kpi, QUARTERS[:12], before)
    kpi_version_create(
        by=SYSTEM,
        kpi=kpi,
        effective_from=datetime.date(2022, 1, 1),
        calculation_method="Cases closed within 15 working days",
        unit="percentage",
        polarity="higher",
        change_reason="Tighter standard",
    )
    approved = approve(kpi, QUARTERS[12:24], after, target="60")
    assert approved[0].version_id != KpiReturn.objects.filter(kpi=kpi).order_by("data_period_end")[0].version_id
    returns = list(KpiReturn.objects.filter(kpi=kpi).select_related("version"))
    result = spc_summary(read_figures(returns), kpi.pk)
    assert [(seg.start, seg.end) for seg in result.segments] == [(0, 12), (12, 24)]
    assert result.variation == Variation.COMMON_CAUSE
    assert result.assurance == Assurance.PASSING
    shown = spc_shown(kpi, approved[-1].version, result)
    assert "start again where the definition changed (1 time)" in shown.description
    assert [row[2] for row in shown.rows][11:13] == ["50.5%", "70.5%"]


def test_a_cumulative_kpi_gets_a_sentence_not_a_chart(world):
    kpi = world.kpis["s1"]
    kpi_version_create(
        by=SYSTEM,
        kpi=kpi,
        effective_from=datetime.date(2021, 4, 1),
        calculation_method="Cases closed so far this year",
        cumulative_basis="financial_ytd",
        unit="number",
        polarity="higher",
    )
    approve(kpi, QUARTERS[8:22], range(14))
    body = page(world, "directorate_lead", kpi).content.decode()
    assert "This figure is cumulative" in body
    assert "pmf-xmr-chart" not in body


def test_two_approved_figures_for_one_period_count_once(world):
    kpi = world.kpis["s1"]
    approved = approve(kpi, QUARTERS[:12], DROP[:12])
    figures = read_figures(approved)
    figures.history[kpi.pk].insert(0, (*figures.history[kpi.pk][0][:3], Decimal(0), *figures.history[kpi.pk][0][4:]))
    result = spc_summary(figures, kpi.pk)
    assert [p.value for p in result.points] == [Decimal(v) for v in DROP[:12]]


def test_the_trend_chart_draws_the_limits_spc_found_over_its_own_points():
    """SPC drawn into a trend chart (``spc_lines``) takes its mean and limits from ``kpis.spc``,
    through the same ``drawn_segments`` as the XmR chart, placed on the chart's points (the last
    twelve of twenty-one): the plotly lines, the table and the words all carry those numbers."""
    from core.charts import TrendChart, TrendPoint, describe, plotly_spec, table_rows
    from kpis import spc
    from kpis.figures import drawn_segments, spc_lines
    from kpis.results import Polarity

    labels = [f"{2019 + (i + 3) // 4}/{20 + (i + 3) // 4} Q{(i + 3) % 4 + 1}" for i in range(len(DROP))]
    result = spc.analyse(
        [spc.SpcPoint(label, Decimal(v)) for label, v in zip(labels, DROP, strict=True)],
        polarity=Polarity.HIGHER_IS_BETTER,
    )
    shown = labels[-12:]
    lines = spc_lines(result, shown, 1)
    lower, upper = spc.process_limits([spc.exact(v) for v in DROP])
    (segment,) = lines.segments
    assert (segment.start, segment.end) == (0, 12)
    assert (segment.lower, segment.upper) == (spc.as_decimal(lower, 4), spc.as_decimal(upper, 4))
    assert (segment.mean, segment.lower, segment.upper) == (
        drawn_segments(result, 1)[0].mean,
        drawn_segments(result, 1)[0].lower,
        drawn_segments(result, 1)[0].upper,
    )
    # The special causes among the twelve shown, by their place in the chart, oldest first.
    assert lines.marked == tuple((labels.index(label) - 9, "concerning") for label in labels[13:])
    chart = TrendChart(
        "S1-01",
        tuple(TrendPoint(label, Decimal(v)) for label, v in zip(shown, DROP[-12:], strict=True)),
        decimal_places=1,
        suffix="%",
        spc=lines,
    )
    traces = {trace["name"]: trace for trace in plotly_spec(chart)["data"]}
    assert traces["Process limits"]["y"] == [float(segment.lower)] * 2 + [None] + [float(segment.upper)] * 2
    assert traces["Process limits"]["x"] == [-0.5, 11.5, None, -0.5, 11.5]
    assert plotly_spec(chart)["layout"]["yaxis"]["range"][0] < float(segment.lower)  # the limits stay on the chart
    assert traces["Special cause: concerning"]["marker"]["symbol"] == "square"
    limits = f"{spc.as_decimal(lower, 1)}% to {spc.as_decimal(upper, 1)}%"
    assert f"process limits {limits}" in describe(chart)
    assert table_rows(chart)[-1].limits == limits
    assert table_rows(chart)[-1].special_cause == "concerning"
    assert table_rows(chart)[0].special_cause == "no"


def test_too_few_points_for_limits_draw_no_spc_into_the_trend_chart():
    from kpis import spc
    from kpis.figures import spc_lines
    from kpis.results import Polarity

    result = spc.analyse([spc.SpcPoint(f"P{i}", Decimal(v)) for i, v in enumerate(DROP[:8])], polarity=Polarity.NONE)
    assert spc_lines(result, [f"P{i}" for i in range(8)], 1) is None
