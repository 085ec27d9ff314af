"""What a report shows for each KPI, built into the snapshot's content."""

from __future__ import annotations

from core.suppression import SUPPRESSION_NOTE
from reporting.content import build, chart_from, digest


def kpi(content, code):
    return next(k for p in content["priorities"] for k in p["kpis"] if k["code"] == code)


def test_each_priority_holds_the_kpis_linked_anywhere_beneath_it(reported):
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    by_priority = {p["code"]: [k["code"] for k in p["kpis"]] for p in content["priorities"]}
    assert by_priority == {"P1": ["NODATA", "S1-01"], "P2": ["CNT-01", "S2-01"]}


def test_an_approved_figure_is_shown_with_its_data_period_target_rag_and_direction(reported):
    row = kpi(build(reported["period"], kind="draft", status_label="Draft for CMT"), "S1-01")
    assert (row["value_text"], row["data_period_label"], row["target_text"]) == ("82.5%", "2025/26 Q2", "80.0%")
    assert (row["rag_label"], row["direction_label"]) == ("Green", "Improving")
    assert row["provisional"] is True
    assert row["status_text"] == "Provisional: approved, not yet published"
    assert [p[0] for p in row["chart"]["points"]][-2:] == ["2025/26 Q1", "2025/26 Q2"]


def test_a_return_not_yet_approved_shows_the_latest_approved_figure_and_is_listed(reported):
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    row = kpi(content, "S2-01")
    assert (row["value_text"], row["data_period_label"]) == ("78.0%", "2025/26 Q1")
    assert row["status"] == "missing"
    assert {"code": "S2-01", "title": reported["s2"].title, "state": "Draft"} in content["unapproved"]


def test_a_kpi_with_no_data_says_so(reported):
    row = kpi(build(reported["period"], kind="draft", status_label="Draft for CMT"), "NODATA")
    assert (row["value_text"], row["status_text"], row["rag_label"]) == ("no data", "No data yet", "No value")
    assert row["chart"]["points"] == []


def test_a_small_count_is_suppressed_with_the_cell_that_would_give_it_back_from_the_total(reported):
    """North 3 and South 12 of 15: showing South would give North back (15 - 12)."""
    row = kpi(build(reported["period"], kind="draft", status_label="Draft for CMT"), "CNT-01")
    assert row["value_text"] == "15"
    assert row["breakdowns"] == [
        {"name": "Ward", "cells": [["North", "suppressed"], ["South", "suppressed"]], "note": SUPPRESSION_NOTE}
    ]


def test_the_content_and_its_digest_are_the_same_when_built_again_at_the_same_moment(reported):
    first = build(reported["period"], kind="draft", status_label="Draft for CMT")
    again = build(reported["period"], kind="draft", status_label="Draft for CMT", as_at=None)
    again["as_at"] = first["as_at"]
    assert digest(first) == digest(again)
    assert chart_from(kpi(first, "S1-01")).points[-1].actual == 82.5


def test_nothing_is_provisional_in_a_report_being_published(reported):
    row = kpi(build(reported["period"], kind="published", status_label="Published"), "S1-01")
    assert row["provisional"] is False
    assert "Provisional" not in row["status_text"]


def test_a_figure_older_than_its_frequency_allows_is_flagged_out_of_date_on_the_card_and_in_the_pdf(reported):
    """S2-01's latest approved figure is a quarter behind (the usual lag); once the only figure
    left is a year old, the pack says so beside it instead of letting its RAG stand silently."""
    from kpis.models import KpiReturn
    from reporting.pdf import priority_html

    period = reported["period"]
    fresh = kpi(build(period, kind="draft", status_label="Draft for CMT"), "S2-01")
    assert fresh["out_of_date_text"] == ""
    KpiReturn.objects.filter(kpi=reported["s2"], data_period_end__gt="2024-09-30", period__historic=True).delete()
    content = build(period, kind="draft", status_label="Draft for CMT")
    stale = kpi(content, "S2-01")
    assert stale["data_period_label"] == "2024/25 Q2"
    assert stale["out_of_date_text"] == (
        "The latest figure (2024/25 Q2) is older than a quarterly KPI's figure should be in 2025/26 Q2"
    )
    assert "Out of date" in priority_html(content, "P2")


