"""Trend charts from one definition: drawn on screen by plotly.js and in PDFs as SVG by matplotlib.

A ``TrendChart`` holds only labels and numbers, so any app can build one. Both drawings take
their colours, lines and markers from ``ACTUAL`` and ``TARGET`` below, so a chart looks the same
on screen and on paper, and ``describe`` and ``table_rows`` say the same things in words for
people who cannot see either drawing (ADR 0010).
"""

from __future__ import annotations

import base64
import contextlib
import io
import math
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from core.numbers import round_half_up

# --- The one style both drawings use ------------------------------------------------------------

#: The site's font stack (static/scss/app.scss), so chart text on screen matches the page.
FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", arial, sans-serif'
#: matplotlib measures text with a real font file, so PDFs use Arial, or Liberation Sans (the
#: same widths) where Arial is not installed; the SVG names them all, ending in sans-serif.
PRINT_FONTS = ["Arial", "Liberation Sans", "DejaVu Sans"]
FONT_SIZE_PX = 14
TEXT_COLOUR = "#0b0c0c"  # GOV.UK text colour
AXIS_COLOUR = "#505a5f"  # GOV.UK secondary text colour
GRID_COLOUR = "#b1b4b6"  # GOV.UK mid grey: gridlines only guide the eye
#: One CSS pixel is 0.75 of a point; plotly works in pixels, matplotlib in points.
POINTS_PER_PX = 0.75
PX_PER_INCH = 96


@dataclass(frozen=True)
class SeriesStyle:
    """How one line is drawn. Each line differs in dash and marker shape as well as colour, so
    the two can be told apart in greyscale print and by people who do not see colour."""

    name: str
    colour: str  # at least 3:1 against white (WCAG 2.2 non-text contrast)
    line_width_px: float
    dash_px: tuple[float, ...]  # on/off lengths; () for a solid line
    marker: str  # plotly's symbol name; MATPLOTLIB_MARKERS has the same shape
    marker_size_px: float


ACTUAL = SeriesStyle("Actual", "#1d70b8", 3, (), "circle", 8)  # GOV.UK blue, 5.2:1
TARGET = SeriesStyle("Target", "#0b0c0c", 2, (6, 4), "diamond", 7)  # GOV.UK black, 19:1
MATPLOTLIB_MARKERS = {"circle": "o", "diamond": "D"}

NO_DATA = "no data"


# --- The chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One period: its label ("2024/25 Q3"), the actual value and the target, either missing."""

    label: str
    actual: Decimal | None
    target: Decimal | None = None


@dataclass(frozen=True)
class TrendChart:
    """Actual against target over time, in the order the periods ran. ``prefix`` and ``suffix``
    carry the unit ("£", "%", " days"); values are shown to ``decimal_places``."""

    title: str
    points: tuple[TrendPoint, ...]
    decimal_places: int = 0
    prefix: str = ""
    suffix: str = ""
    axis_title: str = "Value"

    @property
    def has_data(self) -> bool:
        return any(point.actual is not None for point in self.points)

    @property
    def has_targets(self) -> bool:
        return any(point.target is not None for point in self.points)

    def format(self, value: Decimal) -> str:
        """A value as people read it: rounded half-up, thousands separated, sign before the £."""
        rounded = round_half_up(value, self.decimal_places)
        sign = "-" if rounded < 0 else ""
        return f"{sign}{self.prefix}{abs(rounded):,.{self.decimal_places}f}{self.suffix}"


class TableRow(NamedTuple):
    label: str
    actual: str
    target: str


def table_rows(chart: TrendChart) -> list[TableRow]:
    """The chart's data for the table under it, with "no data" where a value is missing."""
    return [
        TableRow(
            point.label,
            NO_DATA if point.actual is None else chart.format(point.actual),
            NO_DATA if point.target is None else chart.format(point.target),
        )
        for point in chart.points
    ]


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
    return " ".join(sentences)


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


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _against_target(chart: TrendChart, latest: TrendPoint) -> str:
    if latest.target is None:
        return "The latest period has no target."
    value = round_half_up(latest.actual, chart.decimal_places)
    target = round_half_up(latest.target, chart.decimal_places)
    where = "above" if value > target else "below" if value < target else "on"
    return f"The latest is {where} its target of {chart.format(latest.target)}."


# --- On screen: plotly.js -------------------------------------------------------------------


def _floats(values: list[Decimal | None]) -> list[float | None]:
    return [None if value is None else float(value) for value in values]


