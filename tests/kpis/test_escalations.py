"""CMT acts on an escalation (a decision, a request for an update, closing it), audited and
told; the owner of its actions is someone who works in the service concerned."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from kpis.models import EscalationUpdateKind
from kpis.services.escalations import (
    escalation_ask_update,
    escalation_close,
    escalation_decide,
    escalation_raise,
)
from reporting.alerts import TASK, deliver
from reporting.models import Alert, OutboxMessage


def _told(kind: str) -> set[str]:
    deliver(**OutboxMessage.objects.filter(task=TASK, kwargs__kind=kind).latest("pk").kwargs)
    return set(Alert.objects.values_list("user__username", flat=True))


def test_cmt_records_a_decision_audited_and_told_to_the_owner_and_who_raised_it(world):
    escalation = world.kpis["escalation_s1"]
    update = escalation_decide(by=world.people["cmt"], escalation=escalation, decision="Fund two more officers")
    assert update.kind == EscalationUpdateKind.DECISION
    event = AuditEvent.objects.get(action="escalation:decide")
    assert event.after == {"decision": "Fund two more officers"}
    assert event.actor_name == world.people["cmt"].display_name
    assert _told("escalation_decided") == {"service_lead", "performance_admin"}
    assert "Fund two more officers" in Alert.objects.get(user=world.people["service_lead"]).text


def test_cmt_asks_for_an_update_then_closes_it_with_a_resolution(world):
    escalation = world.kpis["escalation_s1"]
    cmt = world.people["cmt"]
    asked = escalation_ask_update(by=cmt, escalation=escalation, request="Where is the recovery plan?")
    assert asked.kind == EscalationUpdateKind.REQUEST
    assert AuditEvent.objects.filter(action="escalation:ask_update").count() == 1
    assert "service_lead" in _told("escalation_update_asked")
    with pytest.raises(ValidationError):
        escalation_close(by=cmt, escalation=escalation, resolution=" ")
    closed = escalation_close(by=cmt, escalation=escalation, resolution="Back on target")
    assert not closed.is_open
    assert AuditEvent.objects.get(action="escalation:close").reason == "Back on target"
    with pytest.raises(ValidationError):
        escalation_decide(by=cmt, escalation=escalation, decision="Too late")


@pytest.mark.parametrize("persona", ["directorate_lead", "cabinet", "service_lead"])
def test_only_cmt_and_admins_act_for_cmt(world, persona):
    with pytest.raises(PermissionDenied):
        escalation_decide(by=world.people[persona], escalation=world.kpis["escalation_s1"], decision="No")


def test_the_cmt_form_on_the_escalation_page(world, clients):
    escalation = world.kpis["escalation_s1"]
    url = reverse("kpis:escalation-cmt", kwargs={"pk": escalation.pk})
    page = clients["cmt"].get(reverse("kpis:escalation-detail", kwargs={"pk": escalation.pk})).content.decode()
    assert url in page
    assert (
        url
        not in clients["cabinet"].get(reverse("kpis:escalation-detail", kwargs={"pk": escalation.pk})).content.decode()
    )
    empty = clients["cmt"].post(url, {"action": "decide", "note": ""})
    assert empty.status_code == 200
    assert "Enter the decision, the question or the resolution" in empty.content.decode()
    done = clients["cmt"].post(url, {"action": "decide", "note": "Fund two more officers"}, follow=True)
    assert "Fund two more officers" in done.content.decode()
    assert "CMT decision" in done.content.decode()
    assert clients["directorate_lead"].post(url, {"action": "decide", "note": "x"}).status_code == 403


def test_the_owner_list_offers_staff_of_the_service_not_councillors(world, clients):
    kpi = world.kpis["s1"]
    page = clients["directorate_lead"].get(reverse("kpis:escalation-create", kwargs={"code": kpi.code}))
    offered = {user.username for user in page.context["form"].fields["owner"].queryset}
    assert offered == {"service_lead", "no_role"}  # the service's lead and a member of its team
    with pytest.raises(ValidationError) as refused:
        escalation_raise(
            by=world.people["directorate_lead"],
            kpi=kpi,
            period=world.kpis["period"],
            reason="Red twice",
            actions="Plan",
            owner=world.people["scrutiny"],
            due_date=datetime.date.today() + datetime.timedelta(days=30),
        )
    assert "owner" in refused.value.message_dict


def test_raising_an_escalation_tells_cmt(world):
    escalation_raise(
        by=world.people["directorate_lead"],
        kpi=world.kpis["s1"],
        period=world.kpis["period"],
        reason="Red twice",
        actions="Plan",
        owner=world.people["service_lead"],
        due_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    assert _told("escalation_raised") == {"cmt", "service_lead"}
