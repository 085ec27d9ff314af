"""Retention deletes what is past its period and nothing else, through the real Celery task
function; the audit log and published reports are never touched; each run is audited."""

from __future__ import annotations

import datetime
import os

import pytest
from axes.models import AccessAttempt, AccessLog
from django.utils import timezone

from audit.models import AuditEvent
from planning.models import CicObjective, CicProgressNote
from privacy.tasks import apply_retention
from reporting.models import Notification, Snapshot
from tests.factories import UserFactory

DAY = datetime.timedelta(days=1)


def _sign_in(model, username: str, at: datetime.datetime, **extra):
    row = model.objects.create(username=username, ip_address="10.0.0.1", user_agent="test", path_info="/", **extra)
    model.objects.filter(pk=row.pk).update(attempt_time=at)  # auto_now_add: set the age afterwards
    return row


@pytest.fixture
def aged(world, settings, tmp_path):
    """Data either side of each period: old enough to go, and just young enough to stay."""
    settings.PMF_RETAIN_LEAVERS_CIC_DAYS = 365
    settings.PMF_RETAIN_SIGN_IN_DAYS = 180
    settings.PMF_RETAIN_NOTIFICATIONS_DAYS = 90
    settings.PMF_RETAIN_MAIL_FILES_DAYS = 30
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    now = timezone.now()
    objective = world.thread["s1_objective"]
    long_gone = UserFactory(username="long.gone", is_active=False, deactivated_at=now - 400 * DAY)
    just_left = UserFactory(username="just.left", is_active=False, deactivated_at=now - 300 * DAY)
    old_cic = CicObjective.objects.create(employee=long_gone, objective=objective, title="Old private aim")
    CicProgressNote.objects.create(cic_objective=old_cic, date=datetime.date(2024, 1, 1), note="private note")
    kept_cic = CicObjective.objects.create(employee=just_left, objective=objective, title="Recent private aim")
    # An active person's CIC objective, however old, is theirs to keep.
    active_cic = world.thread["cic"]
    CicObjective.objects.filter(pk=active_cic.pk).update(created_at=now - 3000 * DAY)
    old_log = _sign_in(AccessLog, "long.gone", now - 200 * DAY)
    new_log = _sign_in(AccessLog, "no_role", now - 100 * DAY)
    old_attempt = _sign_in(AccessAttempt, "no_role", now - 181 * DAY, get_data="", post_data="", failures_since_start=1)
    person = world.people["no_role"]
    today = timezone.localdate(now)
    old_note = Notification.objects.create(user=person, day=today - 91 * DAY, subject="Old")
    new_note = Notification.objects.create(user=person, day=today - 89 * DAY, subject="Recent")
    old_mail, new_mail, other = tmp_path / "20240101-000000-1.log", tmp_path / "recent-2.log", tmp_path / "keep.txt"
    for path in (old_mail, new_mail, other):
        path.write_text("Subject: Performance\n\nHello")
    old_time = (now - 31 * DAY).timestamp()
    os.utime(old_mail, (old_time, old_time))
    os.utime(other, (old_time, old_time))
    ancient = AuditEvent.objects.create(
        at=now - 4000 * DAY, actor_name="someone", action="update", object_type="accounts.user", object_id="1"
    )
    return {
        "gone": [old_cic, old_log, old_attempt, old_note],
        "kept": [kept_cic, active_cic, new_log, new_note],
        "old_mail": old_mail,
        "new_mail": new_mail,
        "other": other,
        "ancient": ancient,
        "long_gone": long_gone,
    }


def _exists(instance) -> bool:
    return type(instance).objects.filter(pk=instance.pk).exists()


def test_retention_deletes_what_is_past_its_period_and_nothing_else(world, aged, django_capture_on_commit_callbacks):
    audit_before = set(AuditEvent.objects.values_list("pk", flat=True))
    snapshots_before = list(Snapshot.objects.order_by("pk").values_list("pk", "sha256"))
    with django_capture_on_commit_callbacks(execute=True):
        deleted = apply_retention()

    assert deleted == {
        "cic_objectives_of_leavers": 1,
        "cic_progress_notes_of_leavers": 1,
        "sign_in_records": 2,
        "notifications": 1,
        "mail_files": 1,
    }
    assert not any(_exists(row) for row in aged["gone"])
    assert all(_exists(row) for row in aged["kept"])
    assert not aged["old_mail"].exists()
    assert aged["new_mail"].exists()
    assert aged["other"].exists()
    aged["long_gone"].refresh_from_db()  # the person stays; only the private objectives go
    # The audit log keeps every record, however old, and gains one: the run, as the system.
    run = AuditEvent.objects.exclude(pk__in=audit_before).get()
    assert audit_before <= set(AuditEvent.objects.values_list("pk", flat=True))
    assert _exists(aged["ancient"])
    assert (run.action, run.actor_id, run.actor_name) == ("retention:apply", None, "system")
    assert run.after["deleted"] == deleted
    assert "long.gone" not in str(run.after)
    assert "Old private aim" not in str(run.after)
    assert list(Snapshot.objects.order_by("pk").values_list("pk", "sha256")) == snapshots_before
    assert Snapshot.objects.filter(kind="published").exists()


def test_a_second_run_deletes_nothing_and_is_audited_too(world, aged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        apply_retention()
    kept = {type(row): type(row).objects.count() for row in aged["kept"]}
    with django_capture_on_commit_callbacks(execute=True):
        again = apply_retention()
    assert set(again.values()) == {0}
    assert {model: model.objects.count() for model in kept} == kept
    runs = AuditEvent.objects.filter(action="retention:apply").order_by("at", "id")
    assert [event.after["deleted"]["mail_files"] for event in runs] == [1, 0]


def test_mail_files_are_left_alone_when_mail_goes_by_smtp(world, aged, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        deleted = apply_retention()
    assert deleted["mail_files"] == 0
    assert aged["old_mail"].exists()


def test_beat_runs_the_retention_task_nightly(settings):
    from pmf.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})


@pytest.mark.parametrize(("raw", "days"), [("", 365), ("30", 30)])
def test_a_retention_period_is_read_in_whole_days(monkeypatch, raw, days):
    from pmf.settings import env_days

    monkeypatch.setenv("PMF_RETAIN_TEST_DAYS", raw)
    assert env_days("PMF_RETAIN_TEST_DAYS", default=365) == days


@pytest.mark.parametrize("raw", ["0", "-5", "a year", "1.5"])
def test_a_retention_period_that_would_delete_at_once_or_is_not_a_number_is_refused(monkeypatch, raw):
    from django.core.exceptions import ImproperlyConfigured

    from pmf.settings import env_days

    monkeypatch.setenv("PMF_RETAIN_TEST_DAYS", raw)
    with pytest.raises(ImproperlyConfigured):
        env_days("PMF_RETAIN_TEST_DAYS", default=365)


def test_the_admin_lists_retention_runs_read_only(world, clients, django_capture_on_commit_callbacks):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        apply_retention()
    client = clients["performance_admin"]
    assert client.get(reverse("admin:privacy_retentionrun_changelist")).status_code == 200
    assert client.get(reverse("admin:privacy_retentionrun_add")).status_code == 403
