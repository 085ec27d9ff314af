"""Trend charts from one definition: drawn on screen by plotly.js and in PDFs as SVG by matplotlib.

A ``TrendChart`` holds only labels and numbers, so any app can build one. Both drawings take
their colours, lines and markers from ``ACTUAL`` and ``TARGET`` (``model``), so a chart looks
the same on screen and on paper, and ``describe`` and ``table_rows`` say the same things in
words for people who cannot see either drawing (ADR 0010).

The package: ``model`` (the chart and its style), ``axes`` (where periods sit, how they are
written, round values), ``words``, ``plotly`` (on screen), ``svg`` (matplotlib, for PDFs) and ``xmr`` (the SPC chart,
matplotlib SVG on screen and on paper).
Callers import from ``core.charts``.
"""

from __future__ import annotations

from core.charts.axes import (
    AXIS_TITLE,
    NICE_STEPS,
    Y_TICKS,
    Categories,
    Group,
    ValueAxis,
    categories,
    positions,
    value_axis,
)
from core.charts.model import (
    ACTUAL,
    AXIS_COLOUR,
    FONT_FAMILY,
    FONT_SIZE_PX,
    GRID_COLOUR,
    MATPLOTLIB_MARKERS,
    NEIGHBOURS,
    NO_DATA,
    POINTS_PER_PX,
    PRINT_FONTS,
    PX_PER_INCH,
    TARGET,
    TEXT_COLOUR,
    SeriesStyle,
    TableRow,
    TrendChart,
    TrendPoint,
    chart_content,
    chart_from_content,
    table_rows,
)
from core.charts.plotly import YEAR_ROW_PX, YEAR_RULE_PX, plotly_spec
from core.charts.sparkline import sparkline_svg, sparkline_uri
from core.charts.svg import (
    CHARACTER_PX,
    CIRCLE_KAPPA,
    EDGE_PX,
    LABEL_GAP_PX,
    LEGEND_SAMPLE_PX,
    LEGEND_SPACE_PX,
    LINE_PX,
    MAX_X_LABELS,
    SLANT_DEGREES,
    SLANTED_SPACING_PX,
    SVG_METADATA,
    SVG_RC,
    _Layout,
    drawing,
    svg,
    svg_data_uri,
)
from core.charts.words import describe
from core.charts.xmr import XmrChart, XmrSegment, xmr_data_uri, xmr_svg

__all__ = [
    "FONT_FAMILY",
    "PRINT_FONTS",
    "FONT_SIZE_PX",
    "TEXT_COLOUR",
    "AXIS_COLOUR",
    "GRID_COLOUR",
    "POINTS_PER_PX",
    "PX_PER_INCH",
    "SeriesStyle",
    "ACTUAL",
    "TARGET",
    "MATPLOTLIB_MARKERS",
    "NEIGHBOURS",
    "NO_DATA",
    "TrendPoint",
    "TrendChart",
    "chart_content",
    "chart_from_content",
    "TableRow",
    "table_rows",
    "Group",
    "Categories",
    "AXIS_TITLE",
    "categories",
    "ValueAxis",
    "NICE_STEPS",
    "Y_TICKS",
    "value_axis",
    "positions",
    "describe",
    "sparkline_svg",
    "sparkline_uri",
    "YEAR_ROW_PX",
    "YEAR_RULE_PX",
    "plotly_spec",
    "SVG_RC",
    "SVG_METADATA",
    "MAX_X_LABELS",
    "SLANT_DEGREES",
    "LABEL_GAP_PX",
    "drawing",
    "svg",
    "svg_data_uri",
    "CHARACTER_PX",
    "LINE_PX",
    "EDGE_PX",
    "LEGEND_SAMPLE_PX",
    "LEGEND_SPACE_PX",
    "SLANTED_SPACING_PX",
    "_Layout",
    "CIRCLE_KAPPA",
    "XmrChart",
    "XmrSegment",
    "xmr_svg",
    "xmr_data_uri",
]
