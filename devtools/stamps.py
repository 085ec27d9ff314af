"""Stamp files: remember what was last installed so a warm start skips the install.

A stamp records the sha256 of the lock file that was installed, plus an identity of the
target (the virtual environment) so that deleting ``.venv`` forces a reinstall even when
the stamp under ``var/`` survives.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_identity(folder: Path, marker: str) -> str:
    """Inode and change time of a file that is made once when ``folder`` is created.

    Recreating the folder gives a new identity, which invalidates stamps made for the old one.
    """
    try:
        info = os.stat(folder / marker)
    except OSError:
        return "missing"
    return f"{info.st_ino}:{info.st_mtime_ns}"


def expected_stamp(lock: Path, target_identity: str) -> str:
    return f"{file_sha256(lock)} {target_identity}"


def read_stamp(stamp: Path) -> str | None:
    try:
        return stamp.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def stamp_is_current(stamp: Path, expected: str) -> bool:
    """True when the stamp records exactly ``expected``; a missing stamp never is."""
    return read_stamp(stamp) == expected


def write_stamp(stamp: Path, value: str) -> None:
    """Write atomically, so an interrupted write never leaves a stamp that looks valid."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    partial = stamp.with_name(stamp.name + ".partial")
    partial.write_text(value + "\n", encoding="utf-8")
    os.replace(partial, stamp)


def newest_mtime(paths: list[Path]) -> float:
    """The latest modification time among files (folders are walked); 0 when none exist."""
    newest = 0.0
    for path in paths:
        if path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    newest = max(newest, child.stat().st_mtime)
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def is_older_than_sources(output: Path, sources: list[Path]) -> bool:
    """True when ``output`` is missing or older than any of ``sources``: a rebuild is due."""
    if not output.exists():
        return True
    return output.stat().st_mtime < newest_mtime(sources)
