"""The chart in words, for people who cannot see either drawing (ADR 0010)."""

from __future__ import annotations

from core.charts.model import (
    TrendChart,
    TrendPoint,
    limits_text,
)
from core.numbers import round_half_up

# --- In words -------------------------------------------------------------------------------


def describe(chart: TrendChart) -> str:
    """The trend in a sentence or two, for screen readers, PDF alt text and the figure caption:
    first and last values (rounded as shown), the periods without one, and the latest against its
    target. "Above" and "below" are neutral because whether higher is better is not the chart's to know."""
    measured = [point for point in chart.points if point.actual is not None]
    if not measured:
        return "No data yet."
    first, last = measured[0], measured[-1]
    span = chart.points[chart.points.index(first) : chart.points.index(last) + 1]
    sentences = [_movement(chart, first, last, len(span))]
    gaps = [point.label for point in span if point.actual is None]
    if gaps:
        sentences.append(_gaps(gaps))
    if chart.has_targets:
        sentences.append(_against_target(chart, last))
    if chart.has_neighbours:
        sentences.append(_neighbours(chart))
    if chart.spc is not None:
        sentences.append(spc_words(chart))
    return " ".join(sentences)


def spc_words(chart: TrendChart) -> str:
    """The SPC drawn into the chart, in words: the latest mean and process limits and the points
    marked as special causes, for the alt text and the caption."""
    spc = chart.spc
    latest = spc.latest
    words = f"Statistical process control: mean {chart.format(latest.mean)}"
    if latest.upper is not None:
        words += f", process limits {limits_text(chart, latest)}"
    if len(spc.segments) > 1:
        words += " since the definition last changed"
    words += "."
    points = [f"{chart.points[place].label} ({tone})" for place, tone in spc.marked]
    if 0 < len(points) <= 3:
        words += f" Special cause at {_and_list(points, 'and')}."
    elif points:
        words += f" {len(points)} points marked as special causes, the latest {points[-1]}."
    return words


def _neighbours(chart: TrendChart) -> str:
    """The neighbours' average line: where it ends, so the reader hears the line is there."""
    latest = next(point for point in reversed(chart.points) if point.neighbours is not None)
    return f"A second line shows the neighbours' average, {chart.format(latest.neighbours)} in {latest.label}."


def _movement(chart: TrendChart, first: TrendPoint, last: TrendPoint, periods: int) -> str:
    start, end = chart.format(first.actual), chart.format(last.actual)
    if first is last:
        return f"{end} in {last.label}, the only value so far."
    start_value = round_half_up(first.actual, chart.decimal_places)
    end_value = round_half_up(last.actual, chart.decimal_places)
    over = f"over {periods} periods"
    if end_value > start_value:
        return f"Rose from {start} in {first.label} to {end} in {last.label} {over}."
    if end_value < start_value:
        return f"Fell from {start} in {first.label} to {end} in {last.label} {over}."
    return f"Unchanged at {end} from {first.label} to {last.label} {over}."


def _gaps(labels: list[str]) -> str:
    if len(labels) > 3:
        return f"{len(labels)} periods have no value."
    return f"No value for {_and_list(labels)}."


def _and_list(items: list[str], joining: str = "or") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {joining} " + items[-1]


def _against_target(chart: TrendChart, latest: TrendPoint) -> str:
    if latest.target is None:
        return "The latest period has no target."
    value = round_half_up(latest.actual, chart.decimal_places)
    target = round_half_up(latest.target, chart.decimal_places)
    where = "above" if value > target else "below" if value < target else "on"
    return f"The latest is {where} its target of {chart.format(latest.target)}."
