"""The largest councils (issue 16): a council with 2,000 KPIs, each with 40 quarters of approved
history and targets, 15,000 staff with 75,000 CIC objectives, a Council Plan with priorities and
objectives, risks, an audit log and 20 published report snapshots. Prints, in one run:

1. every page a user reaches (the URL names of ``pmf/urls.py``), signed in as a performance
   admin (who sees most; CIC pages as a line manager, whom they are for): p50, p95, queries and
   the ratio to a trivial page, through Django's test client; dashboards both served from the
   cache, on a first visit (the cache emptied before each request) and on the first visit
   after a change once the worker's warm has run;
2. the web process's memory: gunicorn as ``run.py`` serves it (2 workers) on a loopback port
   against the seeded database, every page requested, the peak RSS of each worker;
3. the pack (all priorities) and one priority's PDF built from this database;
4. a worker killed (SIGKILL) while building a report's PDFs, another started: the build is
   finished once, every file stored once.

The seed is written in bulk (``bulk_create`` and ``INSERT … SELECT``), not through the audited
services row by row; it takes a few minutes. Keep it between runs with ``--keep`` (a database
already seeded at the same size is reused, not seeded again):

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/pmf REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/largest_council.py [--small] [--keep] [--database NAME]

``--small`` seeds a council of test size (20 KPIs, 200 staff) for a quick check; the query
counts must be the same at both sizes. ``--only pages`` (or ``memory``, ``pdf``, ``worker``)
runs one part; ``--page NAME`` (repeatable) measures only the pages whose URL name contains
it; ``--runs N`` requests each page N times (a page slower than 2 s, three times). The
database is ``<DATABASE_URL's name>_large`` unless ``--database`` names it; without
``--keep`` it is dropped at the end. Figures go into docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

from common import ROOT, configure, signed_in_client

SIZES = {
    "large": {"kpis": 2_000, "staff": 15_000, "objectives": 2_000, "risks": 1_000, "audit": 200_000},
    "small": {"kpis": 20, "staff": 200, "objectives": 650, "risks": 20, "audit": 2_000},
}
QUARTERS = 40  # of approved history, before the period open for returns
PUBLISHED = 20  # the latest published quarters, each with its snapshot
REPORTED = 100  # KPIs reported against the Council Plan's priorities (the pack's size, issue 14)
ESCALATIONS = 100
PASSWORD = "benchmark-password"
GOAL_MS = 300
GOAL_RSS_MB = 250
SLOW_S = 2


def quarter_of(n: int) -> tuple[int, int]:
    """The n-th quarter of history: 2016/17 Q2 onwards, so the 40th is 2026/27 Q1."""
    return 2016 + (n + 1) // 4, (n + 1) % 4 + 1


# Seeding -------------------------------------------------------------------------------------


def seed(size: dict) -> None:
    import golden_thread

    from accounts.models import Role, RoleAssignment, User
    from planning.models import CouncilPlan

    started = time.perf_counter()
    golden_thread.STAFF, golden_thread.OBJECTIVES = size["staff"], size["objectives"]
    admin, _priority, _year = golden_thread.seed()  # the organisation, staff, plans, CIC objectives
    RoleAssignment.objects.create(user=admin, role=Role.PERFORMANCE_ADMIN)
    # The Council Plan spans the whole history, so every published report has its priorities.
    CouncilPlan.objects.update(start_date=datetime.date(2016, 4, 1), end_date=datetime.date(2029, 3, 31))
    managers = list(User.objects.filter(username__startswith="manager").select_related("org_unit"))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=m, role=Role.SERVICE_LEAD, org_unit_id=m.org_unit.parent_id) for m in managers]
    )
    periods = seed_kpis(size, managers)
    seed_risks_and_escalations(size, admin, managers, periods)
    seed_audit(size)
    seed_snapshots(periods)
    print(f"seeded in {time.perf_counter() - started:.0f} s: {counts()}")


def seed_kpis(size: dict, managers) -> list:
    """2,000 KPIs owned by the team managers (ten each), 40 quarters of approved returns and
    targets, then a period open for returns with every return submitted for review."""
    from kpis.data_periods import new_return
    from kpis.models import Kpi, KpiReturn, KpiVersion, PeriodState, ReportingPeriod, ReturnState, Target
    from planning.models import PlanNode

    periods = []
    for n in range(QUARTERS + 1):
        year, quarter = quarter_of(n)
        if n == QUARTERS:
            state = PeriodState.OPEN
        elif n == QUARTERS - 1:
            state = PeriodState.DRAFT_REPORT  # its draft is what the PDF and worker parts build
        else:
            state = PeriodState.PUBLISHED
        periods.append(
            ReportingPeriod.objects.create(
                year=year,
                quarter=quarter,
                state=state,
                historic=n < QUARTERS - 1 - PUBLISHED,
                **ReportingPeriod.default_dates(year, quarter),
            )
        )
    kpis = Kpi.objects.bulk_create(
        [
            Kpi(
                code=f"K{i:04d}",
                title=f"Measure {i} of the council's performance",
                definition="A benchmark measure",
                owning_service_id=managers[i % len(managers)].org_unit.parent_id,
                owner=managers[i % len(managers)],
                decimal_places=1,
                tolerance_type="absolute",
                tolerance_amount=Decimal("2"),
                is_council_plan_measure=i < REPORTED,
                portfolio=f"Portfolio {i % 5}",
            )
            for i in range(size["kpis"])
        ],
        batch_size=2000,
    )
    versions = KpiVersion.objects.bulk_create(
        [
            KpiVersion(
                kpi=k, number=1, effective_from=datetime.date(2010, 4, 1), calculation_method="x", unit="percentage"
            )
            for k in kpis
        ],
        batch_size=2000,
    )
    priorities = list(PlanNode.objects.filter(parent=None).order_by("code"))
    through = Kpi.council_plan_nodes.through
    through.objects.bulk_create(
        [
            through(kpi_id=k.pk, plannode_id=priorities[i % len(priorities)].pk)
            for i, k in enumerate(kpis[: min(REPORTED, len(kpis))])
        ]
    )
    for n, period in enumerate(periods):
        returns, targets = [], []
        for i, (kpi, version) in enumerate(zip(kpis, versions, strict=True)):
            current = n == QUARTERS
            returns.append(
                new_return(
                    kpi,
                    period,
                    version=version,
                    value=Decimal(60 + (i % 20) + (n % 7)),
                    commentary="On track with the plan." if i % 2 else "",
                    state=ReturnState.SUBMITTED if current else ReturnState.APPROVED,
                )
            )
            targets.append(Target(kpi=kpi, for_date=period.end, value=Decimal(70)))
        KpiReturn.objects.bulk_create(returns, batch_size=2000)
        Target.objects.bulk_create(targets, batch_size=2000)
    return periods


def seed_risks_and_escalations(size: dict, admin, managers, periods) -> None:
    from accounts.models import OrgUnit
    from kpis.models import Escalation, Kpi
    from planning.models import Risk

    units = list(OrgUnit.objects.exclude(kind="team").order_by("pk"))
    Risk.objects.bulk_create(
        [
            Risk(
                unit=units[i % len(units)],
                title=f"Risk {i}",
                event=f"There is a risk that service {i} fails",
                owner=managers[i % len(managers)],
                **{
                    f"{stage}_{part}": 1 + (i + j) % 5
                    for j, stage in enumerate(("inherent", "current", "target"))
                    for part in ("likelihood", "impact")
                },
            )
            for i in range(size["risks"])
        ],
        batch_size=2000,
    )
    draft = periods[QUARTERS - 1]
    kpis = list(Kpi.objects.order_by("code")[:ESCALATIONS])
    Escalation.objects.bulk_create(
        [
            Escalation(
                kpi=kpi,
                period=draft,
                raised_by=admin,
                reason="Two quarters Red",
                actions="Recovery plan agreed with the service",
                owner=kpi.owner,
                due_date=draft.end + datetime.timedelta(days=90),
            )
            for kpi in kpis
        ]
    )


def seed_audit(size: dict) -> None:
    """Ten years of changes in the audit log, written in one statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditevent (at, actor_id, actor_name, action, object_type, object_id,
                                          object_repr, before, after, reason, correlation_id)
            SELECT now() - (n * interval '25 minutes'), NULL, 'Bench Admin', 'update', 'kpis.kpireturn',
                   n::text, 'Return ' || n, '{"value": "60"}'::jsonb, '{"value": "61"}'::jsonb, '', ''
            FROM generate_series(1, %s) AS n
            """,
            [size["audit"]],
        )


def seed_snapshots(periods) -> None:
    """The latest 20 published quarters' reports, their content as ``reporting.content.build``
    writes it. The newest has its files rendered by the worker's own code; the others share
    those bytes (the PDFs need not differ for the pages that list and serve them)."""
    from django.utils import timezone

    from reporting.content import build, digest
    from reporting.models import BuildState, PdfBuild, ReportFile, Snapshot, planned_files
    from reporting.rendering import build_files

    started = time.perf_counter()
    snapshots = []
    for period in periods[QUARTERS - 1 - PUBLISHED : QUARTERS - 1]:
        label = f"Published to Cabinet {period.publish_on or period.review_deadline:%-d %B %Y}"
        content = build(period, kind="published", status_label=label)
        snapshots.append(
            Snapshot.objects.create(
                period=period,
                kind="published",
                as_at=timezone.now(),
                status_label=label,
                content=content,
                sha256=digest(content),
            )
        )
        PdfBuild.objects.create(snapshot=snapshots[-1], files_total=len(planned_files(content)))
    built = time.perf_counter()
    newest = snapshots[-1]
    build_files(newest.pk)
    files = list(newest.files.all())
    ReportFile.objects.bulk_create(
        [
            ReportFile(
                snapshot=snapshot,
                kind=f.kind,
                key=f.key,
                title=f.title,
                pdf=f.pdf,
                sha256=f.sha256,
                size=f.size,
                render_seconds=f.render_seconds,
            )
            for snapshot in snapshots[:-1]
            for f in files
            if f.key in {k for _, k, _ in planned_files(snapshot.content)}
        ]
    )
    for snapshot in snapshots[:-1]:
        PdfBuild.objects.filter(snapshot=snapshot).update(
            state=BuildState.DONE, files_done=snapshot.files.count(), finished_at=timezone.now()
        )
    print(
        f"  {len(snapshots)} snapshots: content built in {built - started:.1f} s, "
        f"the newest's files in {time.perf_counter() - built:.1f} s"
    )


def counts() -> str:
    from accounts.models import User
    from audit.models import AuditEvent
    from kpis.models import Kpi, KpiReturn, Target
    from planning.models import CicObjective, Objective, Risk
    from reporting.models import Snapshot

    return ", ".join(
        f"{model.objects.count():,} {name}"
        for name, model in (
            ("KPIs", Kpi),
            ("returns", KpiReturn),
            ("targets", Target),
            ("people", User),
            ("objectives", Objective),
            ("CIC objectives", CicObjective),
            ("risks", Risk),
            ("audit events", AuditEvent),
            ("snapshots", Snapshot),
        )
    )


def seeded_at(size: dict) -> bool:
    from django.db.utils import ProgrammingError

    from kpis.models import Kpi
    from planning.models import CicObjective
    from reporting.models import Snapshot

    try:
        return (
            Kpi.objects.count() == size["kpis"]
            and CicObjective.objects.count() == size["staff"] * 5
            and Snapshot.objects.filter(kind="published").count() == PUBLISHED
        )
    except ProgrammingError:
        return False


# The pages -------------------------------------------------------------------------------------


def ids() -> dict:
    """Real rows for every page's URL: the largest of each kind where size matters."""
    from django.db.models import Count

    from accounts.models import OrgUnit, User
    from kpis.models import Escalation, Kpi, KpiReturn, PeriodState, ReportingPeriod
    from planning.models import CicObjective, CouncilPlan, Objective, PlanNode, Risk, UnitPlan
    from reporting.models import ReportFile, Snapshot

    admin = User.objects.get(username="admin")
    manager = User.objects.get(username="manager0")
    plan = CouncilPlan.objects.get()
    kpi = Kpi.objects.get(code="K0000")
    open_period = ReportingPeriod.objects.get(state=PeriodState.OPEN)
    draft_period = ReportingPeriod.objects.get(state=PeriodState.DRAFT_REPORT)
    snapshot = Snapshot.objects.filter(kind="published").order_by("-period__year", "-period__quarter").first()
    biggest_plan = UnitPlan.objects.annotate(n=Count("objectives")).order_by("-n").first()
    biggest_objective = Objective.objects.annotate(n=Count("child_objectives")).order_by("-n").first()
    return {
        "admin": admin,
        "manager": manager,
        "person": User.objects.get(username="staff0"),
        "directorate": OrgUnit.objects.filter(kind="directorate").order_by("code").first(),
        "plan": plan,
        "priority": PlanNode.objects.filter(plan=plan, parent=None).order_by("code").first(),
        "unit_plan": biggest_plan,
        "objective": biggest_objective,
        "risk": Risk.objects.order_by("pk").first(),
        "cic": CicObjective.objects.filter(employee__line_manager=manager).order_by("pk").first(),
        "kpi": kpi,
        "current_return": KpiReturn.objects.get(kpi=kpi, period=open_period),
        "approved_return": KpiReturn.objects.get(kpi=kpi, period=draft_period),
        "escalation": Escalation.objects.order_by("pk").first(),
        "open_period": open_period,
        "draft_period": draft_period,
        "snapshot": snapshot,
        "file": ReportFile.objects.filter(snapshot=snapshot, key="pack").first(),
    }


