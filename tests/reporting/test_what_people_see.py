"""What people read on the pages that show figures: the status said once, no literal "None",
the scrutiny home page pointing at published reports, real checkboxes, and the commentary and
actions of an approved return wherever its figure is shown."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.policy import SYSTEM
from kpis.models import KpiReturn, ReturnState
from kpis.services.returns import return_for
from reporting.content import build
from reporting.pdf import render_pack, render_priority
from reporting.services import report_publish
from tests.kpis.conftest import make_kpi
from tests.reporting.conftest import close_for_report


def card(page: str, code: str) -> str:
    """One KPI's card on a dashboard or report page."""
    start = page.index(f'id="kpi-{code}"') if f'id="kpi-{code}"' in page else page.index(f'-{code}"')
    return page[start : page.index("</section>", start)]


def test_the_status_tag_is_a_word_or_two_and_the_sentence_is_not_repeated(world, reported, clients):
    page = clients["performance_admin"].get(reverse("reporting:dashboard")).content.decode()
    missing = card(page, reported["s2"].code)  # its return is a draft: due and not approved
    tag = re.search(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>', missing).group(1)
    assert tag == "Missing"
    assert "…" not in missing
    assert missing.count("ue this period and not approved") == 1
    assert "Due this period and not approved" in missing


def test_the_review_queue_says_no_target_rather_than_none(world, clients):
    kpi = make_kpi(world, "NOTGT")  # no target set
    kpi_return = return_for(kpi, world.kpis["period"])
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.SUBMITTED, value=Decimal("12.5"))
    page = clients["performance_admin"].get(reverse("kpis:review-queue")).content.decode()
    row = page[page.index("NOTGT") :]
    row = row[: row.index("</tr>")]
    assert "12.5" in row
    assert ">None<" not in row
    assert "No target" in row


def test_the_scrutiny_home_page_lists_the_published_report(world, reported, client):
    close_for_report(reported["period"])
    client.force_login(world.people["scrutiny"])
    snapshot = report_publish(by=world.people["performance_admin"], period=reported["period"])
    page = client.get(reverse("home")).content.decode()
    assert "No quarterly report has been published" not in page
    assert reverse("reporting:snapshot", args=[snapshot.pk]) in page
    assert f"{reported['period'].label} quarterly report" in page


def test_a_checkbox_on_the_kpi_form_is_a_gov_uk_checkbox(world, clients):
    page = clients["performance_admin"].get(reverse("kpis:kpi-create")).content.decode()
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', page)
    assert boxes, "the KPI form has checkboxes (statutory, Council Plan measure)"
    for box in boxes:
        assert 'class="govuk-checkboxes__input"' in box, box
        name = re.search(r'id="([^"]+)"', box).group(1)
        item = page[: page.index(box)].rsplit("<div", 1)[1]
        assert 'class="govuk-checkboxes__item"' in item, name
        assert re.search(rf'<label class="govuk-label govuk-checkboxes__label" for="{name}">', page), name


@pytest.fixture
def explained(world, reported):
    """s1's approved figure with commentary and actions, as a service lead writes them."""
    KpiReturn.objects.filter(kpi=reported["s1"], period=reported["period"]).update(
        commentary="Two more caseworkers since July.", actions="Weekly review of open cases."
    )
    return reported


def test_the_dashboard_shows_the_commentary_and_actions_of_the_figure_shown(world, explained, clients):
    page = clients["performance_admin"].get(reverse("reporting:dashboard")).content.decode()
    shown = card(page, explained["s1"].code)
    assert "Two more caseworkers since July." in shown
    assert "Weekly review of open cases." in shown
    # A figure with none says which figure has none, not just "None given".
    other = card(page, explained["counted"].code)
    label = KpiReturn.objects.get(kpi=explained["counted"], period=explained["period"]).data_period_label
    assert f"None given with the {label} figure" in other


def test_the_published_report_and_its_pdfs_print_the_commentary_and_actions(world, explained, client):
    close_for_report(explained["period"])
    snapshot = report_publish(by=world.people["performance_admin"], period=explained["period"])
    client.force_login(world.people["scrutiny"])
    page = client.get(reverse("reporting:snapshot", args=[snapshot.pk])).content.decode()
    assert "Two more caseworkers since July." in page
    assert "Weekly review of open cases." in page
    for data in (render_pack(snapshot.content), render_priority(snapshot.content, explained["p1"].code)):
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
        assert "Two more caseworkers since July." in text
        assert "Weekly review of open cases." in text
    assert build(explained["period"], kind="draft", status_label="Draft")["priorities"]


def test_of_two_figures_for_one_data_period_the_one_approved_last_is_shown_with_its_commentary(world, reported):
    """History loaded for a data period, then a figure approved for the same data period in a
    later quarter: the dashboard shows the one approved last, with its commentary."""
    import datetime

    from django.utils import timezone

    from kpis.data_periods import DataPeriod
    from kpis.models import Kpi, ReportingPeriod
    from kpis.services.returns import return_backfill
    from reporting.selectors import report_rows

    kpi = make_kpi(world, "TWICE")
    data_period = DataPeriod("2023/24 outturn", datetime.date(2023, 4, 1), datetime.date(2024, 3, 31))
    first, second = (ReportingPeriod.objects.get(year=2024, quarter=quarter) for quarter in (2, 3))
    loaded = return_backfill(by=SYSTEM, kpi=kpi, period=first, value=Decimal("70"), data_period=data_period)
    approved = return_backfill(by=SYSTEM, kpi=kpi, period=second, value=Decimal("71"), data_period=data_period)
    KpiReturn.objects.filter(pk=loaded.pk).update(approved_at=timezone.now() - datetime.timedelta(days=30))
    KpiReturn.objects.filter(pk=approved.pk).update(commentary="Checked against the audited accounts.")
    _, rows = report_rows(reported["period"], plan=None, kpis=Kpi.objects.filter(pk=kpi.pk))
    assert rows[0].shown.pk == approved.pk
    assert rows[0].shown.commentary == "Checked against the audited accounts."
