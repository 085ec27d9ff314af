"""A real Celery worker process against the test database, for tests whose behaviour is the
worker's (PDFs built in the background)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
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


def _start(args: list[str], env: dict, *, program: tuple[str, ...] = ("-m", "celery", "-A", "pmf")) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *program, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def worker_env(**extra: str) -> dict:
    return {**os.environ, "DATABASE_URL": test_database_url(), **extra}


def start_worker(*, stop_after_first_pdf: Path | None = None, **extra_env: str) -> subprocess.Popen:
    """A worker in its own process group, so a test can kill the group like a lost machine.
    With ``stop_after_first_pdf`` it stops after storing a build's first PDF and says so in
    that file (``tests.fault_worker``)."""
    if stop_after_first_pdf is not None:
        return _start([str(stop_after_first_pdf)], worker_env(**extra_env), program=("-m", "tests.fault_worker"))
    return _start(["worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip"], worker_env(**extra_env))


def kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def running_worker(*, beat_schedule: Path | None = None, tick_seconds: float = 1, **extra_env: str):
    """A worker (and, given a schedule file, Celery beat ticking every ``tick_seconds``)."""
    from pmf.celery import app

    app.control.purge()  # tasks queued by earlier tests are not this test's business
    env = worker_env(PMF_TICK_SECONDS=str(tick_seconds), **extra_env)
    processes = [_start(["worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip"], env)]
    if beat_schedule is not None:
        processes.append(_start(["beat", "--loglevel=WARNING", "--schedule", str(beat_schedule)], env))
    try:
        yield processes[0]
    finally:
        for process in reversed(processes):
            _stop(process)


def wait_for(condition, *, worker, timeout: float = 60, what: str = "the worker") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            raise AssertionError(f"{what} stopped: {worker.stderr.read().decode()[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"{what} did not finish within {timeout} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def web_server(**env: str):
    """A gunicorn web process on a loopback port against the test database; its base URL."""
    port = free_port()
    program = ("-m", "gunicorn", "pmf.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1")
    process = _start([], worker_env(**env), program=program)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"web server did not start: {process.stderr.read().decode()[-3000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
