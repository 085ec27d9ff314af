"""Golden thread at the size of a large council: 2,000 plan objectives, 15,000 staff with
75,000 CIC objectives. Prints the latency of the thread view of a priority and of the gaps
view, each as a ratio to a trivial page measured in the same run, and their query counts.

Run it against any PostgreSQL (it makes and drops its own database, ``<name>_bench``):

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/pmf .venv/bin/python benchmarks/golden_thread.py

(``python3 run.py`` leaves that embedded server running while it is up.) Figures go into
docs/performance.md by hand.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmf.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("PMF_HTTPS", "0")
os.environ.setdefault("PMF_PLAIN_STATIC", "1")

DIRECTORATES, SERVICES_EACH, TEAMS_EACH = 5, 8, 5
STAFF, CIC_EACH = 15_000, 5
OBJECTIVES = 2_000
RUNS = 30


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    base = settings.DATABASES["default"]["NAME"]
    bench = f"{base}_bench"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{bench}"')
        cursor.execute(f'CREATE DATABASE "{bench}"')
    connection.close()
    settings.DATABASES["default"]["NAME"] = bench
    try:
        run()
    finally:
        connection.close()
        settings.DATABASES["default"]["NAME"] = base
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{bench}"')
        connection.close()


def seed():
    from django.contrib.auth.hashers import make_password

    from accounts.models import OrgUnit, Role, RoleAssignment, User
    from planning.models import CicObjective, CouncilPlan, Objective, PlanNode, UnitPlan

    started = time.perf_counter()
    council = OrgUnit.objects.create(kind="council", code="C", name="Council")
    directorates, services, teams = [], [], []
    for d in range(DIRECTORATES):
        directorate = OrgUnit.objects.create(kind="directorate", code=f"D{d}", name=f"Directorate {d}", parent=council)
        directorates.append(directorate)
        for s in range(SERVICES_EACH):
            service = OrgUnit.objects.create(
                kind="service", code=f"D{d}S{s}", name=f"Service {d}.{s}", parent=directorate
            )
            services.append(service)
            for t in range(TEAMS_EACH):
                teams.append(
                    OrgUnit.objects.create(kind="team", code=f"D{d}S{s}T{t}", name=f"Team {d}.{s}.{t}", parent=service)
                )
    password = make_password("benchmark-password")
    admin = User.objects.create(username="admin", password=password, first_name="Bench", last_name="Admin")
    RoleAssignment.objects.create(user=admin, role=Role.CMT)
    managers = User.objects.bulk_create(
        [User(username=f"manager{i}", password="!", org_unit=team, last_name=f"M{i}") for i, team in enumerate(teams)]
    )
    staff = User.objects.bulk_create(
        [
            User(
                username=f"staff{i}",
                password="!",
                org_unit=teams[i % len(teams)],
                line_manager=managers[i % len(teams)],
                last_name=f"S{i}",
            )
            for i in range(STAFF)
        ],
        batch_size=2000,
    )
    plan = CouncilPlan.objects.create(
        title="Council Plan 2025-29",
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2029, 3, 31),
        vision="Bench",
        level_names=["Priority", "Outcome", "Marker of Success"],
    )
    markers = []
    for p in range(5):
        priority = PlanNode.objects.create(plan=plan, code=f"P{p}", title=f"Priority {p}", order=p)
        for o in range(2):
            outcome = PlanNode.objects.create(plan=plan, code=f"P{p}O{o}", title=f"Outcome {p}.{o}", parent=priority)
            for m in range(2):
                markers.append(
                    PlanNode.objects.create(
                        plan=plan, code=f"P{p}O{o}M{m}", title=f"Marker {p}.{o}.{m}", parent=outcome
                    )
                )
    from django.utils import timezone

    from planning.models import financial_year_bounds, financial_year_of

    today = timezone.localdate()
    year = financial_year_of(today)
    start, end = financial_year_bounds(year)
    overdue = max(start, today - datetime.timedelta(days=30))
    plans = {
        u.pk: UnitPlan.objects.create(unit=u, year=year, title=f"{u.name} plan")
        for u in directorates + services + teams
    }

    def objective(unit, i, **link):
        return Objective(
            plan=plans[unit.pk],
            title=f"Objective {unit.code}-{i}",
            owner=admin,
            start_date=start,
            due_date=end if i % 9 else overdue,
            status=["on_track", "at_risk", "off_track", "complete", "not_started"][i % 5],
            **link,
        )

    d_objectives = Objective.objects.bulk_create(
        [
            objective(d, i, council_plan_node=markers[(di * 10 + i) % len(markers)])
            for di, d in enumerate(directorates)
            for i in range(10)
        ]
    )
    by_dir = {d.pk: [o for o in d_objectives if o.plan.unit_id == d.pk] for d in directorates}
    s_objectives = Objective.objects.bulk_create(
        [objective(s, i, parent_objective=by_dir[s.parent_id][i % 10]) for s in services for i in range(10)]
    )
    by_service = {s.pk: [o for o in s_objectives if o.plan.unit_id == s.pk] for s in services}
    remaining = OBJECTIVES - len(d_objectives) - len(s_objectives)
    t_objectives = Objective.objects.bulk_create(
        [
            objective(teams[i % len(teams)], i, parent_objective=by_service[teams[i % len(teams)].parent_id][i % 10])
            for i in range(remaining)
        ]
    )
    by_team: dict[int, list] = {}
    for o in t_objectives:
        by_team.setdefault(o.plan.unit_id, []).append(o)
    CicObjective.objects.bulk_create(
        [
            CicObjective(
                employee=person,
                objective=by_team[person.org_unit_id][j % len(by_team[person.org_unit_id])],
                title="Private",
                status="on_track",
            )
            for person in staff
            for j in range(CIC_EACH)
        ],
        batch_size=5000,
    )
    counts = (Objective.objects.count(), CicObjective.objects.count(), User.objects.count())
    print(
        f"seeded {counts[0]} objectives, {counts[1]} CIC objectives, {counts[2]} people "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return admin, PlanNode.objects.get(plan=plan, code="P0"), year


def timed(client, url: str) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], len(queries.captured_queries)


def run() -> None:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    admin, priority, year = seed()
    setup_test_environment()
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    baseline = timed(client, "/accessibility/")
    rows = [
        ("trivial page (accessibility statement)", baseline),
        ("thread view of a priority", timed(client, f"/thread/nodes/{priority.pk}/")),
        ("gaps view", timed(client, f"/gaps/?year={year}")),
    ]
    print(f"{'page':45} {'p50 ms':>8} {'p95 ms':>8} {'p50 ratio':>10} {'queries':>8}")
    for name, (p50, p95, queries) in rows:
        print(f"{name:45} {p50:8.1f} {p95:8.1f} {p50 / baseline[0]:10.1f} {queries:8d}")


if __name__ == "__main__":
    main()
