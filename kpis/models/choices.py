"""The choices a KPI's definition is made of: unit, frequency, data period, basis, rules."""

from __future__ import annotations

from django.db import models

from kpis.results import Polarity, ToleranceType


class Unit(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage (0-100)"
    NUMBER = "number", "Number"
    RATE = "rate", "Rate per N"
    CURRENCY = "currency", "Currency (£)"
    DAYS = "days", "Days"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class DataPeriodType(models.TextChoices):
    FINANCIAL_YEAR = "financial_year", "Financial year"
    ACADEMIC_YEAR = "academic_year", "Academic year"
    CALENDAR_YEAR = "calendar_year", "Calendar year"
    QUARTER = "quarter", "Quarter"
    MONTH = "month", "Month"
    ROLLING_12 = "rolling_12", "Rolling 12 months"
    AS_AT = "as_at", "As at a date"


class CumulativeBasis(models.TextChoices):
    NONE = "none", "Not cumulative"
    FINANCIAL_YTD = "financial_ytd", "Financial year to date (resets each April)"
    SINCE_DATE = "since_date", "Since a start date"


class QuarterRule(models.TextChoices):
    LAST_MONTH = "last_month", "The quarter's last month"
    SUM = "sum", "Sum of the three months"
    RATIO_OF_SUMS = "ratio_of_sums", "Sum of numerators over sum of denominators"


POLARITY_CHOICES = [
    (Polarity.HIGHER_IS_BETTER.value, "Higher is better"),
    (Polarity.LOWER_IS_BETTER.value, "Lower is better"),
    (Polarity.NONE.value, "None (data only)"),
]
TOLERANCE_CHOICES = [
    (ToleranceType.NONE.value, "No tolerance (Green or Red only)"),
    (ToleranceType.ABSOLUTE.value, "Absolute, in the KPI's unit"),
    (ToleranceType.RELATIVE.value, "Relative, percent of the target"),
]
