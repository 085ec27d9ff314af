"""Statistical process control as NHS England's "Making Data Count" (MDC) draws it: an XmR
chart's mean and process limits, the special-cause rules, and the variation and assurance
icons, for a KPI's figures in time order.

The choices MDC leaves open are written down in docs/adr/0017-spc.md:

* Process limits are the mean ± 2.66 × the average moving range (3 sigma, sigma estimated as
  the average moving range ÷ 1.128); "two sigma" is the mean ± two thirds of that distance.
* The rules: a point beyond a process limit; a shift of ``SHIFT_LENGTH`` (7) or more points in a
  row on one side of the mean (a point exactly on the mean ends the run); a trend of
  ``TREND_LENGTH`` (7) or more points each higher (or each lower) than the one before (an equal
  neighbour ends it); two of three points in a row beyond two sigma on the same side.
* Limits and rules need ``MINIMUM_POINTS`` (12) points; with fewer the chart shows the points
  and their mean only. Limits on fewer than ``RECOMMENDED_POINTS`` (15) are provisional.
* A recorded change (a new version of the definition) starts a new segment: its mean, limits and
  rules are worked out from its own points only, and the icons judge the latest segment.
* The variation icon is the latest point's: special cause if any rule marks it, improving or
  concerning by the KPI's polarity (concerning wins when two rules disagree), "neither" without
  a polarity. The assurance icon compares the target with the latest segment's limits.

Arithmetic is exact (``Fraction``), so a point exactly on a limit is not beyond it, and the
same figures give the same answer however they are shifted. These functions take plain numbers
and labels, with no database, so the rules are tested on their own (tests/kpis/test_spc.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from kpis.results import Polarity

#: The XmR constant: 3 ÷ d2, d2 = 1.128 for moving ranges of two points, rounded as MDC rounds it.
LIMIT_FACTOR = Fraction(266, 100)
#: Two sigma as a share of the distance from the mean to a process limit (three sigma).
TWO_SIGMA_SHARE = Fraction(2, 3)
#: A run of this many points on one side of the mean is a shift (MDC's default).
SHIFT_LENGTH = 7
#: This many points each rising (or each falling) is a trend (MDC's default).
TREND_LENGTH = 7
#: Fewer points than this in a segment and no limits are drawn (ADR 0017).
MINIMUM_POINTS = 12
#: Limits on fewer points than this are shown as provisional (MDC's rule of thumb is 15).
RECOMMENDED_POINTS = 15


# --- The numbers --------------------------------------------------------------------------------


def exact(value: Decimal | int | Fraction) -> Fraction:
    """A figure as an exact fraction: Decimal and int convert without rounding."""
    return Fraction(value)


def mean(values: Sequence[Fraction]) -> Fraction:
    """The centre line: the arithmetic mean of the values."""
    if not values:
        raise ValueError("The mean of no values is undefined.")
    return sum(values, Fraction(0)) / len(values)


def moving_ranges(values: Sequence[Fraction]) -> list[Fraction]:
    """Each point's distance from the one before it: one fewer than the points."""
    return [abs(after - before) for before, after in zip(values, values[1:], strict=False)]


def average_moving_range(values: Sequence[Fraction]) -> Fraction:
    """The mean of the moving ranges; needs at least two points."""
    return mean(moving_ranges(values))


def process_limits(values: Sequence[Fraction]) -> tuple[Fraction, Fraction]:
    """(lower, upper): the mean ∓ 2.66 × the average moving range."""
    centre, spread = mean(values), LIMIT_FACTOR * average_moving_range(values)
    return centre - spread, centre + spread


def two_sigma_lines(centre: Fraction, upper: Fraction) -> tuple[Fraction, Fraction]:
    """(lower, upper) two-sigma lines: two thirds of the way from the mean to each limit."""
    distance = TWO_SIGMA_SHARE * (upper - centre)
    return centre - distance, centre + distance


# --- The rules ------------------------------------------------------------------------------------


class Rule(StrEnum):
    BEYOND_LIMIT = "beyond_limit"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


class Side(StrEnum):
    """Which way a signal points: above the mean (or rising), or below it (or falling)."""

    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True)
class Signal:
    """One special cause: the rule, which way it points, and the points it marks (their places
    in the whole series, oldest first)."""

    rule: Rule
    side: Side
    points: tuple[int, ...]

    @property
    def text(self) -> str:
        """The signal in plain English: "7 points below the mean"."""
        n = len(self.points)
        above = self.side == Side.HIGH
        if self.rule == Rule.BEYOND_LIMIT:
            return f"a point {'above the upper' if above else 'below the lower'} process limit"
        if self.rule == Rule.SHIFT:
            return f"{n} points in a row {'above' if above else 'below'} the mean"
        if self.rule == Rule.TREND:
            return f"{n} points in a row {'rising' if above else 'falling'}"
        return f"{n} of 3 points in a row close to the {'upper' if above else 'lower'} process limit"


