"""The SPC rules (kpis/spc.py, ADR 0017): worked examples whose numbers were worked out by hand
(the sums are in the comments), then properties that hold for any series (hypothesis)."""

import datetime
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from kpis.results import Polarity
from kpis.spc import (
    MINIMUM_POINTS,
    Assurance,
    Rule,
    Side,
    SpcPoint,
    Variation,
    analyse,
    assurance,
    average_moving_range,
    beyond_limits,
    mean,
    moving_ranges,
    process_limits,
    shifts,
    split_at_changes,
    trends,
    two_of_three,
    two_sigma_lines,
)

F = Fraction


def series(*values, start=datetime.date(2020, 1, 31)) -> list[SpcPoint]:
    """Monthly points labelled M1, M2, ...; each ends a month (about) after the one before."""
    return [
        SpcPoint(f"M{i + 1}", Decimal(str(v)), start + datetime.timedelta(days=31 * i)) for i, v in enumerate(values)
    ]


# --- Worked examples ------------------------------------------------------------------------------


def test_mean_moving_ranges_and_limits_worked_by_hand():
    values = [F(10), F(12), F(11), F(13), F(14)]
    # mean = 60 / 5 = 12; moving ranges |12-10|, |11-12|, |13-11|, |14-13| = 2, 1, 2, 1; average 6 / 4 = 1.5
    assert mean(values) == 12
    assert moving_ranges(values) == [2, 1, 2, 1]
    assert average_moving_range(values) == F(3, 2)
    # limits = 12 ∓ 2.66 × 1.5 = 12 ∓ 3.99
    assert process_limits(values) == (F("8.01"), F("15.99"))
    # two sigma = 12 ∓ 2/3 × 3.99 = 12 ∓ 2.66
    assert two_sigma_lines(F(12), F("15.99")) == (F("9.34"), F("14.66"))


def test_a_point_on_a_limit_is_within_it_and_one_beyond_is_flagged():
    values = [F(8), F("8.01"), F(15), F("15.99"), F(16)]
    signals = beyond_limits(values, F("8.01"), F("15.99"))
    assert [(s.side, s.points) for s in signals] == [(Side.LOW, (0,)), (Side.HIGH, (4,))]


def test_seven_in_a_row_on_one_side_is_a_shift_and_six_is_not():
    below = [F(1)] * 7
    assert [(s.rule, s.side, s.points) for s in shifts([F(9), *below], F(5))] == [
        (Rule.SHIFT, Side.LOW, tuple(range(1, 8)))
    ]
    assert shifts([F(9), *below[:6], F(9)], F(5)) == []


def test_a_point_on_the_mean_ends_a_run():
    # 4 above, one exactly on the mean, 4 above: two runs of 4, no shift of 9.
    assert shifts([F(6)] * 4 + [F(5)] + [F(6)] * 4, F(5)) == []
    assert len(shifts([F(6)] * 7 + [F(5)], F(5))) == 1


def test_seven_rising_points_are_a_trend_and_an_equal_neighbour_ends_one():
    rising = [F(v) for v in (1, 2, 3, 4, 5, 6, 7)]
    assert [(s.side, s.points) for s in trends(rising)] == [(Side.HIGH, tuple(range(7)))]
    assert [(s.side, s.points) for s in trends([F(9), *reversed(rising)])] == [(Side.LOW, tuple(range(8)))]
    assert trends(rising[:6]) == []
    assert trends([F(v) for v in (1, 2, 3, 3, 4, 5, 6)]) == []


def test_two_of_three_beyond_two_sigma_on_one_side():
    # mean 12, upper limit 15.99: two sigma 14.66 above, 9.34 below.
    flagged = two_of_three([F(15), F(12), F(14.7), F(12), F(12)], F(12), F("15.99"))
    assert [(s.rule, s.side, s.points) for s in flagged] == [(Rule.TWO_OF_THREE, Side.HIGH, (0, 2))]
    # One above and one below two sigma is no signal; nor is a point on the two-sigma line.
    assert two_of_three([F(15), F(9), F(12)], F(12), F("15.99")) == []
    assert two_of_three([F("14.66"), F("14.66"), F(12)], F(12), F("15.99")) == []


