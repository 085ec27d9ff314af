"""``/health/``: can this process reach its database and Redis?

Answered by a middleware placed first, before the host check and the HTTPS redirect:
docker-compose's health check calls ``http://127.0.0.1:8000/health/`` from inside the
container, a host not in ALLOWED_HOSTS and over plain HTTP, which the rest of the stack
rightly turns away. The answer carries no data, only which service is down.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

PATH = "/health/"
TIMEOUT_SECONDS = 2.0


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "down"; the detail is for the logs
        return False


def _redis_ok() -> bool:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def health_response(request) -> JsonResponse:
    """200 when both answer, else 503 naming the one that is down."""
    if request.method not in {"GET", "HEAD"}:
        return JsonResponse({"status": "method not allowed"}, status=405)
    services = {"database": _database_ok(), "redis": _redis_ok()}
    body = {name: "ok" if ok else "down" for name, ok in services.items()}
    healthy = all(services.values())
    body["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(body, status=200 if healthy else 503)


class HealthCheckMiddleware:
    """Answer ``/health/`` before any other middleware can refuse the host or redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH:
            return health_response(request)
        return self.get_response(request)
