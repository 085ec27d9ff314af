"""Query-count helpers: pin the number of queries a page makes, and prove it flat as data grows."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def assert_flat(action: Callable[[], object], grow: Callable[[], object], *, pinned: int | None = None) -> int:
    """Run ``action``, grow the data, run it again: the count must not change (and must equal
    ``pinned`` when given, so a regression that adds a query shows up too)."""
    before = count_queries(action)
    grow()
    after = count_queries(action)
    assert before == after, f"query count grew with the data: {before} → {after}"
    if pinned is not None:
        assert before == pinned, f"expected {pinned} queries, got {before}"
    return before