def pages(r: dict) -> list[tuple[str, str, str]]:
    """(URL name, what, path) for every page a signed-in person reaches with GET. Forms that
    only take a POST (sign-out, advancing a period, building a draft, publishing, removing a
    role, revoking a token, moving a priority, CMT's decision on an escalation) are not pages;
    the sign-in and single sign-on pages are for the signed-out."""
    kpi, snap, period = r["kpi"].code, r["snapshot"], r["draft_period"]
    published = snap.period
    p = r["plan"].pk
    return [
        ("home", "home", "/"),
        ("reporting:overview", "council overview (cached)", "/dashboards/"),
        ("reporting:dashboard", "dashboard, every KPI (cached)", "/dashboards/kpis/"),
        ("reporting:dashboard", "priority dashboard (cached)", f"/dashboards/kpis/?priority={r['priority'].pk}"),
        ("reporting:scorecard", "scorecard", "/dashboards/scorecard/"),
        ("reporting:scorecard-export", "scorecard CSV", "/dashboards/scorecard.csv"),
        ("reporting:exceptions", "exceptions", "/dashboards/exceptions/"),
        ("reporting:report-list", "reports list (20 published)", "/reports/"),
        ("reporting:report", "a period's report page (draft)", f"/reports/periods/{period.pk}/"),
        ("reporting:narrative-edit", "narrative form", f"/reports/periods/{period.pk}/narratives/{r['priority'].pk}/"),
        ("reporting:cycle", "the period's cycle", f"/reports/periods/{period.pk}/cycle/"),
        ("reporting:data-quality", "data quality report", f"/reports/periods/{period.pk}/data-quality/"),
        ("reporting:snapshot", "a published snapshot", f"/reports/{snap.pk}/"),
        ("reporting:snapshot-progress", "a snapshot's build progress", f"/reports/{snap.pk}/progress/"),
        ("reporting:file-download", "the pack PDF download", f"/reports/files/{r['file'].pk}/"),
        ("reporting:kpi-published", "a KPI's published figures (20 reports)", f"/reports/kpis/{kpi}/"),
        ("reporting:kpi-published-export", "the same, CSV", f"/reports/kpis/{kpi}/published.csv"),
        ("reporting:notifications", "notifications", "/notifications/"),
        ("reporting:notification-settings", "notification settings", "/notifications/settings/"),
        ("reporting:open-data", "open data", "/open-data/"),
        ("reporting:open-data-licence", "open data licence", "/open-data/licence/"),
        ("reporting:open-data-file", "open data CSV", f"/open-data/{published.year}/q{published.quarter}.csv"),
        ("reporting:open-data-file", "open data JSON", f"/open-data/{published.year}/q{published.quarter}.json"),
        ("kpis:kpi-list", "data dictionary (2,000 KPIs)", "/kpis/"),
        ("kpis:dictionary-export", "data dictionary CSV", "/kpis/export.csv"),
        ("kpis:returns-export", "returns CSV (the open period)", f"/returns/export.csv?period={r['open_period'].pk}"),
        ("kpis:returns-export", "returns CSV (all 82,000, no period)", "/returns/export.csv"),
        ("kpis:kpi-detail", "a KPI's page (40 quarters)", f"/kpis/{kpi}/"),
        ("kpis:kpi-equalities", "a KPI's equalities page", f"/kpis/{kpi}/equalities/"),
        ("kpis:kpi-create", "new KPI form", "/kpis/new/"),
        ("kpis:kpi-edit", "KPI edit form", f"/kpis/{kpi}/edit/"),
        ("kpis:kpi-version-add", "new definition form", f"/kpis/{kpi}/versions/new/"),
        ("kpis:kpi-target-add", "new target form", f"/kpis/{kpi}/targets/new/"),
        ("kpis:kpi-breakdown-add", "new breakdown form", f"/kpis/{kpi}/breakdowns/new/"),
        ("kpis:escalation-create", "escalate form", f"/kpis/{kpi}/escalate/"),
        ("kpis:red-run-decision", "not escalating form", f"/kpis/{kpi}/not-escalating/"),
        ("kpis:kpi-hand-over", "hand over KPIs form", f"/kpis/hand-over/{r['manager'].pk}/"),
        ("kpis:import-index", "KPI imports", "/imports/"),
        ("kpis:import-upload", "KPI import upload", "/imports/targets/"),
        ("kpis:import-template", "KPI import template", "/imports/targets/template.csv"),
        ("kpis:period-list", "periods (41)", "/periods/"),
        ("kpis:period-detail", "the open period (2,000 returns)", f"/periods/{r['open_period'].pk}/"),
        ("kpis:my-returns", "my returns (an admin)", "/returns/"),
        ("kpis:return-edit", "a return", f"/returns/{r['current_return'].pk}/"),
        ("kpis:return-revise", "revise an approved return", f"/returns/{r['approved_return'].pk}/revise/"),
        ("kpis:review-queue", "review queue (2,000 submitted)", "/review/"),
        ("kpis:return-review", "review a return", f"/review/{r['current_return'].pk}/"),
        ("kpis:escalation-list", "escalations (100 open)", "/escalations/"),
        ("kpis:escalation-detail", "an escalation", f"/escalations/{r['escalation'].pk}/"),
        ("planning:council-plan-list", "Council Plans", "/council-plans/"),
        ("planning:council-plan-detail", "the Council Plan", f"/council-plans/{p}/"),
        ("planning:council-plan-create", "new Council Plan form", "/council-plans/new/"),
        ("planning:council-plan-edit", "Council Plan edit form", f"/council-plans/{p}/edit/"),
        ("planning:plan-node-add", "new priority form", f"/council-plans/{p}/nodes/new/"),
        ("planning:plan-node-edit", "priority edit form", f"/council-plans/{p}/nodes/{r['priority'].pk}/edit/"),
        ("planning:plan-node-retire", "priority retire form", f"/council-plans/{p}/nodes/{r['priority'].pk}/retire/"),
        ("planning:council-plan-export", "Council Plan CSV", f"/council-plans/{p}/export.csv"),
        ("planning:council-plan-import", "Council Plan import", f"/council-plans/{p}/import/"),
        ("planning:council-plan-import-new", "new Council Plan import", "/council-plans/import/"),
        ("planning:council-plan-import-template", "Council Plan template", "/council-plans/import/template.csv"),
        ("planning:plan-list", "plans (245 units)", "/plans/"),
        ("planning:plan-create", "new plan form", "/plans/new/"),
        ("planning:plan-detail", "the largest unit plan", f"/plans/{r['unit_plan'].pk}/"),
        ("planning:plan-edit", "plan edit form", f"/plans/{r['unit_plan'].pk}/edit/"),
        ("planning:plan-on-a-page", "plan on a page", f"/plans/{r['unit_plan'].pk}/on-a-page/"),
        ("planning:objective-add", "new objective form", f"/plans/{r['unit_plan'].pk}/objectives/new/"),
        ("planning:objective-detail", "the objective with most children", f"/objectives/{r['objective'].pk}/"),
        ("planning:objective-edit", "objective edit form", f"/objectives/{r['objective'].pk}/edit/"),
        ("planning:progress-add", "progress form", f"/objectives/{r['objective'].pk}/progress/new/"),
        ("planning:thread-index", "golden thread", "/thread/"),
        ("planning:thread-node", "thread view of a priority", f"/thread/nodes/{r['priority'].pk}/"),
        ("planning:gaps", "gaps view", "/gaps/"),
        ("planning:risk-register", "risk register (1,000 risks)", "/risks/"),
        ("planning:risk-export", "risks CSV", "/risks/export.csv"),
        ("planning:risk-add", "new risk form", "/risks/new/"),
        ("planning:risk-import", "risk import", "/risks/import/"),
        ("planning:risk-import-template", "risk template", "/risks/import/template.csv"),
        ("planning:risk-detail", "a risk", f"/risks/{r['risk'].pk}/"),
        ("planning:risk-edit", "risk edit form", f"/risks/{r['risk'].pk}/edit/"),
        ("planning:risk-review", "risk review form", f"/risks/{r['risk'].pk}/review/"),
        ("planning:risk-escalate", "risk escalate form", f"/risks/{r['risk'].pk}/escalate/"),
        ("planning:risk-action-add", "risk action form", f"/risks/{r['risk'].pk}/actions/new/"),
        ("accounts:org-unit-list", "organisation (245 units)", "/organisation/"),
        ("accounts:org-unit-detail", "a directorate", f"/organisation/{r['directorate'].code}/"),
        ("organisation:person-list", "people (15,000, 50 a page)", "/people/"),
        ("organisation:person-list", "people, search", "/people/?q=S1234"),
        ("organisation:person-detail", "a person", f"/people/{r['person'].pk}/"),
        ("organisation:import-index", "HR imports", "/hr/import/"),
        ("organisation:import-upload", "HR import upload", "/hr/import/people/"),
        ("organisation:import-template", "HR template", "/hr/import/organisation/template.csv"),
        ("organisation:leavers", "leavers", "/hr/leavers/"),
        ("privacy:subject-access", "subject access", f"/people/{r['person'].pk}/subject-access/"),
        ("api_tokens:list", "my API tokens", "/account/api-tokens/"),
        ("api_tokens:everyone", "everyone's API tokens", "/account/api-tokens/everyone/"),
        ("audit:event-list", "audit log (200,000 events)", "/audit/"),
        ("api-me", "API: me", "/api/v1/me/"),
        ("api:council-plan-list", "API: Council Plans", "/api/v1/council-plans/"),
        ("api:council-plan-detail", "API: the Council Plan", f"/api/v1/council-plans/{p}/"),
        ("api:org-unit-list", "API: org units", "/api/v1/org-units/"),
        ("api:org-unit-detail", "API: an org unit", f"/api/v1/org-units/{r['directorate'].code}/"),
        ("api:plan-list", "API: plans", "/api/v1/plans/"),
        ("api:plan-detail", "API: a plan", f"/api/v1/plans/{r['unit_plan'].pk}/"),
        ("api:objective-list", "API: objectives", "/api/v1/objectives/"),
        ("api:objective-detail", "API: an objective", f"/api/v1/objectives/{r['objective'].pk}/"),
        ("api:risk-list", "API: risks", "/api/v1/risks/"),
        ("api:risk-detail", "API: a risk", f"/api/v1/risks/{r['risk'].pk}/"),
        ("api:kpi-list", "API: KPIs", "/api/v1/kpis/"),
        ("api:kpi-detail", "API: a KPI", f"/api/v1/kpis/{kpi}/"),
        ("api:period-list", "API: periods", "/api/v1/periods/"),
        ("api:period-detail", "API: a period", f"/api/v1/periods/{period.pk}/"),
        ("api:return-list", "API: returns (82,000)", "/api/v1/returns/"),
        ("api:return-detail", "API: a return", f"/api/v1/returns/{r['current_return'].pk}/"),
        ("api:report-list", "API: reports", "/api/v1/reports/"),
        ("api:report-detail", "API: a report", f"/api/v1/reports/{snap.pk}/"),
        ("api-schema", "API schema", "/api/schema/"),
    ]


