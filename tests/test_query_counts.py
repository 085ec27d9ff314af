"""Pages make a fixed number of queries however big the council is. A person whose roles do
not grant `enter_returns` costs one query more on every page: whether they own or deputise a
KPI, which puts "My returns" in their menu."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgUnitKind
from accounts.policy import SYSTEM
from tests.conftest import _risk
from tests.factories import OrgUnitFactory, PlanNodeFactory, UserFactory
from tests.querycount import assert_flat, count_queries


def get_ok(client, url):
    def action():
        response = client.get(url)
        assert response.status_code == 200

    return action


def grow_organisation(world, n=30):
    def grow():
        for i in range(n):
            service = OrgUnitFactory(kind=OrgUnitKind.SERVICE, code=f"GS{i}", parent=world.d1)
            OrgUnitFactory(kind=OrgUnitKind.TEAM, code=f"GT{i}", parent=service, head=UserFactory())
            UserFactory(org_unit=world.d1, line_manager=world.people["directorate_lead"])

    return grow


# Home pins include the period the returns export link names (one query).
def test_home_is_flat_for_a_directorate_lead(world, clients):
    assert_flat(get_ok(clients["directorate_lead"], reverse("home")), grow_organisation(world), pinned=13)


def test_home_is_flat_for_an_admin(world, clients):
    assert_flat(get_ok(clients["performance_admin"], reverse("home")), grow_organisation(world), pinned=16)


def test_organisation_list_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], reverse("accounts:org-unit-list")), grow_organisation(world), pinned=8)


def test_organisation_unit_page_is_flat(world, clients):
    url = reverse("accounts:org-unit-detail", kwargs={"code": world.d1.code})
    assert_flat(get_ok(clients["directorate_lead"], url), grow_organisation(world), pinned=12)


def test_council_plan_page_is_flat(world, clients):
    url = reverse("planning:council-plan-detail", kwargs={"pk": world.plan.pk})

    def grow():
        for i in range(40):
            PlanNodeFactory(plan=world.plan, code=f"X{i}")

    assert_flat(get_ok(clients["scrutiny"], url), grow, pinned=8)


def test_audit_log_page_is_flat(world, clients):
    assert_flat(get_ok(clients["performance_admin"], reverse("audit:event-list")), grow_organisation(world), pinned=9)


def test_api_org_units_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], "/api/v1/org-units/"), grow_organisation(world), pinned=8)


def grow_thread(world, n=15):
    """More objectives at every level below the priority, with CIC objectives on each."""
    from planning.models import CicObjective
    from tests.factories import ObjectiveFactory

    def grow():
        thread = world.thread
        for i in range(n):
            d1 = ObjectiveFactory(
                plan=thread["plans"]["D1"], owner=world.people["directorate_lead"], council_plan_node=thread["priority"]
            )
            s1 = ObjectiveFactory(plan=thread["plans"]["S1"], owner=world.people["service_lead"], parent_objective=d1)
            s1.contributes_to.add(thread["d2_objective"])
            risk = _risk(world.s1, f"Grown risk {i}", 3, 4, owner=world.people["service_lead"])
            risk.objectives.add(d1, s1)
            risk.kpis.add(world.kpis["s1"])
            for j in range(3):
                employee = UserFactory(username=f"grow{i}-{j}", org_unit=world.t1)
                CicObjective.objects.create(employee=employee, objective=s1, title="x", status="on_track")
            ObjectiveFactory(plan=thread["plans"]["S2"], owner=UserFactory(org_unit=world.s2))

    return grow


def test_thread_view_of_a_priority_is_flat(world, clients):
    url = reverse("planning:thread-node", kwargs={"pk": world.thread["priority"].pk})
    # 15: the risks linked to the thread's objectives are one query.
    assert_flat(get_ok(clients["cmt"], url), grow_thread(world), pinned=15)


def test_gaps_view_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], reverse("planning:gaps")), grow_thread(world), pinned=14)


def test_plan_page_is_flat(world, clients):
    url = reverse("planning:plan-detail", kwargs={"pk": world.thread["plans"]["S1"].pk})
    assert_flat(get_ok(clients["service_lead"], url), grow_thread(world), pinned=11)


def test_plan_on_a_page_is_flat(world, clients):
    url = reverse("planning:plan-on-a-page", kwargs={"pk": world.thread["plans"]["S1"].pk})
    assert_flat(get_ok(clients["service_lead"], url), grow_thread(world), pinned=12)


def test_plan_list_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], reverse("planning:plan-list")), grow_thread(world), pinned=10)


def test_objective_page_is_flat(world, clients):
    url = reverse("planning:objective-detail", kwargs={"pk": world.thread["d2_objective"].pk})
    assert_flat(get_ok(clients["cmt"], url), grow_thread(world), pinned=17)


def test_api_objectives_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], "/api/v1/objectives/"), grow_thread(world), pinned=9)


def grow_kpis(world, n=12):
    """More KPIs in Service One, each with a submitted return, a target and approved history."""
    import datetime
    from decimal import Decimal

    from kpis.models import KpiReturn, ReportingPeriod
    from kpis.services.dictionary import kpi_create, target_set
    from kpis.services.returns import return_for

    def grow():
        past = ReportingPeriod.objects.create(year=2025, quarter=1, **ReportingPeriod.default_dates(2025, 1))
        for i in range(n):
            kpi = kpi_create(
                by=SYSTEM,
                code=f"GROW-{i}",
                effective_from=datetime.date(2020, 4, 1),
                version={"calculation_method": "x", "unit": "number", "polarity": "lower"},
                title=f"Grown KPI {i}",
                definition="x",
                owning_service=world.s1,
                owner=world.people["service_lead"],
                is_council_plan_measure=bool(i % 2),
            )
            target_set(by=SYSTEM, kpi=kpi, for_date=world.kpis["period"].end, value=Decimal(10))
            current = return_for(kpi, world.kpis["period"])
            KpiReturn.objects.filter(pk=current.pk).update(value=Decimal(12), state="submitted")
            earlier = return_for(kpi, past)
            KpiReturn.objects.filter(pk=earlier.pk).update(value=Decimal(11), state="approved")

    return grow


def test_my_returns_is_flat(world, clients):
    assert_flat(get_ok(clients["service_lead"], reverse("kpis:my-returns")), grow_kpis(world), pinned=8)


def test_review_queue_is_flat(world, clients):
    from kpis.models import KpiReturn

    # Start with one submitted return, so both runs judge results (an empty list needs no query).
    KpiReturn.objects.filter(pk=world.kpis["return_s1"].pk).update(state="submitted", value=50)
    assert_flat(get_ok(clients["directorate_lead"], reverse("kpis:review-queue")), grow_kpis(world), pinned=14)


def test_data_dictionary_is_flat(world, clients):
    from kpis.models import KpiReturn

    # Start from one approved value, so both runs look up results (an empty list needs no query).
    KpiReturn.objects.filter(pk=world.kpis["return_s1"].pk).update(state="approved", value=50)
    # 15: the page of KPIs is counted, then read (not every KPI read to show 100)
    assert_flat(get_ok(clients["cmt"], reverse("kpis:kpi-list")), grow_kpis(world), pinned=15)


def test_api_returns_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], "/api/v1/returns/"), grow_kpis(world), pinned=12)  # + months, breakdown values


def grow_history(kpi, quarters):
    """An approved return, with its target, for the KPI in each (year, quarter)."""
    from decimal import Decimal

    from kpis.models import KpiReturn, ReportingPeriod
    from kpis.services.dictionary import target_set
    from kpis.services.returns import return_for

    def grow():
        for year, quarter in quarters:
            period = ReportingPeriod.objects.create(
                year=year, quarter=quarter, **ReportingPeriod.default_dates(year, quarter)
            )
            kpi_return = return_for(kpi, period)
            KpiReturn.objects.filter(pk=kpi_return.pk).update(state="approved", value=Decimal(60 + quarter))
            target_set(by=SYSTEM, kpi=kpi, for_date=kpi_return.data_period_end, value=Decimal(62))

    return grow


def test_kpi_page_is_flat_as_its_history_grows(world, clients):
    kpi = world.kpis["s1"]
    quarters = [(year, quarter) for year in range(2019, 2025) for quarter in (1, 2, 3, 4)]
    grow_history(kpi, quarters[:3])()  # 3 approved returns, then 20
    url = reverse("kpis:kpi-detail", kwargs={"code": kpi.code})
    # + 1 query: the benchmark values; + 1: the open risks linked to the KPI
    assert_flat(get_ok(clients["directorate_lead"], url), grow_history(kpi, quarters[3:20]), pinned=18)


def grow_reported_kpis(world, n=12):
    """Grown KPIs reported against the priority, with approved figures this period."""
    from kpis.models import Kpi, KpiReturn

    grow_more = grow_kpis(world, n)

    def grow():
        grow_more()
        for kpi in Kpi.objects.filter(code__startswith="GROW-"):
            kpi.council_plan_nodes.add(world.thread["priority"])
        KpiReturn.objects.filter(kpi__code__startswith="GROW-", period=world.kpis["period"]).update(state="approved")

    return grow


@pytest.fixture
def reported_world(world):
    """Start from a report with something in it: S1-01 approved against the priority."""
    from kpis.models import KpiReturn

    world.kpis["s1"].council_plan_nodes.add(world.thread["priority"])
    KpiReturn.objects.filter(pk=world.kpis["return_s1"].pk).update(state="approved", value=70)
    return world


@pytest.mark.parametrize(
    ("url_name", "persona", "pinned"),
    [
        ("reporting:overview", "cmt", 20),
        ("reporting:dashboard", "cmt", 24),  # history and targets read once (25 before); + benchmark values
        ("reporting:dashboard", "directorate_lead", 24),
    ],
)
def test_dashboards_are_flat(reported_world, clients, url_name, persona, pinned):
    assert_flat(get_ok(clients[persona], reverse(url_name)), grow_reported_kpis(reported_world), pinned=pinned)


def test_a_priority_dashboard_is_flat(reported_world, clients):
    url = reverse("reporting:dashboard") + f"?priority={reported_world.thread['priority'].pk}"
    assert_flat(get_ok(clients["cmt"], url), grow_reported_kpis(reported_world), pinned=25)  # + benchmark values


def test_a_report_page_is_flat(reported_world, clients):
    from reporting.content import build, digest
    from reporting.models import Snapshot

    period = reported_world.kpis["period"]
    made = {}

    def snapshot_url():
        content = build(period, kind="draft", status_label="Draft")
        made["snapshot"] = Snapshot.objects.create(
            period=period,
            kind="draft",
            as_at=timezone.now(),
            status_label="Draft",
            content=content,
            sha256=digest(content),
        )
        return reverse("reporting:snapshot", args=[made["snapshot"].pk])

    first = snapshot_url()
    before = count_queries(get_ok(clients["cmt"], first))
    grow_reported_kpis(reported_world)()
    after = count_queries(get_ok(clients["cmt"], snapshot_url()))
    assert before == after, f"query count grew with the KPIs in the report: {before} → {after}"


def test_a_dashboard_seen_again_reuses_its_results_until_anything_changes(reported_world, clients):
    from decimal import Decimal

    from kpis.services.dictionary import target_set

    client, url = clients["cmt"], reverse("reporting:dashboard")
    first = count_queries(get_ok(client, url))
    again = count_queries(get_ok(client, url))
    assert again < first
    # the session (read and saved), the user, their roles, whether they own a KPI (for "My
    # returns" in the menu), the newest audit record
    assert again == 8
    assert "70.0" in client.get(url).content.decode()
    kpi = reported_world.kpis["s1"]
    target_set(by=SYSTEM, kpi=kpi, for_date=reported_world.kpis["period"].end, value=Decimal("99"))
    changed = client.get(url).content.decode()
    assert "99.0" in changed  # an audited change: a new key, the figures are live


def test_a_report_s_content_reads_history_and_targets_once(reported_world):
    """Building a report reads the KPIs' approved history and targets once, for their judged
    figures and their trends together (it read both twice before)."""
    from reporting.content import build

    period = reported_world.kpis["period"]
    assert_flat(
        lambda: build(period, kind="draft", status_label="Draft"),
        grow_reported_kpis(reported_world),
        pinned=17,  # 16 before (history and targets read twice); + open escalations, + benchmark values, + linked risks
    )


def test_the_return_page_is_flat_as_its_history_grows(world, clients):
    """The return page judges the figure and lists the earlier ones from one read of the
    KPI's history (it read the history twice before), reads the KPI's breakdowns once for
    the form and the parts shown, and reads months only for a monthly KPI."""
    kpi = world.kpis["s1"]
    quarters = [(year, quarter) for year in range(2019, 2025) for quarter in (1, 2, 3, 4)]
    grow_history(kpi, quarters[:3])()
    url = reverse("kpis:return-edit", kwargs={"pk": world.kpis["return_s1"].pk})
    assert_flat(get_ok(clients["service_lead"], url), grow_history(kpi, quarters[3:20]), pinned=12)  # 15 before


def post_entry(client, kpi_return, action, revisions):
    """Post the return form as a service lead does at quarter end; ``revisions`` holds the
    revision the page was opened at and moves on as each post is accepted (one a save, two a
    submission), so the counted action reads nothing extra."""
    from kpis.data_quality import Dimension

    url = reverse("kpis:return-edit", args=[kpi_return.pk])
    answers = {f"dq_{dimension}": "yes" for dimension in Dimension.values}

    def post():
        data = {"revision": revisions[0], "value": "62", "commentary": "On target", "action": action, **answers}
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        revisions[0] += 1 if action == "save" else 2

    return post


# Each post: the session and the person (3); the return, its KPI's breakdown and their cells
# for the form (3); in one transaction, the locked return, the breakdown, its cells before and
# after, last year's figures, the blank cells cleared, the update and its audit record (10);
# the session saved again (3). A KPI with no months reads no months, and one with no
# breakdowns no cells. A submission adds the target and its transition (3), and no savepoint
# between the save and the submission.
def test_saving_a_return_is_flat_as_its_history_grows(world, clients):
    kpi_return = world.kpis["return_s1"]
    quarters = [(year, quarter) for year in range(2019, 2025) for quarter in (1, 2, 3, 4)]
    grow_history(kpi_return.kpi, quarters[:3])()
    save = post_entry(clients["service_lead"], kpi_return, "save", [kpi_return.revision])
    assert_flat(save, grow_history(kpi_return.kpi, quarters[3:20]), pinned=19)


def test_submitting_a_return_is_a_fixed_number_of_queries(world, clients):
    kpi_return = world.kpis["return_s1"]
    quarters = [(year, quarter) for year in range(2019, 2025) for quarter in (1, 2, 3, 4)]
    grow_history(kpi_return.kpi, quarters[:20])()
    assert count_queries(post_entry(clients["service_lead"], kpi_return, "submit", [kpi_return.revision])) == 22


@pytest.mark.parametrize(
    ("page", "persona", "pinned", "cold"),
    [
        ("overview", "cmt", 11, 20),
        ("overview", "directorate_lead", 11, 20),
        ("priority", "cmt", 8, 25),
        ("dashboard", "cmt", 8, 24),
    ],
)
def test_a_page_the_worker_warmed_after_a_change_is_served_from_the_cache(
    reported_world, clients, page, persona, pinned, cold
):
    """After a change the worker computes these pages (``reporting.warming.warm``, run here as
    the worker runs it); the next visit reads them from the shared cache: the version, the
    page around the results, no figures. Flat as the council grows, and fewer than the visit
    that computes the page itself (``cold``, pinned above)."""
    from reporting.warming import warm

    urls = {
        "overview": reverse("reporting:overview"),
        "priority": reverse("reporting:dashboard") + f"?priority={reported_world.thread['priority'].pk}",
        "dashboard": reverse("reporting:dashboard"),
    }
    grow = grow_reported_kpis(reported_world)
    warm()

    def grow_and_warm():
        grow()
        warm()

    warmed = assert_flat(get_ok(clients[persona], urls[page]), grow_and_warm, pinned=pinned)
    assert warmed < cold


def sql_of(action) -> list[str]:
    """The queries ``action`` sends, but for the session's own (signed with the time), with
    savepoint names blanked."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    return [
        re.sub(r'"s[0-9]+_x[0-9]+"', '"…"', query["sql"])
        for query in captured.captured_queries
        if '"django_session"' not in query["sql"]
    ]


