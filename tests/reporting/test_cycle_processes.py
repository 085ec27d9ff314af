"""A real worker and a real Celery beat run a period from opening to publication, with its
steps seconds apart (the way the demo's compressed cycle runs)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kpis.models import PeriodState, ReportingPeriod
from reporting.cycle import ORDER, sync_steps
from reporting.models import BuildState, CycleStep, Notification, PdfBuild, Snapshot, SnapshotKind, StepState
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.processes, pytest.mark.timeout(240), pytest.mark.django_db(transaction=True)]


def test_worker_and_beat_run_a_period_from_open_to_published(world, reported, tmp_path):
    period = reported["period"]
    ReportingPeriod.objects.filter(pk=period.pk).update(state=PeriodState.SCHEDULED, publish_on=period.review_deadline)
    period.refresh_from_db()
    steps = sorted(sync_steps(period), key=lambda s: (ORDER.index(s.key.split(":", 1)[0]), s.due_at))
    start = timezone.now() + datetime.timedelta(seconds=3)
    kept = [s for s in steps if s.key in {"open", "remind-5", "remind-1", "close", "draft-report", "publish"}]
    for index, step in enumerate(kept):
        CycleStep.objects.filter(pk=step.pk).update(
            due_at=start + datetime.timedelta(seconds=2 * index), due_fixed=True
        )
    CycleStep.objects.filter(period=period).exclude(pk__in=[s.pk for s in kept]).update(
        state=StepState.SKIPPED, due_fixed=True
    )

    def published_with_pdfs() -> bool:
        snapshot = Snapshot.objects.filter(period=period, kind=SnapshotKind.PUBLISHED).first()
        return bool(snapshot and PdfBuild.objects.filter(snapshot=snapshot, state=BuildState.DONE).exists())

    with running_worker(beat_schedule=tmp_path / "beat-schedule") as worker:
        wait_for(published_with_pdfs, worker=worker, timeout=180, what="the cycle")
    period.refresh_from_db()
    assert period.state == PeriodState.PUBLISHED
    done = dict(CycleStep.objects.filter(period=period, pk__in=[s.pk for s in kept]).values_list("key", "state"))
    assert set(done.values()) == {StepState.DONE}, done
    assert Snapshot.objects.filter(period=period, kind=SnapshotKind.PUBLISHED).count() == 1
    published = Snapshot.objects.get(period=period, kind=SnapshotKind.PUBLISHED)
    assert published.files.count() == 4  # the priorities, the pack and the committee report
    assert Notification.objects.filter(user=world.people["scrutiny"], emailed_at__isnull=False).exists()
