"""The chart itself: one definition of a trend (labels and numbers) and the one style both
drawings take their colours, lines and markers from."""

from __future__ import annotations

from dataclasses import dataclass
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

NO_DATA = "no data"


# --- The chart ------------------------------------------------------------------------------


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
    return {
        "title": chart.title,
        "decimal_places": chart.decimal_places,
        "prefix": chart.prefix,
        "suffix": chart.suffix,
        "axis_title": chart.axis_title,
        "points": points,
    }


def chart_from_content(spec: dict) -> TrendChart:
    """The chart ``chart_content`` stored (with or without the neighbours' averages)."""
    return TrendChart(
        title=spec["title"],
        points=tuple(
            TrendPoint(point[0], *(exact_decimal(figure) for figure in point[1:])) for point in spec["points"]
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
    neighbours: str = ""


def table_rows(chart: TrendChart) -> list[TableRow]:
    """The chart's data for the table under it, with "no data" where a value is missing (and
    the neighbours' average only in a chart that has one)."""

    def cell(value: Decimal | None) -> str:
        return NO_DATA if value is None else chart.format(value)

    return [
        TableRow(
            point.label,
            cell(point.actual),
            cell(point.target),
            cell(point.neighbours) if chart.has_neighbours else "",
        )
        for point in chart.points
    ]
