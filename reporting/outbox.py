"""Queueing work through an outbox: the message is a row written with the change that needs
it, sent to Celery after the commit if Redis is up, and otherwise by the cycle's next tick.
Tasks sent this way must be idempotent: a message may, rarely, be sent twice."""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from reporting.models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task: str, **kwargs) -> OutboxMessage:
    """Record the work now; try to send it once the surrounding transaction commits."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: _send_quietly(message.pk))
    return message


def _send_quietly(message_id: int) -> None:
    try:
        send(message_id)
    except Exception as error:  # Redis down: the tick sends it later
        logger.warning("outbox message %s not sent yet (%s); the cycle tick will send it", message_id, error)


def send(message_id: int) -> bool:
    """Send one message if it is still unsent; True if this call sent it. The Celery app is
    the current one (the project package makes its app current on import), so this module
    does not reach up into the project package."""
    app = current_app

    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None or message.sent_at is not None:
            return False
        app.send_task(message.task, kwargs=message.kwargs)
        message.sent_at = timezone.now()
        message.save(update_fields=["sent_at"])
    return True


def drain(limit: int = 500) -> int:
    """Send what is still waiting, oldest first. Stops at the first failure (Redis down)."""
    sent = 0
    for message_id in OutboxMessage.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)[:limit]:
        if send(message_id):
            sent += 1
    return sent
