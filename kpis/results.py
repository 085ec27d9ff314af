"""RAG status and direction of travel: one function each, exactly as the framework says.

DESIGN §4, with the choices it leaves written down in docs/adr/0008-rag-and-direction-rules.md:

* Values and targets are rounded half-up to the KPI's decimal places *before* comparing.
* Tolerance is absolute (in the KPI's unit; percentage points for a percentage) or relative
  (a percent of |target|). Relative tolerance on a zero target is refused. The Amber
  threshold (target ∓ tolerance) is not rounded again: a rounded value is compared with it.
* No tolerance: Green or Red only. No target, or no polarity: "data only".
* Direction of travel compares both values rounded the same way.

These functions take plain numbers so the rules can be tested on their own, exhaustively.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from core.numbers import round_half_up


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"
    NONE = "none"


class ToleranceType(StrEnum):
    NONE = "none"
    ABSOLUTE = "absolute"
    RELATIVE = "relative"


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    DATA_ONLY = "data_only"
    NO_VALUE = "no_value"
    #: The figure exists but its rules cannot judge it (a relative tolerance on a target of 0,
    #: which every form and import refuses, but which older data may still hold).
    CANNOT_JUDGE = "cannot_judge"

    @property
    def label(self) -> str:
        return {
            "green": "Green: on target",
            "amber": "Amber: within tolerance",
            "red": "Red: off target",
            "data_only": "Data only",
            "no_value": "No value",
            "cannot_judge": "Cannot be judged: a relative tolerance needs a target other than 0",
        }[self.value]

    @property
    def short_label(self) -> str:
        return {
            "green": "Green",
            "amber": "Amber",
            "red": "Red",
            "data_only": "Data only",
            "no_value": "No value",
            "cannot_judge": "Not judged",
        }[self.value]

    @property
    def reason(self) -> str:
        """Why a figure has no RAG, where a short label alone would not say."""
        return "a relative tolerance needs a target other than 0" if self == Rag.CANNOT_JUDGE else ""

    @property
    def written(self) -> str:
        """The short label with its reason, for exports and the PDF, where no tag is drawn."""
        return f"{self.short_label}: {self.reason}" if self.reason else self.short_label

    @classmethod
    def filter_choices(cls) -> list[tuple[str, str]]:
        """The RAGs a list can be filtered by, worst first (the dictionary and dashboards)."""
        return [(r.value, r.short_label) for r in (cls.RED, cls.AMBER, cls.GREEN, cls.DATA_ONLY, cls.CANNOT_JUDGE)]


class Direction(StrEnum):
    IMPROVING = "improving"
    NO_CHANGE = "no_change"
    WORSENING = "worsening"
    INCREASED = "increased"
    DECREASED = "decreased"
    NOT_COMPARABLE = "not_comparable"
    NO_COMPARISON = "no_comparison"
    CUMULATIVE = "cumulative"  # a figure to date: compared with the same point last year only

    @property
    def label(self) -> str:
        return {
            "improving": "Improving",
            "no_change": "No change",
            "worsening": "Worsening",
            "increased": "Increased",
            "decreased": "Decreased",
            "not_comparable": "Not comparable (definition changed)",
            "no_comparison": "No earlier value",
            "cumulative": "Not compared: a year-to-date figure",
        }[self.value]


def comparison_text(direction: Direction, against: str, *, has_figure: bool) -> str:
    """Direction of travel in words with the data period it is against, the same on every page
    and in the PDFs (ADR 0008): "Improving against 2025/26 Q1", or "No figure for 2024/25
    outturn" when that period has no approved figure, though an older one may exist."""
    if direction == Direction.CUMULATIVE or not against:
        return direction.label
    if not has_figure:
        return f"No figure for {against}"
    if direction == Direction.NO_COMPARISON:
        return direction.label
    return f"{direction.label} against {against}"


class ToleranceRefused(ValueError):
    """A relative tolerance cannot be applied to a target of zero."""


@dataclass(frozen=True)
class Tolerance:
    kind: ToleranceType = ToleranceType.NONE
    amount: Decimal | None = None

    def absolute_for(self, target: Decimal) -> Decimal | None:
        if self.kind == ToleranceType.NONE or self.amount is None:
            return None
        if self.kind == ToleranceType.ABSOLUTE:
            return Decimal(self.amount)
        if target == 0:
            raise ToleranceRefused("A relative tolerance cannot be used when the target is 0.")
        return abs(target) * Decimal(self.amount) / Decimal(100)


NO_TOLERANCE = Tolerance()


def rag(
    value,
    target,
    *,
    polarity: Polarity,
    decimal_places: int,
    tolerance: Tolerance = NO_TOLERANCE,
) -> Rag:
    """Judge one value against its target. A figure the rules cannot judge is said to be so,
    not raised: one such KPI must never stop a page, an export or a report that lists many."""
    if value is None:
        return Rag.NO_VALUE
    if target is None or polarity == Polarity.NONE:
        return Rag.DATA_ONLY
    value = round_half_up(value, decimal_places)
    target = round_half_up(target, decimal_places)
    try:
        allowance = tolerance.absolute_for(target)
    except ToleranceRefused:
        return Rag.CANNOT_JUDGE
    if polarity == Polarity.HIGHER_IS_BETTER:
        if value >= target:
            return Rag.GREEN
        if allowance is not None and value >= target - allowance:
            return Rag.AMBER
        return Rag.RED
    if value <= target:
        return Rag.GREEN
    if allowance is not None and value <= target + allowance:
        return Rag.AMBER
    return Rag.RED


def direction(
    current,
    earlier,
    *,
    polarity: Polarity,
    decimal_places: int,
    same_definition: bool = True,
) -> Direction:
    """How a value has moved since an earlier one (previous period or same period last year)."""
    if current is None or earlier is None:
        return Direction.NO_COMPARISON
    if not same_definition:
        return Direction.NOT_COMPARABLE
    now, then = round_half_up(current, decimal_places), round_half_up(earlier, decimal_places)
    if now == then:
        return Direction.NO_CHANGE
    went_up = now > then
    if polarity == Polarity.NONE:
        return Direction.INCREASED if went_up else Direction.DECREASED
    better = went_up if polarity == Polarity.HIGHER_IS_BETTER else not went_up
    return Direction.IMPROVING if better else Direction.WORSENING
