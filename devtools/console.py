"""Talking to the person at the terminal: short lines, and problems without tracebacks."""

from __future__ import annotations

import sys
from pathlib import Path


class Fatal(Exception):
    """A problem the user can act on.

    It is printed as one clear message with no traceback, and the process exits with
    ``code`` (2 for "something is in the way", 1 for everything else).
    """

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Interrupted(Exception):
    """Raised when Ctrl-C, SIGTERM or SIGHUP arrives while we are still starting up."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def say(message: str = "") -> None:
    """Print progress immediately, so it is seen even when output goes to a pipe."""
    print(message, flush=True)


def complain(message: str) -> None:
    """Print a problem on standard error."""
    print(message, file=sys.stderr, flush=True)


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file, for explaining why something stopped."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    kept = text.splitlines()[-lines:]
    return "\n".join("    " + line for line in kept) if kept else f"(log {path} is empty)"


def failure_with_log(message: str, log: Path) -> Fatal:
    """A Fatal whose message ends with the tail of the log that explains it."""
    return Fatal(f"{message}\nLast lines of {display_path(log)}:\n{tail(log)}")


def display_path(path: Path) -> str:
    """A path relative to the current folder when it is inside it, as people type them."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
