"""Shared fixtures: a small organisation, one person per role, and a signed-in client each.

The organisation has two directorates so every scoped role has something out of scope:

    council C
    ├── directorate D1 ── service S1 ── team T1
    └── directorate D2 ── service S2 ── team T2
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass

import pytest
from django.test import Client, override_settings

from accounts.models import OrgUnit, OrgUnitKind, Role, User
from accounts.policy import SYSTEM
from planning.models import CicObjective, Risk
from tests.factories import (
    CouncilPlanFactory,
    ObjectiveFactory,
    OrgUnitFactory,
    PlanNodeFactory,
    RoleAssignmentFactory,
    UnitPlanFactory,
    UserFactory,
)
from tests.oidc_provider.fixtures import oidc_provider, single_sign_on  # noqa: F401 - shared fixtures

#: Every persona the permission matrix tries, in a stable order.
PERSONAS = (
    "anonymous",
    "no_role",
    "performance_admin",
    "cmt",
    "cabinet",
    "scrutiny",
    "directorate_lead",
    "service_lead",
)


@dataclass
class World:
    council: OrgUnit
    d1: OrgUnit
    d2: OrgUnit
    s1: OrgUnit
    s2: OrgUnit
    t1: OrgUnit
    t2: OrgUnit
    people: dict[str, User]
    plan: object
    thread: dict
    kpis: dict


def _risk(unit, title: str, likelihood: int, impact: int, *, owner=None) -> Risk:
    """A service risk scored the same at every stage (the fixture's two plain risks)."""
    scores = {
        f"{stage}_{part}": value
        for stage in ("inherent", "current", "target")
        for part, value in (("likelihood", likelihood), ("impact", impact))
    }
    return Risk.objects.create(unit=unit, title=title, event=title, owner=owner, **scores)


@pytest.fixture
def world(_world_source, db) -> World:
    """The world, built once and shared by consecutive tests (each rolled back to it), or,
    for a test whose transactions commit, built afresh in its own database."""
    return _world_source() if callable(_world_source) else copy.deepcopy(_world_source)


@pytest.fixture
def _world_source(request, _shared_world: SharedWorld):
    """Resolved before ``db``, so the shared world's transaction is opened beneath the test's."""
    if uses_transactions(request.node):
        return build_world
    return _shared_world.open() or build_world


class SharedWorld:
    """One world for many tests: Django's ``setUpTestData`` pattern across test functions.

    The world is built inside a transaction that stays open; each test's own transaction
    nests in it as a savepoint and is rolled back, so every test starts from the world as
    built, and gets its own deep copy of the Python objects (as ``setUpTestData`` gives).
    Before a test that would see the world's rows without asking for them, or that needs
    real commits, ``pytest_runtest_setup`` rolls the world back; the next test that asks
    for it builds it again.
    """

    def __init__(self) -> None:
        self.blocker = None
        self.world: World | None = None
        self.atomic = None

    def open(self) -> World | None:
        """The shared world, built now if need be; None when the test's own transaction has
        already begun (something asked for the database first) and it must build its own."""
        from django.db import connection

        if self.world is not None:
            return self.world
        with self.blocker.unblock():
            if connection.in_atomic_block:
                return None
            self.atomic = begin_outer_transaction()
            try:
                self.world = build_world()
            except BaseException:
                self.close()
                raise
        return self.world

    def close(self) -> None:
        """Roll the world back, leaving the database as empty as every test expects."""
        if self.atomic is None:
            return
        with self.blocker.unblock():
            roll_back_outer_transaction(self.atomic)
        self.world = self.atomic = None


def begin_outer_transaction():
    """A transaction for data that many tests share; each test's own nests in it."""
    from django.db import transaction

    atomic = transaction.atomic()
    atomic._from_testcase = True  # as TestCase's own blocks: a service's durable block nests in it
    atomic.__enter__()
    return atomic


def roll_back_outer_transaction(atomic) -> None:
    from django.db import transaction

    transaction.set_rollback(True)
    atomic.__exit__(None, None, None)


@contextlib.contextmanager
def shared_by_the_module(django_db_blocker):
    """For a module-scoped fixture: what it makes in the block (under ``unblock()``) is seen
    by each of the module's tests, each rolled back to it, and is rolled back after the last:
    Django's ``setUpTestData``. Not for a module with tests whose transactions commit."""
    with django_db_blocker.unblock():
        atomic = begin_outer_transaction()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            roll_back_outer_transaction(atomic)


SHARED_WORLD = SharedWorld()


@pytest.fixture(scope="session")
def _shared_world(django_db_setup, django_db_blocker):
    SHARED_WORLD.blocker = django_db_blocker
    yield SHARED_WORLD
    SHARED_WORLD.close()  # before the test database is dropped


DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server", "django_db_reset_sequences"})


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(item.fixturenames)


def uses_transactions(item) -> bool:
    """The rule pytest-django uses to give a test a transactional database."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return not {"transactional_db", "live_server", "django_db_reset_sequences"}.isdisjoint(item.fixturenames)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Roll the shared world back before a test that uses the database without sharing it."""
    shares = "world" in item.fixturenames and not uses_transactions(item)
    if SHARED_WORLD.world is not None and uses_database(item) and not shares:
        SHARED_WORLD.close()


def build_world() -> World:
    council = OrgUnitFactory(kind=OrgUnitKind.COUNCIL, code="C", name="Test Council")
    d1 = OrgUnitFactory(kind=OrgUnitKind.DIRECTORATE, code="D1", name="Directorate One", parent=council)
    d2 = OrgUnitFactory(kind=OrgUnitKind.DIRECTORATE, code="D2", name="Directorate Two", parent=council)
    s1 = OrgUnitFactory(kind=OrgUnitKind.SERVICE, code="S1", name="Service One", parent=d1)
    s2 = OrgUnitFactory(kind=OrgUnitKind.SERVICE, code="S2", name="Service Two", parent=d2)
    t1 = OrgUnitFactory(kind=OrgUnitKind.TEAM, code="T1", name="Team One", parent=s1)
    t2 = OrgUnitFactory(kind=OrgUnitKind.TEAM, code="T2", name="Team Two", parent=s2)

    people = {"no_role": UserFactory(username="no_role", org_unit=t1)}
    for role in (Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.SCRUTINY):
        people[role.value] = RoleAssignmentFactory(user__username=role.value, role=role).user
    people["directorate_lead"] = RoleAssignmentFactory(
        user__username="directorate_lead", role=Role.DIRECTORATE_LEAD, org_unit=d1
    ).user
    people["service_lead"] = RoleAssignmentFactory(
        user__username="service_lead", role=Role.SERVICE_LEAD, org_unit=s1
    ).user
    people["no_role"].line_manager = people["service_lead"]
    people["no_role"].save()

    plan = CouncilPlanFactory(title="Council Plan 2025-29")
    priority = PlanNodeFactory(plan=plan, code="P1", title="Economic growth")
    outcome = PlanNodeFactory(plan=plan, code="O1", title="Skills", parent=priority)
    PlanNodeFactory(plan=plan, code="M1", title="More apprenticeships", parent=outcome)
    people["service_lead"].org_unit = s1
    people["service_lead"].save()
    people["directorate_lead"].org_unit = d1
    people["directorate_lead"].save()
    d2_person = UserFactory(username="d2.person", org_unit=d2)
    s2_person = UserFactory(username="s2.person", org_unit=s2)
    plans = {code: UnitPlanFactory(unit=unit) for code, unit in (("D1", d1), ("S1", s1), ("D2", d2), ("S2", s2))}
    d1_objective = ObjectiveFactory(plan=plans["D1"], owner=people["directorate_lead"], council_plan_node=priority)
    d2_objective = ObjectiveFactory(plan=plans["D2"], owner=d2_person, council_plan_node=priority)
    s1_objective = ObjectiveFactory(plan=plans["S1"], owner=people["service_lead"], parent_objective=d1_objective)
    s2_objective = ObjectiveFactory(plan=plans["S2"], owner=s2_person, parent_objective=d2_objective)
    thread = {
        "priority": priority,
        "plans": plans,
        "d1_objective": d1_objective,
        "d2_objective": d2_objective,
        "s1_objective": s1_objective,
        "s2_objective": s2_objective,
        "risk_s1": _risk(s1, "Staff turnover", 3, 4, owner=people["service_lead"]),
        "risk_s2": _risk(s2, "Budget pressure", 4, 4, owner=s2_person),
        "cic": CicObjective.objects.create(
            employee=people["no_role"], objective=s1_objective, title="Learn SQL", status="on_track"
        ),
    }
    world = World(council, d1, d2, s1, s2, t1, t2, people, plan, thread, {})
    world.kpis = build_kpis(world, s2_person)
    return world


def build_reports(world: World, period) -> dict:
    """A published report for an earlier period and a draft for the open one, each with a PDF
    (a stand-in file: the matrix checks who may fetch it, not what it holds)."""
    import hashlib

    from django.utils import timezone

    from kpis.services.periods import period_create
    from reporting.content import build, digest
    from reporting.models import PdfBuild, ReportFile, Snapshot

    earlier = period_create(by=SYSTEM, year=2018, quarter=4, historic=True)
    made = {}
    for key, on, kind in (("published", earlier, "published"), ("draft", period, "draft")):
        content = build(on, kind=kind, status_label=kind)
        snapshot = Snapshot.objects.create(
            period=on, kind=kind, as_at=timezone.now(), status_label=kind, content=content, sha256=digest(content)
        )
        PdfBuild.objects.create(snapshot=snapshot, state="done", files_total=1, files_done=1)
        data = f"%PDF-1.7 {kind} stand-in".encode()
        made[f"{key}_snapshot"] = snapshot
        made[f"{key}_file"] = ReportFile.objects.create(
            snapshot=snapshot,
            kind="pack",
            key="pack",
            title="Pack",
            pdf=data,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )
    return made


def build_kpis(world: World, s2_person) -> dict:
    """A KPI in each directorate, an open period with their returns, and an escalation each."""
    import datetime

    from kpis.models import Escalation, PeriodState, ReportingPeriod
    from kpis.services.dictionary import breakdown_set, kpi_create
    from kpis.services.returns import return_for

    version = {"calculation_method": "Cases closed in time", "unit": "percentage", "polarity": "higher"}
    kpi_s1 = kpi_create(
        by=SYSTEM,
        code="S1-01",
        effective_from=datetime.date(2020, 4, 1),
        version=version,
        title="Cases closed in time (Service One)",
        definition="Share of cases closed within 20 working days",
        owning_service=world.s1,
        owner=world.people["service_lead"],
    )
    kpi_s2 = kpi_create(
        by=SYSTEM,
        code="S2-01",
        effective_from=datetime.date(2020, 4, 1),
        version=version,
        title="Cases closed in time (Service Two)",
        definition="Share of cases closed within 20 working days",
        owning_service=world.s2,
        owner=s2_person,
    )
    period = ReportingPeriod.objects.create(
        year=2025, quarter=2, state=PeriodState.OPEN, **ReportingPeriod.default_dates(2025, 2)
    )
    ward = breakdown_set(by=SYSTEM, kpi=kpi_s1, name="Ward", categories=["North", "South"])
    escalation = {
        code: Escalation.objects.create(
            kpi=kpi,
            period=period,
            raised_by=world.people["performance_admin"],
            reason=f"{code} off track",
            actions="Recovery plan",
            owner=kpi.owner,
            due_date=datetime.date(2025, 12, 31),
        )
        for code, kpi in (("S1", kpi_s1), ("S2", kpi_s2))
    }
    reports = build_reports(world, period)
    return {
        **reports,
        "s1": kpi_s1,
        "s2": kpi_s2,
        "period": period,
        "breakdown_s1": ward,
        "return_s1": return_for(kpi_s1, period),
        "return_s2": return_for(kpi_s2, period),
        "escalation_s1": escalation["S1"],
        "escalation_s2": escalation["S2"],
    }


def client_for(world: World, persona: str) -> Client:
    """A test client signed in as the persona (or anonymous)."""
    client = Client()
    if persona != "anonymous":
        client.force_login(world.people[persona], backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def clients(world) -> dict[str, Client]:
    return {persona: client_for(world, persona) for persona in PERSONAS}


#: Production's hashers with Argon2 at its least cost first (tests/hashers.py says why).
QUICK_PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _test_speed_settings():
    """Settings that cost the tests minutes and test nothing:

    - Argon2 at its least cost (tests/hashers.py).
    - WhiteNoise finds a static file when it is asked for, instead of listing every static
      file up front. It lists them whenever Django builds its middleware, which a test
      client does for itself: with the finders the tests serve static files through (no
      ``collectstatic``), that was 60 ms for each of the suite's thousands of clients. The
      files served, and their headers, are the same either way.
    - No dashboard warm queued after each commit: the suite's commits would queue warms in
      the tests' Redis for whichever real worker a later test starts, which then works
      through them first. The tests of warming turn it on (tests/reporting/test_shared_cache.py).
    """
    with override_settings(
        PASSWORD_HASHERS=QUICK_PASSWORD_HASHERS, WHITENOISE_AUTOREFRESH=True, PMF_WARM_DASHBOARDS=False
    ):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: database ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (``--dist loadgroup``) each worker has its own test database and
    Redis database, so tests run on any worker, except those that start ``run.py serve``
    against the one database the test command names (``service_urls``): two at once would
    migrate it together, so they keep to one worker, one at a time."""
    for item in items:
        if "service_urls" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group("run-py-serve"))
