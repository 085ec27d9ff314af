"""Process facts read from /proc: liveness, names, pid files and process trees.

psutil is not available before the virtual environment exists, and these few facts are
all the supervisor needs.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_state(pid: int) -> str | None:
    """The one-letter state from /proc/<pid>/stat, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself contain spaces or parentheses.
    return stat.rsplit(")", 1)[1].split()[0]


def parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process; a zombie (exited, not yet reaped) is not."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # It exists but belongs to someone else.
    return process_state(pid) not in (None, "Z", "X")


def command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def read_pid_file(path: Path) -> int | None:
    """The pid on the first line of a pid file, or None when it is missing or garbled."""
    try:
        first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        return int(first.strip())
    except (OSError, IndexError, ValueError):
        return None


def looks_like(pid: int, needle: str) -> bool:
    """Whether the process's command line mentions ``needle`` (guards against reused pids)."""
    return any(needle in part for part in command_line(pid))


def pid_file_is_stale(path: Path, needle: str) -> bool:
    """A pid file is stale when its process is gone, or the pid now belongs to another program.

    A missing file is not stale (there is nothing to clear).
    """
    if not path.exists():
        return False
    pid = read_pid_file(path)
    if pid is None or not pid_alive(pid):
        return True
    return not looks_like(pid, needle)


def clear_if_stale(path: Path, needle: str) -> bool:
    """Remove a stale pid file; returns whether one was removed."""
    if pid_file_is_stale(path, needle):
        path.unlink(missing_ok=True)
        return True
    return False


def all_parent_links() -> dict[int, int]:
    """Map every visible pid to its parent pid, by one scan of /proc."""
    links = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = parent_pid(int(entry))
            if parent is not None:
                links[int(entry)] = parent
    return links


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), nearest first."""
    links = all_parent_links()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop(0)
        children = [child for child, its_parent in links.items() if its_parent == parent]
        found.extend(children)
        frontier.extend(children)
    return found
