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
    install_with_apt(["chromium"], "Debian's chromium for the browser tests")
    if not is_executable(DEBIAN_CHROMIUM):
        raise Fatal(f"apt-get installed chromium but {DEBIAN_CHROMIUM} is not there (see var/log/apt.log).")
    return str(DEBIAN_CHROMIUM)


#: The shared libraries WeasyPrint loads to lay out PDFs, and the Debian packages that hold them.
PDF_LIBRARIES = {"pango-1.0": "libpango-1.0-0", "pangoft2-1.0": "libpangoft2-1.0-0", "fontconfig": "libfontconfig1"}
PDF_FONTS = Path("/usr/share/fonts/truetype/liberation")


def ensure_pdf_libraries() -> None:
    """Pango and a font family for WeasyPrint (the PDF reports); installed with apt-get when
    we are root and they are missing, else a clear message."""
    import ctypes.util

    missing = [package for library, package in PDF_LIBRARIES.items() if not ctypes.util.find_library(library)]
    if not PDF_FONTS.is_dir():
        missing.append("fonts-liberation")
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Fatal(
            "The PDF reports need Pango and fonts, which are not installed. Install them "
            f"(`sudo apt-get install {' '.join(missing)}`), then try again."
        )
    install_with_apt(missing, "Pango and fonts for the PDF reports")
    forget_matplotlib_fonts()


def forget_matplotlib_fonts() -> None:
    """matplotlib keeps the list of fonts it found the first time it ran, and would go on
    measuring chart labels in DejaVu Sans while WeasyPrint paints them in the Liberation Sans
    just installed; without the list it looks again."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib"
    )
    for cached in Path(base).glob("fontlist-*.json"):
        cached.unlink(missing_ok=True)


def install_with_apt(packages: list[str], what: str) -> None:
    log = paths.VAR / "log" / "apt.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say(f"Installing {what} (apt-get; once per machine) ...")
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", *packages]):
        with open(log, "ab") as output:
            result = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env, check=False
            )
        if result.returncode != 0:
            raise failure_with_log(f"`{' '.join(argv)}` failed (exit code {result.returncode}).", log)
