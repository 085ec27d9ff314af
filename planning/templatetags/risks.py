"""The risk score as people read it: the number and its band in words, with a colour that
only adds to the words."""

from django import template
from django.utils.html import format_html

from planning.risk_scores import band, score_text

register = template.Library()

RISK_BAND_COLOURS = {
    "low": "govuk-tag--green",
    "medium": "govuk-tag--yellow",
    "high": "govuk-tag--orange",
    "very_high": "govuk-tag--red",
}


@register.simple_tag
def risk_score(likelihood, impact):
    """``{% risk_score risk.current_likelihood risk.current_impact %}`` → "12 High" as a tag."""
    if not likelihood or not impact:
        return format_html('<strong class="govuk-tag govuk-tag--grey">{}</strong>', "Not scored")
    colour = RISK_BAND_COLOURS[band(likelihood * impact).value]
    return format_html('<strong class="govuk-tag pmf-risk {}">{}</strong>', colour, score_text(likelihood, impact))


@register.simple_tag
def band_tag(score: int):
    """A cell of the matrix: its score and band in words."""
    found = band(score)
    return format_html(
        '<strong class="govuk-tag pmf-risk {}">{} {}</strong>', RISK_BAND_COLOURS[found.value], score, found.label
    )
