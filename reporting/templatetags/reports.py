"""Report content holds RAG and direction as words ("green", "improving"); these turn them
back into the values the shared tags (``rag_tag``, ``direction_text``) draw."""

from django import template

from kpis.results import Direction, Rag

register = template.Library()


@register.filter
def as_rag(value: str) -> Rag:
    return Rag(value)


@register.filter
def as_direction(value: str) -> Direction:
    return Direction(value)
