"""A heartbeat so the supervisor and the tests can see the worker and beat are alive."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task
def heartbeat() -> str:
    """Log that the worker is alive and return the time, so a test can wait on a real worker."""
    now = timezone.now().isoformat()
    logger.info("heartbeat %s", now)
    return now
