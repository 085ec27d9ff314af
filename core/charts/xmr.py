"""The XmR chart of statistical process control (ADR 0017), drawn as SVG with matplotlib on the
trend chart's frame (``svg._Frame``), so periods and values are written the same way.

Like ``TrendChart`` it holds only labels and numbers: the rules that find the mean, the limits
and the special causes are the KPIs' (``kpis.spc``); this draws what they found. Special-cause
points differ in shape as well as colour (a triangle for improving, a square for concerning, a
hexagon for neither), so they can be told apart in greyscale print and without colour.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, replace
from decimal import Decimal

from core.charts.axes import value_axis
from core.charts.model import AXIS_COLOUR, TARGET, TEXT_COLOUR, SeriesStyle, TrendChart, TrendPoint
from core.charts.svg import SVG_METADATA, _Frame, _lean, _line_style, _rules, _series, _write, drawing

VALUE = SeriesStyle("Value", AXIS_COLOUR, 2, (), "circle", 7)  # GOV.UK secondary grey, 7:1
MEAN = SeriesStyle("Mean", TEXT_COLOUR, 1.5, (), "", 0)
LIMITS = SeriesStyle("Process limits", AXIS_COLOUR, 1.5, (2, 3), "", 0)
#: The target without markers: one per point would crowd the special-cause marks.
XMR_TARGET = replace(TARGET, marker="")
#: Special causes by tone: colours as Making Data Count uses them (blue improving, orange
#: concerning, purple neither), each at least 3:1 against white, and each its own shape.
SPECIAL = {
    "improving": SeriesStyle("Special cause: improving", "#1d70b8", 0, (), "triangle-up", 12),  # 5.2:1
    "concerning": SeriesStyle("Special cause: concerning", "#c35b00", 0, (), "square", 10),  # 4.4:1
    "neither": SeriesStyle("Special cause", "#4c2c92", 0, (), "hexagon", 11),  # 10:1
}


@dataclass(frozen=True)
class XmrSegment:
    """A stretch between recorded changes: places in the chart's points (end exclusive), its mean,
    and its process limits when it has enough points for them."""

    start: int
    end: int
    mean: Decimal
    lower: Decimal | None = None
    upper: Decimal | None = None


@dataclass(frozen=True)
class XmrChart:
    """The points (with their targets) as a trend chart, each segment's mean and limits, and the
    special-cause points by their place, each with its tone (improving, concerning, neither)."""

    trend: TrendChart
    segments: tuple[XmrSegment, ...]
    marked: tuple[tuple[int, str], ...] = ()

    @property
    def has_limits(self) -> bool:
        return any(segment.upper is not None for segment in self.segments)


def xmr_svg(chart: XmrChart, width_px: int = 640, height_px: int = 360) -> str:
    """The XmR chart as an SVG element. The frame and the value axis are the trend chart's, the
    axis stretched to hold the limits."""
    from matplotlib.figure import Figure

    from core.charts.model import PX_PER_INCH

    trend = chart.trend
    bounds = tuple(
        TrendPoint("", segment.lower, segment.upper) for segment in chart.segments if segment.upper is not None
    )
    axis = value_axis(replace(trend, points=trend.points + bounds))
    with drawing():
        figure = Figure(figsize=(width_px / PX_PER_INCH, height_px / PX_PER_INCH))
        if trend.has_data:
            _draw_xmr(figure, chart, axis, width_px, height_px)
        else:
            _write(figure, 0.5, 0.5, "No data yet", ha="center", va="center")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    text = buffer.getvalue()
    return _lean(text[text.index("<svg") :])


def xmr_data_uri(chart: XmrChart, width_px: int = 640, height_px: int = 360) -> str:
    """The SVG as an ``<img src>``: on a page under the CSP (matplotlib writes ``style``
    attributes, which an image may hold) and in a PDF alike."""
    encoded = base64.b64encode(xmr_svg(chart, width_px, height_px).encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"


def _draw_xmr(figure, chart: XmrChart, axis, width_px: int, height_px: int) -> None:
    trend = chart.trend
    tones = [tone for tone in SPECIAL if any(marked == tone for _, marked in chart.marked)]
    legend = [VALUE, MEAN]
    if chart.has_limits:
        legend.append(LIMITS)
    if trend.has_targets:
        legend.append(XMR_TARGET)
    legend += [SPECIAL[tone] for tone in tones]
    frame = _Frame.draw(figure, trend, axis, width_px, height_px, legend)
    xs = frame.xs
    half = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 0.02

    def across(segment: XmrSegment, value: Decimal) -> tuple[list[float], list[float]]:
        return [xs[segment.start] - half, xs[segment.end - 1] + half], [frame.y(value)] * 2

    limits = [
        across(segment, bound)
        for segment in chart.segments
        if segment.upper is not None
        for bound in (segment.lower, segment.upper)
    ]
    _rules(figure, limits, **_line_style(LIMITS))
    _rules(figure, [across(segment, segment.mean) for segment in chart.segments], **_line_style(MEAN))
    if trend.has_targets:
        targets = [math.nan if point.target is None else frame.y(point.target) for point in trend.points]
        _series(figure, XMR_TARGET, xs, targets)
    values = [math.nan if point.actual is None else frame.y(point.actual) for point in trend.points]
    _series(figure, VALUE, xs, values)
    for tone in tones:
        places = [place for place, marked in chart.marked if marked == tone]
        _series(figure, SPECIAL[tone], xs, values, markers_at=places)
    frame.finish(figure)
