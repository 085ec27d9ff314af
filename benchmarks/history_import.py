"""Moving in: five years of quarterly history for twenty KPIs (400 rows), into a council with
no reporting periods. Prints how long checking and applying the data dictionary, the targets
and the history take, and the queries each needs, through the imports' own ``check_file`` and
``apply_import`` (what the import page and ``manage.py import_kpi_data`` call).

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/postgres .venv/bin/python benchmarks/history_import.py

It makes and drops its own database (``<name>_bench``). The files are the tests' own
(``tests/history_files.py``).
"""

from __future__ import annotations

import time

from common import configure, with_bench_database


def run(_database: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import OrgUnit, Role, RoleAssignment, User
    from kpis.imports import KINDS, apply_import, check_file
    from kpis.models import KpiReturn, ReportingPeriod
    from tests import history_files

    council = OrgUnit.objects.create(kind="council", code="C", name="Council")
    directorate = OrgUnit.objects.create(kind="directorate", code="D", name="Directorate", parent=council)
    for code in ("S1", "S2"):
        OrgUnit.objects.create(kind="service", code=code, name=f"Service {code}", parent=directorate)
    admin = User.objects.create(username="admin", last_name="Admin")
    RoleAssignment.objects.create(user=admin, role=Role.PERFORMANCE_ADMIN)
    User.objects.create(username="owner", last_name="Owner")
    files = history_files.build(services=["S1", "S2"], owners=["owner"])

    print(f"{'file':12} {'rows':>5} {'check s':>8} {'apply s':>8} {'check q':>8} {'apply q':>8}")
    for kind, text in (("dictionary", files.dictionary), ("targets", files.targets), ("values", files.history)):
        upload = SimpleUploadedFile(f"{kind}.csv", text.encode(), content_type="text/csv")
        with CaptureQueriesContext(connection) as checking:
            started = time.perf_counter()
            checked = check_file(KINDS[kind], upload)
            check_seconds = time.perf_counter() - started
        assert checked.problems == [], checked.problems[:3]
        with CaptureQueriesContext(connection) as applying:
            started = time.perf_counter()
            applied = apply_import(by=admin, kind=KINDS[kind], checked=checked)
            apply_seconds = time.perf_counter() - started
        print(
            f"{kind:12} {applied:5d} {check_seconds:8.2f} {apply_seconds:8.2f} "
            f"{len(checking.captured_queries):8d} {len(applying.captured_queries):8d}"
        )
    print(
        f"historic periods made: {ReportingPeriod.objects.filter(historic=True).count()}; "
        f"returns: {KpiReturn.objects.count()}"
    )


if __name__ == "__main__":
    configure()
    with_bench_database(run)
