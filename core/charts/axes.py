"""Axis arithmetic both drawings share: where each period sits, how periods are written
under their years, and a few round values up the side."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import NamedTuple

from core.charts.model import (
    TrendChart,
)


class Group(NamedTuple):
    """A year under the points it holds, by their positions."""

    label: str
    first: int
    last: int


class Categories(NamedTuple):
    """How the periods are written along the bottom: ``items`` under each point, and for
    quarters and months each year once, under its points (``groups``), so twelve quarters read
    "Q3 Q4 | Q1 Q2 Q3 Q4 | ..." over "2022/23 | 2023/24 | ..." rather than twelve long labels
    crowding each other."""

    items: list[str]
    groups: list[Group]
    title: str


#: Labels that split into a year and a part of it: "2024/25 Q3", "2024/25 Q3 year to date",
#: "Sep 2025". Anything else but years of one kind ("As at 31 Mar 2025") is written whole.
_YEAR_AND_PART = (
    re.compile(r"(?P<year>\d{4}/\d{2}) (?P<part>Q[1-4])(?P<to_date> year to date)?"),
    re.compile(r"(?P<part>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<year>\d{4})"),
)
#: Labels that are a year and the kind of year, the same for every point: the kind is said
#: once, in the axis title ("Data period (outturn)"), and the years fit side by side.
_YEAR_OF_A_KIND = re.compile(r"(?P<year>\d{4}(?:/\d{2})?) (?P<kind>outturn|academic year|calendar year)")
AXIS_TITLE = "Data period"


def categories(chart: TrendChart) -> Categories:
    """The period axis's labels, for both drawings."""
    labels = [point.label for point in chart.points]
    for pattern in _YEAR_AND_PART:
        matches = [pattern.fullmatch(label) for label in labels]
        if not labels or not all(matches):
            continue
        to_date = {bool(match.groupdict().get("to_date")) for match in matches}
        if len(to_date) > 1:
            break  # some year to date and some not: only the whole labels say which is which
        groups: list[Group] = []
        for position, match in enumerate(matches):
            if groups and groups[-1].label == match["year"]:
                groups[-1] = groups[-1]._replace(last=position)
            else:
                groups.append(Group(match["year"], position, position))
        title = f"{AXIS_TITLE} (year to date)" if to_date == {True} else AXIS_TITLE
        return Categories([match["part"] for match in matches], groups, title)
    matches = [_YEAR_OF_A_KIND.fullmatch(label) for label in labels]
    if labels and all(matches) and len({match["kind"] for match in matches}) == 1:
        return Categories([match["year"] for match in matches], [], f"{AXIS_TITLE} ({matches[0]['kind']})")
    return Categories(labels, [], AXIS_TITLE)


class ValueAxis(NamedTuple):
    """The value axis both drawings use: its range and a few round values on it, labelled as
    the figures are written ("72.5%", "£1,200"), never finer than the KPI's decimal places,
    so no two labels read the same."""

    low: Decimal
    high: Decimal
    ticks: list[Decimal]
    labels: list[str]


#: Round steps between the value axis's labels, times a power of ten.
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
#: At most this many gaps between the value axis's round values.
Y_TICKS = 4


def value_axis(chart: TrendChart) -> ValueAxis:
    """The values' span (any process limits too) with 5% to spare each side (a flat line gets
    a span of two of its smallest steps), and the closest round values on it that number no more than
    ``Y_TICKS + 1``, at least one shown decimal place apart."""
    values = [
        value for point in chart.points for value in (point.actual, point.target, point.neighbours) if value is not None
    ]
    if chart.spc is not None:  # the process limits drawn into the chart stay on it
        values += [v for seg in chart.spc.segments for v in (seg.mean, seg.lower, seg.upper) if v is not None]
    unit = Decimal(1).scaleb(-chart.decimal_places)
    low, high = (min(values), max(values)) if values else (Decimal(0), Decimal(0))
    if high - low < 2 * unit:
        middle = (low + high) / 2
        low, high = middle - unit, middle + unit
    spare = (high - low) / 20
    low, high = low - spare, high + spare
    rough = (high - low) / Y_TICKS
    power = Decimal(1).scaleb(rough.adjusted() - 1)
    steps = sorted(nice * scale for nice in NICE_STEPS for scale in (power, power * 10, power * 100))
    ticks: list[Decimal] = []
    for step in steps:
        if step >= unit and (step / unit) % 1 == 0:
            ticks = _multiples(step, low, high)
            if len(ticks) <= Y_TICKS + 1:
                break
    return ValueAxis(low, high, ticks, [chart.format(tick) for tick in ticks])


def _multiples(step: Decimal, low: Decimal, high: Decimal) -> list[Decimal]:
    first = (low / step).to_integral_value(rounding=ROUND_CEILING)
    last = (high / step).to_integral_value(rounding=ROUND_FLOOR)
    return [(index * step).quantize(step) + 0 for index in range(int(first), int(last) + 1)]


def positions(chart: TrendChart) -> list[int]:
    """Where each point sits along the bottom, counted from the left: its place in the chart's
    periods, which run oldest first. Both drawings place points here and nowhere else, so the
    screen and the PDF put every period in the same place (plotly.js's own category axes
    would sort a year's quarters by the order they first appear, putting Q4 before Q1 when
    the first year shown starts at Q4)."""
    return list(range(len(chart.points)))
