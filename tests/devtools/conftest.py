"""Fixtures for the tests of the two-command set-up (run.py and devtools/).

None of these tests use the database fixtures: the supervisor tests start ``run.py serve``
against the test run's own PostgreSQL and Redis, whose URLs they read from the environment
that ``python3 run.py test`` sets.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .serving import Served


@pytest.fixture
def service_urls() -> dict[str, str]:
    """The test run's PostgreSQL and Redis, as ``python3 run.py test`` exports them."""
    urls = {name: os.environ.get(name, "") for name in ("DATABASE_URL", "REDIS_URL")}
    if not all(urls.values()):
        pytest.skip("needs DATABASE_URL and REDIS_URL (run through `python3 run.py test`)")
    return urls


@pytest.fixture
def serve(tmp_path: Path):
    """Start ``run.py serve`` with extra environment; everything is cleaned up afterwards."""
    started: list[Served] = []

    def start(**env_overrides: str) -> Served:
        served = Served(tmp_path, env_overrides)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()
