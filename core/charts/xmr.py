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

from core.charts.axes import value_axis
from core.charts.model import (
    AXIS_COLOUR,
    LIMITS,
    MEAN,
    SPECIAL,
    TARGET,
    SeriesStyle,
    TrendChart,
    TrendPoint,
    XmrSegment,
)
from core.charts.svg import SVG_METADATA, _Frame, _lean, _series, _write, drawing, spc_marks, spc_rules, spc_tones

VALUE = SeriesStyle("Value", AXIS_COLOUR, 2, (), "circle", 7)  # GOV.UK secondary grey, 7:1
#: The target without markers: one per point would crowd the special-cause marks.
XMR_TARGET = replace(TARGET, marker="")


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
    tones = spc_tones(chart.marked)
    legend = [VALUE, MEAN]
    if chart.has_limits:
        legend.append(LIMITS)
    if trend.has_targets:
        legend.append(XMR_TARGET)
    legend += [SPECIAL[tone] for tone in tones]
    frame = _Frame.draw(figure, trend, axis, width_px, height_px, legend)
    spc_rules(figure, frame, chart.segments)
    if trend.has_targets:
        targets = [math.nan if point.target is None else frame.y(point.target) for point in trend.points]
        _series(figure, XMR_TARGET, frame.xs, targets)
    values = [math.nan if point.actual is None else frame.y(point.actual) for point in trend.points]
    _series(figure, VALUE, frame.xs, values)
    spc_marks(figure, frame, values, chart.marked)
    frame.finish(figure)
