"""``python3 run.py test``: lint, migration check and pytest against throwaway services.

The test run always starts its own PostgreSQL and Redis on their own ports and ignores
DATABASE_URL and REDIS_URL, so it can never touch (or flush) someone's real data.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import credentials, paths, postgres, redis
from .chromium import ensure_chromium, ensure_pdf_libraries
from .console import Fatal, Interrupted, complain, say
from .credentials import Credentials
from .ports import require_free
from .supervisor import Supervisor

POSTGRES_PORT = 55433
REDIS_PORT = 56380
INTERRUPTED_EXIT = 130
SAME_PORT_HINT = "If another `python3 run.py test` is running, let it finish; else stop the program using it."


def test_environment(chromium: str, secrets: Credentials) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=postgres.database_url(POSTGRES_PORT, secrets.postgres_password),
        REDIS_URL=redis.redis_url(REDIS_PORT, secrets.redis_password),
        DEBUG="0",
        SECRET_KEY=secrets.secret_key,
        ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
        PMF_HTTPS="0",
        PMF_PLAIN_STATIC="1",
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
        CHROMIUM_PATH=chromium,
        PYTHONUNBUFFERED="1",
    )
    env.pop("PMF_STATE_DIR", None)
    return env


def steps(pytest_args: list[str]) -> list[tuple[str, list[str]]]:
    python = sys.executable
    manage = [python, str(paths.MANAGE_PY)]
    return [
        ("ruff check", [python, "-m", "ruff", "check", "."]),
        ("ruff format --check", [python, "-m", "ruff", "format", "--check", "."]),
        ("makemigrations --check", [*manage, "makemigrations", "--check", "--dry-run"]),
        ("pytest", [python, "-m", "pytest", *parallel_args(pytest_args, os.cpu_count() or 1), *pytest_args]),
    ]


#: More workers than this would outrun one PostgreSQL on a small machine (and Redis has 16
#: databases: each worker takes the next one, tests/xdist_services.py).
MAX_TEST_WORKERS = 4


def parallel_args(pytest_args: list[str], cpus: int) -> list[str]:
    """pytest-xdist options: one worker per core (at most MAX_TEST_WORKERS), each with its own
    test database and Redis database; ``--dist loadgroup`` keeps the tests that must not run
    at the same time on one worker (tests/conftest.py).
    None when the caller chose for themselves (``-n``, ``-p no:xdist``), asked for the debugger
    (which needs one process), or there is one core."""
    serial = {"no:xdist", "--pdb", "--trace"}
    chosen = any(arg in serial or arg.startswith(("-n", "--numprocesses")) for arg in pytest_args)
    workers = min(cpus, MAX_TEST_WORKERS)
    if chosen or workers < 2:
        return []
    return ["-n", str(workers), "--dist", "loadgroup"]


def run(pytest_args: list[str]) -> int:
    chromium = ensure_chromium()
    ensure_pdf_libraries()
    require_free(
        [
            (POSTGRES_PORT, "the test run's PostgreSQL", SAME_PORT_HINT),
            (REDIS_PORT, "the test run's Redis", SAME_PORT_HINT),
        ]
    )
    supervisor = Supervisor()
    supervisor.install_signal_handlers()
    scratch = Path(tempfile.mkdtemp(prefix="pmf-test-"))
    throwaway: list[Path] = [scratch]
    secrets = credentials.throwaway()
    try:
        start_services(supervisor, scratch, throwaway, secrets)
        return run_steps(supervisor, steps(pytest_args), test_environment(chromium, secrets))
    except Interrupted:
        say("\nInterrupted; stopping the test services ...")
        return INTERRUPTED_EXIT
    except Fatal as problem:
        complain(str(problem))
        return problem.code
    finally:
        supervisor.stop_all()
        for folder in throwaway:
            shutil.rmtree(folder, ignore_errors=True)


def start_services(supervisor: Supervisor, scratch: Path, throwaway: list[Path], secrets: Credentials) -> None:
    """A fresh cluster with durability off, and Redis without persistence, in ``scratch``.

    Both ask for passwords made for this run only, like the local copy's: the ports are on
    127.0.0.1, open to every local user while the tests run. Should a server's user be
    unable to reach ``scratch``, its data goes elsewhere; that folder is emptied first and
    added to ``throwaway`` to be removed afterwards.
    """
    os.chmod(scratch, 0o755)  # Our own temp folder: the servers' user must be able to enter it.
    logs = credentials.make_private(paths.VAR) / "log"
    logs.mkdir(mode=0o700, exist_ok=True)
    log = logs / "test-postgres.log"
    log.write_bytes(b"")
    started = time.monotonic()
    layout = postgres.choose_layout(scratch / "postgres", outside_name="test-postgres")
    cache = redis.choose_layout(scratch / "redis", outside_name="test-redis")
    for data_dir in (layout.data_dir, cache.data_dir):
        if not data_dir.is_relative_to(scratch):
            shutil.rmtree(data_dir, ignore_errors=True)
            throwaway.append(data_dir)
    postgres.initialise(layout, log=log, throwaway=True, password=secrets.postgres_password)
    postgres.start(supervisor, layout, port=POSTGRES_PORT, log=log, throwaway=True, password=secrets.postgres_password)
    redis_log = logs / "test-redis.log"
    redis_log.write_bytes(b"")
    redis.start(supervisor, cache, port=REDIS_PORT, log=redis_log, persistent=False, password=secrets.redis_password)
    say(f"Test services ready in {time.monotonic() - started:.1f} s.")


def run_steps(supervisor: Supervisor, plan: list[tuple[str, list[str]]], env: dict[str, str]) -> int:
    """Run each step in order, timing it; stop at the first failure and return its exit code."""
    for name, argv in plan:
        say(f"\n==> {name}")
        started = time.monotonic()
        code = supervisor.run_step(argv, env=env, cwd=paths.ROOT, keep_stdin=True)
        outcome = "passed" if code == 0 else f"FAILED (exit code {code})"
        say(f"==> {name}: {outcome} in {time.monotonic() - started:.1f} s")
        if code != 0:
            return code
    return 0
