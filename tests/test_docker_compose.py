"""docker-compose.yml cannot be run here (no Docker engine), so check its shape instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_has_the_five_services_and_a_one_shot_migration():
    services = load()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_web_runs_gunicorn_and_app_services_are_configured_by_environment():
    services = load()["services"]
    assert "gunicorn pmf.wsgi" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "pmf", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "pmf", "beat"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DEBUG"] == "0"
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_app_connects_as_its_own_role_and_only_the_migration_as_the_owner():
    """The owner (and superuser) could lift the audit and report triggers, so only the
    one-shot migration connects as it; it grants the app's role, and the app starts after it."""
    services = load()["services"]
    owner = "postgres://pmf:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/pmf"
    app = "postgres://pmf_app:${PMF_APP_DB_PASSWORD:?set PMF_APP_DB_PASSWORD}@postgres:5432/pmf"
    assert services["postgres"]["environment"]["POSTGRES_USER"] == "pmf"
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_URL"] == owner
    assert migrate["restart"] == "no"
    script = " ".join(migrate["command"])
    assert script.index("manage.py migrate") < script.index("manage.py grant_app_role pmf_app")
    assert "--password-env PMF_APP_DB_PASSWORD" in script
    assert migrate["environment"]["PMF_APP_DB_PASSWORD"].startswith("${PMF_APP_DB_PASSWORD:?")
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["environment"]["DATABASE_URL"] == app, name
        assert "PMF_APP_DB_PASSWORD" not in service["environment"]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "migrate" not in " ".join(service["command"]), name


def test_no_secret_is_written_into_the_file():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in text
    assert "PMF_APP_DB_PASSWORD: ${PMF_APP_DB_PASSWORD:?" in text
    for service in load()["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or "SECRET" in key:
                assert str(value).startswith("${"), key


def test_dockerfile_builds_from_the_lock_file():
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.lock" in text
    assert "npm ci" in text
