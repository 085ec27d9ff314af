"""Returns at scale: 2,000 KPIs, an open period with a return each, last year's approved values
and targets. Prints, in one run:

1. the latency of "My returns", the review queue and the data dictionary list against a
   trivial page (ratios), with their query counts;
2. quarter end, through a real gunicorn server on loopback, with 40 service leads signed in
   through the real sign-in form before any timing (Argon2 is not counted). Each return's
   draft is saved three times, then submitted, through the real form with its CSRF token,
   following the redirect as a browser does. First the sustained rate: people working as fast
   as the server answers, for ``--saturate`` seconds; steps a second, per core, and the CPU
   the web server, the database server and the load generator each spent. Then half that
   rate sent on a fixed timetable for ``--seconds`` (60): p50/p95/p99 from each step's
   scheduled send time, errors, and every accepted write checked in the database (value,
   state and revision). Goal: p95 at most 300 ms, no errors, nothing missing.

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/pmf .venv/bin/python benchmarks/returns.py
    ... benchmarks/returns.py --quarter-end-only --seconds 10   # a quick run of part 2

It makes and drops its own database (``<name>_bench``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from common import configure, print_table, signed_in_client, timed, with_bench_database
from load import Server, Session, own_cpu, percentile, postmaster_pid, process_cpu

KPIS = 2_000
SERVICES = 40
GOAL_P95_MS = 300
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


#: Quarter end, for one return: a draft saved a few times as the figure and commentary
#: settle, then submitted. Each step is a real change of state (the revision moves on).
STEPS = ("save", "save", "save", "submit")
CONFIRMS = {"save": "saved as a draft", "submit": "submitted for review"}


@dataclass
class Ledger:
    """What the service accepted, return by return, to check against the database after."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: dict = field(default_factory=dict)  # return pk → [saves, submits, last value]
    errors: list = field(default_factory=list)

    def accept(self, pk: int, action: str, value: Decimal) -> None:
        with self.lock:
            saves, submits, _ = self.accepted.get(pk, (0, 0, None))
            self.accepted[pk] = (saves + (action == "save"), submits + (action == "submit"), value)

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def writes(self) -> int:
        return sum(saves + submits for saves, submits, _ in self.accepted.values())

    def missing(self) -> int:
        """Accepted writes not in the database as sent: the last value, the state, and the
        revision (one a save, two a submission: save then submit) must all agree."""
        from kpis.models import KpiReturn, ReturnState

        stored = {r.pk: r for r in KpiReturn.objects.filter(pk__in=self.accepted)}
        wrong = 0
        for pk, (saves, submits, value) in self.accepted.items():
            row = stored.get(pk)
            state = ReturnState.SUBMITTED if submits else ReturnState.DRAFT
            if row is None or row.value != value or row.state != state or row.revision != saves + 2 * submits:
                wrong += saves + submits
        return wrong


@dataclass
class Work:
    """The open period's returns in order (consecutive ones in different services), a
    signed-in service lead for each service, and the form's fields."""

    returns: list  # (pk, service index)
    sessions: dict  # service index → Session
    fields: dict

    def step(self, index: int, step: int, ledger: Ledger) -> tuple[float, float] | None:
        pk, service = self.returns[index]
        action = STEPS[step]
        value = Decimal(f"{70 + index % 15}.{step + 1}")
        path = f"/returns/{pk}/"
        fields = self.fields | {"value": str(value), "revision": str(step), "action": action}
        try:
            times = self.sessions[service].act(
                path, fields, path if action == "save" else "/returns/", CONFIRMS[action]
            )
        except Exception as error:  # noqa: BLE001 - every failure is counted and reported
            ledger.fail(f"return {pk} step {step + 1} ({action}): {error}")
            return None
        ledger.accept(pk, action, value)
        return times


def reset_returns(period) -> None:
    """Every return of the open period back to not started, so each step is a real change."""
    from kpis.models import KpiReturn, ReturnState

    KpiReturn.objects.filter(period=period).update(
        state=ReturnState.NOT_STARTED, value=None, revision=0, commentary="", data_quality={}
    )


