"""A backup is only as good as its restore: the database is dumped with ``pg_dump`` and
restored with ``pg_restore`` into a fresh database, exactly as docs/how-to/production.md says,
and the restore is the same service: no migration missing, every table with the same rows,
a published report with the same checksums, and the audit log still append-only."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from devtools.postgres import pgserver_files
from reporting.content import digest

pytestmark = [pytest.mark.processes, pytest.mark.timeout(120), pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def url_for(database: str) -> str:
    """DATABASE_URL with another database's name."""
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}"))


def program(name: str) -> str:
    """PostgreSQL's client programs from the pgserver wheel (version 16: they dump a server of
    that version or older, as the production image's own would)."""
    install, _, _ = pgserver_files()
    return str(install / "bin" / name)


def row_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    tables = sorted(name for (name,) in cursor.fetchall())
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)).as_string(cursor.connection))
        counts[table] = cursor.fetchone()[0]
    return counts


def test_a_dump_restored_into_a_fresh_database_is_the_same_service(world, tmp_path):
    published = world.kpis["published_snapshot"]
    stored_file = world.kpis["published_file"]
    source = connection.settings_dict["NAME"]
    fresh = f"{source}_restored_{secrets.token_hex(3)}"
    dump = tmp_path / "pmf.dump"

    subprocess.run(
        [program("pg_dump"), "--format=custom", "--file", str(dump), "--dbname", url_for(source)],
        check=True,
        timeout=60,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh)).as_string(connection.connection))
        before = row_counts(cursor)
    try:
        subprocess.run(
            [
                program("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                url_for(fresh),
                str(dump),
            ],
            check=True,
            timeout=60,
        )
        # No migration is missing or extra: the restored database is at this code's schema.
        check = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url_for(fresh)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        with psycopg.connect(url_for(fresh), autocommit=True) as restored, restored.cursor() as cursor:
            assert row_counts(cursor) == before
            assert min(before["audit_auditevent"], before["reporting_reportfile"]) > 0
            cursor.execute("SELECT sha256, content FROM reporting_snapshot WHERE id = %s", [published.pk])
            sha256, content = cursor.fetchone()
            assert sha256 == published.sha256 == digest(content)
            cursor.execute("SELECT sha256, pdf FROM reporting_reportfile WHERE id = %s", [stored_file.pk])
            sha256, pdf = cursor.fetchone()
            assert sha256 == stored_file.sha256 == hashlib.sha256(pdf).hexdigest()
            # The triggers came back with the tables: history still cannot be rewritten.
            with pytest.raises(psycopg.Error, match="The audit log is append-only"):
                cursor.execute("UPDATE audit_auditevent SET actor_name = 'someone else'")
            with pytest.raises(psycopg.Error, match="A published report file is frozen"):
                cursor.execute("DELETE FROM reporting_reportfile WHERE id = %s", [stored_file.pk])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                .format(sql.Identifier(fresh))
                .as_string(connection.connection)
            )
