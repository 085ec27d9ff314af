"""Returns at scale: 2,000 KPIs, an open period with a return each, last year's approved values
and targets. Prints, in one run:

1. the latency of "My returns", the review queue and the data dictionary list against a
   trivial page (ratios), with their query counts;
2. a concurrent run on loopback: 200 service leads, each on their own session, open their
   return, save it and submit it at once through a real gunicorn server; p50/p95 latency,
   errors, and a check that every accepted write is in the database.

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/pmf .venv/bin/python benchmarks/returns.py

It makes and drops its own database (``<name>_bench``).
"""

from __future__ import annotations

import datetime
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from decimal import Decimal

from common import ROOT, configure, print_table, signed_in_client, timed, with_bench_database

KPIS = 2_000
SERVICES = 40
CONCURRENT_USERS = 200
PASSWORD = "benchmark-password"


def seed():
    from django.contrib.auth.hashers import make_password

    from accounts.models import OrgUnit, Role, RoleAssignment, User
    from kpis.models import Kpi, KpiReturn, KpiVersion, PeriodState, ReportingPeriod, ReturnState, Target
    from kpis.data_periods import new_return

    started = time.perf_counter()
    password = make_password(PASSWORD)
    council = OrgUnit.objects.create(kind="council", code="C", name="Council")
    directorate = OrgUnit.objects.create(kind="directorate", code="D", name="Directorate", parent=council)
    services = [
        OrgUnit.objects.create(kind="service", code=f"S{i}", name=f"Service {i}", parent=directorate)
        for i in range(SERVICES)
    ]
    cmt = User.objects.create(username="cmt", password=password, last_name="CMT")
    RoleAssignment.objects.create(user=cmt, role=Role.CMT)
    lead = User.objects.create(username="lead", password=password, last_name="Lead")
    RoleAssignment.objects.create(user=lead, role=Role.DIRECTORATE_LEAD, org_unit=directorate)
    owners = User.objects.bulk_create(
        [User(username=f"owner{i}", password=password, last_name=f"Owner {i}") for i in range(KPIS)]
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=owner, role=Role.SERVICE_LEAD, org_unit=services[i % SERVICES])
            for i, owner in enumerate(owners)
        ]
    )
    kpis = Kpi.objects.bulk_create(
        [
            Kpi(
                code=f"K{i:04d}",
                title=f"Measure {i}",
                definition="A benchmark measure",
                owning_service=services[i % SERVICES],
                owner=owners[i],
                decimal_places=1,
                tolerance_type="absolute",
                tolerance_amount=Decimal("2"),
                is_council_plan_measure=bool(i % 3 == 0),
            )
            for i in range(KPIS)
        ]
    )
    versions = KpiVersion.objects.bulk_create(
        [
            KpiVersion(
                kpi=kpi,
                number=1,
                effective_from=datetime.date(2015, 4, 1),
                calculation_method="x",
                unit="percentage",
                polarity="higher",
            )
            for kpi in kpis
        ]
    )
    last = ReportingPeriod.objects.create(
        year=2024, quarter=2, state=PeriodState.CLOSED, **ReportingPeriod.default_dates(2024, 2)
    )
    now = ReportingPeriod.objects.create(
        year=2025, quarter=2, state=PeriodState.OPEN, **ReportingPeriod.default_dates(2025, 2)
    )
    rows = []
    for kpi, version in zip(kpis, versions, strict=True):
        for period, state, value in ((last, ReturnState.APPROVED, Decimal("75")), (now, ReturnState.NOT_STARTED, None)):
            rows.append(
                new_return(
                    kpi,
                    period,
                    version=version,
                    state=state,
                    value=value,
                )
            )
    KpiReturn.objects.bulk_create(rows, batch_size=2000)
    Target.objects.bulk_create(
        [Target(kpi=kpi, for_date=period.end, value=Decimal("80")) for kpi in kpis for period in (last, now)],
        batch_size=2000,
    )
    print(f"seeded {KPIS} KPIs, {KpiReturn.objects.count()} returns in {time.perf_counter() - started:.1f} s")
    return cmt, lead, owners, now


