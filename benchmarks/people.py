"""People at scale: 15,000 people in 5 directorates, 40 services and 200 teams, a few hundred
of them holding roles. Prints the latency of the people search (first page, a search, a late
page) and of a person's page against a trivial page, with their query counts.

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/pmf .venv/bin/python benchmarks/people.py

It makes and drops its own database (``<name>_bench``).
"""

from __future__ import annotations

from common import configure, print_table, signed_in_client, timed, with_bench_database

PEOPLE = 15_000
FIRST_NAMES = ["Jo", "Sam", "Alex", "Priya", "Tom", "Aisha", "Owen", "Mei", "Kofi", "Ruth"]
JOBS = ["Social Worker", "Housing Officer", "Planner", "Analyst", "Team Manager", "Support Worker"]


def seed():
    from accounts.models import OrgUnit, Role, RoleAssignment, User

    council = OrgUnit.objects.create(kind="council", code="C", name="Council")
    directorates = [
        OrgUnit.objects.create(kind="directorate", code=f"D{i}", name=f"Directorate {i}", parent=council)
        for i in range(5)
    ]
    services = [
        OrgUnit.objects.create(kind="service", code=f"S{i}", name=f"Service {i}", parent=directorates[i % 5])
        for i in range(40)
    ]
    teams = [
        OrgUnit.objects.create(kind="team", code=f"T{i}", name=f"Team {i}", parent=services[i % 40]) for i in range(200)
    ]
    admin = User.objects.create(username="admin", last_name="Admin")
    RoleAssignment.objects.create(user=admin, role=Role.PERFORMANCE_ADMIN)
    people = User.objects.bulk_create(
        [
            User(
                username=f"person{i}",
                first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
                last_name=f"Surname{i:05d}",
                email=f"person{i}@council.example",
                job_title=JOBS[i % len(JOBS)],
                org_unit=teams[i % 200],
            )
            for i in range(PEOPLE)
        ],
        batch_size=2_000,
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=people[i], role=Role.SERVICE_LEAD, org_unit=services[i % 40]) for i in range(400)]
    )
    return admin, people


def main() -> None:
    configure()

    def run(_bench: str) -> None:
        admin, people = seed()
        client = signed_in_client(admin)
        print_table(
            [
                ("trivial page (accessibility statement)", timed(client, "/accessibility/")),
                ("people, first page (15,000 people, 50 a page)", timed(client, "/people/")),
                ("people, page 250", timed(client, "/people/?page=250")),
                ("people, search 'priya analyst'", timed(client, "/people/?q=priya+analyst")),
                ("a person's page (a service lead)", timed(client, f"/people/{people[0].pk}/")),
            ]
        )

    with_bench_database(run)


if __name__ == "__main__":
    main()
