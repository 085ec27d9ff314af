"""Number rules every app shares: rounding as people expect, and small-number suppression."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Counts about identifiable people below this are shown as "fewer than 5".
SMALL_NUMBER = 5


def round_half_up(value, places: int) -> Decimal:
    """Round as people do (2.5 → 3, −2.5 → −3), not as banks do."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def small_count_label(count: int) -> str:
    """A count about people, with anything below 5 shown as "fewer than 5"."""
    return "fewer than 5" if count < SMALL_NUMBER else str(count)
