"""Moving in: the organisation and 2,000 people from HR files (5 directorates, 40 services, 200
teams, with heads and line managers), then next month's file with 40 joiners, 30 movers and 25
leavers. Prints how long checking and planning, and applying, take and the queries each needs,
through the imports' own ``check_file``, ``plan_people`` and ``apply_import`` (what the pages
and ``manage.py import_people`` call), and the preview and apply pages for the Excel file.

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/postgres .venv/bin/python benchmarks/hr_import.py

It makes and drops its own database (``<name>_bench``). The files are the tests' own
(``tests/hr_files.py``).
"""

from __future__ import annotations

import re
import time

from common import configure, with_bench_database


def run(_database: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import OrgUnit, Role, RoleAssignment, User
    from core.imports import apply_import, check_file
    from organisation.hr import PEOPLE, UNITS, plan_people
    from tests import hr_files

    OrgUnit.objects.create(kind="council", code="C", name="Council")
    admin = User.objects.create(username="admin", last_name="Admin")
    RoleAssignment.objects.create(user=admin, role=Role.PERFORMANCE_ADMIN)
    files = hr_files.council()
    apply_import(by=admin, kind=UNITS, checked=check_file(UNITS, SimpleUploadedFile("u.csv", files.units_csv())))

    def measured(what: str, data: bytes) -> None:
        with CaptureQueriesContext(connection) as checking:
            started = time.perf_counter()
            checked = check_file(PEOPLE, SimpleUploadedFile("p.csv", data))
            plan = plan_people(checked.rows)
            check_seconds = time.perf_counter() - started
        assert not checked.problems, checked.problems[:3]
        with CaptureQueriesContext(connection) as applying:
            started = time.perf_counter()
            apply_import(by=admin, kind=PEOPLE, checked=checked)
            apply_seconds = time.perf_counter() - started
        changes = f"{len(plan.joiners)} joiners, {len(plan.movers)} movers, {len(plan.leavers)} leavers"
        print(
            f"{what:28} {check_seconds:8.2f} {apply_seconds:8.2f} {len(checking.captured_queries):8d} "
            f"{len(applying.captured_queries):8d}  ({changes})"
        )

    print(f"{'people file':28} {'check s':>8} {'apply s':>8} {'check q':>8} {'apply q':>8}")
    measured("2,000 people, first load", files.people_csv())
    later, _ = hr_files.next_month(files, joiners=40, movers=30, leavers=25)
    measured("next month", later.people_csv())

    # The pages, from the Excel file, in a council that has only its units.
    User.objects.exclude(pk=admin.pk).delete()
    client = Client()
    client.force_login(admin)
    started = time.perf_counter()
    preview = client.post(
        reverse("organisation:import-upload", args=["people"]),
        {"file": SimpleUploadedFile("people.xlsx", files.people_xlsx())},
    )
    previewed = time.perf_counter() - started
    page = preview.content.decode()
    held = {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1) for name in ("token", "digest")}
    started = time.perf_counter()
    client.post(reverse("organisation:import-apply", args=["people"]), held)
    print(f"pages, 2,000 people from Excel: preview {previewed:.2f} s, apply {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    configure()
    with_bench_database(run)
