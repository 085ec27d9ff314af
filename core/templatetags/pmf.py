"""Template tags used in long lists, where an ``{% include %}`` per row would cost too much."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.numbers import figure_text, small_count_label

register = template.Library()

STATUS_COLOURS = {
    "complete": "govuk-tag--green",
    "on_track": "govuk-tag--blue",
    "at_risk": "govuk-tag--yellow",
    "off_track": "govuk-tag--red",
}


@register.simple_tag
def status_tag(status: str, label: str):
    """An objective status as a GOV.UK tag. The word is always shown; colour only adds to it."""
    colour = STATUS_COLOURS.get(status, "govuk-tag--grey")
    return format_html('<strong class="govuk-tag pmf-status pmf-status--{} {}">{}</strong>', status, colour, label)


@register.filter
def small_number(count: int) -> str:
    """Counts about identifiable people: below 5 they show as "fewer than 5"."""
    return small_count_label(int(count or 0))


RAG_STYLES = {
    # colour class, icon path (a distinct shape for each, so colour is never the only signal)
    "green": ("govuk-tag--green", "M3 8.5l3 3 7-7", "tick"),
    "amber": ("govuk-tag--yellow", "M8 2l6.5 12h-13z", "triangle"),
    "red": ("govuk-tag--red", "M3 3l10 10M13 3L3 13", "cross"),
    "data_only": ("govuk-tag--grey", "M3 8h10", "dash"),
    "no_value": ("govuk-tag--grey", "M3 8h10", "dash"),
    "cannot_judge": ("govuk-tag--grey", "M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z", "circle"),
}


@register.simple_tag
def rag_tag(result_rag):
    """A RAG result as a tag with its word and an icon shape: never colour alone. A figure
    that cannot be judged says why beside the tag."""
    if result_rag is None:
        return ""
    colour, path, shape = RAG_STYLES[result_rag.value]
    filled = ' fill="currentColor"' if shape == "triangle" else ' fill="none" stroke="currentColor" stroke-width="2.5"'
    return format_html(
        '<strong class="govuk-tag pmf-rag pmf-rag--{} {}"><svg class="pmf-rag__icon" viewBox="0 0 16 16" '
        'aria-hidden="true" focusable="false"><path d="{}"{}/></svg>{}</strong>{}',
        result_rag.value,
        colour,
        path,
        mark_safe(filled),  # noqa: S308 - a constant from this module, not input
        result_rag.short_label,
        format_html(' <span class="govuk-body-s">({})</span>', result_rag.reason) if result_rag.reason else "",
    )


DIRECTION_ARROWS = {
    "improving": "↑",
    "worsening": "↓",
    "increased": "↑",
    "decreased": "↓",
    "no_change": "→",
    "not_comparable": "≠",
    "no_comparison": "–",
    "cumulative": "–",
}


@register.simple_tag
def direction_text(result_direction, text: str = ""):
    """The arrow and the words; ``text`` is the words with the period compared with
    (``kpis.results.comparison_text``), where the caller has them."""
    if result_direction is None:
        return ""
    text = text or result_direction.label
    # The arrow stays with the word after it; the period named after them may wrap.
    kept = result_direction.label if text.startswith(result_direction.label) else text.split(" ", 1)[0]
    return format_html(
        '<span class="pmf-direction"><span aria-hidden="true">{}</span> {}</span>{}',
        DIRECTION_ARROWS[result_direction.value],
        kept,
        text[len(kept) :],
    )


@register.simple_tag
def return_state_tag(state: str, label: str):
    colours = {
        "approved": "govuk-tag--green",
        "submitted": "govuk-tag--blue",
        "draft": "govuk-tag--light-blue",
        "returned": "govuk-tag--orange",
        "not_available": "govuk-tag--purple",
    }
    return format_html('<strong class="govuk-tag {}">{}</strong>', colours.get(state, "govuk-tag--grey"), label)


@register.filter
def number(value, places=1):
    """A figure to the KPI's decimal places, with thousands separators; blank for none."""
    return "" if value is None else figure_text(value, int(places))


@register.filter
def dict_get(mapping, key):
    return mapping.get(key) if mapping else None
