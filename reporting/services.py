"""Building the draft report, writing priority narratives, and publishing.

Publishing freezes everything the report shows into a snapshot (``reporting.content``) with
its SHA-256, moves the period to published, and queues its files (the PDFs and the committee
report), which the worker renders from the snapshot alone (``reporting.tasks``). A build
whose message was lost with Redis is sent again by the cycle's tick (``builds_resend``).
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.policy import Capability, person_of
from audit.models import Action
from audit.services import audit_record, audit_saved, model_snapshot
from core import locks
from core.services import require
from kpis.models import PeriodState, ReportingPeriod
from kpis.services.periods import period_advance
from kpis.workflow import TransitionRefused
from planning.models import PlanNode
from reporting import content as report_content
from reporting.models import (
    BuildState,
    OutboxMessage,
    PdfBuild,
    PriorityNarrative,
    Snapshot,
    SnapshotKind,
    planned_files,
)
from reporting.outbox import enqueue
from reporting.selectors import plan_for

logger = logging.getLogger(__name__)

DRAFT_LABEL = "Draft for CMT"
BUILD_TASK = "reporting.tasks.build_pdfs"
UNFINISHED = (BuildState.QUEUED, BuildState.RUNNING)
#: How long a build's message may wait in the queue for a worker before the tick, finding no
#: worker building it, takes the message for lost (Redis lost or emptied) and sends it again.
BUILD_RESEND_AFTER = datetime.timedelta(minutes=10)


def published_label(day) -> str:
    return f"Published to Cabinet {day:%-d %B %Y}"


def _locked_period(period: ReportingPeriod) -> ReportingPeriod:
    return ReportingPeriod.objects.select_for_update().get(pk=period.pk)


def _snapshot(*, by, period: ReportingPeriod, kind: str, status_label: str) -> Snapshot:
    as_at = timezone.now()
    content = report_content.build(period, kind=kind, status_label=status_label, as_at=as_at)
    snapshot = Snapshot.objects.create(
        period=period,
        kind=kind,
        as_at=as_at,
        status_label=status_label,
        content=content,
        sha256=report_content.digest(content),
        created_by=person_of(by),
    )
    PdfBuild.objects.create(snapshot=snapshot, files_total=len(planned_files(content)))
    _queue_pdfs(snapshot.pk)
    return snapshot


def _queue_pdfs(snapshot_id: int) -> None:
    enqueue(BUILD_TASK, snapshot_id=snapshot_id)


def builds_resend(*, now: datetime.datetime) -> list[int]:
    """Send again each build whose message was lost (Redis lost or emptied while it waited
    in the queue, which would leave the report "waiting" for ever): a build not finished,
    that no worker is building, last sent longer ago than ``BUILD_RESEND_AFTER``. Run by the
    cycle's tick; returns the snapshots' ids.

    A worker building a snapshot holds its lock (``rendering.build_files``), and a lost
    worker's lock goes with its connection, so a lock free means no worker has the build in
    hand. The grace keeps a build just queued, or waiting behind others for a worker, from
    being sent twice; and a message sent twice is harmless anyway, because the second
    delivery waits for the first and renders nothing."""
    resent = []
    for snapshot_id in list(PdfBuild.objects.filter(state__in=UNFINISHED).values_list("snapshot_id", flat=True)):
        # Held while deciding and sending, so no worker starts the build in between.
        with locks.held(locks.PDF_BUILD, snapshot_id, wait=False) as no_worker_has_it:
            if not (no_worker_has_it and _message_lost(snapshot_id, now)):
                continue
            with transaction.atomic():
                _queue_pdfs(snapshot_id)
        logger.warning(
            "the PDF build of snapshot %s was sent more than %s ago and no worker has it: sent again",
            snapshot_id,
            BUILD_RESEND_AFTER,
        )
        resent.append(snapshot_id)
    return resent


def _message_lost(snapshot_id: int, now: datetime.datetime) -> bool:
    if not PdfBuild.objects.filter(snapshot_id=snapshot_id, state__in=UNFINISHED).exists():
        return False  # finished (or the draft replaced) since it was listed
    sends = OutboxMessage.objects.filter(task=BUILD_TASK, kwargs__snapshot_id=snapshot_id)
    if sends.filter(sent_at__isnull=True).exists():
        return False  # still in the outbox, not lost: the tick's drain sends it once Redis is up
    last = sends.aggregate(last=Max("sent_at"))["last"]
    return last is None or last <= now - BUILD_RESEND_AFTER


@transaction.atomic
def draft_build(*, by, period: ReportingPeriod) -> Snapshot:
    """Build (or rebuild, after CMT's comments) the period's draft report. The previous
    draft and its PDFs are replaced; drafts are never shown once superseded."""
    require(by, Capability.MANAGE_REPORTS)
    period = _locked_period(period)
    if period.state != PeriodState.DRAFT_REPORT:
        raise TransitionRefused(
            f"{period.label} is {period.get_state_display().lower()}: the draft report is built once the period "
            "has moved to draft report."
        )
    replaced = list(Snapshot.objects.filter(period=period, kind=SnapshotKind.DRAFT).values_list("pk", flat=True))
    Snapshot.objects.filter(pk__in=replaced).delete()
    snapshot = _snapshot(by=by, period=period, kind=SnapshotKind.DRAFT, status_label=DRAFT_LABEL)
    audit_record(
        actor=by,
        action=Action.REPORT_DRAFT,
        instance=snapshot,
        after={"sha256": snapshot.sha256, "as_at": snapshot.as_at.isoformat(), "replaced": replaced},
    )
    return snapshot


@transaction.atomic
def report_publish(*, by, period: ReportingPeriod) -> Snapshot:
    """Freeze the report and publish it. Idempotent: a period already published returns its
    one published snapshot."""
    require(by, Capability.MANAGE_REPORTS)
    period = _locked_period(period)
    existing = Snapshot.objects.filter(period=period, kind=SnapshotKind.PUBLISHED).first()
    if existing is not None:
        return existing
    if period.state != PeriodState.DRAFT_REPORT:
        raise TransitionRefused(
            f"{period.label} is {period.get_state_display().lower()}; only a draft report can be published."
        )
    today = timezone.localdate()
    snapshot = _snapshot(by=by, period=period, kind=SnapshotKind.PUBLISHED, status_label=published_label(today))
    period_advance(by=by, period=period, to=PeriodState.PUBLISHED, report_frozen=True)
    audit_record(
        actor=by,
        action=Action.REPORT_PUBLISH,
        instance=snapshot,
        after={"sha256": snapshot.sha256, "as_at": snapshot.as_at.isoformat()},
    )
    return snapshot


@transaction.atomic
def narrative_save(*, by, period: ReportingPeriod, node: PlanNode, text: str) -> PriorityNarrative:
    """The performance admin's narrative for a priority, until the report is published."""
    require(by, Capability.MANAGE_REPORTS)
    period = _locked_period(period)
    if period.state == PeriodState.PUBLISHED:
        raise TransitionRefused(f"The {period.label} report is published; its narratives cannot change.")
    plan = plan_for(period)
    if plan is None or node.plan_id != plan.pk or node.depth != 0:
        raise ValidationError({"node": "Choose one of the Council Plan's priorities."})
    if not text.strip():
        raise ValidationError({"text": "Write the narrative for this priority"})
    narrative = PriorityNarrative.objects.select_for_update().filter(period=period, node=node).first()
    before = model_snapshot(narrative) if narrative else None
    narrative = narrative or PriorityNarrative(period=period, node=node)
    narrative.text, narrative.updated_by, narrative.updated_at = text, person_of(by), timezone.now()
    narrative.save()
    audit_saved(actor=by, instance=narrative, before=before)
    return narrative
