"""The Celery app against the real Redis, and the task id reaching the audit context."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery.signals import task_postrun, task_prerun
from django.conf import settings

from audit.context import current_correlation_id
from core.tasks import HEARTBEAT_KEY, heartbeat

ROOT = Path(__file__).resolve().parent.parent


def test_task_id_is_bound_for_audit_while_a_task_runs():
    task_prerun.send(sender=heartbeat, task_id="abc-123", task=heartbeat)
    try:
        assert current_correlation_id() == "task:abc-123"
    finally:
        task_postrun.send(sender=heartbeat, task_id="abc-123", task=heartbeat)
    assert current_correlation_id() == ""


def test_settings_make_tasks_safe_to_redeliver():
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


@pytest.mark.processes
@pytest.mark.timeout(90)
def test_a_real_worker_runs_a_queued_task():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(HEARTBEAT_KEY)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pmf",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        heartbeat.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not client.get(HEARTBEAT_KEY):
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        assert client.get(HEARTBEAT_KEY), "the worker did not run the task within 60 s"
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
