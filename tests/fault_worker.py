"""A real Celery worker for fault tests that stops, until killed, right after it has stored
the first PDF of a build: the moment a lost machine would leave half a report behind.

The stop is added here, around ``reporting.rendering._store``, so production code carries no
test hook. Run as ``python -m tests.fault_worker MARKER_FILE`` with the usual worker
environment; the marker file says the worker has reached the stop.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(marker: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmf.settings")
    django.setup()
    from pmf.celery import app
    from reporting import rendering

    store = rendering._store

    def store_then_stop(*args, **kwargs):
        store(*args, **kwargs)
        Path(marker).write_text("pdf-stored")
        while True:  # the test kills this worker's whole process group here
            time.sleep(60)

    rendering._store = store_then_stop
    app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip"])


if __name__ == "__main__":
    main(sys.argv[1])