def test_a_report_s_content_reads_only_the_kpis_it_reports(reported_world):
    """A report reads the KPIs reported against the Council Plan, not the whole data dictionary:
    at the largest councils (2,000 KPIs, 100 of them in the plan, 40 quarters each) it read
    every KPI's history and took 12 s a report. The queries are the same, to the character,
    however many KPIs there are outside the plan."""
    from reporting.content import build

    period = reported_world.kpis["period"]

    def queries():
        return sql_of(lambda: build(period, kind="draft", status_label="Draft"))

    grow_kpis(reported_world, n=1)()  # the earlier period the grown KPIs report in, made once
    before = queries()
    grow_history_of_new_kpis(reported_world, n=12)()
    assert queries() == before


def test_the_exception_report_reads_only_the_kpis_reported_against_the_plan(reported_world, clients):
    """The same for the exceptions page (it read every KPI in scope, then kept the reported)."""
    client, url = clients["cmt"], reverse("reporting:exceptions")
    grow_kpis(reported_world, n=1)()
    before = sql_of(get_ok(client, url))
    grow_history_of_new_kpis(reported_world, n=12)()
    assert sql_of(get_ok(client, url)) == before


def grow_history_of_new_kpis(world, n):
    """KPIs in no plan, each with an approved figure this period and a target."""
    import datetime
    from decimal import Decimal

    from kpis.models import KpiReturn
    from kpis.services.dictionary import kpi_create, target_set
    from kpis.services.returns import return_for

    def grow():
        for i in range(n):
            kpi = kpi_create(
                by=SYSTEM,
                code=f"OUT-{i}",
                effective_from=datetime.date(2020, 4, 1),
                version={"calculation_method": "x", "unit": "number", "polarity": "lower"},
                title=f"Not in the plan {i}",
                definition="x",
                owning_service=world.s1,
                owner=world.people["service_lead"],
            )
            target_set(by=SYSTEM, kpi=kpi, for_date=world.kpis["period"].end, value=Decimal(10))
            current = return_for(kpi, world.kpis["period"])
            KpiReturn.objects.filter(pk=current.pk).update(value=Decimal(12), state="approved")

    return grow