def cic_pages(r: dict) -> list[tuple[str, str, str]]:
    """CIC objectives are read by the employee and their line manager only."""
    cic = r["cic"].pk
    return [
        ("planning:cic-list", "CIC objectives (a manager of 75, 375 objectives)", "/cic/"),
        ("planning:cic-add", "new CIC objective form", "/cic/new/"),
        ("planning:cic-detail", "a CIC objective", f"/cic/{cic}/"),
        ("planning:cic-edit", "CIC edit form", f"/cic/{cic}/edit/"),
        ("planning:cic-note-add", "CIC note form", f"/cic/{cic}/notes/new/"),
        ("kpis:my-returns", "my returns (a KPI owner)", "/returns/"),
    ]


def fetch(client, url: str):
    """GET ``url`` and read the whole body: a streamed download's rows are read from the
    database and written as it is sent, after the view has returned, so its time and queries
    are those of reading all of it."""
    response = client.get(url)
    if response.streaming:
        for _ in response.streaming_content:
            pass
    return response


def measure(client, url: str, runs: int, *, cold: bool | str = False) -> tuple[float, float, int, int]:
    """(p50 ms, p95 ms, queries, status) for GET ``url``; ``cold`` empties the cache first;
    ``cold="warmed"`` empties it and runs the worker's warm (``reporting.warming.warm``, as
    the worker runs it after a change) before each request: the first visit after a change."""
    from django.core.cache import cache

    from reporting.warming import warm

    def empty():
        cache.clear()
        if cold == "warmed":
            warm()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    begin = time.perf_counter()
    status = fetch(client, url).status_code
    if status != 200:
        return 0.0, 0.0, 0, status
    if time.perf_counter() - begin > SLOW_S:
        runs = min(runs, 3)  # a page this slow is measured three times, not twenty
    else:
        fetch(client, url)
    samples = []
    for _ in range(runs):
        if cold:
            empty()
        begin = time.perf_counter()
        fetch(client, url)
        samples.append((time.perf_counter() - begin) * 1000)
    if cold:
        empty()
    with CaptureQueriesContext(connection) as queries:
        fetch(client, url)
    samples.sort()
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))], len(queries.captured_queries), 200


