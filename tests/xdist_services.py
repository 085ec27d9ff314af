"""Give each pytest-xdist worker its own Redis database (a pytest plugin, loaded with ``-p``).

pytest-django gives each worker its own test database, but every worker gets the same
REDIS_URL: two workers would purge each other's queues and read each other's keys. This
plugin is imported before Django's settings are read, so it can move REDIS_URL on by the
worker's number (gw0 keeps the database it was given, gw1 takes the next one, and so on);
worker processes that tests start inherit the changed environment.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def redis_url_for_worker(url: str, worker: str) -> str:
    """``redis://host:port/N`` for worker ``gwK`` becomes ``redis://host:port/N+K``."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker.removeprefix('gw'))}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], _worker)
