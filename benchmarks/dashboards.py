"""Dashboards and the report pack at scale. Prints, in one run:

1. queries per page (council overview, a priority's dashboard, a snapshot) with 10 KPIs and
   with 500: they must be equal;
2. with 500 KPIs (125 a priority, 12 quarters of approved history each): p50/p95 latency of
   the priority dashboard and the overview against a trivial page (ratios): served from the
   cache, on the first visit after a change with nothing warmed, and on the first visit after
   a change once the worker's warm has run (run here in process, as the worker runs it);
   goals: the priority dashboard within 2x the trivial page, the overview within 3x;
3. the whole PDF pack for 100 KPIs built from the database: reading the figures into the
   snapshot's content, the charts, and WeasyPrint, with WeasyPrint alone on the same final
   HTML as the baseline.

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/pmf .venv/bin/python benchmarks/dashboards.py

It makes and drops its own database (``<name>_bench``).
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

from common import configure, print_table, signed_in_client, timed, with_bench_database

PRIORITIES = 4
HISTORY = 12
TRIVIAL = "/accessibility/"


def seed(council_kpis: int, state: dict) -> None:
    """Add KPIs (with history, targets and an approved current return) up to ``council_kpis``."""
    from kpis.models import Kpi, KpiReturn, KpiVersion, ReportingPeriod, ReturnState, Target
    from kpis.data_periods import new_return

    have = Kpi.objects.count()
    service, owner, nodes, periods = state["service"], state["owner"], state["nodes"], state["periods"]
    kpis = Kpi.objects.bulk_create(
        [
            Kpi(
                code=f"K{i:04d}",
                title=f"Measure {i} of the council's performance",
                definition="A benchmark measure",
                owning_service=service,
                owner=owner,
                decimal_places=1,
                tolerance_type="absolute",
                tolerance_amount=Decimal("2"),
                is_council_plan_measure=bool(i % 3 == 0),
                portfolio=f"Portfolio {i % 5}",
            )
            for i in range(have, council_kpis)
        ]
    )
    versions = KpiVersion.objects.bulk_create(
        [
            KpiVersion(
                kpi=k, number=1, effective_from=datetime.date(2010, 4, 1), calculation_method="x", unit="percentage"
            )
            for k in kpis
        ]
    )
    through = Kpi.council_plan_nodes.through
    through.objects.bulk_create(
        [through(kpi_id=k.pk, plannode_id=nodes[i % PRIORITIES].pk) for i, k in enumerate(kpis)]
    )
    returns, targets = [], []
    for i, (kpi, version) in enumerate(zip(kpis, versions, strict=True)):
        for n, period in enumerate(periods):
            value = Decimal(60 + (i % 20) + n)
            returns.append(
                new_return(
                    kpi,
                    period,
                    version=version,
                    value=value,
                    commentary="On track with the plan." if i % 2 else "",
                    state=ReturnState.APPROVED,
                )
            )
            targets.append(Target(kpi=kpi, for_date=period.end, value=Decimal(70)))
    KpiReturn.objects.bulk_create(returns)
    Target.objects.bulk_create(targets)
    assert ReportingPeriod.objects.count() == HISTORY


def base() -> dict:
    from django.contrib.auth.hashers import make_password

    from accounts.models import OrgUnit, Role, RoleAssignment, User
    from kpis.models import PeriodState, ReportingPeriod
    from planning.models import CouncilPlan, PlanNode

    council = OrgUnit.objects.create(kind="council", code="C", name="Council")
    directorate = OrgUnit.objects.create(kind="directorate", code="D", name="Directorate", parent=council)
    service = OrgUnit.objects.create(kind="service", code="S", name="Service", parent=directorate)
    password = make_password("benchmark-password")
    cmt = User.objects.create(username="cmt", password=password, last_name="CMT")
    RoleAssignment.objects.create(user=cmt, role=Role.CMT)
    owner = User.objects.create(username="owner", password=password, last_name="Owner")
    periods = []
    for n in range(HISTORY):
        year, quarter = 2023 + (n // 4), n % 4 + 1
        last = n == HISTORY - 1
        periods.append(
            ReportingPeriod.objects.create(
                year=year,
                quarter=quarter,
                state=PeriodState.OPEN if last else PeriodState.PUBLISHED,
                **ReportingPeriod.default_dates(year, quarter),
            )
        )
    plan = CouncilPlan.objects.create(
        title="Council Plan",
        start_date=datetime.date(2023, 4, 1),
        end_date=datetime.date(2030, 3, 31),
        level_names=["Priority", "Outcome", "Marker"],
    )
    nodes = [PlanNode.objects.create(plan=plan, code=f"P{n + 1}", title=f"Priority {n + 1}") for n in range(PRIORITIES)]
    return {"cmt": cmt, "service": service, "owner": owner, "nodes": nodes, "periods": periods}


def queries(client, url: str) -> int:
    """Queries on a first visit (nothing cached)."""
    from django.core.cache import cache

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def timed_cold(client, url: str, runs: int = 10) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, queries) with the cache emptied before every request: the first visit
    after any change to the figures."""
    import statistics

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(runs + 1):
        cache.clear()
        begin = time.perf_counter()
        assert client.get(url).status_code == 200, url
        samples.append((time.perf_counter() - begin) * 1000)
    samples = sorted(samples[1:])
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], len(captured.captured_queries)


#: For each page timed by ``timed_warmed``: the median of (its time ÷ a trivial page's timed
#: just after it), which a busy machine disturbs less than the table's ratio to one baseline.
PAIRED: dict[str, float] = {}