def test_the_summary_names_rag_changes_and_the_exceptions_carry_commentary_actions_and_escalation(world, reported):
    """S1-01 (a Council Plan measure, escalated in the world) turns Red against a raised
    target: the summary says it was Green; the exception carries its commentary and its
    escalation, overdue. Red at the previous period too, it is "Red two periods running"."""
    import datetime
    from decimal import Decimal

    from kpis.models import Target

    period, s1 = reported["period"], reported["s1"]
    Target.objects.filter(kpi=s1, for_date=period.end).update(value=Decimal("90"))
    content = build(period, kind="draft", status_label="Draft for CMT")
    assert content["summary"]["kpis"] == 4
    assert [(c["code"], c["from_label"], c["to_label"]) for c in content["summary"]["changed"]] == [
        ("S1-01", "Green", "Red")
    ]
    (red,) = content["exceptions"]
    assert (red["code"], red["reasons"], red["priorities"]) == ("S1-01", ["Red"], ["P1"])
    assert red["kpi"]["commentary"].endswith("Better than planned")
    assert red["owner"] == s1.owner.display_name
    escalation = world.kpis["escalation_s1"]
    assert red["escalation"]["owner"] == escalation.owner.display_name
    assert red["escalation"]["due"] == f"{escalation.due_date:%-d %B %Y}"
    assert red["escalation"]["status"] == "Open and overdue"  # due in 2025
    assert [e["code"] for e in content["summary"]["escalations"]] == ["S1-01", "S2-01"]  # one each in the world

    Target.objects.filter(kpi=s1, for_date=datetime.date(2025, 6, 30)).update(value=Decimal("80"))
    content = build(period, kind="draft", status_label="Draft for CMT")
    (red,) = content["exceptions"]
    assert red["reasons"] == ["Red two periods running"]
    assert content["summary"]["changed"] == []  # Red before, Red now


def test_a_worsening_council_plan_measure_is_an_exception_and_a_worsening_other_kpi_is_not(reported):
    from decimal import Decimal

    from kpis.models import Kpi, KpiReturn

    period = reported["period"]
    KpiReturn.objects.filter(kpi=reported["s1"], period=period).update(value=Decimal("77"))  # Q1 was 78
    content = build(period, kind="draft", status_label="Draft for CMT")
    assert [(e["code"], e["reasons"]) for e in content["exceptions"]] == [
        ("S1-01", ["Red", "Worsening Council Plan measure"])
    ]
    Kpi.objects.filter(pk=reported["s1"].pk).update(is_council_plan_measure=False)
    content = build(period, kind="draft", status_label="Draft for CMT")
    assert [(e["code"], e["reasons"]) for e in content["exceptions"]] == [("S1-01", ["Red"])]


def test_a_kpi_with_enough_points_carries_its_spc_icons_in_words_to_the_card_and_the_pdf(world, reported):
    """Fourteen quarters, the last seven below the mean, higher is better: "Special cause:
    concerning" on the card's content, the pack's scorecard and the detail."""
    from reporting.pdf import pack_html
    from tests.reporting.conftest import spc_measure

    spc_measure(world, reported)
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    row = next(k for p in content["priorities"] for k in p["kpis"] if k["code"] == "SPC-01")
    assert row["spc_variation"] == "Special cause: concerning"
    assert "below the mean" in row["spc_variation_text"]
    assert row["spc_assurance"] == ""  # no target, so no assurance icon
    html = pack_html(content)
    assert "<td>Concerning</td>" in html  # the scorecard's narrow column
    assert "<strong>SPC:</strong> Special cause: concerning" in html  # the detail
    # Five points are too few for limits: the card says nothing rather than guess.
    s1 = next(k for p in content["priorities"] for k in p["kpis"] if k["code"] == "S1-01")
    assert s1["spc_variation"] == ""


