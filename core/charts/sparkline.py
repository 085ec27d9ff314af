"""A sparkline: a KPI's trend as a small line with no axes, for a scorecard's row.

Drawn as a few SVG elements by hand (no matplotlib, no script), so a scorecard of a hundred
rows costs microseconds a row and the same markup serves the page and the PDF. The points stay
in time order, gaps break the line, and the last point is marked; what it shows is said in
words by ``core.charts.describe`` beside it, so the line is never the only telling.
"""

from __future__ import annotations

from urllib.parse import quote

from core.charts.model import ACTUAL, TrendChart

WIDTH, HEIGHT, PAD = 96, 24, 3


def sparkline_svg(chart: TrendChart, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The trend's actual values as an SVG line, empty when fewer than two points have one."""
    values = [float(point.actual) if point.actual is not None else None for point in chart.points]
    measured = [v for v in values if v is not None]
    if len(measured) < 2:
        return ""
    low, high = min(measured), max(measured)
    span = (high - low) or 1.0
    step = (width - 2 * PAD) / (len(values) - 1)

    def y(value: float) -> float:
        middle = height / 2 if high == low else None
        return middle if middle is not None else PAD + (high - value) / span * (height - 2 * PAD)

    runs, run = [], []
    for index, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{PAD + index * step:.1f},{y(value):.1f}")
    if run:
        runs.append(run)
    last_index = max(i for i, v in enumerate(values) if v is not None)
    lines = "".join(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{ACTUAL.colour}" stroke-width="1.5"/>'
        for points in runs
        if len(points) > 1
    )
    dot = (
        f'<circle cx="{PAD + last_index * step:.1f}" cy="{y(values[last_index]):.1f}" r="2.5" fill="{ACTUAL.colour}"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{lines}{dot}</svg>'
    )


def sparkline_uri(chart: TrendChart, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The sparkline as a data URI for an ``<img>`` (with ``describe(chart)`` as its alt text)."""
    drawn = sparkline_svg(chart, width, height)
    return "data:image/svg+xml," + quote(drawn) if drawn else ""