#: The series NHS-R's "plot the dots" documents for reproducing the Making Data Count Excel tool
#: (its "Deviations from Excel defaults", with outliers not screened, as the Excel tool does
#: not): one spike of 10 among 1s and 2s.
EXCEL_EXAMPLE = (1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1)


def test_the_making_data_count_excel_example_worked_by_hand():
    result = analyse(series(*EXCEL_EXAMPLE), polarity=Polarity.HIGHER_IS_BETTER)
    latest = result.latest
    # sum: 1+2+1+2+10 = 16, then seven 1s and six 2s = 19; 35 over 18 points.
    assert latest.mean == F(35, 18)
    # moving ranges: 1, 1, 1, 8, 9, then twelve 1s: 32 over 17. The spike's own moving ranges
    # stay in (MDC does not screen them), which widens the limits.
    assert latest.average_moving_range == F(32, 17)
    # 35/18 ∓ 2.66 × 32/17 = 1.944 ∓ 5.007: −3.063 and 6.952
    assert round(float(latest.lower), 3) == -3.063
    assert round(float(latest.upper), 3) == 6.952
    # Only the spike is a special cause: the rest alternate either side of the mean.
    assert [(s.rule, s.side, s.points) for s in latest.signals] == [(Rule.BEYOND_LIMIT, Side.HIGH, (4,))]
    assert result.variation == Variation.COMMON_CAUSE
    assert result.marked == {4: "improving"}


#: An MDC-style monthly series (21 points) that drops away at the end: sum 1,769, so the mean is
#: 1769 / 21 = 84.238...; the 20 moving ranges add up to 35, so the average moving range is
#: 1.75 and the limits are 84.238 ∓ 2.66 × 1.75 = 84.238 ∓ 4.655: 79.583 and 88.893. Two sigma
#: below the mean is 84.238 − 3.103 = 81.135. The last 8 points are below the mean, and two of
#: the last three (81 and 80) are below two sigma.
DROP = (85, 87, 84, 86, 85, 88, 86, 84, 87, 85, 86, 85, 86, 84, 82, 81, 83, 82, 81, 82, 80)


def test_a_published_style_example_a_shift_down_is_concerning_when_higher_is_better():
    result = analyse(series(*DROP), polarity=Polarity.HIGHER_IS_BETTER, target=Decimal(85))
    latest = result.latest
    assert latest.mean == F(1769, 21)
    assert latest.average_moving_range == F(7, 4)
    assert (latest.lower, latest.upper) == (F(1769, 21) - F("4.655"), F(1769, 21) + F("4.655"))
    assert {(s.rule, s.points) for s in latest.signals} == {
        (Rule.SHIFT, tuple(range(13, 21))),
        (Rule.TWO_OF_THREE, (18, 20)),
    }
    assert result.variation == Variation.CONCERNING_LOW
    assert result.variation_text == (
        "Special cause: concerning — 8 points in a row below the mean; "
        "2 of 3 points in a row close to the lower process limit"
    )
    # The target of 85 lies between the limits.
    assert result.assurance == Assurance.HIT_AND_MISS
    assert result.assurance_text.startswith("Hit and miss: the target lies within the process limits")
    assert not latest.provisional
    assert set(result.marked) == set(range(13, 21))
    assert set(result.marked.values()) == {"concerning"}


def test_the_same_drop_is_improving_when_lower_is_better_and_neither_without_polarity():
    assert analyse(series(*DROP), polarity=Polarity.LOWER_IS_BETTER).variation == Variation.IMPROVING_LOW
    neither = analyse(series(*DROP), polarity=Polarity.NONE, target=Decimal(85))
    assert neither.variation == Variation.NEITHER_LOW
    assert neither.variation_text.startswith("Special cause: lower than usual — ")
    assert neither.assurance is None


