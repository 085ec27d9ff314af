"""The quarterly cycle: the steps and their days, each done once however often the tick runs,
one message per person per day, and a period run from opening to publication."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from core import locks
from kpis.models import PeriodState, ReportingPeriod
from reporting.cycle import at_step_hour, ensure_periods, plan, run_step, sync_steps, tick
from reporting.models import (
    BuildState,
    CycleStep,
    Notification,
    OutboxMessage,
    PdfBuild,
    Snapshot,
    SnapshotKind,
    StepState,
)
from reporting.outbox import drain
from reporting.services import BUILD_RESEND_AFTER, report_publish
from tests.reporting.conftest import close_for_report


def moment(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_the_steps_fall_on_working_days_from_the_periods_dates():
    period = ReportingPeriod(year=2025, quarter=3, **ReportingPeriod.default_dates(2025, 3))
    period.publish_on = datetime.date(2026, 3, 12)
    steps = {s.key: s.due for s in plan(period)}
    assert steps["open"] == datetime.date(2026, 1, 2)  # 1 January is a bank holiday
    assert period.return_deadline == datetime.date(2026, 1, 23)
    assert steps["remind-5"] == datetime.date(2026, 1, 16)
    assert steps["remind-1"] == datetime.date(2026, 1, 22)
    assert steps["close"] == datetime.date(2026, 1, 24)
    assert steps["draft-report"] == period.review_deadline == datetime.date(2026, 1, 30)
    assert [k for k in steps if k.startswith("chase:")] == [
        f"chase:2026-01-{d}" for d in ("26", "27", "28", "29", "30")
    ]
    assert steps["publish"] == datetime.date(2026, 3, 12)


def test_the_next_four_quarters_are_made_ahead_once(db):
    made = ensure_periods(datetime.date(2025, 11, 3))
    assert [p.label for p in made] == ["2025/26 Q3", "2025/26 Q4", "2026/27 Q1", "2026/27 Q2", "2026/27 Q3"]
    assert ensure_periods(datetime.date(2025, 11, 3)) == []


def test_changing_a_periods_dates_moves_its_waiting_steps(world):
    period = world.kpis["period"]
    sync_steps(period)
    ReportingPeriod.objects.filter(pk=period.pk).update(return_deadline=period.return_deadline + datetime.timedelta(7))
    period.refresh_from_db()
    sync_steps(period)
    close = CycleStep.objects.get(period=period, key="close")
    assert close.due_at == at_step_hour(period.return_deadline + datetime.timedelta(days=1))


@pytest.fixture
def scheduled(world, reported):
    """The reported world's period put back to scheduled, with dates in January 2026, and a
    KPI of Service One added before it opens whose return nobody enters (reminded, then
    chased)."""
    from tests.kpis.conftest import make_kpi

    period = reported["period"]
    ReportingPeriod.objects.filter(pk=period.pk).update(
        state=PeriodState.SCHEDULED, publish_on=datetime.date(2026, 2, 10), **ReportingPeriod.default_dates(2025, 2)
    )
    period.refresh_from_db()
    make_kpi(world, "WAITING", owning_service=world.s1)
    return period


def test_a_period_runs_from_open_to_published_each_step_once(world, scheduled):
    period = scheduled
    days = {s.key: s.due for s in plan(period)}
    tick(moment(days["open"]))
    period.refresh_from_db()
    assert period.state == PeriodState.OPEN
    assert tick(moment(days["open"]))["steps"] == []  # the same tick again does nothing
    tick(moment(days["remind-5"]))
    reminded = Notification.objects.filter(day=days["remind-5"])
    assert reminded.count() == 2  # service_lead and s2.person: one message each
    lead = reminded.get(user=world.people["service_lead"])
    assert len(lead.items) == len({tuple(i) for i in lead.items}) >= 1
    assert len(mail.outbox) == 0 or all(m.to for m in mail.outbox)
    emailed = Notification.objects.filter(emailed_at__isnull=False).count()
    tick(moment(days["remind-5"], 10))
    assert Notification.objects.filter(emailed_at__isnull=False).count() == emailed  # never twice
    tick(moment(days["close"]))
    period.refresh_from_db()
    assert period.state == PeriodState.CLOSED
    first_chase = next(k for k in days if k.startswith("chase:"))
    tick(moment(days[first_chase]))
    chased = Notification.objects.get(user=world.people["directorate_lead"], day=days[first_chase])
    assert any("Overdue in your directorate" in text for text, _ in chased.items)
    tick(moment(days["draft-report"]))
    period.refresh_from_db()
    assert period.state == PeriodState.DRAFT_REPORT
    assert Snapshot.objects.filter(period=period, kind=SnapshotKind.DRAFT).count() == 1
    assert Notification.objects.filter(user=world.people["cmt"], day=days["draft-report"]).exists()
    tick(moment(days["publish"]))
    tick(moment(days["publish"], 11))
    period.refresh_from_db()
    assert period.state == PeriodState.PUBLISHED
    assert Snapshot.objects.filter(period=period, kind=SnapshotKind.PUBLISHED).count() == 1
    told = Notification.objects.get(user=world.people["scrutiny"], day=days["publish"])
    assert told.items[0][0] == f"The {period.label} report is published"
    summaries = dict(CycleStep.objects.filter(period=period).values_list("key", "summary"))
    assert summaries["remind-5"].startswith("Reminders sent to 2 people")
    ours = set(Snapshot.objects.filter(period=period).values_list("pk", flat=True))
    builds = [m.kwargs["snapshot_id"] for m in OutboxMessage.objects.filter(task="reporting.tasks.build_pdfs")]
    assert len([b for b in builds if b in ours]) == 2, (builds, ours)  # the draft, then the published report


def test_a_missed_tick_catches_up(world, scheduled):
    days = {s.key: s.due for s in plan(scheduled)}
    done = tick(moment(days["close"]))["steps"]
    ours = [s.removeprefix(f"{scheduled.label} ") for s in done if s.startswith(scheduled.label)]
    assert ours[:4] == ["open", "remind-5", "remind-1", "close"]
    assert all(step.startswith(("chase:", "review:")) for step in ours[4:])  # due the same morning


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_one_step_do_it_once(world, scheduled):
    sync_steps(scheduled)
    step = CycleStep.objects.get(period=scheduled, key="open")
    results, barrier = [], threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(run_step(step.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    step.refresh_from_db()
    assert (step.state, step.attempts) == (StepState.DONE, 1)


def test_a_tick_while_another_runs_leaves_the_work_to_it(world, scheduled):
    """Two beats, or a tick sent while a slow one works: the second does nothing (not even
    make next year's periods, which two at once would both try to make), and the next tick
    after the first catches up."""
    day = next(s.due for s in plan(scheduled) if s.key == "open")
    holding, release = threading.Event(), threading.Event()

    def running_tick():
        try:
            with locks.held(locks.CYCLE_TICK):
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=running_tick)
    other.start()
    try:
        assert holding.wait(timeout=30)
        periods = ReportingPeriod.objects.count()
        assert tick(moment(day)) == {"skipped": "another tick is running"}
        assert ReportingPeriod.objects.count() == periods
        assert not CycleStep.objects.filter(period=scheduled, state=StepState.DONE).exists()
    finally:
        release.set()
        other.join()
    assert "open" in [s.removeprefix(f"{scheduled.label} ") for s in tick(moment(day))["steps"]]


def test_a_step_that_cannot_run_yet_waits_with_its_reason(world, scheduled):
    sync_steps(scheduled)
    step = CycleStep.objects.get(period=scheduled, key="publish")
    assert run_step(step.pk) is False
    step.refresh_from_db()
    assert step.state == StepState.WAITING
    assert "the draft report comes first" in step.error


def test_the_admin_runs_a_due_step_from_the_cycle_page(client, world, scheduled):
    from django.urls import reverse

    sync_steps(scheduled)
    step = CycleStep.objects.get(period=scheduled, key="open")
    client.force_login(world.people["performance_admin"])
    page = client.get(reverse("reporting:cycle", args=[scheduled.pk])).content.decode()
    assert "Open the period for returns" in page
    response = client.post(reverse("reporting:cycle", args=[scheduled.pk]), {"step": step.pk})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.state == StepState.DONE
    assert step.summary.startswith("Opened")


def test_a_failing_email_is_tried_again_and_sent_once(world, monkeypatch, settings):
    settings.PMF_BASE_URL = "https://performance.example.gov.uk"
    from django.db import transaction

    from reporting import notifications

    with transaction.atomic():
        notifications.add(world.people["cmt"], datetime.date(2026, 1, 5), [("The draft report is ready", "/x/")])
        notifications.add(world.people["cmt"], datetime.date(2026, 1, 5), [("The draft report is ready", "/x/")])
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionRefusedError("SMTP down")
        return 1

    monkeypatch.setattr(notifications, "send_mail", flaky)
    now = moment(datetime.date(2026, 1, 5))
    assert notifications.send_due(now) == 0
    assert notifications.send_due(now) == 1
    assert notifications.send_due(now) == 0
    assert len(calls) == 2
    notification = Notification.objects.get(user=world.people["cmt"])
    assert notification.items == [["The draft report is ready", "/x/"]]  # the same line once
    assert "https://performance.example.gov.uk/x/" in calls[1][1]  # the link in the email is whole


def test_the_demo_cycle_runs_the_open_periods_steps_in_the_next_minutes(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("demo_cycle", minutes_apart=0.5, stdout=out)
    period = world.kpis["period"]
    waiting = CycleStep.objects.filter(period=period, state=StepState.WAITING).order_by("due_at")
    kinds = [s.key.split(":", 1)[0] for s in waiting]
    assert kinds == ["open", "remind-5", "remind-1", "close", "chase", "review", "draft-report", "publish"]
    assert all(s.due_fixed for s in waiting)
    assert waiting.last().due_at - timezone.now() < datetime.timedelta(minutes=5)
    assert "runs over the next 4 minutes" in out.getvalue()


def test_an_overdue_risk_review_reaches_its_owner_once_a_day_until_reviewed(world):
    """A risk whose review date has passed is a line in its owner's daily message, however
    often the tick runs; once the day's message is sent nothing is added to it; after the
    owner records a review, the next day's message does not carry it."""
    from planning.models import Risk
    from planning.services import risk_review

    risk = world.thread["risk_s1"]
    owner = world.people["service_lead"]
    day = datetime.date(2026, 1, 5)
    Risk.objects.filter(pk=risk.pk).update(review_date=datetime.date(2026, 1, 2))
    tick(moment(day, 7))
    tick(moment(day, 8))
    (notification,) = Notification.objects.filter(user=owner, day=day)
    lines = [text for text, _link in notification.items if text.startswith("Risk review overdue")]
    assert lines == [f"Risk review overdue: {risk.reference} Staff turnover (due 2 January)"]
    assert [link for text, link in notification.items if text in lines] == [f"/risks/{risk.pk}/"]
    sent = [m for m in mail.outbox if m.to == [owner.email] and "Risk review overdue" in m.body]
    assert len(sent) == 1
    tick(moment(day, 9))
    assert Notification.objects.filter(user=owner).count() == 1  # nothing rolled into tomorrow's

    risk_review(by=owner, risk=risk, next_review_date=timezone.localdate() + datetime.timedelta(days=90))
    tick(moment(day + datetime.timedelta(days=1), 7))
    later = Notification.objects.filter(user=owner, day=day + datetime.timedelta(days=1)).first()
    assert later is None or not any(text.startswith("Risk review overdue") for text, _ in later.items)


# --- Builds whose message was lost --------------------------------------------------------------


@pytest.fixture
def published(world, reported):
    """A published report whose build went to the queue (no worker takes it here)."""
    period = close_for_report(reported["period"])
    snapshot = report_publish(by=world.people["performance_admin"], period=period)
    drain()  # what the commit does outside a test's transaction
    return snapshot


def build_sends(snapshot) -> int:
    return OutboxMessage.objects.filter(task="reporting.tasks.build_pdfs", kwargs__snapshot_id=snapshot.pk).count()


def after_grace() -> datetime.datetime:
    return timezone.now() + BUILD_RESEND_AFTER + datetime.timedelta(seconds=1)


def test_a_build_sent_moments_ago_is_not_sent_again_until_its_grace_has_passed(published):
    tick()
    assert build_sends(published) == 1
    later = after_grace()
    done = tick(later)
    assert build_sends(published) == 2  # its message taken for lost, and sent again
    assert done["builds_resent"] == [published.pk]
    tick()
    assert build_sends(published) == 2  # sent again moments ago


def test_a_build_a_worker_holds_is_not_sent_again(published):
    """A worker building the snapshot holds its lock (and a lost worker's lock goes with its
    connection): however long ago it was sent, the build is left to that worker."""
    PdfBuild.objects.filter(snapshot=published).update(state=BuildState.RUNNING)
    holding, release = threading.Event(), threading.Event()

    def worker():
        try:
            with locks.held(locks.PDF_BUILD, published.pk):
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=worker)
    other.start()
    try:
        assert holding.wait(timeout=30)
        tick(after_grace())
        assert build_sends(published) == 1
    finally:
        release.set()
        other.join()
    tick(after_grace())
    assert build_sends(published) == 2  # the worker gone, its build not done


def test_a_finished_or_failed_build_is_not_sent_again(published):
    for state in (BuildState.DONE, BuildState.FAILED):
        PdfBuild.objects.filter(snapshot=published).update(state=state)
        tick(after_grace())
    assert build_sends(published) == 1
