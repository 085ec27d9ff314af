"""One message per person per day, listing everything outstanding for them: the steps add
lines, and ``send_due`` emails each day's message once (by Django's email framework: SMTP
from the environment, or files under var/mail in the embedded default)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from reporting.models import Notification

logger = logging.getLogger(__name__)


def add(user, day: datetime.date, lines: list[tuple[str, str]]) -> Notification | None:
    """Add lines to the person's message for the day; once that has been emailed, to the
    next day's. Lines already there are not repeated."""
    if not lines:
        return None
    while True:
        notification, _ = Notification.objects.select_for_update().get_or_create(
            user=user, day=day, defaults={"subject": f"Performance: what needs your attention on {day:%-d %B}"}
        )
        if notification.emailed_at is None:
            break
        day += datetime.timedelta(days=1)
    known = {tuple(item) for item in notification.items}
    notification.items = [*notification.items, *[list(line) for line in lines if tuple(line) not in known]]
    notification.save(update_fields=["items"])
    return notification


def body(notification: Notification) -> str:
    base = getattr(settings, "PMF_BASE_URL", "").rstrip("/")
    lines = [f"Hello {notification.user.display_name},", "", "These need your attention:", ""]
    for text, link in notification.items:
        lines.append(f"- {text}" + (f"\n  {base}{link}" if link else ""))
    lines += ["", f"{settings.COUNCIL_NAME} {settings.SERVICE_NAME}"]
    return "\n".join(lines)


def send_due(now: datetime.datetime | None = None) -> int:
    """Email every message for today or earlier that has not been emailed. Each is locked
    while it is sent and marked in the same transaction, so it is sent once; one that fails
    stays unsent and is tried at the next tick."""
    today = timezone.localdate(now or timezone.now())
    sent = 0
    for pk in Notification.objects.filter(emailed_at__isnull=True, day__lte=today).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                notification = (
                    Notification.objects.select_for_update(skip_locked=True)
                    .select_related("user")
                    .filter(pk=pk, emailed_at__isnull=True)
                    .first()
                )
                if notification is None:
                    continue
                if notification.user.email:
                    send_mail(notification.subject, body(notification), None, [notification.user.email])
                notification.emailed_at = timezone.now()
                notification.save(update_fields=["emailed_at"])
                sent += 1
        except Exception as error:
            logger.warning("notification %s not emailed yet: %s", pk, error)
    return sent
