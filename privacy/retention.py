"""Retention: personal data kept no longer than it is needed, deleted by a nightly task.

What goes, each after its own period (settings ``PMF_RETAIN_*_DAYS``; ADR 0024 says why each
default): a leaver's CIC objectives with their progress notes, sign-in records, in-app
notifications, and the copies of sent email kept under ``var/mail/`` when there is no SMTP
server. What stays, whatever its age: the audit log (the council must be able to show who
changed a figure and when, for the external auditor and the audit committee, and it is
append-only in the database) and published reports (the public record of what was reported;
frozen by triggers). Neither is touched here, and the deletions below are narrow filters on
other tables, so they cannot reach them.

Each run is one transaction, audited as the system with the counts it deleted (never whose
data, which is what has just been removed). Running twice is safe: the second run finds
nothing past its period; two at once queue on an advisory lock.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from pathlib import Path

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.policy import SYSTEM
from audit.models import Action
from audit.services import audit_record
from planning.models import CicObjective, CicProgressNote
from privacy.models import RetentionRun
from reporting.models import Notification

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
#: Any number, the same in every process: runs at the same moment wait for each other.
_LOCK = 7_240_024


@dataclass(frozen=True)
class Periods:
    """Each kind's retention period in days, from the settings."""

    leavers_cic: int
    sign_in: int
    notifications: int
    mail_files: int

    @classmethod
    def from_settings(cls) -> Periods:
        return cls(
            leavers_cic=settings.PMF_RETAIN_LEAVERS_CIC_DAYS,
            sign_in=settings.PMF_RETAIN_SIGN_IN_DAYS,
            notifications=settings.PMF_RETAIN_NOTIFICATIONS_DAYS,
            mail_files=settings.PMF_RETAIN_MAIL_FILES_DAYS,
        )


def expired_mail_files(before: datetime.datetime) -> list[Path]:
    """The sent-mail copies Django's file backend wrote before ``before``; none when mail goes
    by SMTP (then the mail server's own retention applies). Only the backend's ``*.log``
    files, only in its own folder."""
    if settings.EMAIL_BACKEND != FILE_BACKEND:
        return []
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    cutoff = before.timestamp()
    return sorted(path for path in folder.glob("*.log") if path.is_file() and path.stat().st_mtime < cutoff)


def retention_apply(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete everything past its retention period, record the counts, and return them."""
    now = now or timezone.now()
    periods = Periods.from_settings()

    def before(days: int) -> datetime.datetime:
        return now - datetime.timedelta(days=days)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        cic = CicObjective.objects.filter(
            employee__is_active=False, employee__deactivated_at__lt=before(periods.leavers_cic)
        )
        _, cic_counts = cic.delete()
        sign_in_before = before(periods.sign_in)
        sign_in = sum(
            model.objects.filter(attempt_time__lt=sign_in_before).delete()[1].get(model._meta.label, 0)
            for model in (AccessLog, AccessAttempt, AccessFailureLog)
        )
        notifications_before = timezone.localdate(before(periods.notifications))
        _, notification_counts = Notification.objects.filter(day__lt=notifications_before).delete()
        mail_files = expired_mail_files(before(periods.mail_files))
        deleted = {
            "cic_objectives_of_leavers": cic_counts.get(CicObjective._meta.label, 0),
            "cic_progress_notes_of_leavers": cic_counts.get(CicProgressNote._meta.label, 0),
            "sign_in_records": sign_in,
            "notifications": notification_counts.get(Notification._meta.label, 0),
            "mail_files": len(mail_files),
        }
        run = RetentionRun.objects.create(ran_at=now, periods=asdict(periods), deleted=deleted)
        audit_record(
            actor=SYSTEM,
            action=Action.RETENTION_APPLY,
            instance=run,
            after={"deleted": deleted, "periods_days": run.periods},
            reason="Personal data past its retention period deleted; the audit log and published reports are kept.",
        )
        # Files cannot roll back: removed only once the counts that name them are committed.
        transaction.on_commit(lambda: _remove(mail_files))
    return deleted


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
