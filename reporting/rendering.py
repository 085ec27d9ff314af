"""Rendering a snapshot's files in the worker: each priority's dashboard, the pack (PDFs),
then the committee report (a Word document).

Each file is stored as soon as it is rendered, so a build that stops part-way (a failure, a
lost worker) resumes where it stopped when it runs again, and never stores a file twice. One
worker builds a snapshot at a time, so a build sent twice (a redelivery, a message the outbox
sent again) renders each file once.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import locks
from reporting import pdf
from reporting.committee_report import render_committee_report
from reporting.models import BuildState, FileAlreadyStored, FileKind, PdfBuild, ReportFile, Snapshot, planned_files

logger = logging.getLogger(__name__)


def build_files(snapshot_id: int) -> PdfBuild | None:
    """Render whatever the snapshot still lacks. None if the snapshot has gone (a draft
    replaced by a newer one while it waited)."""
    # One worker at a time: a second delivery of the same build waits here, then finds the
    # files stored, instead of rendering every file again beside the first (the unique key
    # would keep one copy, but the work would be done twice).
    with locks.held(locks.PDF_BUILD, snapshot_id):
        return _build_files(snapshot_id)


def _build_files(snapshot_id: int) -> PdfBuild | None:
    snapshot = Snapshot.objects.filter(pk=snapshot_id).select_related("period").first()
    if snapshot is None:
        return None
    build = PdfBuild.objects.get(snapshot=snapshot)
    if build.state == BuildState.DONE:
        return build
    PdfBuild.objects.filter(pk=build.pk).update(
        state=BuildState.RUNNING, attempts=F("attempts") + 1, started_at=build.started_at or timezone.now(), error=""
    )
    content = snapshot.content
    stored = set(snapshot.files.values_list("key", flat=True))
    charts = pdf.chart_images(content)
    for kind, key, title in planned_files(content):
        if key in stored:
            continue
        started = time.perf_counter()
        data = _render(content, kind, key, charts)
        _store(snapshot, kind, key, title, data, time.perf_counter() - started)
        PdfBuild.objects.filter(pk=build.pk).update(files_done=snapshot.files.count())
    PdfBuild.objects.filter(pk=build.pk).update(
        state=BuildState.DONE, finished_at=timezone.now(), files_done=snapshot.files.count()
    )
    build.refresh_from_db()
    logger.info("built %s files for snapshot %s in %.1f s", build.files_done, snapshot.pk, build.seconds or 0)
    return build


def _render(content: dict, kind: str, key: str, charts: pdf.Charts) -> bytes:
    if kind == FileKind.PACK:
        return pdf.render_pack(content, charts=charts)
    if kind == FileKind.COMMITTEE:
        return render_committee_report(content)
    return pdf.render_priority(content, key, charts=charts)


def _store(snapshot: Snapshot, kind: str, key: str, title: str, data: bytes, seconds: float) -> None:
    try:
        with transaction.atomic():
            ReportFile.objects.create(
                snapshot=snapshot,
                kind=kind,
                key=key,
                title=title,
                pdf=data,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                render_seconds=seconds,
            )
    except (IntegrityError, FileAlreadyStored):
        logger.info("snapshot %s already has %s (built by another worker)", snapshot.pk, key)


def record_failure(snapshot_id: int, error: Exception, *, final: bool) -> None:
    message = f"{type(error).__name__}: {error}"
    PdfBuild.objects.filter(snapshot_id=snapshot_id).update(
        state=BuildState.FAILED if final else BuildState.RUNNING,
        error=message if final else f"{message}. Trying again.",
    )
