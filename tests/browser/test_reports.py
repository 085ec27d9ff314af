"""The quarterly report in a real browser, with a real worker making the PDFs: the admin
builds the draft and writes a narrative, a CMT member filters a dashboard and downloads a
priority PDF and the draft pack, the admin publishes, and a scrutiny member reads the
published pack and never reaches a provisional figure. axe and the CSP on every page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kpis.models import PeriodState, ReportingPeriod
from reporting.models import Snapshot, SnapshotKind
from tests.worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.processes, pytest.mark.timeout(300)]


def test_draft_report_dashboards_publication_and_the_scrutiny_view(demo, checked):
    page = checked.page
    period = ReportingPeriod.objects.current_open()
    with running_worker():
        # The performance admin closes the period, starts the draft report and builds it.
        checked.sign_in("imogen.hart")
        checked.goto(f"/periods/{period.pk}/")
        page.get_by_role("button", name="Close").click()
        checked.check()
        page.get_by_role("button", name="Start the draft report").click()
        checked.check()
        page.get_by_role("link", name=f"The {period.label} report").click()
        checked.check()
        page.get_by_role("link", name=re.compile("^Write")).first.click()
        checked.check()
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#id_text-error")).to_contain_text("Write the narrative for this priority")
        checked.check()
        page.get_by_label("Narrative").fill("<em>Steady</em> progress; two measures need attention.")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("<em>Steady</em> progress; two measures need attention.")).to_be_visible()
        checked.check()
        page.get_by_role("button", name="Build the draft report").click()
        expect(page.get_by_text(re.compile(r"\d+ files ready"))).to_be_visible(timeout=90_000)
        checked.check()
        checked.sign_out()

        # A CMT member filters the dashboard (the filters stay in the URL) and downloads PDFs.
        checked.sign_in("rosalind.adeyemi")
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboards").click()
        checked.check()
        page.get_by_role("link", name=re.compile("Every KPI")).click()
        checked.check()
        expect(page.get_by_text("Provisional").first).to_be_visible()
        page.get_by_label("RAG").select_option("green")
        expect(page).to_have_url(re.compile(r"rag=green"))
        expect(page.locator("#results h2").first).to_be_visible()
        checked.check()
        for rag in page.locator("#results .pmf-kpi-card .pmf-rag").all_inner_texts():
            assert "Green" in rag
        page.reload()
        expect(page.get_by_label("RAG")).to_have_value("green")  # bookmarkable
        checked.check()
        draft = Snapshot.objects.get(period=period, kind=SnapshotKind.DRAFT)
        checked.goto(f"/reports/{draft.pk}/")
        expect(page.get_by_text("DRAFT for CMT").first).to_be_visible()
        links = page.get_by_role("link", name=re.compile(r"\(PDF"))
        titles = links.all_inner_texts()
        for name in (titles[0], next(t for t in titles if "pack" in t)):
            with page.expect_download() as download:
                page.get_by_role("link", name=name).click()
            assert download.value.suggested_filename.startswith("DRAFT-")
        checked.sign_out()

        # The admin publishes.
        checked.sign_in("imogen.hart")
        checked.goto(f"/reports/periods/{period.pk}/")
        page.get_by_label("CMT has agreed the draft and it is ready for Cabinet").check()
        page.get_by_role("button", name=re.compile("^Publish the")).click()
        expect(page.get_by_text(f"{period.label} published")).to_be_visible()
        expect(page.get_by_text(re.compile(r"\d+ files ready"))).to_be_visible(timeout=90_000)
        checked.check()
        checked.sign_out()
    period.refresh_from_db()
    assert period.state == PeriodState.PUBLISHED

    # A scrutiny member reads the published pack, and no page they can reach is provisional.
    checked.sign_in("ibrahim.rahman")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    checked.check()
    page.get_by_role("link", name=f"{period.label} report").click()
    checked.check()
    expect(page.get_by_text(re.compile("Published to Cabinet")).first).to_be_visible()
    assert "Provisional" not in page.content()
    crawl_as_scrutiny(checked)


def crawl_as_scrutiny(checked) -> None:
    """Every page a scrutiny member can reach by following links: published reports only."""
    page = checked.page
    base = checked.base_url
    seen, queue = set(), ["/"]
    drafts = {f"/reports/{pk}/" for pk in Snapshot.objects.filter(kind=SnapshotKind.DRAFT).values_list("pk", flat=True)}
    while queue and len(seen) < 60:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = checked.goto(path)
        assert response.status == 200, path
        body = page.content()
        assert "Provisional" not in body, path
        assert "DRAFT for CMT" not in body, path
        assert path not in drafts
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(href)
            if target.netloc and f"{target.scheme}://{target.netloc}" != base:
                continue
            if not target.path.startswith("/") or target.path.startswith(("/reports/files/", "/accounts/sign-out")):
                continue
            if target.path.startswith("/api/") or target.path.endswith((".csv", ".json")):
                continue  # the API, and open data's files (downloads, not pages)
            queue.append(target.path)
    assert any(p.startswith("/reports/") for p in seen)
