"""Checking the fixed local ports before anything starts.

Every service listens on a fixed port on 127.0.0.1, so a second copy, or something else
using the port, would make a service fail half-way through start-up with a confusing log.
Checking first gives one clear line instead.
"""

from __future__ import annotations

import errno
import socket

from .console import Fatal

PORT_IN_USE_EXIT = 2


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now.

    SO_REUSEADDR is set as the servers themselves set it, so connections lingering in
    TIME_WAIT after a previous run don't count as "in use"; a listener does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def port_busy_message(port: int, purpose: str, remedy: str) -> str:
    """One line naming the port, what we wanted it for, and what to do about it."""
    return (
        f"Port {port} ({purpose}) is already in use on 127.0.0.1, so Performance cannot start. "
        f"{remedy} (`ss -ltnp 'sport = :{port}'` shows what is using it.)"
    )


def require_free(ports: list[tuple[int, str, str]]) -> None:
    """Stop with exit code 2 at the first busy port of (port, purpose, remedy) triples."""
    for port, purpose, remedy in ports:
        if not port_is_free(port):
            raise Fatal(port_busy_message(port, purpose, remedy), code=PORT_IN_USE_EXIT)


def free_port() -> int:
    """A port nothing listens on now (for tests and throwaway servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def parse_port(raw: str, variable: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise Fatal(f"{variable} must be a port number from 1 to 65535, not {raw!r}.")
    return port
