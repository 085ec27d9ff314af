"""The draft report, narratives, publication, and what a published report refuses to do."""

from __future__ import annotations

import io
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from accounts.policy import Capability
from audit.models import AuditEvent
from kpis.models import KpiReturn, PeriodState
from kpis.services.periods import period_advance
from kpis.workflow import TransitionRefused
from reporting.content import digest
from reporting.models import BuildState, Frozen, PdfBuild, ReportFile, Snapshot, SnapshotKind
from reporting.rendering import build_files
from reporting.services import draft_build, narrative_save, report_publish
from tests.reporting.conftest import SCRIPT, close_for_report


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def admin(world):
    return world.people["performance_admin"]


@pytest.fixture
def ready(reported):
    close_for_report(reported["period"])
    return reported


def test_the_draft_is_built_only_once_the_period_is_at_draft_report(admin, reported):
    with pytest.raises(TransitionRefused):
        draft_build(by=admin, period=reported["period"])


def test_building_the_draft_stores_its_content_with_a_checksum_and_rebuilding_replaces_it(admin, ready):
    first = draft_build(by=admin, period=ready["period"])
    assert first.sha256 == digest(first.content)
    assert first.build.files_total == 4  # two priorities, the pack and the committee report
    second = draft_build(by=admin, period=ready["period"])
    assert list(Snapshot.objects.filter(period=ready["period"]).values_list("pk", flat=True)) == [second.pk]
    event = AuditEvent.objects.filter(action="report:draft").latest("pk")
    assert event.after["replaced"] == [first.pk]


def test_the_worker_renders_every_pdf_once_even_when_run_twice(admin, ready):
    snapshot = draft_build(by=admin, period=ready["period"])
    build = build_files(snapshot.pk)
    assert (build.state, build.files_done, build.attempts) == (BuildState.DONE, 4, 1)
    build_files(snapshot.pk)
    files = {f.key: f for f in snapshot.files.all()}
    assert sorted(files) == ["P1", "P2", "committee-report", "pack"]
    assert "DRAFT" in pdf_text(bytes(files["P1"].pdf))
    assert "82.5%" in pdf_text(bytes(files["P1"].pdf))


@pytest.mark.django_db(transaction=True)
def test_a_build_sent_twice_waits_for_the_one_running_and_renders_nothing(admin, ready):
    """Two workers given the same build at once (a redelivery, a message the outbox sent
    again): the second waits until the first has finished, then finds the files stored."""
    from core import locks

    snapshot = draft_build(by=admin, period=ready["period"])
    holding, outcome = threading.Event(), []

    def first_worker():
        try:
            with locks.held(locks.PDF_BUILD, snapshot.pk):
                holding.set()
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and not someone_waits_for_a_lock():
                    time.sleep(0.05)
                outcome.append(someone_waits_for_a_lock())
                PdfBuild.objects.filter(snapshot=snapshot).update(state=BuildState.DONE)  # its work, done
        finally:
            connection.close()

    first = threading.Thread(target=first_worker)
    first.start()
    try:
        assert holding.wait(timeout=20)
        build = build_files(snapshot.pk)
    finally:
        first.join()
    assert outcome == [True], "the second delivery did not wait for the first"
    assert (build.state, build.attempts) == (BuildState.DONE, 0)
    assert not snapshot.files.exists()


def someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_narrative_with_markup_is_kept_as_text_and_is_audited(client, admin, ready):
    narrative_save(by=admin, period=ready["period"], node=ready["p1"], text="<b>Strong</b> quarter")
    snapshot = draft_build(by=admin, period=ready["period"])
    assert snapshot.content["priorities"][0]["narrative"] == "<b>Strong</b> quarter"
    client.force_login(admin)
    page = client.get(reverse("reporting:snapshot", args=[snapshot.pk])).content.decode()
    assert "&lt;b&gt;Strong&lt;/b&gt; quarter" in page
    assert "<script>alert" not in page
    assert SCRIPT.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;") in page
    assert AuditEvent.objects.filter(object_type="reporting.prioritynarrative").exists()


def test_a_narrative_is_only_for_a_priority_and_not_blank(admin, ready):
    with pytest.raises(ValidationError):
        narrative_save(by=admin, period=ready["period"], node=ready["p1"], text="  ")
    outcome = ready["p1"].children.get()
    with pytest.raises(ValidationError):
        narrative_save(by=admin, period=ready["period"], node=outcome, text="Not a priority")


def test_only_publishing_the_report_can_publish_a_period(admin, ready):
    with pytest.raises(TransitionRefused, match="report page"):
        period_advance(by=admin, period=ready["period"], to=PeriodState.PUBLISHED)


