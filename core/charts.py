"""Trend charts from one definition: drawn on screen by plotly.js and in PDFs as SVG by matplotlib.

A ``TrendChart`` holds only labels and numbers, so any app can build one. Both drawings take
their colours, lines and markers from ``ACTUAL`` and ``TARGET`` below, so a chart looks the same
on screen and on paper, and ``describe`` and ``table_rows`` say the same things in words for
people who cannot see either drawing (ADR 0010).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import math
import re
import threading
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import NamedTuple

from core.numbers import exact_decimal, exact_text, figure_text, round_half_up

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
        """A value as people read it (``core.numbers.figure_text``) in the chart's unit."""
        return figure_text(value, self.decimal_places, self.prefix, self.suffix)


def chart_content(chart: TrendChart) -> dict:
    """The chart as a report's content stores it (plain JSON, exact figures as text), so the
    PDF and the published page draw it again from the content alone (``chart_from_content``)."""
    return {
        "title": chart.title,
        "decimal_places": chart.decimal_places,
        "prefix": chart.prefix,
        "suffix": chart.suffix,
        "axis_title": chart.axis_title,
        "points": [[p.label, exact_text(p.actual), exact_text(p.target)] for p in chart.points],
    }


def chart_from_content(spec: dict) -> TrendChart:
    """The chart ``chart_content`` stored."""
    return TrendChart(
        title=spec["title"],
        points=tuple(
            TrendPoint(label, exact_decimal(actual), exact_decimal(target)) for label, actual, target in spec["points"]
        ),
        decimal_places=spec["decimal_places"],
        prefix=spec["prefix"],
        suffix=spec["suffix"],
        axis_title=spec["axis_title"],
    )


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
    """The values' span with 5% to spare each side (a flat line gets a span of two of its
    smallest steps), and the closest round values on it that number no more than
    ``Y_TICKS + 1``, at least one shown decimal place apart."""
    values = [value for point in chart.points for value in (point.actual, point.target) if value is not None]
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


def positions(chart: TrendChart) -> list[int]:
    """Where each point sits along the bottom, counted from the left: its place in the chart's
    periods, which run oldest first. Both drawings place points here and nowhere else, so the
    screen and the PDF put every period in the same place (plotly.js's own category axes
    would sort a year's quarters by the order they first appear, putting Q4 before Q1 when
    the first year shown starts at Q4)."""
    return list(range(len(chart.points)))


#: Under quarters and months plotly.js gets each year as a note below the parts' labels and
#: a rule between years: this far below the plot, in pixels, from the tick (5 px), the gap
#: (3 px) and the parts' labels; the rules run down past the years' row.
YEAR_ROW_PX = 26
YEAR_RULE_PX = 46


def _plotly_x_axis(chart: TrendChart, along: Categories) -> tuple[dict, list[dict], list[dict]]:
    """The period axis for plotly.js: a number axis with each period at its ``positions`` and
    labelled with its part ("Q3"), and for quarters and months each year written once under
    its points between rules (annotations and shapes), as the PDF draws it."""
    places = positions(chart)
    axis = {
        "type": "linear",
        "range": [-0.5, len(places) - 0.5],
        "tickmode": "array",
        "tickvals": places,
        "ticktext": along.items,
        "title": {"text": along.title, "standoff": YEAR_RULE_PX - YEAR_ROW_PX if along.groups else 12},
        "ticks": "outside",
        "showgrid": False,
        "zeroline": False,
    }
    years = [
        {
            "x": (places[group.first] + places[group.last]) / 2,
            "xref": "x",
            "y": 0,
            "yref": "paper",
            "yanchor": "top",
            "yshift": -YEAR_ROW_PX,
            "text": group.label,
            "showarrow": False,
            "captureevents": False,
        }
        for group in along.groups
    ]
    rules = [
        {
            "type": "line",
            "xref": "x",
            "x0": places[group.first] - 0.5,
            "x1": places[group.first] - 0.5,
            "yref": "paper",
            "ysizemode": "pixel",
            "yanchor": 0,
            "y0": 0,
            "y1": -YEAR_RULE_PX,
            "line": {"color": AXIS_COLOUR, "width": 1},
        }
        for group in along.groups[1:]
    ]
    return axis, years, rules


def _plotly_trace(chart: TrendChart, style: SeriesStyle, values: list[Decimal | None]) -> dict:
    number = f"{chart.prefix}%{{y:,.{chart.decimal_places}f}}{chart.suffix}"
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": style.name,
        "x": positions(chart),
        "y": _floats(values),
        "customdata": [point.label for point in chart.points],  # the whole label, for hovering
        "connectgaps": False,
        "line": {
            "color": style.colour,
            "width": style.line_width_px,
            "dash": ",".join(f"{length:g}px" for length in style.dash_px) or "solid",
        },
        "marker": {"symbol": style.marker, "size": style.marker_size_px, "color": style.colour},
        "hovertemplate": f"%{{customdata}}<br>{style.name}: {number}<extra></extra>",
    }


