"""Production mode: refuses to start half-configured, and passes Django's deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

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


def test_a_web_process_keeps_its_database_connection_between_requests():
    """A connection opened for every request means a new PostgreSQL backend, its sign-in and
    cold caches each time (docs/performance.md, quarter end); a connection is kept a minute,
    checked before reuse, unless CONN_MAX_AGE says otherwise."""
    script = "from django.db import connection; print(connection.settings_dict['CONN_MAX_AGE'])"
    kept = run_manage("shell", "--no-imports", "-c", script, env_overrides=PRODUCTION, drop=("CONN_MAX_AGE",))
    assert kept.stdout.split() == ["60"], kept.stderr
    never = run_manage("shell", "--no-imports", "-c", script, env_overrides={**PRODUCTION, "CONN_MAX_AGE": "0"})
    assert never.stdout.split() == ["0"], never.stderr


@pytest.fixture
def test_database_url(db, settings) -> str:
    """The test database, so that a subprocess reaches a database that exists."""
    database = settings.DATABASES["default"]
    user = (
        f"{quote(database['USER'])}:{quote(database['PASSWORD'])}" if database["PASSWORD"] else quote(database["USER"])
    )
    return f"postgres://{user}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def probe(path: str, host: str, **env: str) -> list[str]:
    """GET ``path`` with the given Host through Django's full stack under production settings."""
    script = HEALTH_PROBE.format(path=path, host=host)
    result = run_manage("shell", "--no-imports", "-c", script, env_overrides={**PRODUCTION, "PMF_HTTPS": "1", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.split(maxsplit=1)


HEALTH_PROBE = """
from django.test import Client
response = Client().get({path!r}, HTTP_HOST={host!r})
print(response.status_code, response.content.decode())
"""


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "web:8000", "localhost"])
def test_health_answers_the_compose_check_under_production_settings(host, test_database_url):
    """The container's health check calls http://127.0.0.1:8000/health/: neither a host
    outside ALLOWED_HOSTS nor plain HTTP may turn it away."""
    status, body = probe("/health/", host, DATABASE_URL=test_database_url)
    assert status == "200", body
    assert '"database": "ok"' in body
    assert '"redis": "ok"' in body


def test_health_names_redis_when_it_is_down(test_database_url):
    status, body = probe(
        "/health/", "127.0.0.1:8000", DATABASE_URL=test_database_url, REDIS_URL="redis://127.0.0.1:9/0"
    )
    assert status == "503", body
    assert '"redis": "down"' in body
    assert '"database": "ok"' in body


def test_health_names_the_database_when_it_is_down():
    status, body = probe("/health/", "127.0.0.1:8000", DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
    assert status == "503", body
    assert '"database": "down"' in body


def test_other_pages_still_refuse_an_unknown_host_and_redirect_to_https():
    assert probe("/accounts/sign-in/", "web:8000")[0] == "400"
    assert probe("/accounts/sign-in/", "performance.example.gov.uk")[0] == "301"


def test_the_demo_serves_the_normal_error_pages_and_its_static_files(test_database_url):
    """Settings as ``python3 run.py`` gives them to the demo: DEBUG off, so a 404 does not
    list the URL map (nor a 500 the environment), and static files still served over HTTP."""
    from devtools import app
    from devtools.credentials import throwaway

    plan = app.make_plan({}, throwaway())
    env = {**plan.env, "DATABASE_URL": test_database_url, "REDIS_URL": os.environ["REDIS_URL"]}
    script = """
from django.conf import settings
from django.test import Client
client = Client()
missing = client.get("/no-such-page/", HTTP_HOST="127.0.0.1:8000")
static = client.get("/static/js/charts.js", HTTP_HOST="127.0.0.1:8000")
print(settings.DEBUG, missing.status_code, static.status_code)
print(missing.content.decode())
"""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    first_line, page = result.stdout.split("\n", 1)
    assert first_line.split() == ["False", "404", "200"]
    assert "URLconf" not in page
    assert "accounts/sign-in/" not in page
    assert "Page not found" in page


SINGLE_SIGN_ON_ENV = {
    "OIDC_RP_CLIENT_ID": "performance",
    "OIDC_RP_CLIENT_SECRET": secrets.token_urlsafe(16),
    "PMF_OIDC_ISSUER": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
}
SIGN_IN_SETTINGS = """
from django.conf import settings
print(settings.AUTHENTICATION_BACKENDS)
print(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"])
"""


def test_with_single_sign_on_only_the_password_backend_is_gone_and_the_provider_may_be_posted_to():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        SIGN_IN_SETTINGS,
        env_overrides={**PRODUCTION, **SINGLE_SIGN_ON_ENV, "PMF_PASSWORD_SIGN_IN": "0"},
    )
    assert result.returncode == 0, result.stderr
    backends, form_action = result.stdout.splitlines()
    assert "ModelBackend" not in backends
    assert "accounts.sso.SignInByEmail" in backends
    assert "axes.backends.AxesStandaloneBackend" in backends
    assert "https://login.microsoftonline.com" in form_action


def test_without_single_sign_on_nothing_changes():
    result = run_manage("shell", "--no-imports", "-c", SIGN_IN_SETTINGS, env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stderr
    backends, form_action = result.stdout.splitlines()
    assert backends == "['axes.backends.AxesStandaloneBackend', 'django.contrib.auth.backends.ModelBackend']"
    assert form_action == "[\"'self'\"]"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PMF_PASSWORD_SIGN_IN": "0"}, "leaves no way to sign in"),
        ({"OIDC_RP_CLIENT_ID": "performance"}, "OIDC_RP_CLIENT_SECRET is not"),
        ({"OIDC_RP_CLIENT_ID": "performance", "OIDC_RP_CLIENT_SECRET": "s"}, "needs PMF_OIDC_ISSUER"),
    ],
)
def test_single_sign_on_half_configured_refuses_to_start(env, message):
    result = run_manage("check", env_overrides={**PRODUCTION, **env})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_the_app_s_database_connections_do_not_compile_queries_with_jit():
    """PostgreSQL's JIT compiled the recursive line management query (estimated at hundreds
    of thousands of rows, finding 375): 240 ms of a 325 ms query at the largest councils."""
    from django.db import connection

    from pmf.settings import database_from_url

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    chosen = database_from_url("postgres://pmf@db:5432/pmf?options=-c%20jit%3Don")
    assert chosen["OPTIONS"]["options"] == "-c jit=off -c jit=on"  # the URL's own come last
