"""The worker tells people: a lead's send-back reaches the service lead within one tick of
the outbox, even when Redis was down as it was saved, and a message delivered twice tells
nobody twice. A real worker, a real Redis, mail written to files."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import transaction

from devtools.ports import free_port
from kpis.data_quality import ALL_MET
from kpis.entry import ReturnEntry
from kpis.services.returns import return_approve, return_send_back, return_submit
from reporting.alerts import TASK
from reporting.models import Alert, OutboxMessage
from reporting.outbox import drain
from tests.reporting.test_faults import use_broker
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.processes, pytest.mark.timeout(150), pytest.mark.django_db(transaction=True)]


def _submit(world, kpi_return):
    kpi_return.refresh_from_db()
    return_submit(
        by=world.people["service_lead"],
        kpi_return=kpi_return,
        revision=kpi_return.revision,
        entry=ReturnEntry(value=D("85"), commentary="On track", data_quality=ALL_MET),
        confirm_unusual=True,
    )


def _mails(folder, words: str) -> int:
    """How many mails hold ``words``. Django's file backend names a file by the second and the
    connection's id, so two mails sent in one second may share a file: count the mails (each
    ends with a rule of dashes), not the files."""
    mails = [mail for path in folder.glob("*.log") for mail in path.read_text().split("-" * 79) if mail.strip()]
    return sum(words in mail for mail in mails)


def test_a_lead_s_send_back_reaches_the_service_lead_within_one_tick(world, tmp_path):
    from pmf.celery import app

    lead, service_lead = world.people["directorate_lead"], world.people["service_lead"]
    kpi_return = world.kpis["return_s1"]
    _submit(world, kpi_return)
    original = app.conf.broker_url
    use_broker(app, f"redis://127.0.0.1:{free_port()}/0")  # Redis down as the lead presses Send back
    try:
        with transaction.atomic():
            return_send_back(by=lead, kpi_return=kpi_return, reason="Check the September figure")
    finally:
        use_broker(app, original)
    message = OutboxMessage.objects.get(task=TASK, kwargs__kind="return_sent_back")
    assert message.sent_at is None
    assert not Alert.objects.exists()

    with running_worker(PMF_MAIL_DIR=str(tmp_path)) as worker:
        assert drain() == 1  # one tick's drain of the outbox
        wait_for(
            lambda: Alert.objects.filter(user=service_lead, emailed_at__isnull=False).exists(),
            worker=worker,
            timeout=30,
            what="telling the service lead",
        )
        # The same message again (a redelivery), then something new to know it has been read.
        app.send_task(message.task, kwargs=message.kwargs)
        _submit(world, kpi_return)
        return_approve(by=lead, kpi_return=kpi_return, quality_checked=True)
        wait_for(
            lambda: Alert.objects.filter(user=service_lead, text__startswith="Approved").exists(),
            worker=worker,
            timeout=30,
            what="telling of the approval",
        )
    assert Alert.objects.filter(user=service_lead, text__startswith="Sent back").count() == 1
    assert _mails(tmp_path, "Check the September figure") == 1
    assert _mails(tmp_path, f"To: {service_lead.email}") == 2
    assert not Alert.objects.filter(user=lead).exists()
