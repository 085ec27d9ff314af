"""Where things live in the project, in one place."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
STAMPS = VAR / "stamps"
CACHE = VAR / "cache"
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
VENV_PYTHON = VENV_BIN / "python"
RUN_PY = ROOT / "run.py"
MANAGE_PY = ROOT / "manage.py"
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PACKAGE_LOCK = ROOT / "package-lock.json"
NODE_MODULES = ROOT / "node_modules"
SCSS = ROOT / "static" / "scss"
APP_CSS = ROOT / "static" / "build" / "app.css"
DEMO_SIGN_INS = VAR / "demo-sign-ins.txt"


def state_dir() -> Path:
    """Folder for run-time state: pid file, logs, database and Redis data.

    ``PMF_STATE_DIR`` moves it, so the supervisor's own tests can run beside a developer's
    running copy without sharing its pid file or logs. It defaults to ``var/``.
    """
    return Path(os.environ.get("PMF_STATE_DIR") or VAR).resolve()


def log_dir() -> Path:
    return state_dir() / "log"