def timed_warmed(client, url: str, change, runs: int = 10) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, queries) of the first visit after a change, once the warm has run:
    each sample makes an audited change, runs ``reporting.warming.warm`` as the worker does
    after it, and times one visit, then a trivial page (``PAIRED``)."""
    import gc
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.warming import warm

    samples, ratios = [], []
    for n in range(runs + 1):
        change(n)
        warm()
        gc.collect()  # the warm's garbage is the worker's, not the web process's
        begin = time.perf_counter()
        assert client.get(url).status_code == 200, url
        samples.append((time.perf_counter() - begin) * 1000)
        begin = time.perf_counter()
        assert client.get(TRIVIAL).status_code == 200
        ratios.append(samples[-1] / ((time.perf_counter() - begin) * 1000))
    PAIRED[url] = statistics.median(ratios[1:])
    samples = sorted(samples[1:])
    change(runs + 1)
    warm()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], len(captured.captured_queries)


def a_change(state: dict):
    """An audited change that moves a figure: the first KPI's target for the current period."""
    from accounts.policy import SYSTEM
    from kpis.models import Kpi
    from kpis.services.dictionary import target_set

    kpi, period = Kpi.objects.order_by("code").first(), state["periods"][-1]

    def change(n: int) -> None:
        target_set(by=SYSTEM, kpi=kpi, for_date=period.end, value=Decimal(70 + n % 7))

    return change


def warm_seconds(state: dict, runs: int = 3) -> float:
    """How long the worker's warm takes after a change (median of ``runs``)."""
    import statistics

    from reporting.warming import warm

    change, samples = a_change(state), []
    for n in range(runs):
        change(n)
        begin = time.perf_counter()
        warm()
        samples.append(time.perf_counter() - begin)
    return statistics.median(samples)


def snapshot_url(period) -> str:
    from django.utils import timezone

    from reporting.content import build, digest
    from reporting.models import Snapshot

    content = build(period, kind="draft", status_label="Draft for CMT")
    snapshot = Snapshot.objects.create(
        period=period, kind="draft", as_at=timezone.now(), status_label="Draft", content=content, sha256=digest(content)
    )
    return f"/reports/{snapshot.pk}/"


def pack_for_100(state: dict) -> None:
    from reporting import pdf
    from reporting.content import build

    period = state["periods"][-1]
    started = time.perf_counter()
    content = build(period, kind="draft", status_label="Draft for CMT")
    read = time.perf_counter() - started
    charts_started = time.perf_counter()
    charts = pdf.chart_images(content)
    charts_seconds = time.perf_counter() - charts_started
    html = pdf.pack_html(content, charts=charts)
    render_started = time.perf_counter()
    pdf.write_pdf(html)
    whole = time.perf_counter() - started
    render = time.perf_counter() - render_started
    weasy_started = time.perf_counter()
    pdf.write_pdf(html)
    weasy = time.perf_counter() - weasy_started
    kpis = sum(len(p["kpis"]) for p in content["priorities"])
    print(f"\nWhole pack for {kpis} KPIs from the database")
    print(f"  read figures into the snapshot content  {read:6.2f} s")
    print(f"  charts (matplotlib SVG)                 {charts_seconds:6.2f} s")
    print(f"  WeasyPrint                              {render:6.2f} s")
    print(f"  total                                   {whole:6.2f} s (goal <= 10 s)")
    print(f"  WeasyPrint alone on the same HTML       {weasy:6.2f} s; total is {whole / weasy:.2f}x that")


def run(_bench: str) -> None:
    import logging
    import os

    from audit import services

    # The warm is run here, in process, as the worker would: nothing is queued for a worker.
    services._after_commit.clear()
    logging.getLogger("reporting.warming").setLevel(logging.WARNING)
    state = base()
    client = signed_in_client(state["cmt"])
    priority = state["nodes"][0].pk
    urls = {
        "overview": "/dashboards/",
        "priority dashboard": f"/dashboards/kpis/?priority={priority}",
    }
    seed(10, state)
    small = {name: queries(client, url) for name, url in urls.items()}
    small["snapshot page"] = queries(client, snapshot_url(state["periods"][-1]))
    seed(100, state)
    pack_for_100(state)
    seed(500, state)
    large = {name: queries(client, url) for name, url in urls.items()}
    large["snapshot page"] = queries(client, snapshot_url(state["periods"][-1]))
    print(f"\n{'queries per page (first visit)':30} {'10 KPIs':>8} {'500 KPIs':>9}")
    for name in small:
        print(f"{name:30} {small[name]:8d} {large[name]:9d}{'' if small[name] == large[name] else '  GREW'}")
    change, priority_url = a_change(state), urls["priority dashboard"]
    print(f"\n500 KPIs, 125 a priority, 12 quarters of history each (load average {os.getloadavg()[0]:.2f}):")
    print_table(
        [
            ("trivial page (accessibility statement)", timed(client, TRIVIAL)),
            ("priority dashboard (125 KPIs, 20 a page, charts)", timed(client, urls["priority dashboard"], runs=20)),
            ("  first visit after a change, nothing warmed", timed_cold(client, urls["priority dashboard"])),
            ("  first visit after a change, warmed (goal <= 2x)", timed_warmed(client, priority_url, change)),
            ("council overview (4 priorities, 500 KPIs)", timed(client, urls["overview"], runs=20)),
            ("  first visit after a change, nothing warmed", timed_cold(client, urls["overview"])),
            ("  first visit after a change, warmed (goal <= 3x)", timed_warmed(client, urls["overview"], change)),
            ("trivial page again (the baseline at the end)", timed(client, TRIVIAL)),
        ]
    )
    for name, url in urls.items():
        print(f"{name}, first visit after a change, warmed, paired with a trivial page: {PAIRED[url]:.1f}x")
    print(f"the worker's warm after a change (every warmed page): {warm_seconds(state):.2f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    configure()
    with_bench_database(run)
