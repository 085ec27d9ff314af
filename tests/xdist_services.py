"""pytest-xdist's side of the test run (a pytest plugin, loaded with ``-p``): each worker gets
its own Redis database, and the workers are handed the slowest tests first.

pytest-django gives each worker its own test database, but every worker gets the same
REDIS_URL: two workers would purge each other's queues and read each other's keys. This
plugin is imported before Django's settings are read, so it can move REDIS_URL on by the
worker's number (gw0 keeps the database it was given, gw1 takes the next one, and so on);
worker processes that tests start inherit the changed environment.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest


def redis_url_for_worker(url: str, worker: str) -> str:
    """``redis://host:port/N`` for worker ``gwK`` becomes ``redis://host:port/N+K``."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker.removeprefix('gw'))}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], _worker)


#: The slowest kinds of test, slowest first: those that start processes (a worker building
#: PDFs, ``run.py serve``), then the browser journeys; everything else comes after them.
SLOW_MARKERS = ("processes", "browser")


def slowness(item) -> int:
    for rank, name in enumerate(SLOW_MARKERS):
        if item.get_closest_marker(name):
            return rank
    return len(SLOW_MARKERS)


def database_phase(item) -> int:
    """pytest-django's order (its own ``pytest_collection_modifyitems``): tests in a rolled-back
    transaction first, then those whose transactions commit (each ends by emptying the
    database), then those without a database. Kept, so that no worker runs a rolled-back
    test after one that emptied the database."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = "transactional_db" in fixtures or bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    )
    if transactional:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Under pytest-xdist, within each of pytest-django's phases, the slowest tests first.

    xdist hands tests out one or two at a time to whichever worker is free, in this order. A
    minute-long test handed out last runs alone while the other worker waits; handed out
    first, the short tests after it fill the other worker's time. The sort is stable, so a
    module's tests stay together and in order, and every worker sorts the same (xdist
    requires the same order on each). Without xdist the order is left as it was.
    """
    if _worker:
        items.sort(key=lambda item: (database_phase(item), slowness(item)))
