"""A heartbeat so people and tests can see that the worker and beat are alive."""

import logging

import redis
from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "pmf:worker-heartbeat"


@shared_task
def heartbeat() -> str:
    """Record the time the worker last ran a task (kept for a day), so a health check or a
    test can tell a live worker from a dead one without a result backend."""
    now = timezone.now().isoformat()
    redis.Redis.from_url(settings.REDIS_URL).set(HEARTBEAT_KEY, now, ex=24 * 3600)
    logger.info("heartbeat %s", now)
    return now
