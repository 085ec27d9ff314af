"""The embedded PostgreSQL: the programs that the pgserver package ships, run directly.

pgserver's own Python launcher is not used: it daemonises the server and, as root, adds a
system user and widens folder permissions. Here ``initdb`` and ``postgres`` are run as
plain children of the supervisor, in the foreground, as an unprivileged user when we are
root (see ``unprivileged``). Every connection needs the password kept in
``var/secrets/postgres-password`` (see ``credentials``).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import signal
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import credentials, unprivileged
from .console import Fatal, failure_with_log, say
from .paths import ROOT
from .processes import clear_if_stale
from .supervisor import TIER_DATABASE, Child, Supervisor
from .unprivileged import RunAs

SUPERUSER = "pmf"
DATABASE = "pmf"
#: ``run.py new-council``'s database, beside the demo's: each keeps its own data.
NEW_COUNCIL_DATABASE = "pmf_council"
READY_TIMEOUT = 60.0
SOCKET_PATH_LIMIT = 100  # sun_path holds 108 bytes; leave room for "/.s.PGSQL.NNNNN".
AUTH_METHOD = "scram-sha-256"
# A rule in pg_hba.conf that lets anyone in: "trust" as its last word (comment lines start with #).
TRUST_METHOD = re.compile(r"(?<=\s)trust(?=\s*$)")
THROWAWAY_SETTINGS = ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]


@dataclass(frozen=True)
class Layout:
    """Where the server's programs and its data are, and whom it runs as (None: as us)."""

    bin_dir: Path
    data_dir: Path
    run_as: RunAs | None

    def program(self, name: str) -> str:
        return str(self.bin_dir / name)

    def as_user(self) -> dict:
        return self.run_as.popen_arguments() if self.run_as else {}


def pgserver_files() -> tuple[Path, Path, str]:
    """pgserver's install tree, its bundled libraries folder, and its version.

    Found through site-packages rather than by importing pgserver, whose import has side
    effects (it looks for a per-user runtime folder).
    """
    site = Path(sysconfig.get_paths()["platlib"])
    install, libs = site / "pgserver" / "pginstall", site / "pgserver.libs"
    if not (install / "bin" / "postgres").exists():
        raise Fatal(f"PostgreSQL's programs are missing ({install}); run `python3 run.py` to install them.")
    return install, libs, importlib.metadata.version("pgserver")


def choose_layout(data_dir: Path, *, outside_name: str) -> Layout:
    """Use the programs in site-packages and ``data_dir`` when the server's user can reach them.

    When it cannot (we are root, and ``var/`` is 0700 or the project is somewhere like
    /root), use a copy of the programs, and for the data the folder ``outside_name``,
    both in a root-owned folder under /var/tmp that the user can reach. Only folders we
    create are changed.
    """
    install, libs, version = pgserver_files()
    run_as = unprivileged.service_user()
    bin_dir = install / "bin"
    if run_as is None:
        return Layout(bin_dir, data_dir, None)
    programs_copied = not unprivileged.can_reach(run_as, bin_dir, bin_dir / "postgres")
    if programs_copied:
        outside = unprivileged.outside_folder(ROOT)
        unprivileged.ensure_root_owned_folder(outside)
        sources = {"pgserver/pginstall": install, "pgserver.libs": libs}
        unprivileged.stage_copy(sources, outside / "programs", version)
        bin_dir = outside / "programs" / "pgserver" / "pginstall" / "bin"
    placed = unprivileged.data_folder(run_as, data_dir, outside_name)
    if placed != data_dir or programs_copied:
        say(f"PostgreSQL runs as {run_as.name}; its data are in {placed}.")
    return Layout(bin_dir, placed, run_as)


def server_environment() -> dict[str, str]:
    """A small, predictable environment: the C locale, and none of our own variables."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
    if "TZ" in os.environ:
        env["TZ"] = os.environ["TZ"]
    return env


def client_environment() -> dict[str, str]:
    """Our environment without PG* variables, which would point the client programs elsewhere."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = "3"
    return env


def initialise(layout: Layout, *, log: Path, throwaway: bool, password: str) -> bool:
    """Create the cluster once (superuser ``pmf`` with ``password``, scram-sha-256, UTF8, C locale).

    Every connection, local socket or TCP, must give the password: the server listens on
    127.0.0.1, where any local user can reach it. initdb reads the password from a file
    only the server's user can read, removed straight after. initdb writes into a side
    folder that is renamed into place at the end, so an interrupted first run never
    leaves a half-made cluster. Returns whether it ran.
    """
    data = layout.data_dir
    if (data / "PG_VERSION").exists():
        return False
    if data.exists() and any(data.iterdir()):
        raise Fatal(f"{data} holds files but no PostgreSQL cluster; move it aside or remove it, then try again.")
    say(
        "Creating a throwaway PostgreSQL cluster ..."
        if throwaway
        else "Creating the PostgreSQL cluster (first run) ..."
    )
    partial = data.with_name(data.name + ".initdb-partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700, parents=True)
    if layout.run_as:
        unprivileged.hand_over(partial, layout.run_as)
    password_file = partial.with_name(partial.name + ".pwfile")
    owner = (layout.run_as.uid, layout.run_as.gid) if layout.run_as else None
    credentials.write_private(password_file, password + "\n", owner=owner)
    argv = [layout.program("initdb"), "-D", str(partial), "-U", SUPERUSER, f"--pwfile={password_file}"]
    argv += [f"--auth-local={AUTH_METHOD}", f"--auth-host={AUTH_METHOD}", "-E", "UTF8"]
    argv += ["--locale=C", "--no-instructions", *(["--no-sync"] if throwaway else [])]
    try:
        with open(log, "ab") as output:
            result = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=server_environment(),
                cwd=partial.parent,
                check=False,
                **layout.as_user(),
            )
    finally:
        password_file.unlink(missing_ok=True)
    if result.returncode != 0:
        raise failure_with_log(f"initdb failed (exit code {result.returncode}).", log)
    if data.exists():
        data.rmdir()
    os.rename(partial, data)
    return True