def _benchmark(world):
    """S1-01 compared on an LG Inform metric with three nearest neighbours; the values for
    2025/26 Q3 come after the report's period and must not be used in it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kpis.imports import KINDS, apply_import, check_file
    from kpis.models import Council
    from kpis.services.benchmarking import council_mark_own

    files = [
        ("councils", "gss-code,nice-name\nE08000030,Walsall\nE08000027,Dudley\nE08000028,Sandwell\nE08000031,Wolves\n"),
        (
            "comparator_groups",
            "council_code,group_kind,member_code\n"
            + "".join(f"E08000030,nearest_neighbours,{code}\n" for code in ("E08000027", "E08000028", "E08000031")),
        ),
        ("benchmark_indicators", "source,indicator_code,kpi_code\nlg_inform,9001,S1-01\n"),
        (
            "benchmark_lg_inform",
            "Area code,Metric ID,Period,Value\n"
            "E08000030,9001,2024/25 Q3,73.5\nE08000027,9001,2024/25 Q3,80\nE08000028,9001,2024/25 Q3,70\n"
            "E08000031,9001,2024/25 Q3,60\nE08000030,9001,2025/26 Q1,78\nE08000027,9001,2025/26 Q1,70\n"
            "E08000028,9001,2025/26 Q1,75\nE08000031,9001,2025/26 Q1,71\nE08000030,9001,2025/26 Q3,50\n"
            "E08000027,9001,2025/26 Q3,90\n",
        ),
    ]
    admin = world.people["performance_admin"]
    for slug, text in files:
        checked = check_file(KINDS[slug], SimpleUploadedFile("f.csv", text.encode(), content_type="text/csv"))
        assert not checked.problems, checked.problems
        apply_import(by=admin, kind=KINDS[slug], checked=checked)
    council_mark_own(by=admin, council=Council.objects.get(gss_code="E08000030"))


def test_the_card_and_the_pdf_say_where_the_council_stands_among_its_neighbours(reported, world, clients):
    from django.urls import reverse

    from reporting.pdf import priority_html

    _benchmark(world)
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    s1 = kpi(content, "S1-01")
    # 2025/26 Q1: Walsall 78 first of 4 (higher is better); Dudley 70, Sandwell 75, Wolves 71: mean 72.
    assert s1["neighbours"]["text"] == (
        "1st of 4 among nearest neighbours (top quartile), 2025/26 Q1; nearest neighbours' average 72.0%; LG Inform"
    )
    assert s1["neighbours"]["national_text"] == "1st of 4 councils with data (top quartile)"
    # The trend chart carries the neighbours' average beside the council's own figures, in time order.
    points = s1["chart"]["points"]
    assert [p[0] for p in points] == ["2024/25 Q2", "2024/25 Q3", "2024/25 Q4", "2025/26 Q1", "2025/26 Q2"]
    assert [p[3] for p in points] == [None, "70", None, "72", None]
    assert kpi(content, "S2-01")["neighbours"] == {}
    html = priority_html(content, "P1")
    assert "Against other councils" in html
    assert "1st of 4 among nearest neighbours (top quartile), average 72.0%; 2025/26 Q1, LG Inform" in html
    page = clients["cmt"].get(reverse("reporting:dashboard")).content.decode()
    assert "1st of 4 among nearest neighbours (top quartile), 2025/26 Q1" in page
    assert "A second line shows the neighbours&#x27; average, 72.0% in 2025/26 Q1." in page


def test_the_scorecard_ranks_each_kpi_among_neighbours_and_nationally_on_screen_in_the_csv_and_pdf(
    reported, world, clients
):
    from django.urls import reverse

    from reporting.pdf import pack_html

    _benchmark(world)
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    neighbours = kpi(content, "S1-01")["neighbours"]
    assert neighbours["short_text"] == "1st of 4, top quartile"
    assert neighbours["national_short_text"] == "1st of 4 nationally"
    html = pack_html(content)
    scorecard = html[html.index('id="scorecard"') :]
    assert "Rank among neighbours" in scorecard
    assert "1st of 4, top quartile<br>1st of 4 nationally" in scorecard
    # The detail gives the rank with the group's name and average in one line.
    assert "1st of 4 among nearest neighbours (top quartile), average 72.0%; 2025/26 Q1, LG Inform" in html
    page = clients["cmt"].get(reverse("reporting:scorecard")).content.decode()
    assert "Rank among neighbours" in page
    assert "1st of 4, top quartile<br>1st of 4 nationally" in page
    assert "No benchmark" in page  # S2-01 has no benchmark data
    csv = clients["cmt"].get(reverse("reporting:scorecard-export", kwargs={"fmt": "csv"})).getvalue().decode()
    header, *rows = csv.splitlines()
    assert "rank_among_neighbours" in header.split(",")
    assert any(row.startswith(("P1", '"P1')) and "S1-01" in row and "1st of 4, top quartile" in row for row in rows)


def test_a_snapshot_made_before_benchmarking_still_renders(reported):
    from reporting.pdf import priority_html

    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    for section in content["priorities"]:
        for item in section["kpis"]:
            del item["neighbours"]
            item["chart"]["points"] = [point[:3] for point in item["chart"]["points"]]
    html = priority_html(content, "P1")
    assert "Against other councils" not in html
    assert "S1-01" in html


def _linked_risk(world, kpi, title, likelihood, impact, **extra):
    import datetime

    from planning.services import risk_create

    scores = {
        f"{stage}_{part}": value
        for stage in ("inherent", "current", "target")
        for part, value in (("likelihood", likelihood), ("impact", impact))
    }
    lead = world.people["service_lead"]
    return risk_create(
        by=lead,
        unit=world.s1,
        title=title,
        event=title,
        owner=lead,
        review_date=datetime.date(2026, 1, 31),
        kpis=[kpi],
        **{**scores, **extra},
    )


def test_an_exception_carries_the_open_risks_linked_to_its_kpi(world, reported):
    """S1-01 turns Red; the two open risks linked to it follow it into the exception report,
    highest current score first, with their owner and review date; a closed one does not."""
    from decimal import Decimal

    from kpis.models import Target

    period, s1 = reported["period"], reported["s1"]
    Target.objects.filter(kpi=s1, for_date=period.end).update(value=Decimal("90"))
    _linked_risk(world, s1, "Agency staff cost", 2, 3)
    high = _linked_risk(world, s1, "Recruitment falls short", 4, 4)
    _linked_risk(world, s1, "Old system outage", 5, 5, status="closed")
    content = build(period, kind="draft", status_label="Draft for CMT")
    (red,) = content["exceptions"]
    assert [(r["title"], r["current_text"]) for r in red["risks"]] == [
        ("Recruitment falls short", "16 Very high"),
        ("Agency staff cost", "6 Medium"),
    ]
    first = red["risks"][0]
    assert (first["reference"], first["owner"], first["review_date"]) == (
        f"R{high.pk}",
        world.people["service_lead"].display_name,
        "31 January 2026",
    )
    assert first["current_score"] == 16


def test_the_dashboard_card_draws_spc_into_the_kpi_s_trend_chart(world, reported, clients):
    """The mean, the process limits and the special causes are lines and marks of the card's one
    chart (plotly under the CSP), from the SPC the row already has; its table and caption say
    the limits."""
    import json
    import re

    from django.urls import reverse

    from kpis import spc
    from tests.reporting.conftest import SPC_VALUES, spc_measure

    measure = spc_measure(world, reported)
    page = clients["cmt"].get(reverse("reporting:dashboard")).content.decode()
    spec = json.loads(re.search(r'<script id="chart-SPC-01" type="application/json">(.*?)</script>', page, re.S)[1])
    traces = {trace["name"]: trace for trace in spec["data"]}
    lower, upper = spc.process_limits([spc.exact(v) for v in SPC_VALUES])
    places = measure.decimal_places + 3  # as drawn: the KPI's places and three more
    shown = [float(spc.as_decimal(lower, places)), float(spc.as_decimal(upper, places))]
    assert traces["Process limits"]["y"] == [shown[0], shown[0], None, shown[1], shown[1]]
    assert traces["Mean"]["y"][0] == float(spc.as_decimal(spc.mean([spc.exact(v) for v in SPC_VALUES]), places))
    concerning = traces["Special cause: concerning"]
    assert concerning["mode"] == "markers"
    assert concerning["marker"]["symbol"] == "square"  # a shape, not colour alone
    assert concerning["x"] == sorted(concerning["x"])  # in time order
    limits = f"{spc.as_decimal(lower, 1)}% to {spc.as_decimal(upper, 1)}%"
    assert f"process limits {limits}" in page  # the caption
    assert f'<td class="govuk-table__cell">{limits}</td>' in page  # the table
    assert "Special cause: concerning" in page  # the icon in words on the card
