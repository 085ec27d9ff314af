"""The application's database role: what the web, worker and beat connect as in production.

It owns nothing and has only the grants ``grant_app_role`` gives it, so no SQL it can send
changes an audit record or a published report, or lifts the triggers that guard them. The
tests sign in to the test database as such a role over a connection of its own.
"""

from __future__ import annotations

import secrets

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from psycopg import errors, sql

from accounts.policy import SYSTEM
from audit.models import Action, AuditEvent
from audit.services import audit_record
from reporting.models import ReportFile, Snapshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD_ENV = "PMF_TEST_APP_DB_PASSWORD"


def _drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)).as_string(connection.connection))
        cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)).as_string(connection.connection))


@pytest.fixture
def app_role(monkeypatch):
    """A new role (roles belong to the whole cluster: a random name, dropped afterwards),
    created and granted by the command, as docker-compose's migrate service does."""
    name = f"pmf_test_app_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    monkeypatch.setenv(PASSWORD_ENV, password)
    call_command("grant_app_role", name, password_env=PASSWORD_ENV)
    try:
        yield name, password
    finally:
        _drop(name)


@pytest.fixture
def as_app(app_role):
    """A connection to the test database signed in as the application's role."""
    name, password = app_role
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or None,
        dbname=settings["NAME"],
        user=name,
        password=password,
        autocommit=True,
    ) as app:
        assert app.execute("SELECT current_user").fetchone()[0] == name
        yield app


def _allowed(app, attempts: list, params: dict, refused) -> list:
    """The statements the database let through (each must raise one of ``refused``)."""
    allowed = []
    for attempt in attempts:
        try:
            app.execute(attempt, params)
        except refused:
            continue
        allowed.append(attempt)
    return allowed


def _held(app, table: str) -> set[str]:
    kinds = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    return {kind for kind in kinds if app.execute("SELECT has_table_privilege(%s, %s)", [table, kind]).fetchone()[0]}


@pytest.fixture
def audited(world):
    with transaction.atomic():
        return audit_record(actor=SYSTEM, action=Action.CREATE, instance=world.d1, after={"code": world.d1.code})


