"""The chart in PDFs: SVG drawn with matplotlib on a layout of our own (ADR 0013): labels,
rules and markers placed on the figure, no axes or tick objects."""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import math
import re
import threading
from dataclasses import dataclass, replace

from core.charts.axes import (
    Categories,
    categories,
    positions,
    value_axis,
)
from core.charts.model import (
    ACTUAL,
    AXIS_COLOUR,
    FONT_SIZE_PX,
    GRID_COLOUR,
    LIMITS,
    MATPLOTLIB_MARKERS,
    MEAN,
    NEIGHBOURS,
    POINTS_PER_PX,
    PRINT_FONTS,
    PX_PER_INCH,
    SPECIAL,
    SPECIAL_SHORT,
    TARGET,
    TEXT_COLOUR,
    SeriesStyle,
    TrendChart,
    XmrSegment,
)

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


def svg(chart: TrendChart, width_px: int = 640, height_px: int = 360, *, compact: bool = False) -> str:
    """The chart as an SVG element to embed in a PDF's HTML, drawn like ``plotly_spec`` draws it.
    Uses matplotlib's object API, not pyplot, so it needs no display and keeps no global figures.
    Not for pages under the site's CSP: matplotlib writes ``style`` attributes. ``compact`` (a
    chart beside a PDF's figures) puts the legend in a column on the right and leaves out the
    period axis's title, so a short chart keeps its height for the plot."""
    # Imported here: matplotlib takes a second or two to import and only PDF building needs it.
    from matplotlib.figure import Figure

    with drawing():
        figure = Figure(figsize=(width_px / PX_PER_INCH, height_px / PX_PER_INCH))
        if chart.has_data:
            _draw_trend(figure, chart, width_px, height_px, compact)
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


def svg_data_uri(chart: TrendChart, width_px: int = 640, height_px: int = 360, *, compact: bool = False) -> str:
    """The SVG as an ``<img src>`` for WeasyPrint, which keeps it as vectors in the PDF."""
    encoded = base64.b64encode(svg(chart, width_px, height_px, compact=compact).encode()).decode()
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
    def work_out(
        cls,
        along: Categories,
        value_labels: list[str],
        width_px: int,
        height_px: int,
        *,
        legend_px: float = 0,
        x_title: bool = True,
    ) -> _Layout:
        """``legend_px`` keeps a column on the right for the legend (a compact chart), instead of
        a row above the plot; without ``x_title`` the period axis has no title under it."""
        left = EDGE_PX / 2 + LINE_PX + LABEL_GAP_PX + max(map(_width_px, value_labels))
        count = len(along.items)
        per_point = (width_px - left - EDGE_PX - legend_px) / count
        widest = max(map(_width_px, along.items))
        step = max(1, math.ceil(count / MAX_X_LABELS))
        slanted = not along.groups and widest + CHARACTER_PX > per_point * step
        angle = math.radians(SLANT_DEGREES)
        right, drop = EDGE_PX + legend_px, LINE_PX * (2 if along.groups else 1)
        if slanted:  # the last label runs on past its point, so the plot narrows to make room
            right = max(EDGE_PX, widest * math.cos(angle) - per_point / 2) + legend_px
            per_point = (width_px - left - right) / count
            drop = widest * math.sin(angle) + FONT_SIZE_PX * math.cos(angle)
        while per_point * step < (SLANTED_SPACING_PX if slanted else widest + CHARACTER_PX):
            step += 1
        bottom = EDGE_PX / 2 + (LINE_PX if x_title else 0) + LABEL_GAP_PX + drop
        top = EDGE_PX if legend_px else EDGE_PX + LINE_PX
        return cls(width_px, height_px, left, right, top, bottom, step, slanted)

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


