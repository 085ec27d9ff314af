"""Worked examples for every RAG and direction-of-travel rule, then properties (hypothesis)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from kpis.data_periods import data_period_ending, previous_period_end
from kpis.figures import judged_figures
from kpis.models import (
    CumulativeBasis,
    DataPeriodType,
    Frequency,
    Kpi,
    KpiReturn,
    KpiVersion,
    QuarterRule,
    ReportingPeriod,
    ReturnState,
)
from kpis.results import (
    Direction,
    Polarity,
    Rag,
    Tolerance,
    ToleranceRefused,
    ToleranceType,
    direction,
    rag,
    round_half_up,
)
from kpis.services.returns import return_for

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=300)
settings.load_profile("ci")

HIGHER, LOWER, NONE = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.NONE
ABS, REL = ToleranceType.ABSOLUTE, ToleranceType.RELATIVE


def judge(value, target, polarity=HIGHER, places=1, kind=ToleranceType.NONE, amount=None):
    return rag(value, target, polarity=polarity, decimal_places=places, tolerance=Tolerance(kind, amount))


# --- Rounding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [("2.5", 0, "3"), ("-2.5", 0, "-3"), ("0.05", 1, "0.1"), ("1.005", 2, "1.01"), ("79.949", 1, "79.9")],
)
def test_rounding_is_half_up_not_bankers(value, places, expected):
    assert round_half_up(D(value), places) == D(expected)


# --- Higher is better ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("85.0", Rag.GREEN),  # above target
        ("80.0", Rag.GREEN),  # exactly on target
        ("79.96", Rag.GREEN),  # rounds up to the target (1 dp)
        ("79.94", Rag.AMBER),  # rounds to 79.9: below target, within 2.5 points
        ("77.5", Rag.AMBER),  # exactly on the tolerance edge
        ("77.46", Rag.AMBER),  # rounds up onto the edge
        ("77.44", Rag.RED),  # rounds to 77.4: past the edge
        ("50", Rag.RED),
    ],
)
def test_higher_is_better_with_absolute_tolerance(value, expected):
    assert judge(D(value), D("80"), HIGHER, 1, ABS, D("2.5")) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100", Rag.GREEN), ("95", Rag.AMBER), ("94.96", Rag.AMBER), ("94.94", Rag.RED), ("94.9", Rag.RED)],
)
def test_higher_is_better_with_relative_tolerance(value, expected):
    # 5% of a target of 100 is 5: Amber down to 95.
    assert judge(D(value), D("100"), HIGHER, 1, REL, D("5")) == expected


def test_without_tolerance_it_is_green_or_red_only():
    assert judge(D("79.9"), D("80"), HIGHER) == Rag.RED
    assert judge(D("80"), D("80"), HIGHER) == Rag.GREEN
    assert judge(D("81"), D("80"), LOWER) == Rag.RED


# --- Lower is better -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10", Rag.GREEN),
        ("12", Rag.GREEN),  # on target
        ("12.04", Rag.GREEN),  # rounds down to the target
        ("13", Rag.AMBER),
        ("14", Rag.AMBER),  # the edge: 12 + 2
        ("14.04", Rag.AMBER),
        ("14.05", Rag.RED),  # rounds up to 14.1
    ],
)
def test_lower_is_better_with_absolute_tolerance(value, expected):
    assert judge(D(value), D("12"), LOWER, 1, ABS, D("2")) == expected


def test_lower_is_better_with_relative_tolerance():
    # 10% of 20 days is 2 days.
    assert judge(D("22"), D("20"), LOWER, 0, REL, D("10")) == Rag.AMBER
    assert judge(D("23"), D("20"), LOWER, 0, REL, D("10")) == Rag.RED


# --- Zero and negative targets -------------------------------------------------------------


def test_zero_target_with_absolute_tolerance():
    assert judge(D("0"), D("0"), LOWER, 0, ABS, D("1")) == Rag.GREEN
    assert judge(D("1"), D("0"), LOWER, 0, ABS, D("1")) == Rag.AMBER
    assert judge(D("2"), D("0"), LOWER, 0, ABS, D("1")) == Rag.RED


def test_relative_tolerance_on_a_zero_target_cannot_be_judged():
    """Said, not raised: one such KPI must not take down a page that lists many."""
    assert judge(D("1"), D("0"), LOWER, 0, REL, D("10")) == Rag.CANNOT_JUDGE
    assert judge(D("0"), D("0"), HIGHER, 0, REL, D("10")) == Rag.CANNOT_JUDGE
    assert Rag.CANNOT_JUDGE.label.startswith("Cannot be judged")
    assert Rag.CANNOT_JUDGE.written == "Not judged: a relative tolerance needs a target other than 0"


def test_relative_tolerance_on_a_zero_target_is_refused_by_the_tolerance():
    with pytest.raises(ToleranceRefused):
        Tolerance(ToleranceType.RELATIVE, D("10")).absolute_for(D("0"))


def test_negative_target_uses_the_size_of_the_target_for_relative_tolerance():
    # A budget variance target of -100 (an underspend), higher is better, 10% → 10.
    assert judge(D("-100"), D("-100"), HIGHER, 0, REL, D("10")) == Rag.GREEN
    assert judge(D("-110"), D("-100"), HIGHER, 0, REL, D("10")) == Rag.AMBER
    assert judge(D("-111"), D("-100"), HIGHER, 0, REL, D("10")) == Rag.RED


# --- Data only and no value ------------------------------------------------------------------


def test_no_target_or_no_polarity_is_data_only():
    assert judge(D("5"), None, HIGHER) == Rag.DATA_ONLY
    assert judge(D("5"), D("4"), NONE) == Rag.DATA_ONLY


def test_no_value_means_no_rag():
    # A zero denominator ("no eligible cases") gives no value, and so no RAG.
    assert judge(None, D("80"), HIGHER) == Rag.NO_VALUE


def test_every_rag_has_a_text_label():
    for status in Rag:
        assert status.label
        assert status.short_label


# --- Direction of travel ---------------------------------------------------------------------


def moved(now, then, polarity=HIGHER, places=1, same=True):
    return direction(D(now), D(then), polarity=polarity, decimal_places=places, same_definition=same)


def test_direction_by_polarity():
    assert moved("81", "80", HIGHER) == Direction.IMPROVING
    assert moved("79", "80", HIGHER) == Direction.WORSENING
    assert moved("79", "80", LOWER) == Direction.IMPROVING
    assert moved("81", "80", LOWER) == Direction.WORSENING


def test_direction_rounds_both_values_first():
    assert moved("80.04", "79.96", HIGHER, 1) == Direction.NO_CHANGE  # both 80.0
    assert moved("80.05", "80.04", HIGHER, 1) == Direction.IMPROVING  # 80.1 against 80.0


def test_direction_without_polarity_says_increased_or_decreased():
    assert moved("5", "4", NONE) == Direction.INCREASED
    assert moved("3", "4", NONE) == Direction.DECREASED
    assert moved("4", "4", NONE) == Direction.NO_CHANGE


def test_definition_change_is_not_comparable():
    assert moved("90", "80", HIGHER, same=False) == Direction.NOT_COMPARABLE


def test_missing_earlier_value_has_no_comparison():
    assert direction(D("1"), None, polarity=HIGHER, decimal_places=0) == Direction.NO_COMPARISON


# --- Properties --------------------------------------------------------------------------------

numbers = st.decimals(min_value=-10_000, max_value=10_000, allow_nan=False, allow_infinity=False, places=3)
places = st.integers(min_value=0, max_value=2)
amounts = st.decimals(min_value=0, max_value=500, allow_nan=False, allow_infinity=False, places=2)


@given(value=numbers, target=numbers, dp=places)
def test_property_no_tolerance_never_gives_amber(value, target, dp):
    assert judge(value, target, HIGHER, dp) in {Rag.GREEN, Rag.RED}
    assert judge(value, target, LOWER, dp) in {Rag.GREEN, Rag.RED}


@given(value=numbers, target=numbers, dp=places, amount=amounts)
def test_property_polarities_mirror_each_other(value, target, dp, amount):
    higher = judge(value, target, HIGHER, dp, ABS, amount)
    lower = judge(-value, -target, LOWER, dp, ABS, amount)
    assert higher == lower


@given(value=numbers, target=numbers, dp=places, small=amounts, extra=amounts)
def test_property_more_tolerance_never_makes_a_result_worse(value, target, dp, small, extra):
    order = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
    tight = judge(value, target, HIGHER, dp, ABS, small)
    loose = judge(value, target, HIGHER, dp, ABS, small + extra)
    assert order[loose] >= order[tight]


@given(target=numbers, dp=places, step=st.decimals(min_value="0.001", max_value=100, places=3))
def test_property_a_better_value_never_gets_a_worse_rag(target, dp, step):
    order = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
    worse = judge(target - step, target, HIGHER, dp, ABS, D("1"))
    better = judge(target, target, HIGHER, dp, ABS, D("1"))
    assert better == Rag.GREEN
    assert order[better] >= order[worse]


@given(now=numbers, then=numbers, dp=places)
def test_property_direction_is_antisymmetric(now, then, dp):
    forward = direction(now, then, polarity=HIGHER, decimal_places=dp)
    backward = direction(then, now, polarity=HIGHER, decimal_places=dp)
    flip = {Direction.IMPROVING: Direction.WORSENING, Direction.WORSENING: Direction.IMPROVING}
    assert backward == flip.get(forward, forward)


@given(now=numbers, then=numbers, dp=places)
def test_property_polarity_flips_the_direction_but_not_no_change(now, then, dp):
    up = direction(now, then, polarity=HIGHER, decimal_places=dp)
    down = direction(now, then, polarity=LOWER, decimal_places=dp)
    if up == Direction.NO_CHANGE:
        assert down == Direction.NO_CHANGE
    else:
        assert {up, down} == {Direction.IMPROVING, Direction.WORSENING}


# --- Direction of travel against the previous data period (ADR 0008) ------------------------


@pytest.mark.parametrize(
    ("kind", "frequency", "fields", "end", "before", "label"),
    [
        (DataPeriodType.QUARTER, Frequency.QUARTERLY, {}, "2025-06-30", "2025-03-31", "2024/25 Q4"),
        (
            DataPeriodType.QUARTER,
            Frequency.QUARTERLY,
            {"cumulative_basis": CumulativeBasis.FINANCIAL_YTD},
            "2025-06-30",
            "2025-03-31",
            "2024/25 Q4 year to date",
        ),
        (DataPeriodType.FINANCIAL_YEAR, Frequency.ANNUAL, {}, "2022-03-31", "2021-03-31", "2020/21 outturn"),
        (DataPeriodType.ACADEMIC_YEAR, Frequency.ANNUAL, {}, "2025-08-31", "2024-08-31", "2023/24 academic year"),
        (DataPeriodType.CALENDAR_YEAR, Frequency.ANNUAL, {}, "2024-12-31", "2023-12-31", "2023 calendar year"),
        (
            DataPeriodType.MONTH,
            Frequency.MONTHLY,
            {"quarter_rule": QuarterRule.LAST_MONTH},
            "2025-09-30",
            "2025-06-30",
            "Jun 2025",
        ),
        (DataPeriodType.ROLLING_12, Frequency.QUARTERLY, {}, "2025-12-31", "2025-09-30", "12 months to Sep 2025"),
    ],
)
def test_the_previous_period_is_the_quarter_or_the_year_before(kind, frequency, fields, end, before, label):
    kpi = Kpi(data_period_type=kind, frequency=frequency, annual_reporting_quarter=2)
    version = KpiVersion(**fields)
    earlier = previous_period_end(kpi, datetime.date.fromisoformat(end))
    assert earlier == datetime.date.fromisoformat(before)
    assert data_period_ending(kpi, version, earlier).label == label
    assert data_period_ending(kpi, version, earlier).end == earlier


def approved_in(kpi, year, quarter, value) -> KpiReturn:
    period = ReportingPeriod.objects.filter(year=year, quarter=quarter).first() or ReportingPeriod.objects.create(
        year=year, quarter=quarter, **ReportingPeriod.default_dates(year, quarter)
    )
    kpi_return = return_for(kpi, period)
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.APPROVED, value=D(value))
    return KpiReturn.objects.select_related("kpi", "version", "period").get(pk=kpi_return.pk)


def test_direction_across_a_missing_quarter_names_the_quarter_with_no_figure(world):
    """A council with a gap: 2024/25 Q1 approved, Q2 missing, Q3 approved. Q3 is not compared
    with Q1, three quarters old; it says Q2 has no figure."""
    kpi = world.kpis["s1"]
    approved_in(kpi, 2024, 1, "60")
    q3 = approved_in(kpi, 2024, 3, "80")
    result = judged_figures([q3])[q3.pk]
    assert result.previous is None
    assert result.direction == Direction.NO_COMPARISON
    assert result.previous_text == "No figure for 2024/25 Q2"
    approved_in(kpi, 2024, 2, "85")
    result = judged_figures([q3])[q3.pk]
    assert result.previous.data_period_label == "2024/25 Q2"
    assert result.previous_text == "Worsening against 2024/25 Q2"


def test_the_return_page_the_review_page_and_the_dashboard_say_the_same_direction(world, clients):
    """The same approved figure, across a gap, reads the same wherever it is shown."""
    kpi = world.kpis["s1"]
    approved_in(kpi, 2024, 4, "60")  # 2025/26 Q1 has no figure
    approved_in(kpi, 2024, 2, "50")  # the same period last year
    current = approved_in(kpi, 2025, 2, "80")
    expected = ["No figure for 2025/26 Q1", "Improving against 2024/25 Q2"]
    pages = {
        "return": clients["performance_admin"].get(reverse("kpis:return-edit", kwargs={"pk": current.pk})),
        "review": clients["performance_admin"].get(reverse("kpis:return-review", kwargs={"pk": current.pk})),
        "dashboard": clients["performance_admin"].get(reverse("reporting:dashboard")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())  # the words people read
        for words in expected:
            assert words in page, (name, words)


def test_the_return_page_labels_each_previous_value_with_its_period(world, clients):
    kpi = world.kpis["s1"]
    approved_in(kpi, 2024, 4, "61.5")
    approved_in(kpi, 2025, 1, "63.25")
    page = clients["service_lead"].get(reverse("kpis:return-edit", kwargs={"pk": world.kpis["return_s1"].pk}))
    text = page.content.decode()
    previous = text[text.index("Previous values") : text.index("How it is calculated")]
    assert previous.index("2025/26 Q1") < previous.index("63.3") < previous.index("2024/25 Q4")
    assert previous.index("2024/25 Q4") < previous.index("61.5")
