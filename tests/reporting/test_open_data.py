"""Open data: published figures only, for anyone, as CSV and JSON under the Open Government
Licence, with breakdowns suppressed as in every output that leaves the council's staff."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse

from kpis.models import KpiReturn, PeriodState, ReportingPeriod
from kpis.services.returns import return_revise
from reporting.open_data import LICENCE_NAME, period_csv, period_json, published_periods

pytestmark = pytest.mark.django_db


def file_url(period, fmt):
    return reverse("reporting:open-data-file", kwargs={"year": period.year, "quarter": period.quarter, "fmt": fmt})


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def publish(period) -> ReportingPeriod:
    ReportingPeriod.objects.filter(pk=period.pk).update(state=PeriodState.PUBLISHED)
    period.refresh_from_db()
    return period


def test_open_data_holds_no_unpublished_figure(reported):
    """The open period holds approved figures (S1-01 82.5, CNT-01 15) that are not published:
    no file offers them, and its own address answers 404."""
    period = reported["period"]
    assert KpiReturn.objects.filter(period=period, state="approved").count() == 2
    anonymous = Client()
    listed = published_periods()
    assert listed
    assert period not in listed
    assert anonymous.get(file_url(period, "csv")).status_code == 404
    everything = "".join(anonymous.get(file_url(p, fmt)).content.decode() for p in listed for fmt in ("csv", "json"))
    assert "CNT-01" not in everything
    assert "82.5" not in everything
    published = KpiReturn.objects.published().values_list("kpi__code", "period__year", "period__quarter", "value")
    for code, year, quarter, value in published:
        found = [
            r
            for r in rows(period_csv(ReportingPeriod.objects.get(year=year, quarter=quarter)))
            if r["kpi_code"] == code
        ]
        assert found[0]["value"] == f"{value.normalize():f}"


def test_an_anonymous_client_downloads_a_periods_csv_under_the_open_government_licence(reported):
    period = ReportingPeriod.objects.get(year=2025, quarter=1)
    response = Client().get(file_url(period, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]
    assert "open-government-licence" in response["Link"]
    figures = rows(response.content.decode())
    s1 = next(r for r in figures if r["kpi_code"] == "S1-01")
    assert (s1["record"], s1["period"], s1["value"], s1["value_text"]) == ("figure", "2025/26 Q1", "78", "78.0%")
    assert (s1["data_period_label"], s1["unit"], s1["definition_version"]) == ("2025/26 Q1", "Percentage (0-100)", "1")
    assert s1["definition"] == "Share of cases closed within 20 working days"
    assert all(r["licence"].startswith(LICENCE_NAME) for r in figures)
    again = Client().get(file_url(period, "csv"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_published_breakdown_is_suppressed_so_the_total_gives_nothing_back(reported):
    """CNT-01 is 15, North 3 and South 12: both cells are suppressed in CSV and JSON."""
    period = publish(reported["period"])
    cells = [r for r in rows(period_csv(period)) if r["kpi_code"] == "CNT-01"]
    assert [(r["record"], r["category"], r["value"], r["value_text"], r["suppressed"]) for r in cells] == [
        ("figure", "", "15", "15", ""),
        ("breakdown", "North", "", "suppressed", "yes"),
        ("breakdown", "South", "", "suppressed", "yes"),
    ]
    document = json.loads(period_json(period))
    assert document["licence"]["name"] == LICENCE_NAME
    counted = next(f for f in document["figures"] if f["kpi_code"] == "CNT-01")
    assert [c["value"] for c in counted["breakdowns"][0]["cells"]] == [None, None]
    assert "12" not in json.dumps(counted["breakdowns"])


def test_a_figure_revised_after_publication_carries_its_revision_history(reported, world):
    period = publish(reported["period"])
    kpi_return = KpiReturn.objects.get(kpi__code="S1-01", period=period)
    return_revise(by=world.people["performance_admin"], kpi_return=kpi_return, reason="Late cases found", value=D("81"))
    figure = next(f for f in json.loads(period_json(period))["figures"] if f["kpi_code"] == "S1-01")
    assert figure["value"] == "81"
    assert [(r["old_value"], r["new_value"], r["reason"]) for r in figure["revisions"]] == [
        ("82.5", "81", "Late cases found")
    ]
    row = next(r for r in rows(period_csv(period)) if r["kpi_code"] == "S1-01")
    assert "82.5 to 81 (Late cases found)" in row["revisions"]


def test_the_public_page_lists_the_published_periods_and_their_files(reported):
    response = Client().get(reverse("reporting:open-data"))
    assert response.status_code == 200
    page = response.content.decode()
    assert file_url(ReportingPeriod.objects.get(year=2025, quarter=1), "json") in page
    assert file_url(reported["period"], "csv") not in page
    assert "Open Government Licence v3.0" in page
    assert "public" in response["Cache-Control"]


def test_nothing_else_is_readable_without_signing_in(reported):
    response = Client().get(reverse("reporting:report-list"))
    assert response.status_code == 302


def test_a_scrutiny_member_reads_the_published_reports_breakdown_suppressed_through_the_api(reported, world):
    """The API for scrutiny gives the report's content, written through the same rule."""
    from django.utils import timezone

    from reporting.content import build, digest
    from reporting.models import Snapshot
    from tests.conftest import client_for

    period = publish(reported["period"])
    content = build(period, kind="published", status_label="Published")
    snapshot = Snapshot.objects.create(
        period=period,
        kind="published",
        as_at=timezone.now(),
        status_label="Published",
        content=content,
        sha256=digest(content),
    )
    response = client_for(world, "scrutiny").get(reverse("api:report-detail", kwargs={"pk": snapshot.pk}))
    assert response.status_code == 200
    cards = [k for p in response.json()["content"]["priorities"] for k in p["kpis"] if k["code"] == "CNT-01"]
    assert cards[0]["breakdowns"][0]["cells"] == [["North", "suppressed"], ["South", "suppressed"]]


def test_a_breakdown_is_marked_as_holding_counts_on_its_form(world, clients):
    from kpis.models import Breakdown

    url = reverse("kpis:kpi-breakdown-add", kwargs={"code": "S2-01"})
    data = {"name": "Ethnic group", "categories": "White\nAsian\nBlack\nMixed\nOther", "holds_counts": "on"}
    response = clients["performance_admin"].post(url, data)
    assert response.status_code == 302
    assert Breakdown.objects.get(kpi__code="S2-01").holds_counts is True


def test_a_periods_file_reads_the_same_few_queries_however_many_figures_it_holds(reported, world):
    from accounts.policy import SYSTEM
    from kpis.services.dictionary import kpi_create
    from kpis.services.returns import return_backfill
    from tests.querycount import assert_flat

    period = ReportingPeriod.objects.get(year=2025, quarter=1)
    url = file_url(period, "csv")
    client = Client()

    def grow():
        for n in range(3):
            kpi = kpi_create(
                by=SYSTEM,
                code=f"MORE-{n}",
                effective_from=period.start.replace(year=2020),
                version={"calculation_method": "Count", "unit": "number", "polarity": "higher"},
                title=f"More {n}",
                definition="More",
                owning_service=world.s1,
                owner=world.people["service_lead"],
            )
            return_backfill(by=SYSTEM, kpi=kpi, period=period, value=D(n + 10))

    assert_flat(lambda: client.get(url), grow, pinned=4)


def test_a_page_drawn_for_a_signed_in_person_is_not_kept_by_shared_caches(reported, clients):
    response = clients["scrutiny"].get(reverse("reporting:open-data"))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