def test_the_app_role_owns_nothing_and_holds_no_power_over_the_cluster(as_app):
    row = as_app.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication, rolcanlogin"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False, False, False, False, True)
    owned = as_app.execute(
        "SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid"
        " WHERE r.rolname = current_user AND d.deptype = 'o'"
    ).fetchone()[0]
    assert owned == 0
    member_of = "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = user"
    assert as_app.execute(member_of).fetchone()[0] == 0
    # Nothing that could lift a trigger or empty a table, on any table; nothing to create with.
    tables = [t for (t,) in as_app.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    assert {t: _held(as_app, t) & {"TRUNCATE", "TRIGGER", "REFERENCES"} for t in tables} == {t: set() for t in tables}
    assert _held(as_app, "audit_auditevent") == {"SELECT", "INSERT"}
    assert _held(as_app, "django_migrations") == {"SELECT"}
    creates = "SELECT has_schema_privilege('public', 'CREATE'), has_database_privilege(current_database(), 'CREATE')"
    assert as_app.execute(creates).fetchone() == (False, False)


def test_the_app_role_cannot_change_an_audit_record_by_any_sql(as_app, audited, world):
    owner = connection.settings_dict["USER"]
    attempts = [
        "UPDATE audit_auditevent SET action = 'tampered' WHERE id = %(id)s",
        "DELETE FROM audit_auditevent WHERE id = %(id)s",
        "TRUNCATE audit_auditevent",
        "SET session_replication_role = replica",
        "ALTER ROLE CURRENT_USER SET session_replication_role = replica",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_event_append_only ON audit_auditevent",
        "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$"
        " BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
        "DROP TABLE audit_auditevent CASCADE",
        "ALTER TABLE audit_auditevent RENAME TO audit_old",
        "CREATE TABLE public.shadow (id int)",
        sql.SQL("SET ROLE {}").format(sql.Identifier(owner)),
        sql.SQL("SET SESSION AUTHORIZATION {}").format(sql.Identifier(owner)),
    ]
    assert _allowed(as_app, attempts, {"id": audited.pk}, errors.InsufficientPrivilege) == []
    as_app.execute("GRANT UPDATE, DELETE, TRUNCATE ON audit_auditevent TO CURRENT_USER")  # only warns
    held = "SELECT has_table_privilege('audit_auditevent', %s)"
    assert [p for p in ("UPDATE", "DELETE", "TRUNCATE") if as_app.execute(held, [p]).fetchone()[0]] == []
    stored = AuditEvent.objects.get(pk=audited.pk)
    assert (stored.action, stored.after) == ("create", {"code": world.d1.code})
    assert AuditEvent.objects.count() >= 1


def test_the_app_role_cannot_change_a_published_report_by_any_sql(as_app, world):
    published, report_file = world.kpis["published_snapshot"], world.kpis["published_file"]
    ids = {"snapshot": published.pk, "file": report_file.pk}
    forged_file = (
        "INSERT INTO reporting_reportfile (snapshot_id, kind, key, title, pdf, sha256, size, render_seconds,"
        " created_at) VALUES (%(snapshot)s, %(kind)s, %(key)s, 'Forged', 'forged', 'x', 6, 0, now())"
    )
    refused = (errors.InsufficientPrivilege, errors.UniqueViolation)
    for attempt, extra in [
        ("UPDATE reporting_snapshot SET content = '{}' WHERE id = %(snapshot)s", {}),
        ("UPDATE reporting_snapshot SET kind = 'draft' WHERE id = %(snapshot)s", {}),
        ("DELETE FROM reporting_snapshot WHERE id = %(snapshot)s", {}),
        ("UPDATE reporting_reportfile SET pdf = 'forged' WHERE id = %(file)s", {}),
        ("DELETE FROM reporting_reportfile WHERE id = %(file)s", {}),
        (forged_file, {"kind": "priority", "key": "EXTRA"}),
        (forged_file, {"kind": "pack", "key": "pack"}),
        ("TRUNCATE reporting_reportfile CASCADE", {}),
        ("ALTER TABLE reporting_snapshot DISABLE TRIGGER reporting_snapshot_frozen", {}),
        ("DROP TRIGGER reporting_file_fixed ON reporting_reportfile", {}),
        ("SET session_replication_role = replica", {}),
    ]:
        assert _allowed(as_app, [attempt], {**ids, **extra}, refused) == []
    stored = Snapshot.objects.get(pk=published.pk)
    assert (stored.kind, stored.sha256, stored.content) == (published.kind, published.sha256, published.content)
    assert list(ReportFile.objects.filter(snapshot=published).values_list("pk", "sha256")) == [
        (report_file.pk, report_file.sha256)
    ]
    assert _held(as_app, "reporting_reportfile") == {"SELECT", "INSERT", "DELETE"}


def test_the_app_role_can_do_the_apps_work(as_app, world, audited):
    """Append to the log, read, save a return, replace a draft report and store its files."""
    kpi_return, draft = world.kpis["return_s1"], world.kpis["draft_snapshot"]
    with as_app.transaction():
        as_app.execute(
            "INSERT INTO audit_auditevent (at, actor_name, action, object_type, object_id, object_repr, after,"
            " reason, correlation_id) VALUES (now(), 'Worker', 'create', 'x', '1', 'x', '{}', '', '')"
        )
        as_app.execute("UPDATE kpis_kpireturn SET commentary = 'Saved by the app' WHERE id = %s", [kpi_return.pk])
        as_app.execute("DELETE FROM reporting_reportfile WHERE snapshot_id = %s", [draft.pk])
        as_app.execute("DELETE FROM reporting_pdfbuild WHERE snapshot_id = %s", [draft.pk])
        as_app.execute("DELETE FROM reporting_snapshot WHERE id = %s", [draft.pk])
    assert as_app.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] == AuditEvent.objects.count()
    kpi_return.refresh_from_db()
    assert kpi_return.commentary == "Saved by the app"
    assert not Snapshot.objects.filter(pk=draft.pk).exists()


def test_the_command_refuses_a_role_that_could_lift_the_triggers(app_role):
    name, _ = app_role
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("ALTER ROLE {} SUPERUSER").format(sql.Identifier(name)).as_string(connection.connection))
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", name)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("ALTER ROLE {} NOSUPERUSER").format(sql.Identifier(name)).as_string(connection.connection)
        )
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="owns"):
        call_command("grant_app_role", owner)
    with pytest.raises(CommandError, match="no role"):
        call_command("grant_app_role", "pmf_no_such_role_here")
