"""The trend chart component: one tag gives the picture, its description and its data table."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.charts import TrendChart, XmrChart, describe, plotly_spec, sparkline_uri, table_rows, xmr_data_uri

register = template.Library()


@register.inclusion_tag("components/trend_chart.html")
def trend_chart(chart: TrendChart, spec_id: str) -> dict:
    """``{% trend_chart chart "kpi-trend" %}``: ``spec_id`` names the JSON the chart is drawn
    from, so it must be unique on the page. A chart with no data gets no spec, so nothing is
    drawn and the caption says "No data yet."."""
    return {
        "chart": chart,
        "spec_id": spec_id,
        "spec": plotly_spec(chart) if chart.has_data else None,
        "description": describe(chart),
        "rows": table_rows(chart),
    }


@register.inclusion_tag("components/xmr_chart.html")
def xmr_chart(chart: XmrChart, description: str) -> dict:
    """``{% xmr_chart chart description %}``: the XmR chart as an image (matplotlib SVG in a data
    URI, which the CSP allows for images), with ``description`` as its text alternative."""
    return {"chart": chart, "src": xmr_data_uri(chart), "description": description}


@register.simple_tag
def sparkline(chart: TrendChart):
    """``{% sparkline chart %}``: the trend as a small line for a table row, described in
    words as its text alternative; "too few points" where there is no line to draw."""
    src = sparkline_uri(chart)
    if not src:
        return mark_safe('<span class="govuk-body-s">too few points</span>')  # noqa: S308 - a constant
    return format_html('<img class="pmf-sparkline" src="{}" alt="{}" width="96" height="24">', src, describe(chart))
