"""Point-in-time PDF dashboards, rendered from a report's content dict alone (DESIGN §6).

Nothing here reads the database: the figures, labels and trend points all come from the
content that the snapshot stores (``reporting.content``), so rendering a published report
again gives the same words and numbers whatever has changed since. WeasyPrint writes the PDF
as PDF/UA-1 (tagged, with the document's title and language), so screen reader users get
headings, tables and the charts' descriptions, not just pictures of them.

The trend charts cost about as much as the rest of a KPI's layout (about 45 ms): matplotlib
takes about 17 ms to draw one as SVG and WeasyPrint about 19 ms to paint it (ADR 0013). A
caller that renders the pack and each priority from the same content draws them once with
``chart_images`` and passes the result to every render.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
from typing import NamedTuple

from django.conf import settings
from django.template.loader import render_to_string

from core.charts import TrendChart, describe, drawing, limits_text, sparkline_uri, svg_data_uri
from reporting import svg_text
from reporting.content import chart_from

#: The chart's drawing size in CSS pixels (103 mm by 34 mm, beside the KPI's title, figures and
#: commentary, so four KPIs fit on a landscape page); the template shows it at this size, so
#: matplotlib's text comes out at the size it was laid out for. Compact: the legend in a column
#: on its right and no period axis title, so the plot keeps its height (``core.charts.svg``).
CHART_WIDTH_PX = 390
CHART_HEIGHT_PX = 130
#: Room kept beside the chart for the figures and commentary flowing down the left.
CHART_GAP_PX = 16
PDF_VARIANT = "pdf/ua-1"
#: Said instead of a chart that has nothing to draw.
NO_CHART = "No data yet"

#: RAG is never told by colour alone: each has a word and a shape as well (WCAG 1.4.1).
RAG_SYMBOLS = {"green": "✓", "amber": "▲", "red": "✕", "data_only": "–", "no_value": "–", "cannot_judge": "?"}
DIRECTION_SYMBOLS = {
    "improving": "↗",
    "worsening": "↘",
    "no_change": "→",
    "increased": "↑",
    "decreased": "↓",
    "not_comparable": "–",
    "no_comparison": "–",
    "cumulative": "–",
}


class ChartImage(NamedTuple):
    """One KPI's trend chart as the PDF shows it: ``src`` is an SVG data URI, or None when
    there is nothing to draw (the PDF then says "No data yet"); ``alt`` describes it in words."""

    src: str | None
    alt: str


Charts = dict[str, ChartImage]


# --- Charts ---------------------------------------------------------------------------------


def chart_image(kpi: dict) -> ChartImage:
    """One KPI's chart, drawn from its content."""
    chart = chart_from(kpi)
    if not chart.has_data:
        return ChartImage(None, describe(chart))
    return ChartImage(svg_data_uri(chart, CHART_WIDTH_PX, CHART_HEIGHT_PX, compact=True), describe(chart))


def chart_images(content: dict, priority_code: str | None = None) -> Charts:
    """Every KPI's chart by KPI code, each drawn once even when a KPI sits under two
    priorities; only ``priority_code``'s when given. Pass the result to several renders of
    the same content to draw the charts only once."""
    charts: Charts = {}
    with drawing():  # matplotlib's settings entered once for all of them
        for priority in content["priorities"]:
            if priority_code is not None and priority["code"] != priority_code:
                continue
            for kpi in priority["kpis"]:
                if kpi["code"] not in charts:
                    charts[kpi["code"]] = chart_image(kpi)
    return charts


# --- HTML -----------------------------------------------------------------------------------


def pack_html(content: dict, charts: Charts | None = None) -> str:
    """The whole pack as HTML for WeasyPrint, in the order CMT and Cabinet read it: cover and
    contents, the executive summary, the exceptions, the scorecard, then each priority's
    detail (a priority with no KPIs is one line, not a page)."""
    charts = charts if charts is not None else chart_images(content)
    sections = [_section(priority, index, charts) for index, priority in enumerate(content["priorities"], start=1)]
    context = {
        **_common(content),
        "sections": sections,
        "summary": _summary(content),
        "exceptions": [_exception(item) for item in content.get("exceptions", [])],
        "missing_commentary": {item["code"] for item in content.get("missing_commentary", [])},
    }
    return render_to_string("reporting/pdf/pack.html", context)


def _summary(content: dict) -> dict | None:
    """The executive summary with its symbols; None for a report made before it existed."""
    summary = content.get("summary")
    if summary is None:
        return None
    return {
        **summary,
        "rag": [
            {"rag": rag, "label": label, "count": count, "symbol": RAG_SYMBOLS.get(rag, "")}
            for rag, label, count in summary["rag"]
        ],
        "priorities": [
            {"code": p["code"], "title": p["title"], "kpis": len(p["kpis"]), "counts": [c for _, _, c in p["summary"]]}
            for p in content["priorities"]
        ],
        "changed": [
            {
                **change,
                "from_symbol": RAG_SYMBOLS.get(change["from"], ""),
                "to_symbol": RAG_SYMBOLS.get(change["to"], ""),
            }
            for change in summary["changed"]
        ],
    }


def _exception(item: dict) -> dict:
    kpi = item["kpi"]
    return {
        **item,
        "rag_symbol": RAG_SYMBOLS.get(kpi["rag"], ""),
        "direction_symbol": DIRECTION_SYMBOLS.get(kpi["direction"], ""),
    }


