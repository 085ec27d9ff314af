"""Checks on a figure before it is saved: its unit and range, its decimal places, a ratio's
parts, the commentary rules, and a warning when it moves unusually far from its history."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from core.number_input import MAX_DECIMAL_PLACES
from kpis.models import Kpi, KpiVersion, Unit

#: How far from its history a value may move before it needs confirming (docs/adr/0008).
UNUSUAL_SPREAD = Decimal(3)
UNUSUAL_JUMP = Decimal("0.5")
MIN_HISTORY_FOR_SPREAD = 4


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    no_eligible_cases: bool = False


def compute(version: KpiVersion, numerator: Decimal | None, denominator: Decimal | None) -> Figure:
    """A ratio's value from its parts. A denominator of 0 means "no eligible cases": no value."""
    if numerator is None or denominator is None:
        return Figure(None)
    if denominator == 0:
        return Figure(None, no_eligible_cases=True)
    ratio = Decimal(numerator) / Decimal(denominator)
    if version.unit == Unit.PERCENTAGE:
        return Figure(ratio * 100)
    if version.unit == Unit.RATE and version.rate_per:
        return Figure(ratio * version.rate_per)
    return Figure(ratio)


def check_entry(kpi: Kpi, version: KpiVersion, *, value, numerator, denominator) -> dict[str, str]:
    """Field → message for anything wrong with the figure as entered."""
    errors: dict[str, str] = {}
    if version.is_ratio:
        if numerator is not None and numerator < 0:
            errors["numerator"] = "The numerator cannot be negative"
        if denominator is not None and denominator < 0:
            errors["denominator"] = "The denominator cannot be negative"
        if (
            numerator is not None
            and denominator is not None
            and version.unit == Unit.PERCENTAGE
            and not kpi.allows_over_100
            and numerator > denominator
        ):
            errors["numerator"] = "The numerator cannot be more than the denominator for a proportion"
        for name, part in (("numerator", numerator), ("denominator", denominator)):
            problem = places_problem(part, MAX_DECIMAL_PLACES) if part is not None else None
            if problem:
                errors.setdefault(name, problem)
        if (numerator is None) != (denominator is None):
            field = "numerator" if numerator is None else "denominator"
            errors[field] = "Enter both the numerator and the denominator"
        return errors
    problem = check_value(kpi, version, value)
    if problem:
        errors["value"] = problem
    return errors


def check_value(kpi: Kpi, version: KpiVersion, value: Decimal | None) -> str | None:
    """What is wrong with a single value in the KPI's unit (a whole figure, a month or a
    breakdown cell), or None."""
    if value is None:
        return None
    problem = places_problem(value, kpi.decimal_places)
    if problem:
        return problem
    if version.unit == Unit.PERCENTAGE and (value < 0 or (value > 100 and not kpi.allows_over_100)):
        return "Enter a percentage between 0 and 100"
    if version.unit in {Unit.DAYS, Unit.RATE} and value < 0:
        return f"A {version.get_unit_display().lower()} value cannot be negative"
    return None


def places_problem(value: Decimal, places: int) -> str | None:
    """Too many decimals for ``places``, said the way the form's hint says it ("To 1 decimal
    place."). A figure is refused, never rounded: rounding would change what was reported."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return "Enter a number"
    while exponent < 0 and digits and digits[-1] == 0:  # 12.50 has one decimal; exactly, unlike normalize()
        digits, exponent = digits[:-1], exponent + 1
    if -exponent > places:
        return (
            f"Give the value to at most {places} decimal place{'s' if places != 1 else ''}"
            if places
            else "Give the value as a whole number"
        )
    return None


def unusual_movement(value: Decimal | None, history: list[Decimal]) -> str | None:
    """A warning when a value is far from its history: more than 3 standard deviations from
    the mean of at least 4 earlier values, or, with less history, more than 50% away from the
    last value. The person can confirm it; it is not an error."""
    if value is None or not history:
        return None
    if len(history) >= MIN_HISTORY_FOR_SPREAD:
        mean = Decimal(statistics.fmean(float(h) for h in history))
        spread = Decimal(statistics.pstdev(float(h) for h in history))
        if spread > 0 and abs(value - mean) > UNUSUAL_SPREAD * spread:
            return (
                f"{value.normalize():f} is unusually far from this KPI's history "
                f"(average {mean:.1f} over the last {len(history)} values). Check it, then confirm."
            )
        return None
    last = history[-1]
    if last != 0 and abs(value - last) / abs(last) > UNUSUAL_JUMP:
        return (
            f"{value.normalize():f} is more than 50% away from the last value ({last.normalize():f}). "
            "Check it, then confirm."
        )
    return None
