"""PostgreSQL advisory locks held by a session, for work that spans several transactions and
must be done by one process at a time however many workers there are (ADR 0012)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

#: The first half of each lock's key, one per kind of work; the second half names the thing.
PDF_BUILD = 7_240_025
CYCLE_TICK = 7_240_026


@contextlib.contextmanager
def held(kind: int, key: int = 0, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock for ``(kind, key)`` while the block runs; yields whether it is held.

    With ``wait`` the block waits for whoever holds it; without, it runs at once, told False
    if another holds it. A session lock, not a row lock, because the work commits as it goes
    (a row lock would last only one transaction); a lost worker's connection closes, and
    PostgreSQL releases its locks with it, so nothing is left locked. It needs a connection
    of its own for the whole block: through a pooler, session mode, not transaction mode."""
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [kind, key])
            got = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [kind, key])
            got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [kind, key])