def _plotly_trace(chart: TrendChart, style: SeriesStyle, values: list[Decimal | None]) -> dict:
    number = f"{chart.prefix}%{{y:,.{chart.decimal_places}f}}{chart.suffix}"
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": style.name,
        "x": [point.label for point in chart.points],
        "y": _floats(values),
        "connectgaps": False,
        "line": {
            "color": style.colour,
            "width": style.line_width_px,
            "dash": ",".join(f"{length:g}px" for length in style.dash_px) or "solid",
        },
        "marker": {"symbol": style.marker, "size": style.marker_size_px, "color": style.colour},
        "hovertemplate": f"%{{x}}<br>{style.name}: {number}<extra></extra>",
    }


def plotly_spec(chart: TrendChart, height_px: int = 360) -> dict:
    """Arguments for ``Plotly.newPlot``, plain JSON for ``json_script``. The chart fills the width
    of its container; it has no mode bar and cannot be zoomed or dragged, because it is read, not
    explored: hovering a point shows its value, and the table under it gives them all."""
    data = [_plotly_trace(chart, ACTUAL, [point.actual for point in chart.points])]
    if chart.has_targets:
        data.append(_plotly_trace(chart, TARGET, [point.target for point in chart.points]))
    axis = {"color": TEXT_COLOUR, "linecolor": AXIS_COLOUR, "showline": True, "fixedrange": True, "automargin": True}
    layout = {
        "height": height_px,
        "font": {"family": FONT_FAMILY, "size": FONT_SIZE_PX, "color": TEXT_COLOUR},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 16, "r": 16, "t": 40, "b": 16},
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1,
            "yanchor": "bottom",
            "itemclick": False,
            "itemdoubleclick": False,
        },
        "hovermode": "closest",
        "dragmode": False,
        "xaxis": {**axis, "type": "category", "title": {"text": "Data period"}, "ticks": "outside", "showgrid": False},
        "yaxis": {
            **axis,
            "title": {"text": chart.axis_title},
            "tickformat": f",.{chart.decimal_places}f",
            "tickprefix": chart.prefix,
            "ticksuffix": chart.suffix,
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
        },
    }
    config = {
        "displayModeBar": False,
        "responsive": True,
        "scrollZoom": False,
        "doubleClick": False,
        "showTips": False,
        "displaylogo": False,
    }
    return {"data": data, "layout": layout, "config": config}


# --- In PDFs: matplotlib SVG ----------------------------------------------------------------

#: Settings for every SVG: text stays text (selectable, searchable, sharp at any zoom) and
#: element ids come from a fixed salt, so the same chart gives the same bytes and a published
#: PDF's checksum can be reproduced.
SVG_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "pmf-trend-chart",
    "font.family": "sans-serif",
    "font.sans-serif": PRINT_FONTS,
    "font.size": FONT_SIZE_PX * POINTS_PER_PX,
    "lines.scale_dashes": False,
    "axes.edgecolor": AXIS_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "text.color": TEXT_COLOUR,
    "xtick.color": AXIS_COLOUR,
    "ytick.color": AXIS_COLOUR,
    "xtick.labelcolor": TEXT_COLOUR,
    "ytick.labelcolor": TEXT_COLOUR,
}
#: rc_context swaps matplotlib's process-wide settings and restores them on the way out, so two
#: threads drawing at once could restore each other's settings mid-drawing; one at a time.
_SVG_LOCK = threading.Lock()
#: More labels than this along the bottom and only every n-th is written.
MAX_X_LABELS = 16
#: At most this many gaps between the value axis's round values.
Y_TICKS = 4
#: Labels too long to sit side by side slope down from their ticks, as plotly.js slopes them.
SLANT_DEGREES = 30


_DRAWING = threading.local()


@contextlib.contextmanager
def drawing():
    """Hold the lock and matplotlib's settings while drawing many charts: entering the settings
    deep-copies all of matplotlib's, which cost as much as drawing a chart. Nests freely."""
    if getattr(_DRAWING, "active", False):
        yield
        return
    import matplotlib

    with _SVG_LOCK, matplotlib.rc_context(SVG_RC):
        _DRAWING.active = True
        try:
            yield
        finally:
            _DRAWING.active = False


def svg(chart: TrendChart, width_px: int = 640, height_px: int = 360) -> str:
    """The chart as an SVG element to embed in a PDF's HTML, drawn like ``plotly_spec`` draws it.
    Uses matplotlib's object API, not pyplot, so it needs no display and keeps no global figures.
    Not for pages under the site's CSP: matplotlib writes ``style`` attributes."""
    # Imported here: matplotlib takes a second or two to import and only PDF building needs it.
    from matplotlib.figure import Figure

    with drawing():
        figure = Figure(figsize=(width_px / PX_PER_INCH, height_px / PX_PER_INCH))
        if chart.has_data:
            _draw_trend(figure, chart, width_px, height_px)
        else:
            figure.text(0.5, 0.5, "No data yet", ha="center", va="center")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # without the XML prolog and doctype, so it can be embedded