def form_fields() -> dict:
    """The return form's fields as a service lead fills them in: the figure, commentary, and
    every data quality dimension met. Taken from the form itself, so a new field shows up."""
    from kpis.forms import ReturnForm
    from kpis.models import KpiReturn

    form = ReturnForm(kpi_return=KpiReturn.objects.select_related("kpi", "version").first())
    fields = {name: "" for name in form.fields if name not in {"confirm_unusual"}}
    fields |= {name: "yes" for name in fields if name.startswith("dq_") and not name.endswith("_why")}
    return fields | {"commentary": "Ahead of last year; the new triage rota has bedded in."}


class Cpu:
    """CPU seconds spent by the web server, the database and this load generator between
    ``start`` and ``stop``, with the load average. The database's share is what the backends
    of the benchmark's database spent: exact while the web processes keep their connections
    (``CONN_MAX_AGE``, the default). With ``CONN_MAX_AGE=0`` each request's backend has ended
    before it can be read, so the backends the server reaped meanwhile are added: on a shared
    server that includes other databases' work, an upper bound."""

    def __init__(self, server: Server, postmaster: int | None, bench: str):
        from django.conf import settings

        kept = settings.DATABASES["default"]["CONN_MAX_AGE"] != 0
        self.server, self.postmaster, self.bench = server, None if kept else postmaster, bench

    def backends(self) -> dict[int, float]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.bench])
            return {pid: process_cpu(pid) for (pid,) in cursor.fetchall()}

    def read(self) -> tuple:
        reaped = 0.0
        if self.postmaster:
            reaped = process_cpu(self.postmaster, reaped_children=True) - process_cpu(self.postmaster)
        return time.perf_counter(), self.server.cpu(), self.backends(), reaped, own_cpu()

    def start(self) -> None:
        self.began = self.read()
        self.load = os.getloadavg()[0]

    def stop(self) -> dict:
        wall, web, backends, reaped, generator = self.read()
        wall0, web0, backends0, reaped0, generator0 = self.began
        live = sum(cpu - backends0.get(pid, 0.0) for pid, cpu in backends.items())
        return {
            "wall": wall - wall0,
            "web": web - web0,
            "database": live + reaped - reaped0,
            "generator": generator - generator0,
            "load": (self.load, os.getloadavg()[0]),
        }


def uncontended(work: Work, ledger: Ledger, returns: range) -> tuple[float, float]:
    """One person alone: every step of a few returns, one after another; median (post, page) ms."""
    times = [work.step(index, step, ledger) for index in returns for step in range(len(STEPS))]
    times = [t for t in times if t]
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def closed_loop(work: Work, ledger: Ledger, cpu: Cpu, *, clients: int, seconds: float) -> dict:
    """``clients`` people working as fast as the server answers, each through the returns of
    their own services, for ``seconds``: the most the server sustains."""
    services = sorted(work.sessions)
    stop_at = time.perf_counter() + seconds
    done: list[float] = []

    def client(number: int) -> None:
        mine = [i for i, (_, service) in enumerate(work.returns) if services.index(service) % clients == number]
        for index in mine:
            for step in range(len(STEPS)):
                if time.perf_counter() >= stop_at:
                    return
                if work.step(index, step, ledger) is None:
                    break
                done.append(time.perf_counter())

    cpu.start()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, stop_at - time.perf_counter()))
    spent = cpu.stop()
    for thread in threads:
        thread.join(timeout=300)
    completed = sum(1 for t in done if t <= stop_at)
    return spent | {"completed": completed, "rate": completed / spent["wall"]}


