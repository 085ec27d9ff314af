"""docker-compose.yml cannot be run here (no Docker engine), so check its shape instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_has_the_five_services():
    services = load()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}


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


def test_no_secret_is_written_into_the_file():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in text
    for service in load()["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or "SECRET" in key:
                assert str(value).startswith("${"), key


def test_dockerfile_builds_from_the_lock_file():
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.lock" in text
    assert "npm ci" in text
