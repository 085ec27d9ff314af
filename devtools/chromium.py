"""Chromium for the browser tests: Debian's package, never a browser downloaded by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from . import paths
from .console import Fatal, failure_with_log, say

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def ensure_chromium() -> str:
    """CHROMIUM_PATH if set; else Debian's chromium, installed with apt-get when we are root."""
    override = os.environ.get("CHROMIUM_PATH")
    if override:
        if not is_executable(Path(override)):
            raise Fatal(f"CHROMIUM_PATH is {override}, which is not an executable file.")
        return override
    if is_executable(DEBIAN_CHROMIUM):
        return str(DEBIAN_CHROMIUM)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Fatal(
            "The browser tests need Chromium, which is not installed. Install Debian's package "
            "(`sudo apt-get install chromium`) or set CHROMIUM_PATH to a Chromium executable, then try again."
        )
    install_with_apt()
    return str(DEBIAN_CHROMIUM)


def install_with_apt() -> None:
    log = paths.VAR / "log" / "apt.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say("Installing Debian's chromium for the browser tests (apt-get; once per machine) ...")
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        with open(log, "ab") as output:
            result = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env, check=False
            )
        if result.returncode != 0:
            raise failure_with_log(f"`{' '.join(argv)}` failed (exit code {result.returncode}).", log)
    if not is_executable(DEBIAN_CHROMIUM):
        raise failure_with_log(f"apt-get installed chromium but {DEBIAN_CHROMIUM} is not there.", log)
