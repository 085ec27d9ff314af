"""What every benchmark shares: settings for a local run, a throwaway database, and timing a
page through Django's test client (p50, p95 and its query count)."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmf.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("PMF_HTTPS", "0")
    os.environ.setdefault("PMF_PLAIN_STATIC", "1")
    import django

    django.setup()


def with_bench_database(run: Callable[[str], None]) -> None:
    """Make ``<name>_bench`` on the configured server, migrate it, run, and drop it again."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    base = settings.DATABASES["default"]["NAME"]
    bench = f"{base}_bench"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{bench}"')
        cursor.execute(f'CREATE DATABASE "{bench}"')
    connection.close()
    settings.DATABASES["default"]["NAME"] = bench
    try:
        call_command("migrate", verbosity=0)
        run(bench)
    finally:
        connection.close()
        settings.DATABASES["default"]["NAME"] = base
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{bench}"')
        connection.close()


def signed_in_client(user):
    from django.test import Client
    from django.test.utils import setup_test_environment

    with contextlib.suppress(RuntimeError):  # already set up by an earlier call
        setup_test_environment()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def timed(client, url: str, runs: int = 20, warm_up: int = 2) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, queries) for GET ``url``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warm_up):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        assert client.get(url).status_code == 200, url
        samples.append((time.perf_counter() - begin) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], len(queries.captured_queries)


def print_table(rows: list[tuple[str, tuple[float, float, int]]]) -> None:
    """The first row is the baseline the ratios are against."""
    baseline = rows[0][1][0]
    print(f"{'page':55} {'p50 ms':>8} {'p95 ms':>8} {'p50 ratio':>10} {'queries':>8}")
    for name, (p50, p95, queries) in rows:
        print(f"{name:55} {p50:8.1f} {p95:8.1f} {p50 / baseline:10.1f} {queries:8d}")
