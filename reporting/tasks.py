"""Worker tasks for reports: thin wrappers round ``reporting.rendering``."""

from __future__ import annotations

from celery import shared_task

from reporting.rendering import build_files, record_failure

MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def build_pdfs(self, snapshot_id: int) -> int:
    """Render a snapshot's PDFs; retried with backoff, and reported on the page if it fails."""
    try:
        build = build_files(snapshot_id)
    except Exception as error:
        final = self.request.retries >= MAX_RETRIES
        record_failure(snapshot_id, error, final=final)
        if final:
            raise
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
    return build.files_done if build else 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cycle_tick() -> dict:
    """Celery beat's half-minute tick: every due step of the cycle, once (reporting.cycle)."""
    from reporting.cycle import tick

    return tick()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def tell(self, **event) -> int:
    """Tell the people an event concerns (``reporting.alerts.deliver``); safe to run twice.
    Retried if, say, the mail server is down; whoever was told is not told again."""
    from reporting.alerts import deliver

    try:
        return deliver(**event)
    except Exception as error:
        if self.request.retries >= MAX_RETRIES:
            raise
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(acks_late=True, reject_on_worker_lost=True)
def warm_results() -> int:
    """Compute the dashboards people open first and store them in the shared cache, after a
    change (``reporting.warming``); safe to run twice."""
    from reporting.warming import warm

    return warm()