def in_process(cmt, lead, owners) -> None:
    from kpis.models import KpiReturn, PeriodState

    # The review queue is measured with every current return submitted; the concurrent run
    # afterwards starts from "not started" again.
    KpiReturn.objects.filter(period__state=PeriodState.OPEN).update(state="submitted", value=Decimal("78"))
    print_table(
        [
            ("trivial page (accessibility statement)", timed(signed_in_client(cmt), "/accessibility/")),
            ("my returns (a service lead)", timed(signed_in_client(owners[0]), "/returns/")),
            ("review queue (2,000 submitted in scope, 100 a page)", timed(signed_in_client(lead), "/review/")),
            ("data dictionary list (2,000 KPIs, 100 a page)", timed(signed_in_client(cmt), "/kpis/")),
        ]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def concurrent(bench: str, owners, period) -> None:
    from django.conf import settings

    from kpis.models import KpiReturn, ReturnState

    port = free_port()
    env = dict(os.environ)
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{bench}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "pmf.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health/", timeout=2)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.2)
        returns = {r.kpi.owner_id: r.pk for r in KpiReturn.objects.filter(period=period).select_related("kpi")}
        users = owners[:CONCURRENT_USERS]
        latencies: list[float] = []
        errors: list[str] = []
        accepted: dict[int, Decimal] = {}
        barrier = threading.Barrier(len(users), timeout=120)
        lock = threading.Lock()

        def act(index: int, user) -> None:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

            def request(path, data=None, measure=False):
                body = urllib.parse.urlencode(data).encode() if data is not None else None
                req = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})
                begin = time.perf_counter()
                with opener.open(req, timeout=60) as response:  # noqa: S310 - loopback only
                    text = response.read().decode()
                if measure:
                    with lock:
                        latencies.append((time.perf_counter() - begin) * 1000)
                return text

            try:
                page = request("/accounts/sign-in/")
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
                request(
                    "/accounts/sign-in/",
                    {"csrfmiddlewaretoken": token, "username": user.username, "password": PASSWORD},
                )
                path = f"/returns/{returns[user.pk]}/"
                form = request(path)
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
                barrier.wait()
                value = f"{70 + index % 20}.{index % 10}"
                entry = {"csrfmiddlewaretoken": token, "revision": "0", "value": value, "commentary": f"User {index}"}
                saved = request(path, {**entry, "action": "save"}, measure=True)
                submitted = request(path, {**entry, "revision": "1", "action": "submit"}, measure=True)
                if "saved as a draft" not in saved or "submitted for review" not in submitted:
                    raise RuntimeError("the page did not confirm the save and the submission")
                with lock:
                    accepted[returns[user.pk]] = Decimal(value)
            except Exception as error:  # noqa: BLE001 - every failure is counted and reported
                with lock:
                    errors.append(f"{user.username}: {error}")

        started = time.perf_counter()
        threads = [threading.Thread(target=act, args=(i, u)) for i, u in enumerate(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        elapsed = time.perf_counter() - started
        stored = {r.pk: r.value for r in KpiReturn.objects.filter(pk__in=accepted, state=ReturnState.SUBMITTED)}
        missing = [pk for pk, value in accepted.items() if stored.get(pk) != value]
        latencies.sort()
        print(
            f"concurrent: {len(users)} users signed in, then saved and submitted at once: "
            f"{len(latencies)} save/submit requests (whole run {elapsed:.1f} s including Argon2 sign-ins); "
            f"p50 {statistics.median(latencies):.0f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.0f} ms; "
            f"errors {len(errors)}; accepted writes {len(accepted)}, missing from the database {len(missing)}"
        )
        for error in errors[:5]:
            print("  error:", error)
    finally:
        server.terminate()
        server.wait(timeout=20)


def run(bench: str) -> None:
    cmt, lead, owners, period = seed()
    in_process(cmt, lead, owners)
    from kpis.models import KpiReturn

    KpiReturn.objects.filter(period=period).update(state="not_started", value=None, revision=0)
    concurrent(bench, owners, period)


if __name__ == "__main__":
    configure()
    with_bench_database(run)