def beyond_limits(values: Sequence[Fraction], lower: Fraction, upper: Fraction, offset: int = 0) -> list[Signal]:
    """Each point strictly beyond a process limit; a point on a limit is within it."""
    signals = []
    for i, value in enumerate(values):
        if value > upper:
            signals.append(Signal(Rule.BEYOND_LIMIT, Side.HIGH, (offset + i,)))
        elif value < lower:
            signals.append(Signal(Rule.BEYOND_LIMIT, Side.LOW, (offset + i,)))
    return signals


def _runs(keys: Sequence[Side | None], length: int, rule: Rule, offset: int) -> list[Signal]:
    """Maximal runs of one side, ``length`` long or longer; ``None`` ends a run."""
    signals, start = [], 0
    for i in range(len(keys) + 1):
        if i == len(keys) or keys[i] is None or keys[i] != keys[start]:
            if start < len(keys) and keys[start] is not None and i - start >= length:
                signals.append(Signal(rule, keys[start], tuple(range(offset + start, offset + i))))
            start = i
    return signals


def shifts(values: Sequence[Fraction], centre: Fraction, length: int = SHIFT_LENGTH, offset: int = 0) -> list[Signal]:
    """Runs of ``length`` or more points on one side of the mean. A point on the mean is on
    neither side, so it ends a run (ADR 0017)."""
    sides = [Side.HIGH if v > centre else Side.LOW if v < centre else None for v in values]
    return _runs(sides, length, Rule.SHIFT, offset)


def trends(values: Sequence[Fraction], length: int = TREND_LENGTH, offset: int = 0) -> list[Signal]:
    """Runs of ``length`` or more points each higher (or each lower) than the one before. Two equal
    points in a row end a trend; the whole run is marked, its first point too."""
    steps = [Side.HIGH if b > a else Side.LOW if b < a else None for a, b in zip(values, values[1:], strict=False)]
    # A step i runs from point i to point i + 1, so each run of steps also takes the point after it.
    return [
        Signal(Rule.TREND, signal.side, (*signal.points, signal.points[-1] + 1))
        for signal in _runs(steps, length - 1, Rule.TREND, offset)
    ]


def two_of_three(values: Sequence[Fraction], centre: Fraction, upper: Fraction, offset: int = 0) -> list[Signal]:
    """Two or three of any three points in a row strictly beyond two sigma on the same side (a
    point beyond the process limit counts): a signal for each such three, marking the points
    beyond two sigma, not the third."""
    low_line, high_line = two_sigma_lines(centre, upper)
    signals: list[Signal] = []
    for side, beyond in ((Side.HIGH, lambda v: v > high_line), (Side.LOW, lambda v: v < low_line)):
        for start in range(max(0, len(values) - 2)):
            window = tuple(offset + start + k for k in range(3) if beyond(values[start + k]))
            if len(window) >= 2:
                signals.append(Signal(Rule.TWO_OF_THREE, side, window))
    return signals


# --- The icons ------------------------------------------------------------------------------------


class Variation(StrEnum):
    """MDC's variation icon, for the latest point."""

    COMMON_CAUSE = "common_cause"
    IMPROVING_HIGH = "improving_high"
    IMPROVING_LOW = "improving_low"
    CONCERNING_HIGH = "concerning_high"
    CONCERNING_LOW = "concerning_low"
    NEITHER_HIGH = "neither_high"
    NEITHER_LOW = "neither_low"

    @property
    def label(self) -> str:
        kind = self.value.split("_")[0]
        return {
            "common": "Common cause: no significant change",
            "improving": "Special cause: improving",
            "concerning": "Special cause: concerning",
            "neither": f"Special cause: {'higher' if self.side == Side.HIGH else 'lower'} than usual",
        }[kind]

    @property
    def side(self) -> Side | None:
        return None if self == Variation.COMMON_CAUSE else Side(self.value.rsplit("_", 1)[1])

    @property
    def tone(self) -> str:
        """The icon's kind, which the template colours: common, improving, concerning or neither."""
        return self.value.split("_")[0]

    @property
    def letter(self) -> str:
        """The letter in MDC's icon: H or L for a special cause, none for common cause."""
        return {Side.HIGH: "H", Side.LOW: "L", None: ""}[self.side]


