"""A Cabinet member takes the published report to the meeting: they open it, wait for the
worker to finish its files, and download the pack (PDF) and the committee report (Word). Both
are opened as a reader would (pypdf, python-docx) and hold the summary and an exception's
commentary. axe and the CSP on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reporting.models import Snapshot, SnapshotKind
from reporting.tasks import build_pdfs
from tests.reporting.documents import docx_blocks, docx_text, pdf_text
from tests.worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.processes, pytest.mark.timeout(300)]


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_cabinet_member_downloads_the_published_pack_and_the_committee_report(demo, checked):
    page = checked.page
    snapshot = Snapshot.objects.select_related("period").get(kind=SnapshotKind.PUBLISHED)
    content = snapshot.content
    exception = next(e for e in content["exceptions"] if e["kpi"]["commentary"].strip())
    label = snapshot.period.label
    with running_worker():
        build_pdfs.delay(snapshot.pk)  # the demo's own request went to a queue emptied since
        checked.sign_in("patricia.holloway")
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
        checked.check()
        published = page.get_by_role("row", name=re.compile(r"\bPublished\b"))  # not the draft beside it
        published.get_by_role("link", name=f"{label} report", exact=True).click()
        checked.check()
        expect(page.get_by_text(re.compile(r"\d+ files ready"))).to_be_visible(timeout=180_000)
        checked.check()

    downloads = {}
    for name, link in (
        ("pack", page.get_by_role("link", name=f"The whole {label} pack (PDF, ")),
        ("committee", page.get_by_role("link", name=f"The committee report to Cabinet, {label} (Word document, ")),
    ):
        with page.expect_download() as download:
            link.click()
        downloads[name] = (download.value.suggested_filename, Path(download.value.path()).read_bytes())
    period_name = label.replace("/", "-").replace(" ", "-")
    assert downloads["pack"][0] == f"{period_name}-pack.pdf"
    assert downloads["committee"][0] == f"{period_name}-committee-report.docx"

    # The pack: the executive summary, then the exception with its commentary.
    pack = one_line(pdf_text(downloads["pack"][1]))
    assert f"Executive summary {content['summary']['kpis']} KPIs" in pack
    assert one_line(exception["kpi"]["commentary"]) in pack

    # The committee report: the same summary and the same commentary, under Word headings.
    report = downloads["committee"][1]
    blocks = docx_blocks(report)
    headings = [text for style, text in blocks if style == "Heading 1"]
    assert headings[:5] == [
        "1. Purpose of the report",
        "2. Recommendations",
        "3. Summary of performance",
        "4. Exceptions",
        "5. Decisions sought",
    ]
    text = docx_text(report)
    assert f"The council | {content['summary']['kpis']} | " in text
    assert f"{content['summary']['kpis']} KPIs are reported against the Council Plan's priorities" in text
    title = f"{exception['code']} {exception['kpi']['title']}"
    under = [t for _s, t in blocks[[t for _s, t in blocks].index(title) :]]
    commentary = under.index("Commentary")
    assert under[commentary + 1] == exception["kpi"]["commentary"].splitlines()[0]
    assert snapshot.sha256 in text
