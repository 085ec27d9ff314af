"""A real Celery worker process against the test database, for tests whose behaviour is the
worker's (PDFs built in the background)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """DATABASE_URL with the test database's name, so the worker sees what the test committed."""
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


@contextlib.contextmanager
def running_worker():
    from pmf.celery import app

    app.control.purge()  # tasks queued by earlier tests are not this test's business
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pmf",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": test_database_url()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_for(condition, *, worker, timeout: float = 60, what: str = "the worker") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            raise AssertionError(f"{what} stopped: {worker.stderr.read().decode()[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"{what} did not finish within {timeout} s")