def _draw_trend(figure, chart: TrendChart, width_px: int, height_px: int, compact: bool = False) -> None:
    """Lines, gridlines, labels and legend, each placed by ``_Layout`` straight on the figure;
    with SPC, the mean and process limits under the lines and the special causes over them.

    Drawn for WeasyPrint to paint quickly, since painting is most of a pack's time: no
    matplotlib axes (their ticks are five artists each, copied from a template, and were four
    fifths of the drawing time), each kind of rule one path however many pieces it has, and each
    line's markers one path rather than an SVG ``<use>`` per point."""
    series = [(ACTUAL, [point.actual for point in chart.points])]
    if chart.has_targets:
        series.append((TARGET, [point.target for point in chart.points]))
    if chart.has_neighbours:
        series.append((NEIGHBOURS, [point.neighbours for point in chart.points]))
    legend = [style for style, _ in series]
    tones = spc_tones(chart.spc.marked) if chart.spc else []
    if chart.spc:
        legend += [MEAN, LIMITS] if any(seg.upper is not None for seg in chart.spc.segments) else [MEAN]
        legend += [(SPECIAL_SHORT if compact else SPECIAL)[tone] for tone in tones]
    frame = _Frame.draw(figure, chart, value_axis(chart), width_px, height_px, legend, compact=compact)
    if chart.spc:
        spc_rules(figure, frame, chart.spc.segments)
    for style, values in series:
        _series(figure, style, frame.xs, [math.nan if value is None else frame.y(value) for value in values])
    if chart.spc:
        actuals = [math.nan if point.actual is None else frame.y(point.actual) for point in chart.points]
        spc_marks(figure, frame, actuals, chart.spc.marked)
    frame.finish(figure)


def spc_tones(marked) -> list[str]:
    """The tones of special cause marked, in the legend's order."""
    return [tone for tone in SPECIAL if any(found == tone for _, found in marked)]


def spc_rules(figure, frame: _Frame, segments: tuple[XmrSegment, ...]) -> None:
    """Each segment's process limits and mean as rules across its points (half a period past
    each end), the trend chart and the XmR chart alike."""
    xs = frame.xs
    half = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 0.02

    def across(segment: XmrSegment, value) -> tuple[list[float], list[float]]:
        return [xs[segment.start] - half, xs[segment.end - 1] + half], [frame.y(value)] * 2

    limits = [
        across(segment, bound)
        for segment in segments
        if segment.upper is not None
        for bound in (segment.lower, segment.upper)
    ]
    _rules(figure, limits, **_line_style(LIMITS))
    _rules(figure, [across(segment, segment.mean) for segment in segments], **_line_style(MEAN))


def spc_marks(figure, frame: _Frame, values: list[float], marked) -> None:
    """The special-cause points over the line, each tone its own shape and colour."""
    for tone in spc_tones(marked):
        places = [place for place, found in marked if found == tone]
        _series(figure, SPECIAL[tone], frame.xs, values, markers_at=places)


