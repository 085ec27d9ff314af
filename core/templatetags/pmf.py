"""Template tags used in long lists, where an ``{% include %}`` per row would cost too much."""

from django import template
from django.utils.html import format_html

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
    from planning.selectors import cic_count_label

    return cic_count_label(int(count or 0))
