"""Data quality in the reports: a caveated figure flagged with its note on the cards, the
scorecard and the PDFs, and the audit committee's data quality report for a period."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kpis.data_quality import Dimension, attestation
from kpis.entry import ReturnEntry
from kpis.models import KpiReturn, PeriodState, ReportingPeriod
from kpis.services.returns import (
    return_approve,
    return_mark_not_available,
    return_revise,
    return_save,
    return_send_back,
    return_submit,
)
from reporting.content import build
from reporting.data_quality import data_quality_report
from reporting.pdf import pack_html, priority_html, render_data_quality, render_pack
from tests.conftest import client_for

LATE_EXTRACT = "The September extract was a week late"
ONE_CAVEAT = attestation({**dict.fromkeys(Dimension.values, True), "timely": False}, {"timely": LATE_EXTRACT})


def kpi(content, code):
    return next(k for p in content["priorities"] for k in p["kpis"] if k["code"] == code)


@pytest.fixture
def caveated(reported):
    """S1-01's approved figure carries one caveat: not timely, with the reason."""
    KpiReturn.objects.filter(kpi=reported["s1"], period=reported["period"]).update(data_quality=ONE_CAVEAT)
    return reported


def test_a_caveated_figure_carries_its_caveat_in_the_content_and_others_do_not(caveated):
    content = build(caveated["period"], kind="draft", status_label="Draft for CMT")
    s1 = kpi(content, "S1-01")
    assert s1["data_quality_caveat"] == f"Not timely: {LATE_EXTRACT}."
    assert s1["data_quality_unmet"] == ["Timely"]
    assert kpi(content, "CNT-01")["data_quality_caveat"] == ""


def test_history_with_a_note_is_not_flagged(reported):
    """S2-01 shows its latest history (this quarter's return is a draft); history's note says
    where the figure came from and nobody attested it, so it is no caveat."""
    KpiReturn.objects.filter(kpi=reported["s2"], period__historic=True).update(data_quality_note="Imported history")
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    assert kpi(content, "S2-01")["data_quality_caveat"] == ""


def test_the_pack_and_the_priority_pdf_flag_the_caveat_with_its_note(caveated):
    content = build(caveated["period"], kind="draft", status_label="Draft for CMT")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pack(content))).pages)
    flat = " ".join(text.split())
    assert "Data quality caveat" in flat
    assert LATE_EXTRACT in flat
    assert LATE_EXTRACT in priority_html(content, "P1")


def test_a_report_made_before_the_caveat_keys_still_renders(caveated):
    """A frozen snapshot keeps the content it was built with: no keys, no flag, no error."""
    content = build(caveated["period"], kind="draft", status_label="Draft for CMT")
    for priority in content["priorities"]:
        for k in priority["kpis"]:
            del k["data_quality_caveat"], k["data_quality_unmet"]
    for exception in content["exceptions"]:
        exception["kpi"].pop("data_quality_caveat", None)
    assert "Data quality caveat" not in pack_html(content)
    assert "Data quality caveat" not in priority_html(content, "P1")


def test_the_dashboard_card_and_the_scorecard_flag_the_caveat(world, caveated):
    client = client_for(world, "performance_admin")
    period = caveated["period"].pk
    card = client.get(reverse("reporting:dashboard"), {"period": period}).content.decode()
    assert "Data quality caveat" in card
    assert LATE_EXTRACT in card
    scorecard = client.get(reverse("reporting:scorecard"), {"period": period}).content.decode()
    assert "Data quality caveat" in scorecard
    assert LATE_EXTRACT in scorecard


@pytest.fixture
def quarter(world):
    """S1-01 handed in a day late with a caveat, sent back once, then approved; S2-01 not
    available; an earlier published S1-01 figure revised."""
    period = world.kpis["period"]
    today = timezone.localdate()
    ReportingPeriod.objects.filter(pk=period.pk).update(return_deadline=today - datetime.timedelta(days=1))
    lead, admin = world.people["service_lead"], world.people["performance_admin"]
    s1 = world.kpis["return_s1"]
    saved = return_save(by=lead, kpi_return=s1, revision=0, entry=ReturnEntry(value=D("80"), commentary="c"))
    entry = ReturnEntry(data_quality=ONE_CAVEAT, data_quality_note="Estimated for one ward.")
    submitted = return_submit(by=lead, kpi_return=s1, revision=saved.kpi_return.revision, entry=entry)
    return_send_back(by=admin, kpi_return=submitted.kpi_return, reason="Say which ward was estimated")
    current = KpiReturn.objects.get(pk=s1.pk)
    again = return_submit(by=lead, kpi_return=current, revision=current.revision, entry=entry)
    return_approve(by=admin, kpi_return=again.kpi_return, quality_checked=True, quality_note="Seen the extract")
    s2 = world.kpis["return_s2"]
    return_mark_not_available(
        by=world.kpis["s2"].owner,
        kpi_return=s2,
        revision=0,
        reason="The national release is late",
        expected_date=today + datetime.timedelta(days=30),
    )
    ReportingPeriod.objects.filter(pk=period.pk).update(state=PeriodState.PUBLISHED)
    published = KpiReturn.objects.get(pk=s1.pk)
    return_revise(by=admin, kpi_return=published, reason="A duplicate case was counted twice", value=D("79.5"))
    return ReportingPeriod.objects.get(pk=period.pk)