def socket_directory(data_dir: Path) -> str:
    """Unix sockets go inside the data folder; none when its path is too long for a socket."""
    return str(data_dir) if len(str(data_dir)) <= SOCKET_PATH_LIMIT else ""


def server_arguments(layout: Layout, port: int, *, throwaway: bool) -> list[str]:
    settings = ["listen_addresses=127.0.0.1", f"unix_socket_directories={socket_directory(layout.data_dir)}"]
    if throwaway:
        settings += THROWAWAY_SETTINGS
    argv = [layout.program("postgres"), "-D", str(layout.data_dir), "-p", str(port)]
    for setting in settings:
        argv += ["-c", setting]
    return argv


def is_ready(layout: Layout, port: int) -> bool:
    argv = [layout.program("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER]
    result = subprocess.run(
        [*argv, "-d", "postgres"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=client_environment(),
        check=False,
    )
    return result.returncode == 0


def start(
    supervisor: Supervisor,
    layout: Layout,
    *,
    port: int,
    log: Path,
    throwaway: bool,
    password: str,
    database: str = DATABASE,
) -> Child:
    """Start the server as a child, wait until it accepts connections, and make ``database``."""
    if layout.run_as:
        unprivileged.hand_over(layout.data_dir, layout.run_as)
    if clear_if_stale(layout.data_dir / "postmaster.pid", "postgres"):
        say("Removed a stale postmaster.pid left by an earlier run.")
    child = supervisor.start(
        "PostgreSQL",
        server_arguments(layout, port, throwaway=throwaway),
        log=log,
        tier=TIER_DATABASE,
        stop_signal=signal.SIGINT,  # "fast" shutdown: roll back open transactions, then stop.
        env=server_environment(),
        cwd=layout.data_dir,
        **layout.as_user(),
    )
    supervisor.wait_for(lambda: is_ready(layout, port), what="PostgreSQL", timeout=READY_TIMEOUT, log=log)
    if trusts_connections(layout.data_dir):
        require_password(layout, port, log, password)
    ensure_database(layout, port, log, password, database)
    return child


def trusts_connections(data_dir: Path) -> bool:
    """Whether pg_hba.conf lets anyone in without a password (clusters made by earlier releases)."""
    return any(is_trust_rule(line) for line in (data_dir / "pg_hba.conf").read_text().splitlines())


def is_trust_rule(line: str) -> bool:
    return not line.lstrip().startswith("#") and TRUST_METHOD.search(line) is not None


def require_password(layout: Layout, port: int, log: Path, password: str) -> None:
    """Move a cluster made by an earlier release from trust to scram-sha-256.

    While it still trusts us, give ``pmf`` the password, then make every pg_hba.conf rule
    ask for one and have the server reload it. Written in place, so the file keeps its
    owner and mode.
    """
    say("Giving the local PostgreSQL a password (it trusted every local connection until now) ...")
    quoted = password.replace("'", "''")
    psql(layout, port, log, f"ALTER ROLE {SUPERUSER} PASSWORD '{quoted}';\n", password=None)
    hba = layout.data_dir / "pg_hba.conf"
    lines = hba.read_text().splitlines(keepends=True)
    hba.write_text("".join(TRUST_METHOD.sub(AUTH_METHOD, line) if is_trust_rule(line) else line for line in lines))
    psql(layout, port, log, "SELECT pg_reload_conf();\n", password=password)


def psql(layout: Layout, port: int, log: Path, script: str, *, password: str | None) -> None:
    """Run ``script`` as ``pmf`` in database ``postgres``; the password goes by environment, never argv."""
    argv = [layout.program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port)]
    argv += ["-U", SUPERUSER, "-d", "postgres"]
    env = client_environment()
    if password is not None:
        env["PGPASSWORD"] = password
    with open(log, "ab") as output:
        result = subprocess.run(
            argv, input=script.encode(), stdout=output, stderr=subprocess.STDOUT, env=env, check=False
        )
    if result.returncode != 0:
        first_line = script.split("\n", 1)[0]
        statement = first_line if "PASSWORD" not in first_line else "ALTER ROLE"
        raise failure_with_log(f"psql failed on {statement!r} (exit code {result.returncode}).", log)


def ensure_database(layout: Layout, port: int, log: Path, password: str, database: str = DATABASE) -> None:
    """Create ``database`` (one of ours, a plain name) unless it exists (psql's \\gexec runs
    the generated statement)."""
    if database not in (DATABASE, NEW_COUNCIL_DATABASE):
        raise ValueError(f"Not one of our databases: {database!r}")
    # The name is one of our two constants, checked above, so formatting it in is safe.
    script = f"SELECT 'CREATE DATABASE {database}' WHERE NOT EXISTS "  # noqa: S608
    script += f"(SELECT FROM pg_database WHERE datname = '{database}')\\gexec\n"
    psql(layout, port, log, script, password=password)


def database_url(port: int, password: str, database: str = DATABASE) -> str:
    """The URL Django connects with: the password in it, as PostgreSQL now asks for one."""
    return f"postgres://{SUPERUSER}:{quote(password, safe='')}@127.0.0.1:{port}/{database}"
