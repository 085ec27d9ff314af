"""Worker tasks for personal data: thin wrappers round ``privacy.retention``."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_retention() -> dict:
    """Celery beat's nightly run: delete what is past its retention period (privacy.retention).
    Safe to run twice, or twice at once: a second run finds nothing left to delete."""
    from privacy.retention import retention_apply

    deleted = retention_apply()
    logger.info("retention: deleted %s", deleted)
    return deleted