def test_the_data_quality_report_holds_each_part_with_its_reasons(world, quarter):
    report = data_quality_report(quarter)
    (caveat,) = report["caveated"]
    assert (caveat["code"], caveat["unmet"]) == ("S1-01", [{"dimension": "Timely", "why": LATE_EXTRACT}])
    assert caveat["note"] == "Estimated for one ward."
    assert caveat["review"].endswith(": Seen the extract")
    (late,) = report["late"]
    assert (late["code"], late["days_late"]) == ("S1-01", 1)
    (sent_back,) = report["sent_back"]
    assert (sent_back["code"], sent_back["reason"]) == ("S1-01", "Say which ward was estimated")
    (revision,) = report["revisions"]
    assert (revision["old_text"], revision["new_text"]) == ("80.0%", "79.5%")
    assert revision["reason"] == "A duplicate case was counted twice"
    (missing,) = report["not_available"]
    assert (missing["code"], missing["reason"]) == ("S2-01", "The national release is late")


def test_a_return_not_submitted_by_the_deadline_is_late_and_one_not_available_is_not(world, quarter):
    from kpis.services.returns import return_for
    from tests.kpis.conftest import make_kpi

    return_for(make_kpi(world, "SILENT"), quarter)
    late = {row["code"]: row["when"] for row in data_quality_report(quarter)["late"]}
    assert late == {"S1-01": late["S1-01"], "SILENT": "Not submitted"}  # S2-01 is not available


def test_a_return_submitted_by_the_deadline_is_not_late(world, quarter):
    ReportingPeriod.objects.filter(pk=quarter.pk).update(return_deadline=timezone.localdate())
    assert data_quality_report(ReportingPeriod.objects.get(pk=quarter.pk))["late"] == []


def test_the_page_and_the_pdf_show_the_report(world, quarter):
    client = client_for(world, "cmt")
    page = client.get(reverse("reporting:data-quality", args=[quarter.pk])).content.decode()
    for words in (LATE_EXTRACT, "Say which ward was estimated", "A duplicate case was counted twice"):
        assert words in page
    response = client.get(reverse("reporting:data-quality-pdf", args=[quarter.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for words in ("Data quality report", LATE_EXTRACT, "The national release is late", "counted twice"):
        assert words in text
    assert reader.trailer["/Root"].get("/StructTreeRoot") is not None  # tagged, as the packs are
    assert render_data_quality(data_quality_report(quarter))[:5] == b"%PDF-"


def test_the_report_reads_the_same_few_queries_however_many_returns(world, quarter):
    """Three reads (the returns, their audit events, the revisions) for any number of KPIs."""
    from kpis.services.returns import return_for
    from tests.kpis.conftest import make_kpi
    from tests.querycount import assert_flat

    ReportingPeriod.objects.filter(pk=quarter.pk).update(state=PeriodState.OPEN)
    period = ReportingPeriod.objects.get(pk=quarter.pk)

    def grow():
        lead, admin = world.people["service_lead"], world.people["performance_admin"]
        for index in range(3):
            kpi_return = return_for(make_kpi(world, f"GROW-{index}"), period)
            entry = ReturnEntry(value=D("50"), commentary="c", data_quality=ONE_CAVEAT)
            saved = return_save(by=lead, kpi_return=kpi_return, revision=0, entry=entry, confirm_unusual=True)
            submitted = return_submit(by=lead, kpi_return=kpi_return, revision=saved.kpi_return.revision)
            return_send_back(by=admin, kpi_return=submitted.kpi_return, reason="Check it")

    assert_flat(lambda: data_quality_report(period), grow, pinned=3)
    assert len(data_quality_report(period)["sent_back"]) == 4
