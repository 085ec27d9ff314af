"""Report content holds RAG and direction as words ("green", "improving"); these turn them
back into the values the shared tags (``rag_tag``, ``direction_text``) draw."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kpis.results import Direction, Rag

register = template.Library()


@register.filter
def as_rag(value: str) -> Rag:
    return Rag(value)


@register.filter
def as_direction(value: str) -> Direction:
    return Direction(value)


#: The fill and the writing of each RAG's part of a bar: the GOV.UK tag colours, whose writing
#: passes contrast on its fill. Each part is also written ("Red 3"), so colour is never alone.
BAR_COLOURS = {
    "red": ("#f6d7d2", "#942514"),
    "amber": ("#fff7bf", "#594d00"),
    "green": ("#cce2d8", "#005a30"),
    "data_only": ("#eeefef", "#383f43"),
    "no_value": ("#eeefef", "#383f43"),
    "cannot_judge": ("#eeefef", "#383f43"),
}
BAR_WIDTH = 600


@register.simple_tag
def rag_bar(summary, name: str):
    """A RAG summary ([[rag, label, count], ...]) drawn as one bar split by count, each part
    labelled with its word and count where it fits; the picture's text alternative says it all."""
    parts = [(rag, label, count) for rag, label, count in summary if count]
    total = sum(count for _, _, count in parts)
    described = ", ".join(f"{count} {label}" for _, label, count in parts) or "no KPIs"
    if not total:
        return format_html('<p class="govuk-body-s">{}: no KPIs.</p>', name)
    pieces, x = [], 0.0
    for rag, label, count in parts:
        width = BAR_WIDTH * count / total
        fill, ink = BAR_COLOURS.get(rag, BAR_COLOURS["no_value"])
        text = f"{label} {count}"
        pieces.append(
            format_html(
                '<rect x="{}" y="0" width="{}" height="32" fill="{}" stroke="#ffffff" stroke-width="2"/>{}',
                f"{x:.1f}",
                f"{width:.1f}",
                fill,
                format_html(
                    '<text x="{}" y="21" font-size="14" font-family="arial, sans-serif" fill="{}">{}</text>',
                    f"{x + 6:.1f}",
                    ink,
                    text,
                )
                if width >= 7.5 * len(text) + 8
                else "",
            )
        )
        x += width
    return format_html(
        '<svg class="pmf-rag-bar" viewBox="0 0 {} 32" width="100%" role="img" aria-label="{}">{}</svg>',
        BAR_WIDTH,
        f"{name}: {described}",
        mark_safe("".join(pieces)),  # noqa: S308 - each piece built by format_html above
    )