def run_pages(r: dict, runs: int, only: list[str] | None = None) -> dict[str, int]:
    """Every page's figures (or those whose URL name contains one of ``only``), printed as
    they are measured; returns the query counts by page."""
    import logging

    logging.getLogger("reporting.warming").setLevel(logging.WARNING)  # a line per warm otherwise
    admin, manager = signed_in_client(r["admin"]), signed_in_client(r["manager"])
    todo = [(name, what, url, admin, False) for name, what, url in pages(r)]
    todo += [(name, what.replace("(cached)", "(first visit)"), url, admin, True) for name, what, url in pages(r)[1:4]]
    todo += [
        (name, what.replace("(cached)", "(after a change, warmed)"), url, admin, "warmed")
        for name, what, url in pages(r)[1:4]
    ]
    todo += [(name, f"{what} (line manager)", url, manager, False) for name, what, url in cic_pages(r)]
    if only:
        todo = [page for page in todo if any(part in page[0] for part in only)]
    base = measure(admin, "/accessibility/", runs)[0]
    print(f"\n{'URL name':34} {'page':52} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6} {'queries':>7}", flush=True)
    print(f"{'accessibility':34} {'trivial page (accessibility statement)':52} {base:8.1f}", flush=True)
    slow, found = [], {}
    for name, what, url, client, cold in todo:
        p50, p95, queries, status = measure(client, url, runs, cold=cold)
        if status != 200:
            print(f"{name:34} {what:52} status {status}", flush=True)
            continue
        flag = "  SLOW" if p95 > GOAL_MS else ""
        print(f"{name:34} {what:52} {p50:8.1f} {p95:8.1f} {p50 / base:6.1f} {queries:7d}{flag}", flush=True)
        found[what] = queries
        if flag:
            slow.append(what)
    print(f"pages over {GOAL_MS} ms p95: {len(slow)}{': ' + ', '.join(slow) if slow else ''}")
    print(f"load average after the pages: {load()}")
    return found


