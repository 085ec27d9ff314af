"""The committee report to Cabinet: a Word document written from the report's content alone,
read back with python-docx as an officer (and a screen reader) would meet it."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from kpis.models import KpiReturn, ReportingPeriod, Target
from reporting.committee_report import TO_COMPLETE, render_committee_report
from reporting.content import build, digest
from reporting.models import COMMITTEE_REPORT_KEY, FileAlreadyStored, Frozen, ReportFile, Snapshot, SnapshotKind
from reporting.rendering import build_files
from reporting.services import draft_build, report_publish
from tests.reporting.conftest import close_for_report
from tests.reporting.documents import docx_blocks, docx_text

AS_AT = datetime.datetime(2026, 1, 14, 9, 30, 5, tzinfo=datetime.UTC)
WORDS = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def red(world, reported):
    """S1-01, a Council Plan measure escalated in the world, turns Red against a raised
    target, with commentary (markup, kept as text) and actions in its return."""
    period, s1 = reported["period"], reported["s1"]
    Target.objects.filter(kpi=s1, for_date=period.end).update(value=Decimal("90"))
    KpiReturn.objects.filter(kpi=s1, period=period).update(actions="Two agency officers from January")
    return reported


@pytest.fixture
def content(red):
    return build(red["period"], kind="published", status_label="Published to Cabinet 14 January 2026", as_at=AS_AT)


def headings(data: bytes, level: int) -> list[str]:
    return [text for style, text in docx_blocks(data) if style == f"Heading {level}"]


def after(blocks: list[tuple[str, str]], heading: str) -> list[tuple[str, str]]:
    """The blocks under a heading, up to the next heading of any level."""
    start = next(i for i, (_style, text) in enumerate(blocks) if text == heading) + 1
    end = next((i for i in range(start, len(blocks)) if blocks[i][0].startswith("Heading")), len(blocks))
    return blocks[start:end]


def test_the_report_opens_in_word_with_its_sections_as_real_headings(content):
    data = render_committee_report(content)
    assert headings(data, 1) == [
        "1. Purpose of the report",
        "2. Recommendations",
        "3. Summary of performance",
        "4. Exceptions",
        "5. Decisions sought",
        "6. Financial implications",
        "7. Legal implications",
        "8. Equality implications",
        "9. Risk implications",
        "10. Background papers",
        "11. Contact officer",
    ]
    assert headings(data, 2) == [
        "RAG status by priority",
        "Direction of travel",
        "RAG changed since the previous period",
        "Open escalations",
        "S1-01 Cases closed in time (Service One)",
    ]
    blocks = docx_blocks(data)
    assert blocks[1] == ("Title", "Quarterly performance report to Cabinet, 2025/26 Q2")
    assert "Status: Published to Cabinet 14 January 2026" in docx_text(data)
    assert "Figures as at: 14 January 2026, 09:30" in docx_text(data)


def test_the_summary_gives_rag_by_priority_direction_changes_and_open_escalations(content):
    blocks = docx_blocks(render_committee_report(content))
    summary = content["summary"]
    (opening,) = [text for _s, text in after(blocks, "3. Summary of performance")]
    assert opening.startswith("3.1\t4 KPIs are reported against the Council Plan's priorities, each counted once: ")
    assert "1 Red" in opening
    assert f"{summary['improving']} improved" in opening
    (by_priority,) = [text for style, text in after(blocks, "RAG status by priority") if style == "table"]
    rows = by_priority.splitlines()
    assert rows[0] == "Priority | KPIs | " + " | ".join(
        f"{symbol} {label}" for symbol, label in zip("✕▲✓––", [r[1] for r in summary["rag"]], strict=False)
    )
    assert rows[1] == "The council | 4 | " + " | ".join(str(r[2]) for r in summary["rag"])
    assert [row.split(" | ")[0] for row in rows[2:]] == [f"{p['code']} {p['title']}" for p in content["priorities"]]
    (direction,) = [text for style, text in after(blocks, "Direction of travel") if style == "table"]
    assert f"↘ Worsening | {summary['worsening']}" in direction
    (changed,) = [text for style, text in after(blocks, "RAG changed since the previous period") if style == "table"]
    assert changed.splitlines()[1] == "S1-01 Cases closed in time (Service One) | ✓ Green | ✕ Red"
    (escalations,) = [text for style, text in after(blocks, "Open escalations") if style == "table"]
    assert [line.split(" | ")[0][:5] for line in escalations.splitlines()] == ["KPI", "S1-01", "S2-01"]
    assert "Open and overdue" in escalations


def test_each_exception_carries_its_commentary_actions_owner_and_escalation(world, content):
    data = render_committee_report(content)
    blocks = docx_blocks(data)
    heading = "S1-01 Cases closed in time (Service One)"
    lines = [text for _s, text in after(blocks, heading)]
    assert "Why it is an exception: Red" in lines
    assert "Council Plan priority: P1 Economic growth" in lines
    assert f"Owner: {world.people['service_lead'].display_name}" in lines
    (strip,) = [text for style, text in after(blocks, heading) if style == "table"]
    assert strip.splitlines()[0] == "Value | Target | RAG status | Since the previous period | Escalation"
    assert strip.splitlines()[1].startswith("82.5% (2025/26 Q2) | 90.0% | ✕ Red | ")
    assert "Open and overdue: " in strip
    # The commentary as written (markup is text in Word, never run), the actions, the escalation.
    assert after(blocks, "Commentary") == [("Normal", "<script>alert('x')</script> Better than planned")]
    assert after(blocks, "Actions") == [("Normal", "Two agency officers from January")]
    escalation = [text for _s, text in after(blocks, "Escalation")]
    assert "Why it was escalated: S1 off track" in escalation
    assert "Actions agreed: Recovery plan" in escalation


def test_the_decisions_sought_follow_from_the_exceptions(content):
    blocks = docx_blocks(render_committee_report(content))
    decisions = [text for _s, text in after(blocks, "5. Decisions sought")]
    assert decisions[0] == "Cabinet is asked to decide:"
    assert decisions[1].startswith(
        "5.1\twhether the actions on S1-01 Cases closed in time (Service One) (escalated to "
    )
    assert "open and overdue) are enough" in decisions[1]
    assert decisions[-1] == "5.2\twhether any other exception in section 4 needs further action."
    recommendations = [text for _s, text in after(blocks, "2. Recommendations")]
    assert "2.2\tnote the 1 exception set out in section 4 and the actions being taken on it;" in recommendations


def test_with_no_exceptions_the_report_says_so_and_asks_cabinet_to_note_it(reported):
    content = build(reported["period"], kind="published", status_label="Published", as_at=AS_AT)
    assert content["exceptions"] == []
    blocks = docx_blocks(render_committee_report(content))
    assert headings(render_committee_report(content), 2)[-1] == "Open escalations"
    assert [t for _s, t in after(blocks, "4. Exceptions")][-1].startswith("No exceptions this period")
    (decision,) = [t for _s, t in after(blocks, "5. Decisions sought")]
    assert decision.endswith("Cabinet is asked to note the report.")


def test_the_officer_completes_the_implications_the_background_papers_and_the_contact(content):
    data = render_committee_report(content)
    blocks = docx_blocks(data)
    for heading in ("6. Financial implications", "7. Legal implications", "8. Equality implications"):
        ((style, text),) = after(blocks, heading)
        assert text.startswith(f"[{TO_COMPLETE}: the ")
        assert text.endswith(".]")
    assert "risk register" in after(blocks, "9. Risk implications")[0][1]
    papers = [text for _s, text in after(blocks, "10. Background papers")]
    assert papers[0] == "10.1\tThe 2025/26 Q2 performance pack (PDF), published with this report."
    assert papers[1].endswith(f"SHA-256 {digest(content)}.")
    assert [text for _s, text in after(blocks, "11. Contact officer")] == [
        f"{label}: [{TO_COMPLETE}]" for label in ("Name", "Job title", "Email", "Telephone")
    ]


def test_tables_have_header_rows_and_the_document_a_title_a_language_and_a4_pages(content):
    document = Document(io.BytesIO(render_committee_report(content)))
    assert len(document.tables) == 5
    for table in document.tables:
        first, *rest = table._tbl.tr_lst
        assert first.trPr is not None
        assert first.trPr.find(qn("w:tblHeader")) is not None
        assert all(row.trPr is None or row.trPr.find(qn("w:tblHeader")) is None for row in rest)
        assert table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val"))
    properties = document.core_properties
    assert properties.title == "Quarterly performance report to Cabinet, 2025/26 Q2"
    assert (properties.author, properties.language) == ("Walsall Council", "en-GB")
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}").get(qn("w:val")) == "en-GB"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "Published to Cabinet 14 January 2026" in section.header.paragraphs[0].text


def test_the_same_content_gives_the_same_bytes_dated_by_its_as_at_not_by_when_it_was_rendered(content):
    first = render_committee_report(content)
    assert render_committee_report(content) == first
    properties = Document(io.BytesIO(first)).core_properties
    assert properties.created == properties.modified == AS_AT
    # Every entry of the Word file carries the content's time (London, GMT in January), not
    # the moment it was saved, which python-docx would write.
    entries = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert {info.date_time for info in entries} == {(2026, 1, 14, 9, 30, 4)}  # zip times are to two seconds
    # Nor a thumbnail of python-docx's blank template page standing for the report.
    assert "docProps/thumbnail.jpeg" not in {info.filename for info in entries}


def test_a_draft_says_so_at_the_top_and_on_every_page(admin_ready):
    admin, ready = admin_ready
    draft = draft_build(by=admin, period=ready["period"])
    data = render_committee_report(draft.content)
    assert "DRAFT for CMT: the figures may change before the report is published to Cabinet." in docx_text(data)
    assert "DRAFT for CMT" in Document(io.BytesIO(data)).sections[0].header.paragraphs[0].text


@pytest.fixture
def admin_ready(world, red):
    close_for_report(red["period"])
    return world.people["performance_admin"], red


def test_the_published_snapshot_lists_the_committee_report_and_its_checksum_covers_it(world, admin_ready, client):
    admin, ready = admin_ready
    snapshot = report_publish(by=admin, period=ready["period"])
    assert snapshot.build.files_total == 4  # two priorities, the pack and the committee report
    build = build_files(snapshot.pk)
    assert build.files_done == 4
    report_file = snapshot.files.get(key=COMMITTEE_REPORT_KEY)
    data = bytes(report_file.pdf)
    # The file is the one its frozen content gives: the snapshot's checksum covers the
    # content, and rendering that content again gives the file's bytes and checksum.
    stored = Snapshot.objects.get(pk=snapshot.pk)
    assert digest(stored.content) == stored.sha256
    assert hashlib.sha256(render_committee_report(stored.content)).hexdigest() == report_file.sha256
    assert hashlib.sha256(data).hexdigest() == report_file.sha256
    assert report_file.size == len(data)
    assert f"SHA-256 {stored.sha256}." in docx_text(data)
    assert "Two agency officers from January" in docx_text(data)

    client.force_login(world.people["cabinet"])
    page = client.get(reverse("reporting:snapshot", args=[snapshot.pk])).content.decode()
    download = reverse("reporting:file-download", args=[report_file.pk])
    assert f'href="{download}"' in page
    assert "The committee report to Cabinet, 2025/26 Q2 (Word document, " in page
    assert report_file.sha256 in page
    assert "4 files ready" in page
    response = client.get(download)
    assert response["Content-Type"] == WORDS
    assert response["Content-Disposition"] == 'attachment; filename="2025-26-Q2-committee-report.docx"'
    assert response["X-Content-SHA256"] == report_file.sha256
    assert response.content == data
    pack = client.get(reverse("reporting:file-download", args=[snapshot.files.get(key="pack").pk]))
    assert pack["Content-Type"] == "application/pdf"
    assert pack["Content-Disposition"].endswith('-pack.pdf"')


def test_a_drafts_committee_report_is_named_as_a_draft(admin_ready):
    admin, ready = admin_ready
    draft = draft_build(by=admin, period=ready["period"])
    build_files(draft.pk)
    assert draft.files.get(key=COMMITTEE_REPORT_KEY).filename == "DRAFT-2025-26-Q2-committee-report.docx"


def _insert(snapshot_id: int, key: str, kind: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reporting_reportfile (snapshot_id, kind, key, title, pdf, sha256, size, render_seconds,"
            " created_at) VALUES (%s, %s, %s, 'Forged', %s, 'x', 6, 0, now())",
            [snapshot_id, kind, key, b"forged"],
        )


def test_a_published_report_takes_its_committee_report_once_and_only_if_its_content_lists_it(admin_ready):
    """The rule in Python and in the trigger, held to the same cases: a report whose content
    has the summary and exceptions takes one committee report; one made before they existed
    takes none."""
    admin, ready = admin_ready
    snapshot = report_publish(by=admin, period=ready["period"])
    build_files(snapshot.pk)
    forged = {"title": "Forged", "pdf": b"forged", "sha256": "x", "size": 6}
    with pytest.raises(FileAlreadyStored, match="already has its 'committee-report' file"):
        ReportFile.objects.create(snapshot=snapshot, kind="committee", key=COMMITTEE_REPORT_KEY, **forged)
    with pytest.raises(DatabaseError, match="already has its 'committee-report' file"):
        _insert(snapshot.pk, COMMITTEE_REPORT_KEY, "committee")

    older = {k: v for k, v in snapshot.content.items() if k not in {"summary", "exceptions"}}
    earlier = Snapshot.objects.create(
        period=ReportingPeriod.objects.get(year=2024, quarter=2),  # a quarter of history
        kind=SnapshotKind.PUBLISHED,
        as_at=AS_AT,
        status_label="Published to Cabinet 14 April 2024",
        content=older,
        sha256=digest(older),
    )
    with pytest.raises(Frozen, match="has no 'committee-report' file"):
        ReportFile.objects.create(snapshot=earlier, kind="committee", key=COMMITTEE_REPORT_KEY, **forged)
    with pytest.raises(DatabaseError, match="has no 'committee-report' file"):
        _insert(earlier.pk, COMMITTEE_REPORT_KEY, "committee")
    with pytest.raises(DatabaseError, match="has no 'pack' file"):
        _insert(earlier.pk, "pack", "committee")  # the pack's key does not make a Word file the pack
    _insert(earlier.pk, "pack", "pack")
    assert list(earlier.files.values_list("key", flat=True)) == ["pack"]