def test_the_list_of_reports_does_not_read_their_content(reported_world, clients):
    """Each report's content is hundreds of KiB at a large council; the list shows none of it."""
    sql = sql_of(get_ok(clients["cmt"], reverse("reporting:report-list")))
    assert any('FROM "reporting_snapshot"' in query for query in sql)
    assert not any('"reporting_snapshot"."content"' in query for query in sql)


def test_the_scorecard_reads_only_the_kpis_reported_against_the_plan(reported_world, clients):
    """The scorecard, as the pack's, is the Council Plan's KPIs; it judged and drew every KPI
    in the data dictionary (10 s at 2,000 KPIs). It says how many others there are."""
    client, url = clients["cmt"], reverse("reporting:scorecard")
    grow_kpis(reported_world, n=1)()
    before = sql_of(get_ok(client, url))
    grow_history_of_new_kpis(reported_world, n=12)()
    assert sql_of(get_ok(client, url)) == before
    page = client.get(url).content.decode()
    assert "Not in the plan 3" not in page
    assert "other KPIs are not reported against the Council Plan" in page


def test_a_line_manager_s_cic_objectives_are_paged_and_flat(world, clients):
    """A line management chain can hold thousands of people: their CIC objectives, and the
    links to add one for each of them, come a page at a time (all 375 of a manager of 75
    were on one page)."""
    import re

    from planning.models import CicObjective

    manager = world.people["service_lead"]
    objective = world.thread["s1_objective"]

    def grow():
        for i in range(60):
            person = UserFactory(username=f"report{i}", org_unit=world.t1, line_manager=manager, last_name=f"R{i:02d}")
            CicObjective.objects.create(employee=person, objective=objective, title=f"Paged {i}", status="on_track")

    client, url = clients["service_lead"], reverse("planning:cic-list")
    assert_flat(get_ok(client, url), grow)
    page = client.get(url).content.decode()
    assert page.count("Add a CIC objective for ") <= 50
    assert len(re.findall(r'href="/cic/[0-9]+/"', page)) <= 50
    assert "Page 1 of 2" in page
    assert "Paged" in client.get(url + "?page=2").content.decode()


