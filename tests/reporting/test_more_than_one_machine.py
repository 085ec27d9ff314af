"""Web processes, workers and beat on separate machines, against one PostgreSQL and one Redis:
here, two gunicorn web servers, two Celery workers and two Celery beats, all real processes on
loopback against the test database and the test Redis (docs/how-to/production.md).

What has to hold when there is more than one of each:

- a sign-in made through one web server works through the other (sessions and CSRF tokens
  live in the database and are signed with the shared SECRET_KEY, so no sticky sessions);
- a change made through one web server is seen at once through the other (no stale figure);
- the same snapshot's build sent to both workers at once renders each file once;
- two beats tick twice as often, yet each step of the cycle runs once (a row lock per step),
  each state change is audited once, each person's daily mail is sent once, and no tick fails.
"""

from __future__ import annotations

import contextlib
import datetime
import email
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import transaction
from django.utils import timezone

from accounts.policy import SYSTEM
from audit.models import AuditEvent
from devtools.ports import free_port
from kpis.models import KpiReturn, PeriodState, ReportingPeriod, ReturnState
from kpis.services.returns import return_for, return_submit
from reporting.cycle import sync_steps
from reporting.models import (
    Alert,
    BuildState,
    CycleStep,
    Notification,
    PdfBuild,
    ReportFile,
    Snapshot,
    SnapshotKind,
    StepState,
)
from reporting.services import draft_build
from reporting.tasks import build_pdfs
from tests.factories import TEST_PASSWORD
from tests.reporting.conftest import ATTESTED
from tests.worker import worker_env