def test_fewer_points_than_the_minimum_give_a_mean_and_no_limits_or_icons():
    result = analyse(series(*DROP[: MINIMUM_POINTS - 1]), polarity=Polarity.HIGHER_IS_BETTER, target=Decimal(85))
    assert result.latest.mean == mean([F(v) for v in DROP[: MINIMUM_POINTS - 1]])
    assert not result.has_limits
    assert (result.variation, result.assurance, result.marked) == (None, None, {})
    assert result.shortfall_text == (
        "Only 11 points: process limits need at least 12, so the chart shows the points and their mean only, "
        "and no special causes are judged."
    )
    twelve = analyse(series(*DROP[:MINIMUM_POINTS]), polarity=Polarity.HIGHER_IS_BETTER)
    assert twelve.has_limits
    assert twelve.latest.provisional
    assert twelve.variation == Variation.COMMON_CAUSE
    assert twelve.variation_text == "Common cause: no significant change"


def test_a_recorded_change_recalculates_the_limits_from_the_points_after_it():
    before = [50, 52, 49, 51, 50, 53, 48, 51, 50, 52, 49, 51]  # mean 606 / 12 = 50.5
    after = [70, 72, 69, 71, 70, 73, 68, 71, 70, 72, 69, 71]  # mean 846 / 12 = 70.5
    points = series(*before, *after)
    change = points[12].when - datetime.timedelta(days=3)
    assert split_at_changes(points, [change]) == [(0, 12), (12, 24)]
    # Changes before the first point or after the last split nothing.
    assert split_at_changes(points, [points[0].when, points[-1].when + datetime.timedelta(days=1)]) == [(0, 24)]
    # Without the change the step up is a special cause; with it each stretch is common cause.
    whole = analyse(points, polarity=Polarity.HIGHER_IS_BETTER)
    assert whole.variation == Variation.IMPROVING_HIGH
    split = analyse(points, polarity=Polarity.HIGHER_IS_BETTER, changes=[change], target=Decimal(60))
    assert [seg.mean for seg in split.segments] == [F(606, 12), F(846, 12)]
    # moving ranges after the change: 2,3,2,1,3,5,3,1,2,3,2 = 27 over 11; limits 70.5 ∓ 2.66 × 27/11
    assert split.latest.average_moving_range == F(27, 11)
    assert split.latest.lower == F(846, 12) - F("2.66") * F(27, 11)
    assert split.variation == Variation.COMMON_CAUSE
    # 70.5 − 6.53 = 63.97 > 60: both limits above the target of a higher-is-better KPI.
    assert split.assurance == Assurance.PASSING
    short = analyse(points[:15], polarity=Polarity.HIGHER_IS_BETTER, changes=[change])
    assert short.segments[0].has_limits
    assert not short.has_limits
    assert short.shortfall_text.startswith("Only 3 points since the definition last changed:")


def test_assurance_by_where_the_target_sits():
    lower, upper = F(10), F(20)
    higher, lower_better = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER
    assert assurance(lower, upper, F(15), higher) == Assurance.HIT_AND_MISS
    assert assurance(lower, upper, F(10), higher) == Assurance.HIT_AND_MISS  # on a limit: within
    assert assurance(lower, upper, F(9), higher) == Assurance.PASSING
    assert assurance(lower, upper, F(21), higher) == Assurance.FAILING
    assert assurance(lower, upper, F(9), lower_better) == Assurance.FAILING
    assert assurance(lower, upper, F(21), lower_better) == Assurance.PASSING
    assert assurance(lower, upper, None, higher) is None
    assert assurance(lower, upper, F(9), Polarity.NONE) is None