def rows_read(action) -> dict[str, int]:
    """How many rows each table's queries brought back while ``action`` ran."""
    import re

    from django.db import connection

    read: dict[str, int] = {}

    def count(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        table = re.search(r'FROM "(\w+)"', sql)
        if table and sql.lstrip().startswith("SELECT"):
            read[table.group(1)] = read.get(table.group(1), 0) + max(context["cursor"].rowcount, 0)
        return result

    with connection.execute_wrapper(count):
        action()
    return read


def test_data_dictionary_reads_one_page_and_each_kpis_latest_figure(world, clients):
    """At 2,000 KPIs with 40 quarters each the page read every KPI (with its service,
    directorate and owner) and every approved figure of the page's KPIs to show 100 KPIs and
    one figure each (issue 16): it reads the page, and each KPI's latest approved figure."""
    from kpis.models import Kpi
    from kpis.views.dictionary import PAGE_SIZE

    kpi = world.kpis["s1"]
    Kpi.objects.bulk_create(
        Kpi(code=f"ZZ-{n:03}", title=f"Extra {n}", definition="x", owning_service=kpi.owning_service, owner=kpi.owner)
        for n in range(PAGE_SIZE + 50)
    )
    quarters = [(year, quarter) for year in range(2019, 2025) for quarter in (1, 2, 3, 4)]
    grow_history(kpi, quarters[:5])()  # a year and a quarter: a previous period and a year before
    action = get_ok(clients["performance_admin"], reverse("kpis:kpi-list"))
    before = rows_read(action)
    grow_history(kpi, quarters[5:15])()
    after = rows_read(action)
    portfolios = Kpi.objects.exclude(portfolio="").count()
    assert before["kpis_kpi"] <= PAGE_SIZE + 1 + portfolios  # the page, its count, the portfolios
    assert after["kpis_kpireturn"] == before["kpis_kpireturn"]
