"""The 5 × 5 risk matrix: a score is likelihood × impact, and each score falls in one band.

The bands are the ones UK public bodies commonly use with a 5 × 5 matrix (1-3 low, 4-6
medium, 8-12 high, 15-25 very high). Every score is shown with its band in words, so the
matrix never relies on colour alone. Worked examples:

>>> band(2 * 1).label, band(2 * 3).label, band(3 * 4).label, band(5 * 3).label
('Low', 'Medium', 'High', 'Very high')
>>> score_text(4, 4)
'16 Very high'
"""

from __future__ import annotations

from django.db import models

LIKELIHOOD_WORDS = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT_WORDS = {1: "Negligible", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Critical"}
LIKELIHOOD_CHOICES = [(value, f"{value} {word}") for value, word in LIKELIHOOD_WORDS.items()]
IMPACT_CHOICES = [(value, f"{value} {word}") for value, word in IMPACT_WORDS.items()]


class RiskBand(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


#: The lowest score of each band, highest band first.
BAND_FLOORS = ((15, RiskBand.VERY_HIGH), (8, RiskBand.HIGH), (4, RiskBand.MEDIUM), (1, RiskBand.LOW))


def band(score: int) -> RiskBand:
    """The band of a score from 1 to 25."""
    if not 1 <= score <= 25:
        raise ValueError(f"A risk score runs from 1 to 25, not {score}")
    return next(name for floor, name in BAND_FLOORS if score >= floor)


def score_text(likelihood: int | None, impact: int | None) -> str:
    """ "12 High": the score and its band in words; "Not scored" without both parts."""
    if not likelihood or not impact:
        return "Not scored"
    score = likelihood * impact
    return f"{score} {band(score).label}"
