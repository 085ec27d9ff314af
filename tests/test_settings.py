"""Production mode: refuses to start half-configured, and passes Django's deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_overrides: dict, drop: tuple = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "performance.example.gov.uk",
    "PMF_HTTPS": "",
    "PMF_PLAIN_STATIC": "",
}


def test_check_deploy_is_clean_in_production_mode():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION, drop=("DJANGO_ALLOW_ASYNC_UNSAFE",)
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_mode_refuses_to_start_without(missing):
    env = dict(PRODUCTION)
    env[missing] = ""
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_debug_must_be_a_clear_yes_or_no():
    result = run_manage("check", env_overrides={**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be" in result.stderr
