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
import time

from common import configure, print_table, signed_in_client, timed, with_bench_database

DIRECTORATES, SERVICES_EACH, TEAMS_EACH = 5, 8, 5
STAFF, CIC_EACH = 15_000, 5
OBJECTIVES = 2_000
RUNS = 30


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


def run(_bench: str) -> None:
    admin, priority, year = seed()
    client = signed_in_client(admin)
    print_table(
        [
            ("trivial page (accessibility statement)", timed(client, "/accessibility/", RUNS, 3)),
            ("thread view of a priority", timed(client, f"/thread/nodes/{priority.pk}/", RUNS, 3)),
            ("gaps view", timed(client, f"/gaps/?year={year}", RUNS, 3)),
        ]
    )


if __name__ == "__main__":
    configure()
    with_bench_database(run)
