"""Dashboard results in the shared cache, and the worker warming them after each change
(ADR 0025).

A cached result is stored with the figures version it was computed at and used only while
that is still the version, so nothing is ever shown stale: a visit after a change and before
the worker has warmed the cache computes the page itself (correct, slower). The version is
read from the audit log, because every change to governed data (figures, targets, KPI
definitions, periods, plans, the organisation) is audited in its own transaction.

After any transaction that wrote audit records commits, one warm is queued for the worker
(``schedule_warm``): a burst of two hundred approvals queues one, not two hundred, because
only one warm waits at a time; the warm clears its flag before reading the version, so a
change committed while it runs queues the next.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict

from accounts.models import OrgUnit, OrgUnitKind
from accounts.policy import COUNCIL, Scope
from kpis.models import ReportingPeriod
from reporting.pages import dashboard_page, exceptions_results, overview_results, scorecard_results
from reporting.selectors import plan_for, report_rows

logger = logging.getLogger(__name__)

#: How long a result is kept. Each (page, scope, query) has one key, overwritten at each new
#: version, so the cache holds one entry per page people ask for, however many changes.
RESULTS_SECONDS = 24 * 3600
#: The flag saying a warm is queued and has not started. It lapses, so a warm lost from the
#: queue (Redis restarted, the queue purged) holds back the next one for a minute at most.
WARM_PENDING_KEY = "results:warm-pending"
WARM_PENDING_SECONDS = 60
#: How long a queued warm waits, so the rest of a burst of changes joins it (and, at quarter
#: end, the worker is not warming all the time).
WARM_DELAY_SECONDS = 5
#: How far back (in audit record ids) the version also counts records, so that a transaction
#: that took an earlier id but committed after a later one still moves the version.
LATE_COMMIT_WINDOW = 10_000

_VERSION_SQL = f"""
    SELECT (SELECT oid FROM pg_database WHERE datname = current_database()),
        newest.id, (SELECT count(*) FROM audit_auditevent WHERE id > newest.id - {LATE_COMMIT_WINDOW})
    FROM (SELECT coalesce(max(id), 0) AS id FROM audit_auditevent) AS newest
"""  # noqa: S608 (a constant)


def figures_version() -> tuple[int, int, int]:
    """What the dashboards' figures are as of: the database, its newest audit record, and how
    many records lie in the window below it. Ids are taken when a record is written but seen
    when its transaction commits, so a change can appear below the newest id; the count
    catches it. The database's own id keeps a database made afresh or restored into a new
    one (whose audit ids start again) from meeting results cached from another. One query
    (an index range), read before the figures, so a result is never older than its version."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        database, newest, recent = cursor.fetchone()
    return (database, newest, recent)


def results_key(page: str, *parts) -> str:
    raw = "|".join(str(part) for part in parts)
    return f"results:{page}:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_results(key: str, compute, *, version: tuple[int, int, int] | None = None, refresh: bool = False):
    """The result stored under ``key`` if it was computed at the current version; otherwise
    computed now and stored (``refresh``: computed whatever is stored, as the warm does)."""
    version = figures_version() if version is None else version
    if not refresh:
        stored = cache.get(key)
        if stored is not None and stored[0] == version:
            return stored[1]
    value = compute()
    stored = cache.get(key)  # a warm may have stored a newer result meanwhile: keep that one
    if stored is None or not _newer(stored[0], version):
        cache.set(key, (version, value), RESULTS_SECONDS)
    return value


def _newer(stored: tuple, version: tuple) -> bool:
    """Was ``stored`` read after ``version`` (the same database, a later audit record)?"""
    return stored[0] == version[0] and stored[1:] > version[1:]


def overview_key(period: ReportingPeriod | None, scope: Scope | None) -> str:
    return results_key("overview", period.pk if period else None, scope)


def dashboard_key(params: QueryDict, scope: Scope | None, portfolios: list[str]) -> str:
    query = sorted((k, v) for k, values in params.lists() for v in values)
    return results_key("dashboard", scope, portfolios, query)


