"""A subject access export holds the person's data and nobody else's, and is audited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from axes.models import AccessLog
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from planning.models import CicObjective, CicProgressNote
from privacy.subject_access import subject_access_export
from reporting.models import Notification
from tests.conftest import client_for


@pytest.fixture
def person(world):
    """The person with no role: a CIC objective with a note from their manager, a
    notification, a sign-in; and someone else with the same kinds of data."""
    person = world.people["no_role"]
    CicProgressNote.objects.create(
        cic_objective=world.thread["cic"],
        date="2025-07-01",
        note="Good progress on joins",
        recorded_by=person.line_manager,
    )
    other = world.people["cmt"]
    other_cic = CicObjective.objects.create(employee=other, objective=world.thread["s1_objective"], title="Other aim")
    CicProgressNote.objects.create(cic_objective=other_cic, date="2025-07-01", note="Someone else's note")
    Notification.objects.create(user=person, day="2025-07-01", subject="Your returns are due", items=[["S1-01", "/"]])
    Notification.objects.create(user=other, day="2025-07-01", subject="Someone else's reminder")
    AccessLog.objects.create(username=person.username, ip_address="10.0.0.7", user_agent="Firefox", path_info="/")
    AccessLog.objects.create(username=other.username, ip_address="10.0.0.9", user_agent="Edge", path_info="/")
    return person


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_export_holds_the_persons_data_and_not_others(world, person):
    client = client_for(world, "performance_admin")
    response = client.post(reverse("privacy:subject-access", kwargs={"pk": person.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = _archive(response)
    data = json.loads(archive.read("personal-data.json"))
    assert data["profile"][0]["username"] == "no_role"
    assert [row["title"] for row in data["cic_objectives"]] == ["Learn SQL"]
    assert [row["note"] for row in data["cic_progress_notes"]] == ["Good progress on joins"]
    assert [row["subject"] for row in data["notifications"]] == ["Your returns are due"]
    assert [row["ip_address"] for row in data["sign_ins"]] == ["10.0.0.7"]
    text = archive.read("personal-data.json").decode() + "".join(
        archive.read(name).decode() for name in archive.namelist()
    )
    for elsewhere in ("Other aim", "Someone else's note", "Someone else's reminder", "10.0.0.9"):
        assert elsewhere not in text
    assert "Learn SQL" in archive.read("cic_objectives.csv").decode()


def test_the_owner_of_kpis_returns_and_escalations_gets_them(world):
    lead = world.people["service_lead"]
    archive = _archive(
        client_for(world, "performance_admin").post(reverse("privacy:subject-access", kwargs={"pk": lead.pk}))
    )
    data = json.loads(archive.read("personal-data.json"))
    assert [row["code"] for row in data["kpis_owned"]] == [world.kpis["s1"].code]
    assert [row["kpi"] for row in data["escalations"]] == [world.kpis["s1"].code]
    assert [row["role"] for row in data["roles"]] == ["service_lead"]
    assert [row["title"] for row in data["objectives_owned"]] == [world.thread["s1_objective"].title]


def test_the_export_is_audited_without_its_content(world, person):
    admin = world.people["performance_admin"]
    client_for(world, "performance_admin").post(reverse("privacy:subject-access", kwargs={"pk": person.pk}))
    event = AuditEvent.objects.get(action="subject_access:export")
    assert (event.actor_id, event.object_type, event.object_id) == (admin.pk, "accounts.user", str(person.pk))
    assert event.after["rows"]["cic_objectives"] == 1
    assert "Learn SQL" not in json.dumps(event.after) + event.reason


def test_reading_the_page_records_nothing_and_shows_the_counts(world, person):
    response = client_for(world, "performance_admin").get(reverse("privacy:subject-access", kwargs={"pk": person.pk}))
    assert response.status_code == 200
    assert "CIC objectives" in response.content.decode()
    assert not AuditEvent.objects.filter(action="subject_access:export").exists()


def test_the_service_refuses_anyone_without_the_capability(world, person):
    with pytest.raises(PermissionDenied):
        subject_access_export(by=world.people["cmt"], person=person)
    assert not AuditEvent.objects.filter(action="subject_access:export").exists()


def test_the_persons_page_links_to_the_export(world, person):
    body = (
        client_for(world, "performance_admin")
        .get(reverse("organisation:person-detail", kwargs={"pk": person.pk}))
        .content.decode()
    )
    assert reverse("privacy:subject-access", kwargs={"pk": person.pk}) in body
