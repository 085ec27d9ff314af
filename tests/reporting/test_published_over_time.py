"""A scrutiny member compares a KPI across the published reports, as each published it, and
downloads those figures; nothing but published content reaches them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

from django.urls import reverse
from django.utils import timezone

from kpis.models import ReportingPeriod
from kpis.services.returns import return_for, return_revise
from reporting.content import build, digest
from reporting.models import Snapshot
from reporting.selectors import published_over_time
from reporting.services import draft_build, report_publish
from tests.querycount import count_queries
from tests.reporting.conftest import close_for_report


def _publish_earlier(label_year: int, quarter: int) -> Snapshot:
    period = ReportingPeriod.objects.get(year=label_year, quarter=quarter)
    content = build(period, kind="published", status_label="Published")
    return Snapshot.objects.create(
        period=period,
        kind="published",
        as_at=timezone.now(),
        status_label="Published",
        content=content,
        sha256=digest(content),
    )


def test_scrutiny_compares_a_kpi_across_published_reports_and_downloads_them(world, reported, clients):
    _publish_earlier(2025, 1)
    period = close_for_report(reported["period"])
    report_publish(by=world.people["performance_admin"], period=period)
    page = clients["scrutiny"].get(reverse("reporting:kpi-published", kwargs={"code": "S1-01"}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025/26 Q1" in html
    assert "2025/26 Q2" in html
    assert html.index("2025/26 Q1") < html.index("2025/26 Q2")
    assert "78.0%" in html
    assert "82.5%" in html
    download = clients["scrutiny"].get(
        reverse("reporting:kpi-published-export", kwargs={"code": "S1-01", "fmt": "csv"})
    )
    rows = list(csv.reader(io.StringIO(download.getvalue().decode())))
    assert rows[0][:3] == ["Report", "Published on", "KPI"]
    assert [(r[0], r[6]) for r in rows[1:]] == [("2025/26 Q1", "78.0%"), ("2025/26 Q2", "82.5%")]


def test_a_draft_or_a_figure_approved_since_is_not_shown(world, reported, clients):
    period = close_for_report(reported["period"])
    draft_build(by=world.people["performance_admin"], period=period)
    url = reverse("reporting:kpi-published", kwargs={"code": "S1-01"})
    assert clients["scrutiny"].get(url).status_code == 404  # only a draft shows it
    report_publish(by=world.people["performance_admin"], period=period)
    revised = return_for(reported["s1"], period)
    return_revise(by=world.people["performance_admin"], kpi_return=revised, reason="Recount", value=D("91"))
    html = clients["scrutiny"].get(url).content.decode()
    assert "82.5%" in html  # as published
    assert "91.0%" not in html


def test_a_kpi_no_published_report_shows_is_not_found(world, reported, clients):
    url = reverse("reporting:kpi-published", kwargs={"code": "NOPE"})
    assert clients["scrutiny"].get(url).status_code == 404


def test_reading_the_published_figures_is_one_query(world, reported):
    _publish_earlier(2025, 1)
    assert count_queries(lambda: published_over_time("S1-01")) == 1


def test_reading_the_published_figures_does_not_read_whole_reports(world, reported):
    """Only the KPI is read out of each report, not its content (about 250 KiB a report at a
    large council, most of a second for 20 reports)."""
    from tests.test_query_counts import sql_of

    period = close_for_report(reported["period"])
    report_publish(by=world.people["performance_admin"], period=period)
    (query,) = sql_of(lambda: published_over_time("S1-01"))
    assert "jsonb_path_query_first" in query  # picked out in the database
    assert 'SELECT "reporting_snapshot"."id", "reporting_snapshot"."period_id"' not in query  # not whole rows