def open_loop(work: Work, ledger: Ledger, cpu: Cpu, *, rate: float, seconds: float, first: int) -> dict:
    """Steps sent on a fixed timetable at ``rate`` a second, whether or not earlier ones have
    come back, for ``seconds``. Each step's time runs from when the timetable said to send it,
    so a server falling behind shows as latency (no coordinated omission). A return's steps
    are ``window`` slots apart (about five seconds); a step still waiting for the one before
    it on the same return waits on the clock."""
    total = int(rate * seconds)
    window = max(len(work.sessions), round(rate * 5))
    slots = []
    for slot in range(total):
        block, within = divmod(slot, window * len(STEPS))
        slots.append((first + block * window + within % window, within // window))
    if max(index for index, _ in slots) >= len(work.returns):
        raise SystemExit(f"not enough returns for {total} steps at {rate:.1f}/s: shorten the run")
    finished = {slot: threading.Event() for slot in range(total)}
    slot_of = {key: slot for slot, key in enumerate(slots)}
    latency: list[float] = []
    posted: list[float] = []
    late: list[float] = []
    lock = threading.Lock()

    def send(slot: int, due: float) -> None:
        index, step = slots[slot]
        try:
            if step:
                finished[slot_of[(index, step - 1)]].wait(timeout=300)
            late.append(time.perf_counter() - due)
            times = work.step(index, step, ledger)
            if times:
                whole = (time.perf_counter() - due) * 1000
                with lock:
                    latency.append(whole)
                    posted.append(whole - times[1] + times[0])  # the same wait, to the redirect only
        finally:
            finished[slot].set()

    pool = ThreadPoolExecutor(max_workers=128)
    cpu.start()
    began = time.perf_counter()
    for slot in range(total):
        due = began + slot / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        pool.submit(send, slot, due)
    pool.shutdown(wait=True)
    spent = cpu.stop()
    return spent | {
        "sent": total,
        "rate": rate,
        "p50": percentile(latency, 0.50),
        "p95": percentile(latency, 0.95),
        "p99": percentile(latency, 0.99),
        "post_p95": percentile(posted, 0.95),
        "late": max(late) * 1000 if late else 0.0,
        "completed": len(latency),
    }


def quarter_end(bench: str, period, *, seconds: float, saturate: float, workers: int, clients: int) -> None:
    """The sustained rate of saves and submissions a core handles, then p95 at half that rate
    held for ``seconds``, through a real gunicorn server on loopback."""
    from django.conf import settings
    from django.db import connection

    from kpis.models import KpiReturn

    db = settings.DATABASES["default"]
    returns = list(
        KpiReturn.objects.filter(period=period).order_by("kpi__code").values_list("pk", "kpi__owning_service_id")
    )
    leads = {}
    for kpi_return in KpiReturn.objects.filter(period=period).select_related("kpi__owner").order_by("kpi__code"):
        leads.setdefault(kpi_return.kpi.owning_service_id, (kpi_return.kpi.owner.username, kpi_return.pk))
    fields = form_fields()
    with Server(f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{bench}", workers=workers) as server:
        # Sign-ins (Argon2) before any timing: one service lead for each service.
        sessions = {
            service: Session(server.base).sign_in(username, PASSWORD, f"/returns/{pk}/")
            for service, (username, pk) in leads.items()
        }
        work = Work(returns, sessions, fields)
        cpu = Cpu(server, postmaster_pid(connection), bench)
        alone_post, alone = uncontended(work, ledger := Ledger(), range(5))
        alone_wrong = ledger.missing() + len(ledger.errors)
        reset_returns(period)
        saturated = closed_loop(work, ledger := Ledger(), cpu, clients=clients, seconds=saturate)
        checked_closed = (ledger.writes(), ledger.missing() + alone_wrong, len(ledger.errors))
        reset_returns(period)
        ledger = Ledger()
        half = open_loop(work, ledger, cpu, rate=saturated["rate"] / 2, seconds=seconds, first=0)
        missing = ledger.missing()
    report(
        alone=(alone_post, alone),
        saturated=saturated,
        checked_closed=checked_closed,
        half=half,
        open_checked=(ledger.writes(), missing, ledger.errors),
        workers=workers,
        clients=clients,
    )


def report(*, alone, saturated, checked_closed, half, open_checked, workers, clients) -> None:
    from django.conf import settings

    kept = settings.DATABASES["default"]["CONN_MAX_AGE"]
    cores = os.cpu_count()
    alone_post, alone_page = alone
    writes, missing, errors = open_checked
    server_cpu = saturated["web"] + saturated["database"]
    rows = [
        ("cores on this machine (the server, the database and the load generator share them)", f"{cores}", ""),
        ("web server", f"gunicorn, {workers} sync workers, CONN_MAX_AGE={kept}", ""),
        ("a step alone, uncontended: post → redirect (ms, median)", f"{alone_post:.0f}", ""),
        ("a step alone, uncontended: post + the page after it (ms, median)", f"{alone_page:.0f}", "1.0"),
        (f"saturated: {clients} people as fast as answered, steps completed", f"{saturated['completed']}", ""),
        ("saturated: steps a second (3 saves : 1 submission)", f"{saturated['rate']:.1f}", ""),
        ("saturated: steps a second per core", f"{saturated['rate'] / cores:.1f}", f"÷ {cores}"),
        (
            "saturated: CPU s — web server / database server / load generator",
            f"{saturated['web']:.1f} / {saturated['database']:.1f} / {saturated['generator']:.1f}",
            f"of {saturated['wall'] * cores:.0f} core-s",
        ),
        (
            "saturated: steps per CPU-second of web + database (one core's rate)",
            f"{saturated['completed'] / server_cpu:.1f}" if server_cpu else "n/a",
            "",
        ),
        (
            "saturated: CPU ms a step — web / database",
            f"{saturated['web'] * 1000 / max(1, saturated['completed']):.1f} / "
            f"{saturated['database'] * 1000 / max(1, saturated['completed']):.1f}",
            "",
        ),
        ("saturated: accepted writes, missing from the database, errors", "{} / {} / {}".format(*checked_closed), ""),
        ("saturated: load average (1 min) at the start / end", "{:.2f} / {:.2f}".format(*saturated["load"]), ""),
        ("half rate: steps a second on a fixed timetable", f"{half['rate']:.1f}", "0.5"),
        ("half rate: held for (s)", f"{half['wall']:.0f}", ""),
        ("half rate: steps sent / completed", f"{half['sent']} / {half['completed']}", ""),
        (
            "half rate: p50 (ms from the timetable's send time to the page)",
            f"{half['p50']:.0f}",
            f"{half['p50'] / alone_page:.1f}",
        ),
        ("half rate: p95", f"{half['p95']:.0f}", f"{half['p95'] / alone_page:.1f}"),
        ("half rate: p99", f"{half['p99']:.0f}", f"{half['p99'] / alone_page:.1f}"),
        ("half rate: p95 to the redirect alone", f"{half['post_p95']:.0f}", f"{half['post_p95'] / alone_post:.1f}"),
        ("half rate: latest start behind the timetable (ms)", f"{half['late']:.0f}", ""),
        ("half rate: errors", f"{len(errors)}", ""),
        ("half rate: accepted writes / missing or different in the database", f"{writes} / {missing}", ""),
        (
            "half rate: CPU s — web server / database server / load generator",
            f"{half['web']:.1f} / {half['database']:.1f} / {half['generator']:.1f}",
            f"of {half['wall'] * cores:.0f} core-s",
        ),
        ("half rate: load average (1 min) at the start / end", "{:.2f} / {:.2f}".format(*half["load"]), ""),
    ]
    print("\nquarter end: saving and submitting returns through the real forms on loopback")
    print(f"{'figure':88} {'result':>22} {'ratio':>14}")
    for name, value, ratio in rows:
        print(f"{name:88} {value:>22} {ratio:>14}")
    met = half["p95"] <= GOAL_P95_MS and not errors and not missing
    print(
        f"goal (p95 ≤ {GOAL_P95_MS} ms at half the sustained rate, no errors, every write present): "
        f"{'met' if met else 'NOT met'}"
    )
    for error in errors[:5]:
        print("  error:", error)


def run(bench: str, options) -> None:
    cmt, lead, owners, period = seed()
    if not options.quarter_end_only:
        in_process(cmt, lead, owners)
    reset_returns(period)
    quarter_end(
        bench,
        period,
        seconds=options.seconds,
        saturate=min(options.saturate, options.seconds),
        workers=options.workers,
        clients=options.clients,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="how long half the rate is held (default 60)")
    parser.add_argument("--saturate", type=float, default=25, help="how long the saturating run lasts (default 25)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3, as deployed)")
    parser.add_argument("--clients", type=int, default=12, help="people working flat out when saturating")
    parser.add_argument("--quarter-end-only", action="store_true", help="skip the in-process page timings")
    options = parser.parse_args()
    configure()
    with_bench_database(lambda bench: run(bench, options))
