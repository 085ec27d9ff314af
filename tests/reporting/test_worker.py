"""The PDFs are built by a real worker after publication, from the snapshot alone."""

from __future__ import annotations

import hashlib

import pytest

from reporting.models import BuildState, PdfBuild
from reporting.services import report_publish
from tests.reporting.conftest import close_for_report
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.processes, pytest.mark.timeout(150), pytest.mark.django_db(transaction=True)]


def test_a_real_worker_builds_every_pdf_of_a_published_report(world, reported):
    period = close_for_report(reported["period"])
    with running_worker() as worker:
        snapshot = report_publish(by=world.people["performance_admin"], period=period)
        build = PdfBuild.objects.get(snapshot=snapshot)
        wait_for(lambda: PdfBuild.objects.get(pk=build.pk).state == BuildState.DONE, worker=worker, timeout=120)
    files = list(snapshot.files.all())
    assert sorted(f.key for f in files) == ["P1", "P2", "pack"]
    for report_file in files:
        assert hashlib.sha256(bytes(report_file.pdf)).hexdigest() == report_file.sha256
        assert bytes(report_file.pdf).startswith(b"%PDF-")