def test_publishing_freezes_the_report_and_renders_the_same_figures_again(admin, ready):
    snapshot = report_publish(by=admin, period=ready["period"])
    ready["period"].refresh_from_db()
    assert ready["period"].state == PeriodState.PUBLISHED
    assert snapshot.status_label.startswith("Published to Cabinet ")
    assert report_publish(by=admin, period=ready["period"]) == snapshot  # run twice: one snapshot
    build_files(snapshot.pk)
    pack = snapshot.files.get(key="pack")
    text = pdf_text(bytes(pack.pdf))
    assert "DRAFT" not in text
    # A figure revised in the database afterwards changes nothing in the published report.
    KpiReturn.objects.filter(kpi=ready["s1"], period=ready["period"]).update(value=10)
    from reporting.pdf import render_pack

    again = pdf_text(render_pack(Snapshot.objects.get(pk=snapshot.pk).content))
    assert "82.5%" in again
    assert again == text
    with pytest.raises(TransitionRefused):
        narrative_save(by=admin, period=ready["period"], node=ready["p1"], text="Too late")


def test_a_published_snapshot_and_its_files_cannot_change_through_the_orm_or_the_database(admin, ready):
    snapshot = report_publish(by=admin, period=ready["period"])
    build_files(snapshot.pk)
    snapshot.status_label = "Changed"
    with pytest.raises(Frozen):
        snapshot.save()
    with pytest.raises(Frozen):
        snapshot.delete()
    report_file = snapshot.files.first()
    with pytest.raises(Frozen):
        report_file.save()
    with pytest.raises(Frozen):
        report_file.delete()
    for attempt in (
        lambda: Snapshot.objects.filter(pk=snapshot.pk).update(content={}),
        lambda: Snapshot.objects.filter(pk=snapshot.pk).delete(),
        lambda: ReportFile.objects.filter(pk=report_file.pk).update(pdf=b"forged"),
        lambda: ReportFile.objects.filter(pk=report_file.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert Snapshot.objects.get(pk=snapshot.pk).content["priorities"]


def _file_sql(snapshot_id: int, key: str, kind: str = "priority") -> tuple[str, list]:
    return (
        "INSERT INTO reporting_reportfile (snapshot_id, kind, key, title, pdf, sha256, size, render_seconds,"
        " created_at) VALUES (%s, %s, %s, 'Forged', %s, 'x', 6, 0, now())",
        [snapshot_id, kind, key, b"forged"],
    )


def test_no_file_can_be_added_to_a_published_report_once_its_files_are_complete(admin, ready):
    snapshot = report_publish(by=admin, period=ready["period"])
    build_files(snapshot.pk)
    forged = {"kind": "priority", "title": "Forged", "pdf": b"forged", "sha256": "x", "size": 6}
    with pytest.raises(Frozen, match="has no 'EXTRA' file"):
        ReportFile.objects.create(snapshot=snapshot, key="EXTRA", **forged)
    with pytest.raises(Frozen, match="already has its 'P1' file"):
        ReportFile.objects.create(snapshot=snapshot, key="P1", **forged)
    for key in ("EXTRA", "P1", "pack"):
        with pytest.raises(DatabaseError, match="published report"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(*_file_sql(snapshot.pk, key))
    assert sorted(snapshot.files.values_list("key", flat=True)) == ["P1", "P2", "committee-report", "pack"]
    assert not snapshot.files.filter(title="Forged").exists()


def test_the_worker_can_still_store_a_published_reports_missing_files_and_nothing_else(admin, ready):
    snapshot = report_publish(by=admin, period=ready["period"])
    with pytest.raises(DatabaseError, match="has no 'EXTRA' file"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(*_file_sql(snapshot.pk, "EXTRA"))
    with pytest.raises(DatabaseError, match="pack"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(*_file_sql(snapshot.pk, "P1", kind="pack"))
    build = build_files(snapshot.pk)
    assert (build.state, build.files_done) == (BuildState.DONE, 4)


def test_a_draft_cannot_become_published_by_changing_it(admin, ready):
    """Otherwise a draft given any files it liked could be turned into the published report."""
    draft = draft_build(by=admin, period=ready["period"])
    with pytest.raises(DatabaseError, match="published when it is created"), transaction.atomic():
        Snapshot.objects.filter(pk=draft.pk).update(kind=SnapshotKind.PUBLISHED)
    draft.kind = SnapshotKind.PUBLISHED
    with pytest.raises(Frozen, match="published when it is created"):
        draft.save()
    Snapshot.objects.filter(pk=draft.pk).update(status_label="Draft for CMT, second look")


def test_the_admin_and_the_api_offer_no_way_to_change_a_snapshot(admin, ready, client):
    snapshot = report_publish(by=admin, period=ready["period"])
    client.force_login(admin)
    url = reverse("api:report-detail", args=[snapshot.pk])
    assert client.get(url).json()["sha256"] == snapshot.sha256
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(url, {}, content_type="application/json").status_code == 405
    assert client.post(reverse("api:report-list"), {}).status_code == 405
    change = client.post(f"/admin/reporting/snapshot/{snapshot.pk}/change/", {"status_label": "x"})
    assert change.status_code in {403, 404}
    assert Snapshot.objects.get(pk=snapshot.pk).status_label == snapshot.status_label


def test_scrutiny_sees_published_reports_and_never_a_draft_or_the_live_dashboards(world, admin, ready, client):
    draft = draft_build(by=admin, period=ready["period"])
    client.force_login(world.people["scrutiny"])
    assert client.get(reverse("reporting:snapshot", args=[draft.pk])).status_code == 404
    assert client.get(reverse("reporting:dashboard")).status_code == 403
    published = report_publish(by=admin, period=ready["period"])
    assert client.get(reverse("reporting:snapshot", args=[published.pk])).status_code == 200
    listed = client.get(reverse("reporting:report-list")).content.decode()
    assert reverse("reporting:snapshot", args=[published.pk]) in listed
    assert (
        Snapshot.objects.restrict(world.people["scrutiny"], Capability.VIEW_PUBLISHED_REPORTS)
        .filter(kind=SnapshotKind.DRAFT)
        .count()
        == 0
    )


def test_the_admin_builds_and_publishes_from_the_report_page(world, admin, ready, client):
    client.force_login(admin)
    period = ready["period"]
    response = client.post(reverse("reporting:draft-build", args=[period.pk]))
    assert response.status_code == 302
    page = client.get(reverse("reporting:report", args=[period.pk])).content.decode()
    assert "S2-01" in page  # unapproved when the draft was built
    assert "Building the files" in page or "ready" in page
    refused = client.post(reverse("reporting:publish", args=[period.pk]))  # not confirmed
    assert refused.status_code == 302
    assert not Snapshot.objects.filter(kind=SnapshotKind.PUBLISHED).exclude(period__year=2018)
    client.post(reverse("reporting:publish", args=[period.pk]), {"confirm": "yes"})
    assert Snapshot.objects.filter(period=period, kind=SnapshotKind.PUBLISHED).count() == 1


def test_a_failed_build_is_reported_on_the_page_not_left_spinning(world, admin, ready, client, monkeypatch):
    from reporting import pdf, rendering
    from reporting.rendering import record_failure

    snapshot = draft_build(by=admin, period=ready["period"])

    def broken(*args, **kwargs):
        raise RuntimeError("the fonts are missing")

    monkeypatch.setattr(pdf, "render_priority", broken)
    with pytest.raises(RuntimeError):
        rendering.build_files(snapshot.pk)
    record_failure(snapshot.pk, RuntimeError("the fonts are missing"), final=True)
    client.force_login(world.people["cmt"])
    page = client.get(reverse("reporting:snapshot-progress", args=[snapshot.pk])).content.decode()
    assert "The report's files could not be built" in page
    assert "the fonts are missing" in page
    assert "hx-trigger" not in page  # no more polling


def test_a_figure_revised_after_publication_shows_old_new_and_why_in_the_next_report(world, admin, ready, client):
    from kpis.models import ReportingPeriod
    from kpis.services.returns import return_revise

    published = report_publish(by=admin, period=ready["period"])
    kpi_return = KpiReturn.objects.get(kpi=ready["s1"], period=ready["period"])
    with pytest.raises(ValidationError) as error:
        return_revise(by=admin, kpi_return=kpi_return, reason=" ", value=Decimal(85))
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        return_revise(by=world.people["service_lead"], kpi_return=kpi_return, reason="Typo", value=Decimal(85))
    client.force_login(admin)
    kpi_page = client.get(reverse("kpis:kpi-detail", kwargs={"code": ready["s1"].code})).content.decode()
    assert reverse("kpis:return-revise", args=[kpi_return.pk]) in kpi_page  # the page offers what the table allows
    response = client.post(
        reverse("kpis:return-revise", args=[kpi_return.pk]), {"value": "85", "reason": "Late cases were added"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="return:revise", reason="Late cases were added").exists()
    assert Snapshot.objects.get(pk=published.pk).content == published.content
    following = ReportingPeriod.objects.create(
        year=2025, quarter=3, state=PeriodState.DRAFT_REPORT, **ReportingPeriod.default_dates(2025, 3)
    )
    draft = draft_build(by=admin, period=following)
    assert draft.content["revisions"] == [
        {
            "code": "S1-01",
            "title": ready["s1"].title,
            "data_period_label": "2025/26 Q2",
            "old_text": "82.5%",
            "new_text": "85.0%",
            "reason": "Late cases were added",
            "revised_on": draft.content["revisions"][0]["revised_on"],
        }
    ]
    page = client.get(reverse("reporting:snapshot", args=[draft.pk])).content.decode()
    assert "Figures revised since the last report" in page
    from reporting.pdf import render_pack

    text = pdf_text(render_pack(draft.content))
    assert "Figures revised since the last report" in text
    assert "Late cases were added" in text
