"""The report's files are built by a real worker after publication, from the snapshot alone:
the PDFs and the committee report."""

from __future__ import annotations

import hashlib
import io

import pytest
from docx import Document

from reporting.committee_report import render_committee_report
from reporting.models import BuildState, PdfBuild, Snapshot
from reporting.services import report_publish
from tests.reporting.conftest import close_for_report
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.processes, pytest.mark.timeout(150), pytest.mark.django_db(transaction=True)]


def test_a_real_worker_builds_every_file_of_a_published_report(world, reported):
    period = close_for_report(reported["period"])
    with running_worker() as worker:
        snapshot = report_publish(by=world.people["performance_admin"], period=period)
        build = PdfBuild.objects.get(snapshot=snapshot)
        wait_for(lambda: PdfBuild.objects.get(pk=build.pk).state == BuildState.DONE, worker=worker, timeout=120)
    files = {f.key: f for f in snapshot.files.all()}
    assert sorted(files) == ["P1", "P2", "committee-report", "pack"]
    for report_file in files.values():
        assert hashlib.sha256(bytes(report_file.pdf)).hexdigest() == report_file.sha256
    for key in ("P1", "P2", "pack"):
        assert bytes(files[key].pdf).startswith(b"%PDF-")
    # The worker's Word document is the one the frozen content gives, byte for byte.
    committee = bytes(files["committee-report"].pdf)
    assert committee == render_committee_report(Snapshot.objects.get(pk=snapshot.pk).content)
    headings = [p.text for p in Document(io.BytesIO(committee)).paragraphs if p.style.name == "Heading 1"]
    assert headings[2] == "3. Summary of performance"
    assert PdfBuild.objects.get(pk=build.pk).files_done == 4
