"""The chart itself: one definition of a trend (labels and numbers) and the one style both
drawings take their colours, lines and markers from."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from core.numbers import exact_decimal, exact_text, figure_text

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
#: The mean of the council's comparator group, where the KPI is benchmarked (kpis.benchmarking).
NEIGHBOURS = SeriesStyle("Neighbours' average", "#00703c", 2, (2, 3), "square", 7)  # GOV.UK green, 5.9:1
MATPLOTLIB_MARKERS = {"circle": "o", "diamond": "D", "square": "s", "triangle-up": "^", "hexagon": "h"}
#: Statistical process control (ADR 0017), on the XmR chart and drawn into a trend chart: the
#: mean solid and thin, the process limits dotted, both without markers.
MEAN = SeriesStyle("Mean", TEXT_COLOUR, 1.5, (), "", 0)
LIMITS = SeriesStyle("Process limits", AXIS_COLOUR, 1.5, (2, 3), "", 0)
#: Special causes by tone: colours as Making Data Count uses them (blue improving, orange
#: concerning, purple neither), each at least 3:1 against white, and each its own shape (a
#: triangle, a square, a hexagon), so they are told apart in greyscale and without colour.
SPECIAL = {
    "improving": SeriesStyle("Special cause: improving", "#1d70b8", 0, (), "triangle-up", 12),  # 5.2:1
    "concerning": SeriesStyle("Special cause: concerning", "#c35b00", 0, (), "square", 10),  # 4.4:1
    "neither": SeriesStyle("Special cause", "#4c2c92", 0, (), "hexagon", 11),  # 10:1
}
#: The same marks named shortly, for a compact chart's legend beside a PDF's figures.
SPECIAL_SHORT = {
    tone: replace(style, name=name)
    for (tone, style), name in zip(SPECIAL.items(), ("Improving", "Concerning", "Special cause"), strict=True)
}

NO_DATA = "no data"


# --- The chart ------------------------------------------------------------------------------


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
class SpcLines:
    """Statistical process control drawn into a trend chart (ADR 0017), so a dashboard card or a
    PDF page shows it without a second chart: each segment's mean and process limits over its
    points' places in the chart, and the special-cause points by place with their tone
    (improving, concerning, neither). The numbers are the KPIs' (``kpis.figures.spc_lines``
    from ``kpis.spc``); the chart only draws them, and the variation and assurance icons are
    said in words beside it."""

    segments: tuple[XmrSegment, ...]
    marked: tuple[tuple[int, str], ...] = ()

    @property
    def latest(self) -> XmrSegment:
        return self.segments[-1]


@dataclass(frozen=True)
class TrendPoint:
    """One period: its label ("2024/25 Q3"), the actual value, the target and the neighbours'
    average for the same data period, any of them missing."""

    label: str
    actual: Decimal | None
    target: Decimal | None = None
    neighbours: Decimal | None = None


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
    #: The KPI's statistical process control, where it applies (enough points for limits).
    spc: SpcLines | None = None

    @property
    def has_data(self) -> bool:
        return any(point.actual is not None for point in self.points)

    @property
    def has_targets(self) -> bool:
        return any(point.target is not None for point in self.points)

    @property
    def has_neighbours(self) -> bool:
        return any(point.neighbours is not None for point in self.points)

    def format(self, value: Decimal) -> str:
        """A value as people read it (``core.numbers.figure_text``) in the chart's unit."""
        return figure_text(value, self.decimal_places, self.prefix, self.suffix)


def chart_content(chart: TrendChart) -> dict:
    """The chart as a report's content stores it (plain JSON, exact figures as text), so the
    PDF and the published page draw it again from the content alone (``chart_from_content``).
    A point has a fourth figure, the neighbours' average, only in a chart that has one, so a
    chart without stores what it always did."""
    points = [[p.label, exact_text(p.actual), exact_text(p.target)] for p in chart.points]
    if chart.has_neighbours:
        points = [[*point, exact_text(p.neighbours)] for point, p in zip(points, chart.points, strict=True)]
    stored = {
        "title": chart.title,
        "decimal_places": chart.decimal_places,
        "prefix": chart.prefix,
        "suffix": chart.suffix,
        "axis_title": chart.axis_title,
        "points": points,
    }
    if chart.spc is not None:  # only where SPC applies, so a chart without stores what it always did
        stored["spc"] = {
            "segments": [
                [seg.start, seg.end, exact_text(seg.mean), exact_text(seg.lower), exact_text(seg.upper)]
                for seg in chart.spc.segments
            ],
            "marked": [[place, tone] for place, tone in chart.spc.marked],
        }
    return stored


def spc_from_content(stored: dict | None) -> SpcLines | None:
    """The SPC lines ``chart_content`` stored, or None for a chart without (or a report made
    before charts carried SPC)."""
    if not stored:
        return None
    return SpcLines(
        tuple(
            XmrSegment(start, end, exact_decimal(mean), exact_decimal(lower), exact_decimal(upper))
            for start, end, mean, lower, upper in stored["segments"]
        ),
        tuple((place, tone) for place, tone in stored["marked"]),
    )


def chart_from_content(spec: dict) -> TrendChart:
    """The chart ``chart_content`` stored (with or without the neighbours' averages and SPC)."""
    return TrendChart(
        title=spec["title"],
        points=tuple(
            TrendPoint(point[0], *(exact_decimal(figure) for figure in point[1:])) for point in spec["points"]
        ),
        decimal_places=spec["decimal_places"],
        prefix=spec["prefix"],
        suffix=spec["suffix"],
        axis_title=spec["axis_title"],
        spc=spc_from_content(spec.get("spc")),
    )


class TableRow(NamedTuple):
    label: str
    actual: str
    target: str
    neighbours: str = ""
    #: With SPC: the segment's mean, its process limits, and the special cause marking the point.
    mean: str = ""
    limits: str = ""
    special_cause: str = ""


def table_rows(chart: TrendChart) -> list[TableRow]:
    """The chart's data for the table under it, with "no data" where a value is missing (and
    the neighbours' average only in a chart that has one; the mean, process limits and special
    causes only in one with SPC)."""

    def cell(value: Decimal | None) -> str:
        return NO_DATA if value is None else chart.format(value)

    spc = spc_cells(chart)
    return [
        TableRow(
            point.label,
            cell(point.actual),
            cell(point.target),
            cell(point.neighbours) if chart.has_neighbours else "",
            *spc.get(place, ("", "", "")),
        )
        for place, point in enumerate(chart.points)
    ]


def limits_text(chart: TrendChart, segment: XmrSegment) -> str:
    """ "62.1% to 80.3%": a segment's process limits in the chart's unit, "none" without them."""
    if segment.lower is None or segment.upper is None:
        return "none"
    return f"{chart.format(segment.lower)} to {chart.format(segment.upper)}"


def spc_cells(chart: TrendChart) -> dict[int, tuple[str, str, str]]:
    """Each point's mean, process limits and special cause (its tone, or "no") by its place."""
    if chart.spc is None:
        return {}
    marked = dict(chart.spc.marked)
    return {
        place: (chart.format(seg.mean), limits_text(chart, seg), marked.get(place, "no"))
        for seg in chart.spc.segments
        for place in range(seg.start, seg.end)
    }
