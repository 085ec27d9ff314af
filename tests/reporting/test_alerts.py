"""A return sent back, approved or revised, and an escalation acted on, tell the people it
concerns at once (in the app and by email) and in the daily message; each person chooses."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse

from accounts.policy import SYSTEM
from kpis.data_quality import ALL_MET
from kpis.entry import ReturnEntry
from kpis.services.periods import period_create
from kpis.services.returns import (
    return_approve,
    return_backfill,
    return_revise,
    return_send_back,
    return_submit,
)
from reporting import cycle
from reporting.alerts import TASK, deliver, notification_preference_set
from reporting.models import Alert, Notification, OutboxMessage, Timing


def _submitted(world):
    kpi_return = world.kpis["return_s1"]
    kpi_return.refresh_from_db()
    return_submit(
        by=world.people["service_lead"],
        kpi_return=kpi_return,
        revision=kpi_return.revision,
        entry=ReturnEntry(value=D("85"), commentary="On track", data_quality=ALL_MET),
        confirm_unusual=True,
    )
    return kpi_return


def _event(kind: str) -> dict:
    message = OutboxMessage.objects.filter(task=TASK, kwargs__kind=kind).latest("pk")
    return message.kwargs


def test_a_send_back_is_an_outbox_event_written_with_the_change(world):
    kpi_return = _submitted(world)
    assert not OutboxMessage.objects.filter(task=TASK).exists()
    return_send_back(by=world.people["directorate_lead"], kpi_return=kpi_return, reason="Check September")
    event = _event("return_sent_back")
    assert event["return_id"] == kpi_return.pk
    assert event["by"] == world.people["directorate_lead"].pk


def test_the_service_lead_hears_of_a_send_back_at_once_in_the_app_by_email_and_in_the_digest(world, clients):
    kpi_return = _submitted(world)
    return_send_back(by=world.people["directorate_lead"], kpi_return=kpi_return, reason="Check September")
    deliver(**_event("return_sent_back"))

    lead = world.people["service_lead"]
    alert = Alert.objects.get(user=lead)
    assert alert.immediate
    assert alert.emailed_at is not None
    assert "Check September" in alert.text
    assert [m.to for m in mail.outbox] == [[lead.email]]
    assert "Check September" in mail.outbox[0].body
    assert any("Check September" in text for text, _ in Notification.objects.get(user=lead).items)
    assert not Alert.objects.filter(user=world.people["directorate_lead"]).exists()  # who did it is not told
    page = clients["service_lead"].get(reverse("reporting:notifications")).content.decode()
    assert "Check September" in page


def test_a_second_delivery_tells_nobody_twice(world):
    kpi_return = _submitted(world)
    return_send_back(by=world.people["directorate_lead"], kpi_return=kpi_return, reason="Check September")
    event = _event("return_sent_back")
    assert deliver(**event) == 1
    assert deliver(**event) == 0
    assert len(mail.outbox) == 1
    assert Alert.objects.count() == 1
    lead = world.people["service_lead"]
    lines = Notification.objects.get(user=lead).items
    assert len([text for text, _ in lines if "Check September" in text]) == 1


def test_someone_who_chose_daily_hears_only_in_the_daily_message(world):
    lead = world.people["service_lead"]
    notification_preference_set(by=lead, timing=Timing.DAILY)
    kpi_return = _submitted(world)
    return_send_back(by=world.people["directorate_lead"], kpi_return=kpi_return, reason="Check September")
    deliver(**_event("return_sent_back"))
    assert not mail.outbox
    assert not Alert.objects.get(user=lead).immediate
    assert cycle.notifications.send_due() == 1
    assert "Check September" in mail.outbox[0].body


def test_an_approval_tells_the_person_who_submitted_it(world):
    kpi_return = _submitted(world)
    return_approve(by=world.people["directorate_lead"], kpi_return=kpi_return, quality_checked=True)
    deliver(**_event("return_approved"))
    assert Alert.objects.get(user=world.people["service_lead"]).text.startswith("Approved: S1-01")


def test_a_revision_after_publication_tells_the_owner_and_the_directorate_lead(world):
    historic = period_create(by=SYSTEM, year=2019, quarter=1, historic=True)
    kpi_return = return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=historic, value=D("70"))
    return_revise(by=world.people["performance_admin"], kpi_return=kpi_return, reason="Miscounted", value=D("72"))
    deliver(**_event("return_revised"))
    told = set(Alert.objects.values_list("user__username", flat=True))
    assert told == {"service_lead", "directorate_lead"}
    assert "Miscounted" in Alert.objects.first().text


def test_the_preference_page_changes_the_signed_in_persons_choice(world, clients):
    url = reverse("reporting:notification-settings")
    page = clients["service_lead"].get(url)
    assert page.status_code == 200
    assert 'value="immediate" checked' in page.content.decode()
    response = clients["service_lead"].post(url, {"timing": "daily"})
    assert response.status_code == 302
    assert world.people["service_lead"].notification_preference.timing == Timing.DAILY
    assert clients["service_lead"].post(url, {"timing": "hourly"}).status_code == 200
    assert world.people["service_lead"].notification_preference.timing == Timing.DAILY


def test_an_event_is_refused_outside_a_transaction():
    from core import events

    with pytest.raises(RuntimeError):
        events.emit(events.Kind.RETURN_APPROVED, return_id=1)
