"""Small-number suppression for counts about people, the one rule every output that leaves the
council's staff applies (published reports, scrutiny, open data, the API): ADR 0022.

A count below 5 is hidden (primary suppression). Hiding it is not enough where the total is
known: with one hidden cell, the total minus the cells shown gives it back. So more cells are
hidden (secondary suppression) until no hidden count can be worked out from the cells shown
and the total:

* never exactly one hidden cell: the next smallest cell is hidden with it;
* the hidden cells never add up to nothing: were they all zero, the total less the cells shown
  would be 0, and every hidden cell would be known to be 0.

The total is always taken to be known (it is the KPI's figure, or can be added up from a
table), so the rule holds whether or not an output prints it. Every hidden cell is written
the same way (``SUPPRESSED_TEXT``): words that told a small count from one hidden to protect
it would tell a reader which cell is at least 5, and with the total that can give both back.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.numbers import SMALL_NUMBER

#: How every hidden cell is written, on every page, file and PDF.
SUPPRESSED_TEXT = "suppressed"

#: The note printed with a breakdown that has hidden cells.
SUPPRESSION_NOTE = (
    f"Counts of fewer than {SMALL_NUMBER} people are suppressed, and so is the next smallest count "
    "where that is needed, so that no suppressed count can be worked out from the total."
)


def suppressed_cells(counts: Sequence[int]) -> frozenset[int]:
    """The positions of the counts to hide: those below 5, and then the smallest of the rest,
    one at a time, until hiding is safe (see the module's docstring). Ties go to the earlier
    category, so the same counts always hide the same cells.

    >>> sorted(suppressed_cells([3, 12, 40]))
    [0, 1]
    >>> sorted(suppressed_cells([3, 2, 40]))
    [0, 1]
    >>> sorted(suppressed_cells([0, 0, 9, 30]))
    [0, 1, 2]
    >>> sorted(suppressed_cells([7, 12]))
    []
    """
    if any(count < 0 for count in counts):
        raise ValueError("Counts of people cannot be negative.")
    hidden = {i for i, count in enumerate(counts) if count < SMALL_NUMBER}
    shown = sorted((i for i in range(len(counts)) if i not in hidden), key=lambda i: (counts[i], i))
    while hidden and (len(hidden) == 1 or sum(counts[i] for i in hidden) == 0) and shown:
        hidden.add(shown.pop(0))
    return frozenset(hidden)


def is_count(values: Sequence) -> bool:
    """Can these values be counts of people (whole numbers, none negative)? A breakdown of
    a rate or a percentage is not additive: the total cannot give back a cell (ADR 0022)."""
    return all(value >= 0 and value == int(value) for value in values)
