"""Give the application's database role exactly what the web, worker and beat need.

The append-only audit log and the frozen reports are guarded by triggers (audit/0002,
reporting/0002 and 0004), and a trigger guards nothing against the role that owns the table or
a superuser: they can disable it, drop it, replace its function or skip it with
``session_replication_role``. So the processes that serve people connect as a role that owns
nothing, and migrations run as the owner, which then runs this command (docker-compose's
``migrate`` service does both; ADR 0014).

The role reads and writes every table, except that it may only add to the audit log, only add
or remove (never change) a report's files, and only read the migration history. It cannot
create, alter or drop anything. Run again after every migration: it revokes and grants afresh,
so the grants always match the tables there are.
"""

from __future__ import annotations

import os

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from psycopg import sql

EVERY = ("SELECT", "INSERT", "UPDATE", "DELETE")


def limited_tables() -> dict[str, tuple[str, ...]]:
    """Tables where the role gets less than ``EVERY``: a model says so beside its trigger with
    ``app_role_grants``; the migration history is the owner's alone."""
    limited = {
        model._meta.db_table: model.app_role_grants for model in apps.get_models() if hasattr(model, "app_role_grants")
    }
    return {**limited, MigrationRecorder.Migration._meta.db_table: ("SELECT",)}


class Command(BaseCommand):
    help = "Grant the application's database role what it needs, as the database owner, after migrate."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the web, worker and beat connect as.")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="Create the role if it does not exist, and set its password, from this environment variable.",
        )

    def handle(self, *args, role: str, password_env: str | None, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            self.cursor = cursor
            if password_env:
                self._create_or_set_password(role, password_env)
            refused = problems(cursor, role)
            if refused:
                raise CommandError(f"Not granting to {role}: {'; '.join(refused)}.")
            self._grant(role)
        self.stdout.write(f"Granted {role} what the application needs, and no more.")

    def _execute(self, statement: sql.Composable) -> None:
        self.cursor.execute(statement.as_string(connection.connection))

    def _create_or_set_password(self, role: str, variable: str) -> None:
        password = os.environ.get(variable, "")
        if not password:
            raise CommandError(f"{variable} is empty: set the application role's password there.")
        self.cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if self.cursor.fetchone() else "CREATE"
        attributes = " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS" if verb == "CREATE" else ""
        self._execute(
            sql.SQL("{} ROLE {} LOGIN" + attributes + " PASSWORD {}").format(
                sql.SQL(verb), sql.Identifier(role), sql.Literal(password)
            )
        )

    def _grant(self, role: str) -> None:
        who = sql.Identifier(role)
        self._execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(who))
        self._execute(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(who))
        self._execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(connection.settings_dict["NAME"]), who)
        )
        self._execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who))
        self._execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(who))
        limited = limited_tables()
        self.cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)", [list(limited)]
        )
        for (table,) in self.cursor.fetchall():
            withheld = [p for p in EVERY if p not in limited[table]]
            if not withheld:
                continue
            self._execute(
                sql.SQL("REVOKE {} ON TABLE {} FROM {}").format(
                    sql.SQL(", ").join(map(sql.SQL, withheld)), sql.Identifier(table), who
                )
            )
        self._execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who))
        # Tables a later migration adds are usable at once; this command, run after it,
        # narrows them again.
        self._execute(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(who)
        )
        self._execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(who)
        )
        # PostgreSQL 15 no longer lets everyone create in the public schema; older ones do.
        self.cursor.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [role])
        if self.cursor.fetchone()[0]:
            self._execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC, {}").format(who))


def problems(cursor, role: str) -> list[str]:
    """Why ``role`` could lift the triggers the grants rely on (empty if it could not)."""
    cursor.execute(
        "SELECT oid, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication, rolname = current_user"
        " FROM pg_roles WHERE rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return ["there is no role of that name (give --password-env to create it)"]
    oid, superuser, createdb, createrole, bypassrls, replication, is_current = row
    found = []
    if is_current:
        found.append("it is the role running this command, which owns the tables (migrations run as the owner)")
    for flag, words in (
        (superuser, "it is a superuser"),
        (createdb, "it can create databases"),
        (createrole, "it can create roles"),
        (bypassrls, "it bypasses row security"),
        (replication, "it is a replication role"),
    ):
        if flag:
            found.append(words)
    cursor.execute("SELECT count(*) FROM pg_shdepend WHERE refobjid = %s AND deptype = 'o'", [oid])
    owned = cursor.fetchone()[0]
    if owned and not is_current:
        found.append(f"it owns {owned} database objects")
    cursor.execute("SELECT string_agg(roleid::regrole::text, ', ') FROM pg_auth_members WHERE member = %s", [oid])
    member_of = cursor.fetchone()[0]
    if member_of:
        found.append(f"it is a member of {member_of}")
    return found