# Memory -----------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{name}"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM); 0 once it has gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return 0.0
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_memory(r: dict, name: str) -> None:
    """gunicorn as ``run.py`` serves it (2 sync workers), every page requested twice
    through real HTTP as the admin, then the peak RSS (VmHWM) of each worker."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(name)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pmf.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/health/", timeout=2)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.2)
        workers = children(server.pid)
        at_start = {pid: peak_rss_mb(pid) for pid in workers}
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

        def get(path, data=None):
            body = urllib.parse.urlencode(data).encode() if data else None
            request = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})
            with opener.open(request, timeout=120) as response:  # noqa: S310 - loopback only
                return response.read()

        page = get("/accounts/sign-in/").decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        get("/accounts/sign-in/", {"csrfmiddlewaretoken": token, "username": "admin", "password": PASSWORD})
        errors, started, growth, peaks = [], time.perf_counter(), {}, {}
        for _ in range(2):
            for _name, what, url in pages(r):
                workers = list(dict.fromkeys([*workers, *children(server.pid)]))  # replaced ones too
                before = max(peaks.setdefault(pid, peak_rss_mb(pid)) for pid in workers)
                try:
                    get(url)
                except urllib.error.HTTPError as error:
                    errors.append(f"{url} {error.code}")
                except OSError as error:  # a worker killed by gunicorn's 30 s timeout
                    errors.append(f"{url} {error}")
                for pid in workers:
                    peaks[pid] = max(peaks[pid], peak_rss_mb(pid))
                grew = max(peaks.values()) - before
                if grew >= 10:
                    growth[what] = growth.get(what, 0) + grew
        for pid in workers:
            peaks[pid] = max(peaks.get(pid, 0), peak_rss_mb(pid))
        print(
            f"\ngunicorn, 2 workers, {len(pages(r)) * 2} requests in {time.perf_counter() - started:.0f} s "
            f"({len(errors)} not 200{': ' + ', '.join(sorted(set(errors))) if errors else ''})"
        )
        for pid in workers:
            gone = " (gone: killed by gunicorn's 30 s timeout)" if not Path(f"/proc/{pid}").exists() else ""
            start = f"RSS at start {at_start[pid]:.0f} MB, " if pid in at_start else "a replacement, "
            print(f"  worker {pid}: {start}peak {peaks[pid]:.0f} MB{gone}")
        print(f"  peak RSS of a worker: {max(peaks.values()):.0f} MB (goal <= {GOAL_RSS_MB} MB)")
        for what, grew in sorted(growth.items(), key=lambda item: -item[1]):
            print(f"  raised a worker's peak by {grew:.0f} MB: {what}")
    finally:
        server.terminate()
        server.wait(timeout=30)


# PDFs -------------------------------------------------------------------------------------------


def run_pdf(r: dict) -> None:
    import logging

    from reporting import pdf
    from reporting.content import build

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    period = r["draft_period"]
    started = time.perf_counter()
    content = build(period, kind="draft", status_label="Draft for CMT")
    read = time.perf_counter() - started
    pdf.write_pdf(pdf.priority_html(content, content["priorities"][0]["code"]))  # imports and fonts
    started = time.perf_counter()
    charts = pdf.chart_images(content)
    charts_s = time.perf_counter() - started
    pack = pdf.render_pack(content, charts=charts)
    pack_s = time.perf_counter() - started
    started = time.perf_counter()
    pdf.render_priority(content, content["priorities"][0]["code"], charts=charts)
    priority_shared = time.perf_counter() - started
    started = time.perf_counter()
    pdf.render_priority(content, content["priorities"][0]["code"])
    priority_alone = time.perf_counter() - started
    kpis = sum(len(p["kpis"]) for p in content["priorities"])
    print(f"\nPDFs from this database ({period.label}, {kpis} KPIs in {len(content['priorities'])} priorities):")
    print(f"  read the figures into the content         {read:6.2f} s")
    print(f"  the pack: charts, then the PDF            {pack_s:6.2f} s (goal <= 10 s; charts {charts_s:.2f} s)")
    print(f"  the pack's size                           {len(pack) / 1024:6.0f} KiB")
    print(f"  one priority's PDF, charts shared         {priority_shared:6.2f} s")
    print(f"  one priority's PDF, drawing its charts    {priority_alone:6.2f} s")
    print(f"  load average: {load()}")


# A worker lost mid-build ------------------------------------------------------------------------


def run_worker(r: dict, name: str) -> None:
    """Build the draft report through the service (the outbox sends the task to Celery), kill
    the worker's process group with SIGKILL once it has stored a file and before it finishes,
    start another, and check the build is finished once with every file stored once."""
    from pmf.celery import app
    from reporting.models import BuildState, PdfBuild, Snapshot
    from reporting.services import draft_build

    env = {**os.environ, "DATABASE_URL": database_url(name), "PMF_VISIBILITY_TIMEOUT": "1"}
    command = [sys.executable, "-m", "celery", "-A", "pmf", "worker", "--pool=solo", "--loglevel=WARNING"]
    command.append("--without-gossip")
    app.control.purge()

    def start():
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

    def kill(process):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    first = start()
    started = time.perf_counter()
    snapshot = draft_build(by=r["admin"], period=r["draft_period"])
    build = PdfBuild.objects.get(snapshot=snapshot)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            done = PdfBuild.objects.get(pk=build.pk)
            if done.files_done >= 1 or done.state == BuildState.DONE:
                break
            time.sleep(0.2)
    finally:
        kill(first)
    killed = PdfBuild.objects.get(pk=build.pk)
    print(
        f"\nworker killed (SIGKILL) {time.perf_counter() - started:.1f} s into the build: "
        f"{killed.files_done} of {killed.files_total} files stored, state {killed.state}"
    )
    second = start()
    started = time.perf_counter()
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and PdfBuild.objects.get(pk=build.pk).state != BuildState.DONE:
            time.sleep(0.5)
    finally:
        kill(second)
    final = PdfBuild.objects.get(pk=build.pk)
    keys = list(snapshot.files.values_list("key", flat=True))
    once = len(keys) == len(set(keys)) == final.files_total
    print(
        f"  a second worker finished it in {time.perf_counter() - started:.1f} s: state {final.state}, "
        f"{len(keys)} files of {final.files_total}, each once: {once}, attempts {final.attempts}"
    )
    print(f"  recovered: {'yes' if final.state == BuildState.DONE and once else 'NO'}")
    Snapshot.objects.filter(pk=snapshot.pk).delete()  # the database stays as seeded for --keep


# Running ----------------------------------------------------------------------------------------


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


def use_database(name: str, base: str, *, keep: bool, size: dict) -> bool:
    """Point Django at ``name``, creating and migrating it unless it is kept and seeded.
    True if it holds the seed already."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    connection.close()
    if exists and keep:
        settings.DATABASES["default"]["NAME"] = name
        if seeded_at(size):
            call_command("migrate", verbosity=0)  # a kept seed gets the indexes added since
            return True
        connection.close()
        settings.DATABASES["default"]["NAME"] = base
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    call_command("migrate", verbosity=0)
    return False