def plotly_spec(chart: TrendChart, height_px: int = 360) -> dict:
    """Arguments for ``Plotly.newPlot``, plain JSON for ``json_script``. The chart fills the width
    of its container; it has no mode bar and cannot be zoomed or dragged, because it is read, not
    explored: hovering a point shows its value, and the table under it gives them all."""
    along, values = categories(chart), value_axis(chart)
    data = [_plotly_trace(chart, ACTUAL, [point.actual for point in chart.points])]
    if chart.has_targets:
        data.append(_plotly_trace(chart, TARGET, [point.target for point in chart.points]))
    x_axis, years, rules = _plotly_x_axis(chart, along)
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
        "xaxis": {**axis, **x_axis},
        "annotations": years,
        "shapes": rules,
        "yaxis": {
            **axis,
            "title": {"text": chart.axis_title},
            "range": [float(values.low), float(values.high)],
            "tickmode": "array",
            "tickvals": _floats(values.ticks),
            "ticktext": values.labels,
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
    "text.color": TEXT_COLOUR,
}
#: matplotlib's Dublin Core block says only that matplotlib drew it: left out, it is one thing
#: fewer for WeasyPrint to read in every chart.
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
#: rc_context swaps matplotlib's process-wide settings and restores them on the way out, so two
#: threads drawing at once could restore each other's settings mid-drawing; one at a time.
_SVG_LOCK = threading.Lock()
#: More labels than this along the bottom and only every n-th is written.
MAX_X_LABELS = 16
#: Labels too long to sit side by side slope down from their ticks, as plotly.js slopes them.
SLANT_DEGREES = 30
#: Between the axis lines and their labels.
LABEL_GAP_PX = 6


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
            _write(figure, 0.5, 0.5, "No data yet", ha="center", va="center")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    text = buffer.getvalue()
    return _lean(text[text.index("<svg") :])  # without the XML prolog and doctype, so it can be embedded


#: matplotlib writes each label in a group of its own, and a label that is not turned with a
#: turn of nothing: each is one more element for WeasyPrint to work through, two dozen a chart.
_LABEL_GROUP = re.compile(r'<g id="text_\d+">\s*(<text\b[^>]*>[^<]*</text>)\s*</g>')
_NO_TURN = re.compile(r' transform="rotate\(-0 -?[\d.]+ -?[\d.]+\)"')


def _lean(drawn: str) -> str:
    """The SVG without what draws nothing: the same picture, fewer elements."""
    return _LABEL_GROUP.sub(r"\1", _NO_TURN.sub("", drawn))