def test_signals_both_ways_on_the_latest_point_show_the_concern():
    # Twelve steady points, then a fall well below and a rise of seven still below the mean.
    values = [100, 101, 99, 100, 102, 98, 100, 101, 99, 100, 101, 99, 60, 61, 62, 63, 64, 65, 66]
    result = analyse(series(*values), polarity=Polarity.HIGHER_IS_BETTER)
    sides = {s.side for s in result.latest.signals if len(values) - 1 in s.points}
    assert sides == {Side.HIGH, Side.LOW}
    assert result.variation == Variation.CONCERNING_LOW
    assert all(s.side == Side.LOW for s in result.variation_signals)


# --- Properties -------------------------------------------------------------------------------------

values_strategy = st.lists(
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False),
    min_size=MINIMUM_POINTS,
    max_size=40,
)
polarities = st.sampled_from([Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER])


@given(values_strategy)
def test_limits_are_symmetric_about_the_mean(values):
    result = analyse(series(*values), polarity=Polarity.HIGHER_IS_BETTER)
    latest = result.latest
    assert latest.upper - latest.mean == latest.mean - latest.lower >= 0


@given(st.decimals(min_value=-1000, max_value=1000, places=2), st.integers(min_value=1, max_value=40), polarities)
def test_a_constant_series_has_no_special_cause(value, n, polarity):
    result = analyse(series(*[value] * n), polarity=polarity)
    assert all(not seg.signals for seg in result.segments)
    assert result.variation in (None, Variation.COMMON_CAUSE)


@given(values_strategy, st.decimals(min_value=-500, max_value=500, places=2), polarities)
def test_shifting_every_value_shifts_mean_and_limits_and_keeps_the_signals(values, c, polarity):
    plain = analyse(series(*values), polarity=polarity)
    moved = analyse(series(*[v + c for v in values]), polarity=polarity)
    assert moved.latest.mean == plain.latest.mean + F(c)
    assert (moved.latest.lower, moved.latest.upper) == (plain.latest.lower + F(c), plain.latest.upper + F(c))
    assert set(moved.latest.signals) == set(plain.latest.signals)
    assert moved.variation == plain.variation


@given(values_strategy)
def test_reversing_polarity_swaps_improving_and_concerning(values):
    higher = analyse(series(*values), polarity=Polarity.HIGHER_IS_BETTER)
    assume({s.side for s in higher.variation_signals} != {Side.HIGH, Side.LOW})
    lower = analyse(series(*values), polarity=Polarity.LOWER_IS_BETTER)
    swap = {"improving": "concerning", "concerning": "improving", "common": "common"}
    assert lower.variation.tone == swap[higher.variation.tone]
    assert lower.variation.side == higher.variation.side
    one_way = {i for seg in higher.segments for s in seg.signals for i in s.points}
    both_ways = {
        i for i in one_way if len({s.side for seg in higher.segments for s in seg.signals if i in s.points}) > 1
    }
    for i in one_way - both_ways:
        assert lower.marked[i] == swap[higher.marked[i]]


@given(values_strategy, polarities)
def test_a_point_beyond_the_limits_is_always_flagged(values, polarity):
    result = analyse(series(*values), polarity=polarity)
    latest = result.latest
    for i, value in enumerate(values):
        if F(value) > latest.upper or F(value) < latest.lower:
            assert any(s.rule == Rule.BEYOND_LIMIT and i in s.points for s in latest.signals)
            assert i in result.marked


@given(values_strategy, polarities)
def test_a_far_spike_at_the_end_is_a_special_cause(values, polarity):
    spread = max(values) - min(values) + 1
    spike = max(values) + 100 * spread
    result = analyse(series(*values, spike), polarity=polarity)
    assert any(s.rule == Rule.BEYOND_LIMIT and s.points == (len(values),) for s in result.latest.signals)
    good = Variation.IMPROVING_HIGH if polarity == Polarity.HIGHER_IS_BETTER else Variation.CONCERNING_HIGH
    assert result.variation == good
