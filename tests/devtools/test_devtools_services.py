"""The embedded PostgreSQL and Redis, started for real on free ports: each asks for its
password, Redis has no CONFIG or MODULE, both run as the unprivileged user when we are root,
and ``var/`` is kept to us."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from devtools import app, credentials, postgres, redis, unprivileged
from devtools.ports import free_port
from devtools.supervisor import Supervisor

pytestmark = [pytest.mark.processes, pytest.mark.timeout(120)]


@pytest.fixture
def outside_name():
    """A data folder name of its own under /var/tmp (used when we are root), removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    shutil.rmtree(unprivileged.outside_folder(unprivileged.ROOT) / name, ignore_errors=True)


@pytest.fixture
def supervisor():
    running = Supervisor()
    yield running
    running.stop_all()


def ask_redis(port: int, *words: str, password: str | None = None) -> bytes:
    """Send one command (after AUTH, if given) and return Redis's last reply line."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        if password is not None:
            connection.sendall(redis.command("AUTH", password))
            assert connection.recv(64) == b"+OK\r\n"
        connection.sendall(redis.command(*words))
        return connection.recv(256)


def owner_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError("no Uid line")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_redis_asks_for_its_password_has_no_config_or_module_and_is_not_root(tmp_path, supervisor, outside_name):
    password = credentials.generate()
    port = free_port()
    layout = redis.choose_layout(tmp_path / "redis", outside_name=outside_name)
    child = redis.start(supervisor, layout, port=port, log=tmp_path / "redis.log", persistent=True, password=password)

    assert ask_redis(port, "PING").startswith(b"-NOAUTH")
    assert ask_redis(port, "PING", password=password) == b"+PONG\r\n"
    for command in (["CONFIG", "SET", "dir", "/etc"], ["MODULE", "LIST"], ["DEBUG", "SLEEP", "0"]):
        assert ask_redis(port, *command, password=password).startswith(b"-ERR unknown command"), command
    assert not redis.answers_ping(port, "not-the-password")
    assert redis.answers_ping(port, password)
    assert password not in " ".join(child.process.args)  # the password is in a file, not on `ps`
    config = layout.data_dir / redis.CONFIG_FILE
    assert mode_of(config) == 0o600
    assert mode_of(layout.data_dir) == 0o700
    if os.geteuid() == 0:
        assert owner_of(child.pid) != 0
        assert owner_of(child.pid) == config.stat().st_uid == layout.data_dir.stat().st_uid


def connects(layout: postgres.Layout, port: int, password: str | None, database: str = "pmf") -> bool:
    env = postgres.client_environment()
    if password is not None:
        env["PGPASSWORD"] = password
    argv = [layout.program("psql"), "-X", "-w", "-h", "127.0.0.1", "-p", str(port), "-U", "pmf", "-d", database]
    result = subprocess.run([*argv, "-c", "SELECT 1"], env=env, capture_output=True, check=False)
    return result.returncode == 0


def test_postgres_asks_every_connection_for_its_password(tmp_path, supervisor, outside_name):
    password = credentials.generate()
    port = free_port()
    log = tmp_path / "postgres.log"
    layout = postgres.choose_layout(tmp_path / "postgres", outside_name=outside_name)
    postgres.initialise(layout, log=log, throwaway=True, password=password)
    postgres.start(supervisor, layout, port=port, log=log, throwaway=True, password=password)

    assert not postgres.trusts_connections(layout.data_dir)
    assert not connects(layout, port, None)
    assert not connects(layout, port, "not-the-password")
    assert connects(layout, port, password)
    assert not list(layout.data_dir.parent.glob("*.pwfile"))  # initdb's password file is gone
    # `run.py new-council` keeps its council in a database of its own, made the same way.
    assert not connects(layout, port, password, postgres.NEW_COUNCIL_DATABASE)
    postgres.ensure_database(layout, port, log, password, postgres.NEW_COUNCIL_DATABASE)
    postgres.ensure_database(layout, port, log, password, postgres.NEW_COUNCIL_DATABASE)  # twice is fine
    assert connects(layout, port, password, postgres.NEW_COUNCIL_DATABASE)


def test_a_cluster_that_trusted_everyone_is_given_the_password(tmp_path, supervisor, outside_name):
    """A var/ from an earlier release: its cluster was made with --auth=trust."""
    password = credentials.generate()
    port = free_port()
    log = tmp_path / "postgres.log"
    layout = postgres.choose_layout(tmp_path / "postgres", outside_name=outside_name)
    layout.data_dir.mkdir(mode=0o700, parents=True)
    if layout.run_as:
        unprivileged.hand_over(layout.data_dir, layout.run_as)
    argv = [layout.program("initdb"), "-D", str(layout.data_dir), "-U", "pmf", "--auth=trust", "--no-sync"]
    subprocess.run(argv, env=postgres.server_environment(), capture_output=True, check=True, **layout.as_user())
    assert postgres.trusts_connections(layout.data_dir)

    postgres.start(supervisor, layout, port=port, log=log, throwaway=True, password=password)

    assert not postgres.trusts_connections(layout.data_dir)
    assert not connects(layout, port, None)
    assert connects(layout, port, password)


def test_trust_rules_are_found_and_comments_are_not():
    assert postgres.is_trust_rule("host    all   all   127.0.0.1/32    trust\n")
    assert postgres.is_trust_rule("local all all trust")
    assert not postgres.is_trust_rule('# METHOD can be "trust", "reject" ... trust')
    assert not postgres.is_trust_rule("host all all 127.0.0.1/32 scram-sha-256")


def test_secrets_are_kept_in_private_files_and_reused(tmp_path):
    state = tmp_path / "var"
    first = credentials.load(state)
    again = credentials.load(state)
    assert first == again
    assert len({first.postgres_password, first.redis_password, first.secret_key}) == 3
    assert mode_of(state / "secrets") == 0o700
    for name in ("postgres-password", "redis-password", "secret-key"):
        assert mode_of(state / "secrets" / name) == 0o600


def test_var_is_closed_to_others_and_new_files_are_private(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)  # noqa: S103 - as an earlier release left it
    before = os.umask(0o022)
    try:
        app.keep_private(var, var / "log")
        (var / "log" / "web.log").write_text("x")
        assert stat.S_IMODE(os.umask(0o022)) == 0o077
    finally:
        os.umask(before)
    assert mode_of(var) == 0o700
    assert mode_of(var / "log") == 0o700
    assert mode_of(var / "log" / "web.log") == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the data to another user")
def test_data_left_in_a_now_closed_var_is_moved_where_the_service_user_can_reach_it(tmp_path, outside_name):
    var = credentials.make_private(tmp_path / "var")
    old = var / "redis"
    old.mkdir()
    (old / "dump.rdb").write_text("kept")
    run_as = unprivileged.service_user()
    placed = unprivileged.data_folder(run_as, old, outside_name)
    assert placed == unprivileged.outside_folder(unprivileged.ROOT) / outside_name
    assert (placed / "dump.rdb").read_text() == "kept"
    assert not old.exists()
    assert unprivileged.can_reach(run_as, placed.parent)


def test_the_test_runs_services_ask_for_the_passwords_its_environment_carries(tmp_path, supervisor, monkeypatch):
    """``python3 run.py test``'s own PostgreSQL and Redis (here on free ports): the URLs the
    tests get carry the run's passwords, and nothing gets in without them."""
    from urllib.parse import unquote, urlsplit

    from devtools import testrun

    monkeypatch.setattr(testrun, "POSTGRES_PORT", free_port())
    monkeypatch.setattr(testrun, "REDIS_PORT", free_port())
    monkeypatch.setattr(testrun.paths, "VAR", tmp_path / "var")  # not the running test run's logs
    secrets = credentials.throwaway()
    # Where the real run makes its scratch folder, so the data stay in it and never in the
    # /var/tmp folders that the running test run may be using.
    scratch = Path(tempfile.mkdtemp(prefix="pmf-devtools-test-"))
    throwaway: list[Path] = [scratch]
    try:
        testrun.start_services(supervisor, scratch, throwaway, secrets)
        env = testrun.test_environment("/usr/bin/chromium", secrets)
        database, cache = urlsplit(env["DATABASE_URL"]), urlsplit(env["REDIS_URL"])
        assert unquote(database.password) == secrets.postgres_password
        assert unquote(cache.password) == secrets.redis_password
        assert ask_redis(cache.port, "PING").startswith(b"-NOAUTH")
        assert redis.answers_ping(cache.port, unquote(cache.password))
        assert throwaway == [scratch]
        layout = postgres.choose_layout(scratch / "postgres", outside_name="test-postgres")
        assert not connects(layout, database.port, None)
        assert connects(layout, database.port, unquote(database.password))
    finally:
        supervisor.stop_all()
        for folder in throwaway:
            shutil.rmtree(folder, ignore_errors=True)