def svg_data_uri(chart: TrendChart, width_px: int = 640, height_px: int = 360) -> str:
    """The SVG as an ``<img src>`` for WeasyPrint, which keeps it as vectors in the PDF."""
    encoded = base64.b64encode(svg(chart, width_px, height_px).encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"


#: Room for a character between labels side by side, and a line's height.
CHARACTER_PX = FONT_SIZE_PX * 0.6
LINE_PX = FONT_SIZE_PX * 1.4
EDGE_PX = 16
#: The stretch of line drawn for each legend entry, and the room between entries.
LEGEND_SAMPLE_PX = 32
LEGEND_SPACE_PX = 24
#: Sloping labels need this much room between ticks not to run into each other.
SLANTED_SPACING_PX = FONT_SIZE_PX / math.sin(math.radians(SLANT_DEGREES))


@dataclass(frozen=True)
class _Layout:
    """Where the plot sits in the figure and how the periods are written under it, worked out
    from the labels' widths as matplotlib measures them (each label once a process): laying
    out the drawn figure instead (matplotlib's constrained layout) would double the time each
    chart takes."""

    width_px: int
    height_px: int
    left_px: float
    right_px: float
    top_px: float
    bottom_px: float
    label_step: int
    slanted: bool

    @classmethod
    def work_out(cls, along: Categories, value_labels: list[str], width_px: int, height_px: int) -> _Layout:
        left = EDGE_PX / 2 + LINE_PX + LABEL_GAP_PX + max(map(_width_px, value_labels))
        count = len(along.items)
        per_point = (width_px - left - EDGE_PX) / count
        widest = max(map(_width_px, along.items))
        step = max(1, math.ceil(count / MAX_X_LABELS))
        slanted = not along.groups and widest + CHARACTER_PX > per_point * step
        angle = math.radians(SLANT_DEGREES)
        right, drop = EDGE_PX, LINE_PX * (2 if along.groups else 1)
        if slanted:  # the last label runs on past its point, so the plot narrows to make room
            right = max(EDGE_PX, widest * math.cos(angle) - per_point / 2)
            per_point = (width_px - left - right) / count
            drop = widest * math.sin(angle) + FONT_SIZE_PX * math.cos(angle)
        while per_point * step < (SLANTED_SPACING_PX if slanted else widest + CHARACTER_PX):
            step += 1
        bottom = EDGE_PX / 2 + LINE_PX + LABEL_GAP_PX + drop
        return cls(width_px, height_px, left, right, EDGE_PX + LINE_PX, bottom, step, slanted)

    @property
    def plot_width_px(self) -> float:
        return self.width_px - self.left_px - self.right_px

    @property
    def plot_height_px(self) -> float:
        return self.height_px - self.top_px - self.bottom_px

    def rect(self) -> tuple[float, float, float, float]:
        """The plot as matplotlib places axes: left, bottom, width, height, as fractions."""
        return (
            self.left_px / self.width_px,
            self.bottom_px / self.height_px,
            self.plot_width_px / self.width_px,
            self.plot_height_px / self.height_px,
        )


@dataclass(frozen=True)
class _Scale:
    """Data to figure fractions: periods along, values up, inside the plot's rectangle."""

    layout: _Layout
    count: int
    low: float
    high: float

    def x(self, position: float) -> float:
        left, _, width, _ = self.layout.rect()
        return left + (position + 0.5) / self.count * width  # half a period either side, as plotly.js pads categories

    def y(self, value: float) -> float:
        _, bottom, _, height = self.layout.rect()
        return bottom + (value - self.low) / (self.high - self.low) * height


def _draw_trend(figure, chart: TrendChart, width_px: int, height_px: int) -> None:
    """Lines, gridlines, labels and legend, each placed by ``_Layout`` straight on the figure.

    Drawn for WeasyPrint to paint quickly, since painting is most of a pack's time: no
    matplotlib axes (their ticks are five artists each, copied from a template, and were four
    fifths of the drawing time), each kind of rule one path however many pieces it has, and each
    line's markers one path rather than an SVG ``<use>`` per point."""
    axis = value_axis(chart)
    along = categories(chart)
    layout = _Layout.work_out(along, axis.labels, width_px, height_px)
    scale = _Scale(layout, len(chart.points), float(axis.low), float(axis.high))
    left, bottom, width, height = layout.rect()
    px_x, px_y = 1 / width_px, 1 / height_px
    under = bottom - LABEL_GAP_PX * px_y  # the top of the labels under the plot

    gridlines = [([left, left + width], [scale.y(float(tick))] * 2) for tick in axis.ticks]
    _rules(figure, gridlines, color=GRID_COLOUR, linewidth=POINTS_PER_PX)
    # The rules between years run down beside the parts' labels; when only every n-th label is
    # written the labels are wider than a period, so the rules stay in the years' row.
    rule_top = bottom if layout.label_step == 1 else under - LINE_PX * px_y
    rule_foot = under - 2 * LINE_PX * px_y
    year_rules = [([scale.x(group.first - 0.5)] * 2, [rule_top, rule_foot]) for group in along.groups[1:]]
    axis_lines = ([left, left, left + width], [bottom + height, bottom, bottom])
    _rules(figure, [axis_lines, *year_rules], color=AXIS_COLOUR, linewidth=0.8)
    for tick, label in zip(axis.ticks, axis.labels, strict=True):
        _write(figure, left - LABEL_GAP_PX * px_x, scale.y(float(tick)), label, ha="right", va="center")

    series = [(ACTUAL, [point.actual for point in chart.points])]
    if chart.has_targets:
        series.append((TARGET, [point.target for point in chart.points]))
    xs = [scale.x(position) for position in positions(chart)]
    for style, values in series:
        _series(figure, style, xs, [math.nan if value is None else scale.y(float(value)) for value in values])

    # The periods under the points; for quarters and months each year once under its points,
    # between the rules, as plotly.js is told to draw them (_plotly_x_axis).
    slant = {"ha": "left", "va": "top", "rotation": -SLANT_DEGREES, "rotation_mode": "anchor"}
    for position in range(0, len(along.items), layout.label_step):
        text = slant if layout.slanted else {"ha": "center", "va": "top"}
        _write(figure, xs[position], under, along.items[position], **text)
    room_px = layout.plot_width_px / len(along.items)
    for group in along.groups:
        if _width_px(group.label) <= (group.last - group.first + 1) * room_px:
            middle = (scale.x(group.first) + scale.x(group.last)) / 2
            _write(figure, middle, under - LINE_PX * px_y, group.label, ha="center", va="top")

    figure.text(EDGE_PX / 2 * px_x, bottom + height / 2, chart.axis_title, rotation=90, ha="left", va="center")
    _write(figure, left + width / 2, EDGE_PX / 2 * px_y, along.title, ha="center", va="bottom")

    # The legend, above the plot from its left edge: a stretch of each line with its marker.
    x_px, y = layout.left_px, 1 - (EDGE_PX / 2 + LINE_PX / 2) * px_y
    for style, _ in series:
        sample = [x_px * px_x, (x_px + LEGEND_SAMPLE_PX / 2) * px_x, (x_px + LEGEND_SAMPLE_PX) * px_x]
        _series(figure, style, sample, [y] * 3, markers_at=[1])
        _write(figure, (x_px + LEGEND_SAMPLE_PX + LABEL_GAP_PX) * px_x, y, style.name, ha="left", va="center")
        x_px += LEGEND_SAMPLE_PX + LABEL_GAP_PX + _width_px(style.name) + LEGEND_SPACE_PX


def _rules(figure, pieces: list[tuple[list[float], list[float]]], **style) -> None:
    """Straight pieces in figure fractions as one path: NaN between them lifts the pen."""
    from matplotlib.lines import Line2D

    if not pieces:
        return
    xs = [x for piece_xs, _ in pieces for x in [*piece_xs, math.nan]]
    ys = [y for _, piece_ys in pieces for y in [*piece_ys, math.nan]]
    figure.add_artist(Line2D(xs[:-1], ys[:-1], transform=figure.transFigure, solid_capstyle="butt", **style))


def _series(figure, style: SeriesStyle, xs: list[float], ys: list[float], markers_at: list[int] | None = None):
    """One line in figure fractions (NaN leaves a gap, as plotly leaves one for null) and its
    markers, all of them one path: matplotlib's own marker shape, scaled and moved to each point."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path
    from matplotlib.transforms import Affine2D

    dashes = (0, tuple(length * POINTS_PER_PX for length in style.dash_px)) if style.dash_px else "solid"
    width = style.line_width_px * POINTS_PER_PX
    line = Line2D(xs, ys, transform=figure.transFigure, color=style.colour, linewidth=width, linestyle=dashes)
    figure.add_artist(line)
    shape = _marker_shape(style.marker)
    width_px, height_px = figure.get_figwidth() * PX_PER_INCH, figure.get_figheight() * PX_PER_INCH
    size = style.marker_size_px
    shapes = [
        shape.transformed(Affine2D().scale(size / width_px, size / height_px).translate(xs[i], ys[i]))
        for i in (markers_at if markers_at is not None else range(len(xs)))
        if not math.isnan(ys[i])
    ]
    if shapes:
        points = Path.make_compound_path(*shapes)
        figure.add_artist(
            PathPatch(points, transform=figure.transFigure, facecolor=style.colour, edgecolor=style.colour, linewidth=1)
        )


#: A circle from four Bézier arcs (matplotlib's has eight): the same shape at a marker's size,
#: and half the points for WeasyPrint to read at every one of a pack's two thousand markers.
CIRCLE_KAPPA = 4 * (math.sqrt(2) - 1) / 3


@functools.cache
def _marker_shape(name: str):
    """A marker's outline, one unit across for a circle as matplotlib sizes its markers."""
    from matplotlib.markers import MarkerStyle
    from matplotlib.path import Path

    if name == "circle":
        r, k = 0.5, 0.5 * CIRCLE_KAPPA
        vertices = [(r, 0), (r, k), (k, r), (0, r), (-k, r), (-r, k), (-r, 0), (-r, -k), (-k, -r), (0, -r)]
        vertices += [(k, -r), (r, -k), (r, 0), (r, 0)]
        return Path(vertices, [Path.MOVETO] + [Path.CURVE4] * 12 + [Path.CLOSEPOLY])
    marker = MarkerStyle(MATPLOTLIB_MARKERS[name])
    return marker.get_path().transformed(marker.get_transform())


def _write(figure, x: float, y: float, text: str, *, ha: str, **style) -> None:
    """Text at a point in figure fractions, always anchored at its start: for a centred or
    right-aligned label matplotlib writes an SVG ``text-anchor``, which WeasyPrint paints by
    wrapping the text in a form of its own, and twenty of those a chart nearly doubled the
    pack's size. So the start is worked out here, from the width matplotlib measures."""
    if ha != "left" and not style.get("rotation"):
        x -= _width_px(text) / (figure.get_figwidth() * PX_PER_INCH) * (0.5 if ha == "center" else 1)
        ha = "left"
    figure.text(x, y, text, ha=ha, **style)


@functools.lru_cache(maxsize=1024)
def _width_px(text: str) -> float:
    """A label's width in the charts' font, with matplotlib's own text measuring. Cached: the
    same few labels ("Q1", "2024/25", "Actual") come round in every chart of a pack."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    with drawing():  # the charts' font and size, wherever it is asked from
        width_pt, _, _ = text_to_path.get_text_width_height_descent(text, FontProperties(), ismath=False)
    return width_pt / POINTS_PER_PX