def priority_html(content: dict, priority_code: str, charts: Charts | None = None) -> str:
    """One priority's dashboard as HTML for WeasyPrint."""
    index, priority = _find(content, priority_code)
    charts = charts if charts is not None else chart_images(content, priority_code)
    context = {
        **_common(content),
        "section": _section(priority, index, charts),
        "missing_commentary": {item["code"] for item in content.get("missing_commentary", [])},
    }
    return render_to_string("reporting/pdf/priority.html", context)


def _common(content: dict) -> dict:
    return {
        "council": content["council"],
        "period_label": content["period"]["label"],
        "status_label": content["status_label"],
        "plan": content["plan"],
        "as_at": as_at_text(content["as_at"]),
        "draft": content["kind"] == "draft",
        "revisions": content.get("revisions", []),
        "chart_width_px": CHART_WIDTH_PX,
        "chart_height_px": CHART_HEIGHT_PX,
        "chart_gutter_px": CHART_WIDTH_PX + CHART_GAP_PX,
        "no_chart": NO_CHART,
    }


def _find(content: dict, priority_code: str) -> tuple[int, dict]:
    for index, priority in enumerate(content["priorities"], start=1):
        if priority["code"] == priority_code:
            return index, priority
    raise KeyError(f"No priority {priority_code!r} in this report")


def _section(priority: dict, index: int, charts: Charts) -> dict:
    """A priority with what the templates cannot work out: anchors, symbols and charts."""
    return {
        "priority": priority,
        "anchor": f"priority-{index}",
        "summary": [
            {"rag": rag, "label": label, "count": count, "symbol": RAG_SYMBOLS.get(rag, "")}
            for rag, label, count in priority["summary"]
        ],
        "kpis": [_kpi(kpi, charts) for kpi in priority["kpis"]],
    }


def _kpi(kpi: dict, charts: Charts) -> dict:
    trend = chart_from(kpi)
    return {
        "kpi": kpi,
        "chart": charts[kpi["code"]] if kpi["code"] in charts else chart_image(kpi),
        "rag_symbol": RAG_SYMBOLS.get(kpi["rag"], ""),
        "direction_symbol": DIRECTION_SYMBOLS.get(kpi["direction"], ""),
        "direction_last_year_symbol": DIRECTION_SYMBOLS.get(kpi["direction_last_year"], ""),
        "sparkline": sparkline_uri(trend),
        "spc_limits": spc_limits(trend),
        "spc_variation_short": variation_short(kpi.get("spc_variation", "")),
    }


def variation_short(label: str) -> str:
    """The variation icon's words as a scorecard's narrow column holds them: "Concerning" for
    "Special cause: concerning", "Common cause" for "Common cause: no significant change"."""
    kind, _, detail = label.partition(": ")
    return kind if kind == "Common cause" or not detail else detail.capitalize()


def spc_limits(chart: TrendChart) -> str:
    """The latest process limits drawn into the chart, written beside it ("62.1% to 80.3%");
    empty where the chart has none."""
    if chart.spc is None or chart.spc.latest.upper is None:
        return ""
    return limits_text(chart, chart.spc.latest)


def as_at_text(as_at: str) -> str:
    """ "14 January 2026, 09:30": the wall-clock time the content was built at, as stored,
    not converted to wherever the PDF happens to be rendered."""
    moment = datetime.datetime.fromisoformat(as_at)
    return f"{moment.day} {moment:%B %Y, %H:%M}"


def data_quality_html(report: dict) -> str:
    """The audit committee's data quality report (``reporting.data_quality``) for WeasyPrint."""
    context = {
        "council": settings.COUNCIL_NAME,
        "period_label": report["period"]["label"],
        "status_label": "Data quality report",
        "report": report,
        "chart_width_px": CHART_WIDTH_PX,
        "chart_height_px": CHART_HEIGHT_PX,
    }
    return render_to_string("reporting/pdf/data_quality.html", context)


# --- PDF ------------------------------------------------------------------------------------


def render_data_quality(report: dict) -> bytes:
    """The data quality report as a tagged PDF, like the packs."""
    return write_pdf(data_quality_html(report))


def render_pack(content: dict, charts: Charts | None = None) -> bytes:
    """The whole pack as a PDF."""
    return write_pdf(pack_html(content, charts))


def render_priority(content: dict, priority_code: str, charts: Charts | None = None) -> bytes:
    """One priority's dashboard as a PDF."""
    return write_pdf(priority_html(content, priority_code, charts))


def write_pdf(html: str) -> bytes:
    """HTML to a tagged PDF/UA-1. The only resources the HTML names are the charts' data URIs,
    so the fetcher refuses anything else: text from a return can never make the server fetch a
    URL or read a file. Without a ``dcterms.created`` meta WeasyPrint writes no dates, so the
    same HTML gives the same bytes."""
    # Imported here: WeasyPrint and its fonts load slowly and only PDF building needs them.
    from weasyprint import HTML, URLFetcher

    svg_text.install()
    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    with collector_paused():
        return document.write_pdf(pdf_variant=PDF_VARIANT)


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector paused while WeasyPrint works, then run once. A pack builds
    millions of boxes, styles and glyph runs that live until the PDF is written; the collector
    would walk them again each time they pile up past its threshold (about a tenth of a pack's
    time), and finds nothing to free until the end."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()
