"""Small-number suppression: worked examples, and the property that no hidden count can be
worked out from the counts shown and the total (ADR 0022)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.suppression import is_count, suppressed_cells

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=300)
settings.load_profile("ci")


def possible_values(shown: dict[int, int], hidden: list[int], total: int, cell: int) -> set[int]:
    """Every value a reader could give a hidden cell: a non-negative whole number that leaves
    the other hidden cells (non-negative too) able to make up the rest of the total."""
    remainder = total - sum(shown.values())
    others = len(hidden) - 1
    return {v for v in range(max(remainder, 0) + 1) if (remainder - v == 0 if others == 0 else remainder - v >= 0)}


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([3, 12, 40], {0, 1}),  # one small count: the next smallest hidden with it
        ([12, 3, 40], {0, 1}),
        ([3, 2, 40], {0, 1}),  # two small counts protect each other
        ([0, 0, 9, 30], {0, 1, 2}),  # two zeros would add up to nothing
        ([0, 4, 9], {0, 1}),
        ([7, 12], set()),
        ([5, 5, 3], {0, 2}),  # ties go to the earlier category
        ([3], {0}),
        ([], set()),
    ],
)
def test_worked_examples(counts, hidden):
    assert suppressed_cells(counts) == hidden


def test_a_single_small_count_beside_a_total_is_never_left_alone():
    counts = [3, 12]
    hidden = suppressed_cells(counts)
    assert hidden == {0, 1}
    assert possible_values({}, [0, 1], 15, 0) == set(range(16))


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        suppressed_cells([3, -1])


def test_only_whole_non_negative_numbers_are_counts():
    from decimal import Decimal

    assert is_count([Decimal("3"), Decimal("12.0000")])
    assert not is_count([Decimal("3.5"), Decimal("12")])
    assert not is_count([Decimal("-1")])


counts_strategy = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=5)


@given(counts=counts_strategy)
def test_every_count_below_5_is_hidden(counts):
    hidden = suppressed_cells(counts)
    assert all(i in hidden for i, count in enumerate(counts) if count < 5)


@given(counts=counts_strategy, unknown=st.integers(min_value=0, max_value=3))
def test_no_hidden_count_can_be_worked_out_from_the_cells_shown_and_the_total(counts, unknown):
    """The total is the cells' sum, or more (people in no category, ``unknown``). Unless every
    cell is hidden (then the breakdown adds nothing to the total it is published beside),
    each hidden cell could hold more than one value."""
    hidden = sorted(suppressed_cells(counts))
    if not hidden or len(hidden) == len(counts):
        return
    total = sum(counts) + unknown
    shown = {i: c for i, c in enumerate(counts) if i not in hidden}
    for cell in hidden:
        values = possible_values(shown, hidden, total, cell)
        assert counts[cell] in values
        assert len(values) > 1, f"cell {cell} of {counts} is given back by the total {total}"


@given(counts=counts_strategy)
def test_hiding_is_the_same_whatever_the_order_of_equal_cells_apart_from_ties(counts):
    """Hiding depends on the counts alone: the same counts hide the same cells."""
    assert suppressed_cells(counts) == suppressed_cells(list(counts))
    assert len(suppressed_cells(counts)) != 1 or len(counts) == 1