@dataclass(frozen=True)
class _Frame:
    """A chart's frame, drawn in two halves round its lines (gridlines, axis lines and value
    labels under them; periods, titles and the legend over them): the trend chart and the XmR
    chart share it, so both write periods and values the same way."""

    chart: TrendChart
    layout: _Layout
    scale: _Scale
    along: Categories
    xs: list[float]
    legend: list[list[SeriesStyle]]
    compact: bool = False

    @classmethod
    def draw(
        cls, figure, chart: TrendChart, axis, width_px: int, height_px: int, legend: list[SeriesStyle], *, compact=False
    ) -> _Frame:
        """Gridlines, axis lines, the rules between years and the value labels, under room for
        the legend's rows (beside room for its column, when ``compact``)."""
        along = categories(chart)
        if compact:
            column_px = max(map(_legend_entry_px, legend)) + LABEL_GAP_PX
            layout = _Layout.work_out(along, axis.labels, width_px, height_px, legend_px=column_px, x_title=False)
            rows = [[style] for style in legend]
        else:
            layout = _Layout.work_out(along, axis.labels, width_px, height_px)
            rows = _legend_rows(legend, layout)
            layout = replace(layout, top_px=layout.top_px + LINE_PX * (len(rows) - 1))
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
        xs = [scale.x(position) for position in positions(chart)]
        return cls(chart, layout, scale, along, xs, rows, compact)

    def y(self, value) -> float:
        return self.scale.y(float(value))

    def finish(self, figure) -> None:
        """The periods under the points, the axis titles and the legend."""
        layout, along, xs = self.layout, self.along, self.xs
        left, bottom, width, height = layout.rect()
        px_x, px_y = 1 / layout.width_px, 1 / layout.height_px
        under = bottom - LABEL_GAP_PX * px_y
        # The periods under the points; for quarters and months each year once under its points,
        # between the rules, as plotly.js is told to draw them (_plotly_x_axis).
        slant = {"ha": "left", "va": "top", "rotation": -SLANT_DEGREES, "rotation_mode": "anchor"}
        for position in range(0, len(along.items), layout.label_step):
            text = slant if layout.slanted else {"ha": "center", "va": "top"}
            _write(figure, xs[position], under, along.items[position], **text)
        room_px = layout.plot_width_px / len(along.items)
        for group in along.groups:
            if _width_px(group.label) <= (group.last - group.first + 1) * room_px:
                middle = (self.scale.x(group.first) + self.scale.x(group.last)) / 2
                _write(figure, middle, under - LINE_PX * px_y, group.label, ha="center", va="top")

        figure.text(EDGE_PX / 2 * px_x, bottom + height / 2, self.chart.axis_title, rotation=90, ha="left", va="center")
        if not self.compact:
            _write(figure, left + width / 2, EDGE_PX / 2 * px_y, along.title, ha="center", va="bottom")

        # The legend, above the plot from its left edge: a stretch of each line with its marker,
        # in as many rows as it needs; or, compact, one entry a row in the column on the right.
        y = 1 - (EDGE_PX / 2 + LINE_PX / 2) * px_y
        start_px = layout.width_px - layout.right_px + LABEL_GAP_PX if self.compact else layout.left_px
        for row in self.legend:
            x_px = start_px
            for style in row:
                sample = [x_px * px_x, (x_px + LEGEND_SAMPLE_PX / 2) * px_x, (x_px + LEGEND_SAMPLE_PX) * px_x]
                _series(figure, style, sample, [y] * 3, markers_at=[1])
                _write(figure, (x_px + LEGEND_SAMPLE_PX + LABEL_GAP_PX) * px_x, y, style.name, ha="left", va="center")
                x_px += _legend_entry_px(style) + LEGEND_SPACE_PX
            y -= LINE_PX * px_y


def _legend_entry_px(style: SeriesStyle) -> float:
    return LEGEND_SAMPLE_PX + LABEL_GAP_PX + _width_px(style.name)


def _legend_rows(legend: list[SeriesStyle], layout: _Layout) -> list[list[SeriesStyle]]:
    """The legend's entries in rows, each as many as fit from the plot's left edge to the figure's."""
    rows: list[list[SeriesStyle]] = [[]]
    x_px = layout.left_px
    for style in legend:
        if rows[-1] and x_px + _legend_entry_px(style) > layout.width_px - EDGE_PX:
            rows.append([])
            x_px = layout.left_px
        rows[-1].append(style)
        x_px += _legend_entry_px(style) + LEGEND_SPACE_PX
    return rows


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

    if style.line_width_px:
        figure.add_artist(Line2D(xs, ys, transform=figure.transFigure, **_line_style(style)))
    if not style.marker:
        return
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


def _line_style(style: SeriesStyle) -> dict:
    """A style's line as matplotlib's keyword arguments: colour, width in points and dashes."""
    dashes = (0, tuple(length * POINTS_PER_PX for length in style.dash_px)) if style.dash_px else "solid"
    return {"color": style.colour, "linewidth": style.line_width_px * POINTS_PER_PX, "linestyle": dashes}


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