class Assurance(StrEnum):
    """MDC's assurance icon: can the process be relied on to meet its target?"""

    HIT_AND_MISS = "hit_and_miss"
    PASSING = "passing"
    FAILING = "failing"

    @property
    def label(self) -> str:
        return {"hit_and_miss": "Hit and miss", "passing": "Consistently passing", "failing": "Consistently failing"}[
            self.value
        ]

    @property
    def meaning(self) -> str:
        """What the icon tells a reader, in a sentence."""
        return {
            "hit_and_miss": "the target lies within the process limits, so it will be met in some periods "
            "and missed in others unless the process changes",
            "passing": "both process limits are on the passing side of the target, so it will be met "
            "unless the process changes",
            "failing": "both process limits are on the failing side of the target, so it will not be met "
            "unless the process changes",
        }[self.value]

    @property
    def letter(self) -> str:
        return {"hit_and_miss": "?", "passing": "P", "failing": "F"}[self.value]


def variation(signals: Iterable[Signal], latest: int, polarity: Polarity) -> tuple[Variation, tuple[Signal, ...]]:
    """The latest point's variation and the signals that mark it. Improving or concerning by
    polarity; when signals on the latest point point both ways (a rising trend still below the
    mean) the concern is shown, as the one to act on."""
    marking = tuple(signal for signal in signals if latest in signal.points)
    if not marking:
        return Variation.COMMON_CAUSE, ()
    sides = {signal.side for signal in marking}
    if polarity == Polarity.NONE:
        return Variation(f"neither_{_first_ranked_side(marking)}"), marking
    good = Side.HIGH if polarity == Polarity.HIGHER_IS_BETTER else Side.LOW
    bad = Side.LOW if good == Side.HIGH else Side.HIGH
    if bad in sides:
        return Variation(f"concerning_{bad}"), tuple(s for s in marking if s.side == bad)
    return Variation(f"improving_{good}"), marking


def _first_ranked_side(marking: Sequence[Signal]) -> Side:
    """With no polarity, the side of the first-ranked rule marking the latest point (a limit
    before a two-of-three before a shift before a trend)."""
    order = [Rule.BEYOND_LIMIT, Rule.TWO_OF_THREE, Rule.SHIFT, Rule.TREND]
    return min(marking, key=lambda signal: order.index(signal.rule)).side


def assurance(lower: Fraction, upper: Fraction, target: Fraction | None, polarity: Polarity) -> Assurance | None:
    """Where the target sits against the limits. A target on a limit is within them (hit and
    miss). None without a target or a polarity: nothing passes or fails then."""
    if target is None or polarity == Polarity.NONE:
        return None
    if lower <= target <= upper:
        return Assurance.HIT_AND_MISS
    above_target = lower > target  # both limits above the target
    passing = above_target == (polarity == Polarity.HIGHER_IS_BETTER)
    return Assurance.PASSING if passing else Assurance.FAILING


# --- The whole analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SpcPoint:
    """One figure: its data period's label, its value, and the date its data period ends (which
    side of a recorded change it falls)."""

    label: str
    value: Decimal
    when: datetime.date | None = None
    #: The target that judged it, for the chart's target line; the rules do not read it.
    target: Decimal | None = None


@dataclass(frozen=True)
class Segment:
    """A stretch of points between recorded changes, with its own mean and, when it has enough
    points, its own limits and signals. ``start`` and ``end`` are places in the series (end
    exclusive)."""

    start: int
    end: int
    mean: Fraction
    average_moving_range: Fraction | None = None
    lower: Fraction | None = None
    upper: Fraction | None = None
    signals: tuple[Signal, ...] = ()

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def has_limits(self) -> bool:
        return self.upper is not None

    @property
    def provisional(self) -> bool:
        return self.has_limits and self.size < RECOMMENDED_POINTS


def segment(values: Sequence[Fraction], start: int = 0, minimum: int = MINIMUM_POINTS) -> Segment:
    """One segment's mean, and with ``minimum`` points or more its limits and every rule's signals."""
    centre = mean(values)
    end = start + len(values)
    if len(values) < max(minimum, 2):
        return Segment(start, end, centre)
    lower, upper = process_limits(values)
    signals = (
        *beyond_limits(values, lower, upper, start),
        *shifts(values, centre, offset=start),
        *trends(values, offset=start),
        *two_of_three(values, centre, upper, start),
    )
    return Segment(start, end, centre, average_moving_range(values), lower, upper, signals)


