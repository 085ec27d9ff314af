"""Rules that once failed for real users: a head of unit's reach, a KPI whose figure cannot
be judged, and NUL bytes in an address. Each test failed on the code before its fix."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.policy import Capability, can
from kpis.models import Kpi, KpiReturn, ReturnState, Target
from planning.models import UnitPlan
from tests.conftest import client_for
from tests.factories import ObjectiveFactory, UnitPlanFactory, UserFactory

# --- A head of unit keeps their own unit's plan (docs/permissions.md) -----------------------


@pytest.fixture
def heads(world):
    """A chief executive heading the council and a no-role head of Service One; plans for the
    council, Directorate One, Service One and Team One."""
    chief = UserFactory(username="chief.executive", org_unit=world.council)
    head_s1 = UserFactory(username="head.s1", org_unit=world.s1)
    world.council.head = chief
    world.council.save()
    world.s1.head = head_s1
    world.s1.save()
    plans = dict(world.thread["plans"])
    plans["C"] = UnitPlanFactory(unit=world.council)
    plans["T1"] = UnitPlanFactory(unit=world.t1)
    return chief, head_s1, plans


def test_a_head_edits_their_own_units_plan_and_nothing_below_it(world, heads):
    chief, head_s1, plans = heads
    client = client_for_user(head_s1)
    assert client.get(reverse("planning:plan-edit", args=[plans["S1"].pk])).status_code == 200
    for below in ("T1", "D1", "D2"):
        assert client.get(reverse("planning:plan-edit", args=[plans[below].pk])).status_code == 404, below
    team_objective = ObjectiveFactory(plan=plans["T1"], owner=head_s1, council_plan_node=world.thread["priority"])
    assert client.get(reverse("planning:objective-edit", args=[team_objective.pk])).status_code == 404
    assert client.get(reverse("planning:objective-edit", args=[world.thread["s1_objective"].pk])).status_code == 200


def test_the_chief_executive_keeps_the_council_plan_not_all_27(world, heads):
    chief, _, plans = heads
    editable = set(UnitPlan.objects.restrict(chief, Capability.EDIT_PLANS).values_list("unit__code", flat=True))
    assert editable == {"C"}
    assert can(chief, Capability.EDIT_PLANS, world.council)
    assert not can(chief, Capability.EDIT_PLANS, world.d1)


def test_a_lead_still_keeps_every_plan_in_their_area(world, heads):
    _, _, plans = heads
    lead = world.people["directorate_lead"]
    editable = set(UnitPlan.objects.restrict(lead, Capability.EDIT_PLANS).values_list("unit__code", flat=True))
    assert editable == {"D1", "S1", "T1"}


def client_for_user(user):
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- One KPI whose figure cannot be judged never takes a page down ----------------------------


@pytest.fixture
def unjudgeable(world):
    """S1-01 with a relative tolerance and a target of 0, as older data may hold (every form
    and import now refuses the pair), and an approved figure in the open period."""
    kpi = world.kpis["s1"]
    Kpi.objects.filter(pk=kpi.pk).update(tolerance_type="relative", tolerance_amount=Decimal("10"))
    kpi_return = world.kpis["return_s1"]
    Target.objects.create(kpi=kpi, for_date=kpi_return.data_period_end, value=Decimal("0"))
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.APPROVED, value=Decimal("12.5"))
    kpi.council_plan_nodes.add(world.thread["priority"])
    return world


@pytest.mark.parametrize(
    "url",
    [
        "/kpis/",
        "/kpis/?rag=cannot_judge",
        "/kpis/S1-01/",
        "/dashboards/",
        "/dashboards/kpis/",
        "/returns/export.csv",
        "/returns/export.xlsx",
        "/review/",
        "/api/v1/returns/",
    ],
)
def test_pages_that_list_many_kpis_stand_and_say_why(unjudgeable, url):
    world = unjudgeable
    period = world.kpis["period"].pk
    separator = "&" if "?" in url else "?"
    response = client_for(world, "performance_admin").get(f"{url}{separator}period={period}")
    assert response.status_code == 200
    if url.startswith(("/kpis", "/dashboards/kpis", "/api")) or url.endswith(".csv"):
        body = response.getvalue()  # a CSV is streamed
        assert b"Not judged" in body or b"cannot_judge" in body
        assert b"cannot_judge" in body or b"relative tolerance needs a target other than 0" in body


def test_a_report_with_an_unjudgeable_kpi_builds(unjudgeable):
    from reporting.content import build

    content = build(unjudgeable.kpis["period"], kind="draft", status_label="Draft")
    rags = {kpi["rag"] for priority in content["priorities"] for kpi in priority["kpis"]}
    assert "cannot_judge" in rags


# --- NUL bytes in an address ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/kpis/?directorate=%00",
        "/kpis/export.csv?directorate=%00",
        "/returns/export.csv?state=%00",
        "/dashboards/kpis/?portfolio=%00",
        "/kpis/%00/",
        "/api/v1/kpis/%00/",
        "/organisation/%00/",
        "/cic/new/?employee=%00",
        "/plans/?year=%00",
    ],
)
def test_a_nul_byte_in_an_address_is_a_bad_request_not_a_crash(world, url):
    response = client_for(world, "performance_admin").get(url)
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_the_rest_of_an_address_still_works(world):
    assert client_for(world, "performance_admin").get("/kpis/?directorate=D1").status_code == 200


# --- Found in review: published means published ------------------------------------------------


def test_a_return_is_not_approved_after_its_period_is_published(world):
    """Approved then, it would read as a published figure that was never in the report."""
    from kpis.models import PeriodState, ReportingPeriod
    from kpis.services.returns import return_approve
    from kpis.workflow import TransitionRefused

    kpi_return = world.kpis["return_s1"]
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.SUBMITTED)
    ReportingPeriod.objects.filter(pk=kpi_return.period_id).update(state=PeriodState.PUBLISHED)
    with pytest.raises(TransitionRefused, match="published"):
        return_approve(
            by=world.people["performance_admin"],
            kpi_return=KpiReturn.objects.get(pk=kpi_return.pk),
            quality_checked=True,
        )
    assert KpiReturn.objects.get(pk=kpi_return.pk).state == ReturnState.SUBMITTED


def test_a_published_only_reader_gets_no_breakdown_cells_from_the_api(world):
    """Small counts are suppressed in anything published; the API gave a no-role employee the
    raw cells of every published figure."""
    from kpis.models import BreakdownValue, PeriodState, ReportingPeriod

    kpi_return = world.kpis["return_s1"]
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.APPROVED, value=Decimal("50"))
    BreakdownValue.objects.create(
        kpi_return=kpi_return, breakdown=world.kpis["breakdown_s1"], category="North", value=Decimal("3")
    )
    ReportingPeriod.objects.filter(pk=kpi_return.period_id).update(state=PeriodState.PUBLISHED)
    url = f"/api/v1/returns/{kpi_return.pk}/"
    employee = client_for(world, "no_role").get(url).json()
    assert employee["value"] == "50.0000"
    assert "breakdown_values" not in employee
    assert "data_quality_note" not in employee
    lead = client_for(world, "service_lead").get(url).json()
    assert lead["breakdown_values"] == [{"breakdown": "Ward", "category": "North", "value": "3.0000"}]


def test_history_in_a_historic_period_changes_only_by_revision(world):
    """Everyone reads it as published, so it is frozen like a published report's figures."""
    from accounts.policy import SYSTEM
    from kpis.services.periods import period_create
    from kpis.services.returns import return_backfill
    from kpis.workflow import revisable

    period = period_create(by=SYSTEM, year=2019, quarter=2, historic=True)
    first = return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=period, value=Decimal("12.4"))
    with pytest.raises(Exception, match="revision with a reason"):
        return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=period, value=Decimal("19.4"))
    assert KpiReturn.objects.get(pk=first.pk).value == Decimal("12.4")
    assert revisable(KpiReturn.objects.select_related("period").get(pk=first.pk))
    more = return_backfill(by=SYSTEM, kpi=world.kpis["s2"], period=period, value=Decimal("40"))
    assert more.value == Decimal("40")  # more KPIs' history may still be added


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "١٢"])
def test_an_odd_period_number_is_no_filter_not_a_crash(world, value):
    client = client_for(world, "performance_admin")
    for url in ("/review/", "/returns/", "/returns/export.csv", "/dashboards/", "/api/v1/returns/"):
        assert client.get(url, {"period": value}).status_code == 200, url


def test_a_nul_byte_in_an_imported_text_cell_is_refused_not_a_crash(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "kpi_code,for_date,value,note\nS1-01,2025-09-30,50,bad\x00note\n"
    file = SimpleUploadedFile("t.csv", text.encode(), content_type="text/csv")
    response = client_for(world, "performance_admin").post("/imports/targets/", {"file": file})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