pytestmark = [pytest.mark.processes, pytest.mark.timeout(240), pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
#: The cycle's steps this test drives, in the order a period meets them.
DRIVEN = ("open", "remind-5", "remind-1", "close", "draft-report", "publish")


class Machines:
    """Every process the test starts, each in its own process group with its output in a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "wb") as output:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.processes[name]

    def output(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def check_running(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} stopped:\n{self.output(name)[-3000:]}")

    def stop(self) -> None:
        for process in reversed(self.processes.values()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def wait_until(condition, machines: Machines, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        machines.check_running()
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/health/", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def mails(folder: Path) -> list[email.message.Message]:
    """Every mail the file backend wrote; two sent in one second may share a file."""
    texts = [text for path in folder.glob("*.log") for text in path.read_text().split("-" * 79) if text.strip()]
    return [email.message_from_string(text.strip()) for text in texts]


@pytest.fixture
def machines(tmp_path):
    started = Machines(tmp_path)
    yield started
    started.stop()


def test_two_web_servers_two_workers_and_two_beats_share_one_database_and_one_redis(
    world, reported, machines, tmp_path
):
    from pmf.celery import app

    began = time.monotonic()
    period = reported["period"]
    admin = world.people["performance_admin"]
    ReportingPeriod.objects.filter(pk=period.pk).update(publish_on=period.review_deadline)
    period.refresh_from_db()
    # The cycle's steps wait until the test makes them due; the others never come.
    for step in sync_steps(period):
        due_later = {"due_at": timezone.now() + datetime.timedelta(days=30), "due_fixed": True}
        if step.key not in DRIVEN:
            due_later["state"] = StepState.SKIPPED
        CycleStep.objects.filter(pk=step.pk).update(**due_later)
    s2_return = return_for(reported["s2"], period)
    return_submit(
        by=s2_return.kpi.owner, kpi_return=s2_return, revision=s2_return.revision, entry=ATTESTED, confirm_unusual=True
    )

    app.control.purge()
    mail = tmp_path / "mail"
    env = worker_env(PMF_TICK_SECONDS="1", PMF_MAIL_DIR=str(mail))
    web = {name: f"http://127.0.0.1:{free_port()}" for name in ("a", "b")}
    for name, base in web.items():
        machines.start(
            f"web-{name}", ["gunicorn", "pmf.wsgi", "--bind", base.removeprefix("http://"), "--workers", "1"], env
        )
    for name in ("one", "two"):
        celery = ["celery", "-A", "pmf"]
        machines.start(
            f"worker-{name}",
            [*celery, "worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip", "-n", f"{name}@%h"],
            env,
        )
        machines.start(
            f"beat-{name}", [*celery, "beat", "--loglevel=WARNING", "--schedule", str(tmp_path / f"beat-{name}")], env
        )

    # --- Sign in through A; the session and its CSRF token work through B. -----------------
    wait_until(lambda: all(answers(base) for base in web.values()), machines, timeout=60, what="both web servers")
    browser = requests.Session()  # one cookie jar: to the browser, both servers are one site
    sign_in = browser.get(f"{web['a']}/accounts/sign-in/", timeout=10)
    signed_in = browser.post(
        f"{web['a']}/accounts/sign-in/",
        {"username": admin.username, "password": TEST_PASSWORD, "csrfmiddlewaretoken": csrf_token(sign_in.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text
    dashboard_on_b = browser.get(f"{web['b']}/dashboards/kpis/", allow_redirects=False, timeout=10)
    assert dashboard_on_b.status_code == 200, "the session made on A is not known to B"
    before = latest_value(dashboard_on_b.text, "S2-01")
    assert "60" not in before, before  # submitted, not yet approved

    # --- Approve through A with a form B served: B's figure moves at once. -------------------
    review = f"/review/{s2_return.pk}/"
    token = csrf_token(browser.get(f"{web['b']}{review}", timeout=10).text)
    approved = browser.post(
        f"{web['a']}{review}",
        {"action": "approve", "quality_checked": "on", "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert approved.status_code == 302, approved.text
    assert KpiReturn.objects.get(pk=s2_return.pk).state == ReturnState.APPROVED
    after = latest_value(browser.get(f"{web['b']}/dashboards/kpis/", timeout=10).text, "S2-01")
    assert after.startswith("60"), f"B still shows {after}, not the 60 approved through A"

    # --- One snapshot's build sent to both workers at once renders each file once. ----------
    wait_until(lambda: len(app.control.ping(timeout=0.5)) == 2, machines, timeout=60, what="both workers")
    earlier = ReportingPeriod.objects.get(year=2025, quarter=1)
    ReportingPeriod.objects.filter(pk=earlier.pk).update(state=PeriodState.DRAFT_REPORT)
    with transaction.atomic():
        twice = draft_build(by=SYSTEM, period=earlier)  # sent once by the outbox ...
        transaction.on_commit(lambda: build_pdfs.delay(twice.pk))  # ... and once more, as a redelivery would
    wait_until(lambda: built(twice), machines, timeout=90, what="the twice-sent build")

    # --- Two beats, two workers: the period from opening to publication, each step once. ----
    ReportingPeriod.objects.filter(pk=period.pk).update(state=PeriodState.SCHEDULED)
    now = timezone.now()
    CycleStep.objects.filter(period=period, key__in=DRIVEN).update(due_at=now)

    def published() -> bool:
        snapshot = Snapshot.objects.filter(period=period, kind=SnapshotKind.PUBLISHED).first()
        return bool(snapshot and built(snapshot))

    wait_until(published, machines, timeout=120, what="the cycle")
    machines.stop()
    elapsed = time.monotonic() - began

    # Each PDF once: the second delivery waited for the first and found the files built.
    build = PdfBuild.objects.get(snapshot=twice)
    assert build.attempts == 1, f"the build ran {build.attempts} times"
    assert ReportFile.objects.filter(snapshot=twice).count() == build.files_total

    steps = {s.key: s for s in CycleStep.objects.filter(period=period, key__in=DRIVEN)}
    assert {key: s.state for key, s in steps.items()} == dict.fromkeys(DRIVEN, StepState.DONE)
    assert {key: s.attempts for key, s in steps.items()} == dict.fromkeys(DRIVEN, 1)
    moves = AuditEvent.objects.filter(object_type="kpis.reportingperiod", object_id=str(period.pk))
    assert sorted(moves.filter(action__startswith="period:").values_list("action", flat=True)) == sorted(
        ["period:open", "period:closed", "period:draft_report", "period:published"]
    )
    snapshots = Snapshot.objects.filter(period=period)
    assert snapshots.filter(kind=SnapshotKind.PUBLISHED).count() == 1
    for snapshot in snapshots:
        build = PdfBuild.objects.get(snapshot=snapshot)
        assert (build.attempts, snapshot.files.count()) == (1, build.files_total), snapshot.kind
    sent = [(m["To"], m["Subject"]) for m in mails(mail)]
    assert sent, "nobody was told"
    assert len(sent) == len(set(sent)), f"a mail went twice: {sorted(sent)}"
    told = [Notification.objects.filter(emailed_at__isnull=False), Alert.objects.filter(emailed_at__isnull=False)]
    assert len(sent) == sum(rows.exclude(user__email="").count() for rows in told)
    for name in machines.processes:
        assert "Traceback" not in machines.output(name), machines.output(name)[-3000:]
    print(f"\nsix processes, from start to all stopped: {elapsed:.1f} s")


def built(snapshot: Snapshot) -> bool:
    return PdfBuild.objects.filter(snapshot=snapshot, state=BuildState.DONE).exists()


def latest_value(page: str, code: str) -> str:
    """The latest value the dashboard's card for one KPI shows."""
    card = re.search(rf'aria-labelledby="kpi-{code}".*?Latest value</dt><dd[^>]*><span[^>]*>(.*?)</span>', page, re.S)
    assert card, f"{code} is not on the dashboard"
    return card.group(1)