def cached_overview(period: ReportingPeriod | None, plan, scope: Scope | None, *, judged=None, **options) -> dict:
    """The overview's sections for ``scope`` in ``period`` (whose Council Plan is ``plan``)."""
    return cached_results(
        overview_key(period, scope), lambda: overview_results(period, plan, scope, judged=judged), **options
    )


def cached_dashboard(params: QueryDict, scope: Scope | None, portfolios: list[str], *, judged=None, **options) -> dict:
    return cached_results(
        dashboard_key(params, scope, portfolios),
        lambda: dashboard_page(params, scope, portfolios, judged=judged),
        **options,
    )


def cached_scorecard(period, plan, priorities, scope: Scope | None, chosen: dict, order: str, **options) -> dict:
    key = results_key("scorecard", period.pk if period else None, scope, sorted(chosen.items()), order)
    return cached_results(key, lambda: scorecard_results(period, plan, priorities, scope, chosen, order), **options)


def cached_exceptions(period, plan, priorities, scope: Scope | None, **options) -> list:
    key = results_key("exceptions", period.pk if period else None, scope)
    return cached_results(key, lambda: exceptions_results(period, plan, priorities, scope), **options)


# --- Warming --------------------------------------------------------------------------------


def warmed_pages() -> list[tuple[str, Scope, QueryDict]]:
    """What the worker computes after a change: the pages most people open first. The
    council overview and each directorate's, and for council-wide readers the dashboard of
    all KPIs and each priority's first page; other pages are cached at their first visit."""
    directorates = [
        Scope(subtrees=(path,))
        for path in OrgUnit.objects.filter(kind=OrgUnitKind.DIRECTORATE).order_by("name").values_list("path", flat=True)
    ]
    period = ReportingPeriod.objects.current_or_latest()
    plan = plan_for(period) if period else None
    priorities = list(plan.nodes.active().priorities().values_list("pk", flat=True)) if plan else []
    pages = [("overview", COUNCIL, QueryDict())]
    pages += [("dashboard", COUNCIL, QueryDict(f"priority={pk}")) for pk in priorities]
    pages.append(("dashboard", COUNCIL, QueryDict()))
    pages += [("overview", scope, QueryDict()) for scope in directorates]
    pages += [("dashboard", scope, QueryDict()) for scope in directorates]
    return pages


def warm() -> int:
    """Compute the warmed pages at the current version and store them; how many. Safe to
    run twice or at once with another: each result is stored with the version it was read at."""
    cache.delete(WARM_PENDING_KEY)  # a change from now on queues the next warm
    started = time.monotonic()
    version = figures_version()
    period = ReportingPeriod.objects.current_or_latest()
    if period is None:
        return 0
    plan = plan_for(period)
    # Every active KPI judged once; each page picks its own rows from them.
    judged = report_rows(period, plan=plan)
    pages = warmed_pages()
    for page, scope, params in pages:
        if page == "overview":
            cached_overview(period, plan, scope, judged=judged, version=version, refresh=True)
        else:
            cached_dashboard(params, scope, [], judged=judged, version=version, refresh=True)
    # The council-wide scorecard and exceptions as they first open (no filter, by code).
    priorities = list(plan.nodes.active().priorities()) if plan else []
    cached_scorecard(period, plan, priorities, COUNCIL, {}, "code", version=version, refresh=True)
    cached_exceptions(period, plan, priorities, COUNCIL, version=version, refresh=True)
    warmed = len(pages) + 2
    logger.info("warmed %d dashboard pages at version %s in %.2f s", warmed, version, time.monotonic() - started)
    return warmed


def schedule_warm() -> None:
    """Queue one warm unless one is already waiting (called after each audited commit).
    Without Redis there is no cache to warm and no queue to send to: nothing is done."""
    if not settings.PMF_WARM_DASHBOARDS:
        return
    if not cache.add(WARM_PENDING_KEY, 1, WARM_PENDING_SECONDS):
        return
    try:
        from celery import current_app

        current_app.send_task("reporting.tasks.warm_results", countdown=WARM_DELAY_SECONDS)
    except Exception as error:  # Redis went away between the flag and the send
        cache.delete(WARM_PENDING_KEY)
        logger.warning("dashboard warm not queued (%s); pages are computed at their first visit", error)