def drop(name: str, base: str) -> None:
    from django.conf import settings
    from django.db import connection

    connection.close()
    settings.DATABASES["default"]["NAME"] = base
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="a council of test size, for a quick check")
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse it when seeded)")
    parser.add_argument("--database", help="the database's name (default: <DATABASE_URL's name>_large)")
    parser.add_argument("--only", choices=("pages", "memory", "pdf", "worker"), action="append")
    parser.add_argument("--runs", type=int, help="requests per page (default 20, 5 with --small)")
    parser.add_argument("--page", action="append", help="only the pages whose URL name contains this")
    args = parser.parse_args()
    configure()
    from django.conf import settings

    size = SIZES["small" if args.small else "large"]
    base = settings.DATABASES["default"]["NAME"]
    name = args.database or f"{base}_{'small' if args.small else 'large'}"
    parts = args.only or ["pages", "memory", "pdf", "worker"]
    runs = args.runs or (5 if args.small else 20)
    print(f"database {name}; load average at start: {load()}")
    try:
        if use_database(name, base, keep=args.keep, size=size):
            print(f"reusing the seed: {counts()}")
        else:
            seed(size)
        r = ids()
        if "pages" in parts:
            run_pages(r, runs, args.page)
        if "memory" in parts:
            run_memory(r, name)
        if "pdf" in parts:
            run_pdf(r)
        if "worker" in parts:
            run_worker(r, name)
        print(f"\nload average at the end: {load()}")
    finally:
        if not args.keep:
            drop(name, base)


if __name__ == "__main__":
    main()
