"""The chart on screen: a plotly.js specification, drawn under the strict CSP (ADR 0010)."""

from __future__ import annotations

from decimal import Decimal

from core.charts.axes import (
    Categories,
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
    LIMITS,
    MEAN,
    NEIGHBOURS,
    SPECIAL,
    TARGET,
    TEXT_COLOUR,
    SeriesStyle,
    SpcLines,
    TrendChart,
)

# --- On screen: plotly.js -------------------------------------------------------------------


def _floats(values: list[Decimal | None]) -> list[float | None]:
    return [None if value is None else float(value) for value in values]


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


def _plotly_spc_lines(chart: TrendChart, spc: SpcLines) -> list[dict]:
    """Each segment's mean and process limits as flat lines across its points (half a period
    past each end, as the PDF draws them); null between pieces lifts the pen. The numbers are
    the chart's SPC (``kpis.spc``'s), not worked out here."""
    places = positions(chart)
    number = f"{chart.prefix}%{{y:,.{chart.decimal_places}f}}{chart.suffix}"

    def trace(style: SeriesStyle, pieces: list[tuple[int, int, Decimal]]) -> dict:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for start, end, value in pieces:
            xs += [places[start] - 0.5, places[end - 1] + 0.5, None]
            ys += [float(value), float(value), None]
        return {
            "type": "scatter",
            "mode": "lines",
            "name": style.name,
            "x": xs[:-1],
            "y": ys[:-1],
            "connectgaps": False,
            "line": {
                "color": style.colour,
                "width": style.line_width_px,
                "dash": ",".join(f"{length:g}px" for length in style.dash_px) or "solid",
            },
            "hovertemplate": f"{style.name}: {number}<extra></extra>",
        }

    traces = [trace(MEAN, [(seg.start, seg.end, seg.mean) for seg in spc.segments])]
    limits = [
        (seg.start, seg.end, bound) for seg in spc.segments if seg.upper is not None for bound in (seg.lower, seg.upper)
    ]
    if limits:
        traces.append(trace(LIMITS, limits))
    return traces


def _plotly_spc_marks(chart: TrendChart, spc: SpcLines) -> list[dict]:
    """The special-cause points, over the values: each tone its own marker shape and colour."""
    places = positions(chart)
    traces = []
    for tone, style in SPECIAL.items():
        marked = [place for place, found in spc.marked if found == tone and chart.points[place].actual is not None]
        if not marked:
            continue
        trace = _plotly_trace(chart, style, [chart.points[place].actual for place in marked])
        trace.update(
            mode="markers",
            x=[places[place] for place in marked],
            customdata=[chart.points[place].label for place in marked],
        )
        traces.append(trace)
    return traces


def plotly_spec(chart: TrendChart, height_px: int = 360) -> dict:
    """Arguments for ``Plotly.newPlot``, plain JSON for ``json_script``. The chart fills the width
    of its container; it has no mode bar and cannot be zoomed or dragged, because it is read, not
    explored: hovering a point shows its value, and the table under it gives them all."""
    along, values = categories(chart), value_axis(chart)
    data = [_plotly_trace(chart, ACTUAL, [point.actual for point in chart.points])]
    if chart.has_targets:
        data.append(_plotly_trace(chart, TARGET, [point.target for point in chart.points]))
    if chart.has_neighbours:
        data.append(_plotly_trace(chart, NEIGHBOURS, [point.neighbours for point in chart.points]))
    if chart.spc is not None:
        # After the figures' own lines, so the first is always the actual values and the legend
        # reads as the PDF's does: actual, target, neighbours, mean, limits, special causes.
        data += _plotly_spc_lines(chart, chart.spc) + _plotly_spc_marks(chart, chart.spc)
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