def svg_data_uri(chart: TrendChart, width_px: int = 640, height_px: int = 360) -> str:
    """The SVG as an ``<img src>`` for WeasyPrint, which keeps it as vectors in the PDF."""
    encoded = base64.b64encode(svg(chart, width_px, height_px).encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"


def _draw_trend(figure, chart: TrendChart, width_px: int, height_px: int) -> None:
    from matplotlib.ticker import MaxNLocator

    axes = figure.add_subplot()
    positions = range(len(chart.points))
    _draw_series(axes, positions, ACTUAL, [point.actual for point in chart.points])
    if chart.has_targets:
        _draw_series(axes, positions, TARGET, [point.target for point in chart.points])
    axes.set_xlim(-0.5, len(chart.points) - 0.5)  # half a period either side, as plotly.js pads categories
    step = math.ceil(len(chart.points) / MAX_X_LABELS)
    labels = [point.label for point in chart.points][::step]
    slanted = _labels_crowded(labels, width_px)
    slant = {"rotation": -SLANT_DEGREES, "ha": "left", "rotation_mode": "anchor"} if slanted else {}
    axes.set_xticks(positions[::step], labels, **slant)
    axes.set_xlabel("Data period")
    axes.set_ylabel(chart.axis_title)
    axes.yaxis.set_major_formatter(f"{chart.prefix}{{x:,.{chart.decimal_places}f}}{chart.suffix}")
    # A few round values on the value axis: each tick costs time to draw and to paint in a PDF.
    axes.yaxis.set_major_locator(MaxNLocator(nbins=Y_TICKS, min_n_ticks=2))
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=POINTS_PER_PX)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    # No tick marks: the labels and the gridlines say it all, and each mark is one more element
    # for WeasyPrint to paint in every chart of the pack.
    axes.tick_params(length=0)
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False, borderaxespad=0.2)
    _leave_margins(figure, chart, labels, slanted, width_px, height_px)


def _draw_series(axes, positions, style: SeriesStyle, values: list[Decimal | None]) -> None:
    """One line; a missing value leaves a gap (NaN), as plotly leaves one for null."""
    axes.plot(
        positions,
        [math.nan if value is None else float(value) for value in values],
        label=style.name,
        color=style.colour,
        linewidth=style.line_width_px * POINTS_PER_PX,
        linestyle=(0, tuple(length * POINTS_PER_PX for length in style.dash_px)) if style.dash_px else "solid",
        marker=MATPLOTLIB_MARKERS[style.marker],
        markersize=style.marker_size_px * POINTS_PER_PX,
    )


#: Near enough for laying out: an average character's width and a line's height.
CHARACTER_PX = FONT_SIZE_PX * 0.6
LINE_PX = FONT_SIZE_PX * 1.4
EDGE_PX = 16


def _labels_crowded(labels: list[str], width_px: int) -> bool:
    """Whether the labels would overlap side by side."""
    return sum(len(label) + 2 for label in labels) * CHARACTER_PX > width_px * 0.85


def _leave_margins(figure, chart: TrendChart, labels: list[str], slanted: bool, width_px: int, height_px: int) -> None:
    """Room round the plot for the labels, worked out from their lengths: measuring the drawn
    text (matplotlib's constrained layout) would double the time each chart takes."""
    values = [value for point in chart.points for value in (point.actual, point.target) if value is not None]
    left = (max(len(chart.format(value)) for value in values) + 1) * CHARACTER_PX + LINE_PX + EDGE_PX
    angle = math.radians(SLANT_DEGREES)
    last_label = len(labels[-1]) * CHARACTER_PX
    past_last_tick = last_label * math.cos(angle) if slanted else last_label / 2
    half_period = (width_px - left - EDGE_PX) / len(chart.points) / 2
    drop = max(len(label) for label in labels) * CHARACTER_PX * math.sin(angle) if slanted else 0
    figure.subplots_adjust(
        left=left / width_px,
        right=1 - max(EDGE_PX, past_last_tick - half_period) / width_px,
        top=1 - (LINE_PX + EDGE_PX) / height_px,
        bottom=(drop + 2 * LINE_PX + EDGE_PX) / height_px,
    )