def split_at_changes(points: Sequence[SpcPoint], changes: Iterable[datetime.date]) -> list[tuple[int, int]]:
    """(start, end) of each stretch: a change dated D starts a new stretch at the first point whose
    data period ends on or after D. Changes before the first point or after the last split nothing."""
    cuts = set()
    for change in changes:
        first = next((i for i, p in enumerate(points) if p.when is not None and p.when >= change), None)
        if first:  # neither None (after the last point) nor 0 (before the first)
            cuts.add(first)
    bounds = [0, *sorted(cuts), len(points)]
    return list(zip(bounds, bounds[1:], strict=False))


@dataclass(frozen=True)
class SpcResult:
    """A KPI's SPC: its points, each segment's mean, limits and signals, and the icons for the
    latest point. ``variation`` and ``assurance`` are None when the latest segment is too short
    to have limits (or, for assurance, without a target or polarity)."""

    points: tuple[SpcPoint, ...]
    polarity: Polarity
    target: Decimal | None = None
    segments: tuple[Segment, ...] = ()
    variation: Variation | None = None
    variation_signals: tuple[Signal, ...] = ()
    assurance: Assurance | None = None
    minimum: int = MINIMUM_POINTS
    #: Why SPC does not apply to these figures at all (a year-to-date figure), when it does not.
    not_applicable: str = ""

    @property
    def latest(self) -> Segment | None:
        return self.segments[-1] if self.segments else None

    @property
    def has_limits(self) -> bool:
        return self.latest is not None and self.latest.has_limits

    @property
    def marked(self) -> dict[int, str]:
        """Each point marked by a special cause, with its tone (improving, concerning or neither),
        for the chart. A point marked both ways is concerning."""
        good = {Polarity.HIGHER_IS_BETTER: Side.HIGH, Polarity.LOWER_IS_BETTER: Side.LOW}.get(self.polarity)
        tones: dict[int, str] = {}
        for seg in self.segments:
            for signal in seg.signals:
                tone = "neither" if good is None else "improving" if signal.side == good else "concerning"
                for i in signal.points:
                    if tones.get(i) != "concerning":
                        tones[i] = tone
        return tones

    @property
    def variation_text(self) -> str:
        """ "Special cause: concerning — 7 points in a row below the mean"."""
        if self.variation is None:
            return ""
        if not self.variation_signals:
            return self.variation.label
        reasons = "; ".join(dict.fromkeys(signal.text for signal in self.variation_signals))
        return f"{self.variation.label} — {reasons}"

    @property
    def assurance_text(self) -> str:
        return f"{self.assurance.label}: {self.assurance.meaning}" if self.assurance else ""

    @property
    def provisional_text(self) -> str:
        """A caveat when the latest limits rest on fewer points than MDC recommends."""
        latest = self.latest
        if latest is None or not latest.provisional:
            return ""
        return (
            f"The process limits rest on {latest.size} figures, fewer than the {RECOMMENDED_POINTS} Making Data "
            "Count recommends, so treat them as provisional."
        )

    @property
    def shortfall_text(self) -> str:
        """Why there are no limits, when there are none."""
        if self.not_applicable:
            return self.not_applicable
        latest = self.latest
        if latest is None or latest.has_limits:
            return ""
        since = " since the definition last changed" if len(self.segments) > 1 else ""
        return (
            f"Only {latest.size} point{'s' if latest.size != 1 else ''}{since}: process limits need at least "
            f"{self.minimum}, so the chart shows the points and their mean only, and no special causes are judged."
        )


def analyse(
    points: Sequence[SpcPoint],
    *,
    polarity: Polarity,
    target: Decimal | None = None,
    changes: Iterable[datetime.date] = (),
    minimum: int = MINIMUM_POINTS,
) -> SpcResult:
    """The SPC of ``points`` (oldest first): limits and rules per segment between ``changes``,
    and the icons for the latest point against ``target`` by ``polarity``."""
    if not points:
        return SpcResult((), polarity, target, minimum=minimum)
    values = [exact(point.value) for point in points]
    segments = tuple(segment(values[start:end], start, minimum) for start, end in split_at_changes(points, changes))
    latest = segments[-1]
    if not latest.has_limits:
        return SpcResult(tuple(points), polarity, target, segments, minimum=minimum)
    shown, marking = variation(latest.signals, len(points) - 1, polarity)
    sure = assurance(latest.lower, latest.upper, None if target is None else exact(target), polarity)
    return SpcResult(tuple(points), polarity, target, segments, shown, marking, sure, minimum)


def as_decimal(value: Fraction, places: int = 6) -> Decimal:
    """An exact fraction as a Decimal to ``places`` decimal places, for showing and charting."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(1).scaleb(-places))
