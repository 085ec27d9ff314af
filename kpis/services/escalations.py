"""Escalations to CMT, and the record of why a KPI Red two periods running was not escalated."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.policy import Capability, person_of
from audit.models import Action
from audit.services import audit_record, model_snapshot
from core.services import require
from core.validators import today_or_later
from kpis.models import Escalation, EscalationUpdate, Kpi, RedRunDecision, ReportingPeriod


@transaction.atomic
def escalation_raise(
    *, by, kpi: Kpi, period: ReportingPeriod, reason: str, actions: str, owner, due_date
) -> Escalation:
    require(by, Capability.ESCALATE, kpi.owning_service)
    problem = today_or_later(due_date)
    if problem:
        raise ValidationError({"due_date": problem})
    escalation = Escalation(
        kpi=kpi, period=period, raised_by=person_of(by), reason=reason, actions=actions, owner=owner, due_date=due_date
    )
    escalation.full_clean()
    escalation.save()
    audit_record(
        actor=by, action=Action.ESCALATION_RAISE, instance=escalation, after=model_snapshot(escalation), reason=reason
    )
    return escalation


@transaction.atomic
def escalation_add_update(*, by, escalation: Escalation, note: str) -> EscalationUpdate:
    require(by, Capability.ESCALATE, escalation.kpi.owning_service)
    if not note.strip():
        raise ValidationError({"note": "Enter the update"})
    update = EscalationUpdate(escalation=escalation, note=note, recorded_by=person_of(by))
    update.full_clean()
    update.save()
    audit_record(actor=by, action=Action.ESCALATION_UPDATE, instance=escalation, after={"update": note})
    return update


@transaction.atomic
def escalation_close(*, by, escalation: Escalation, resolution: str) -> Escalation:
    escalation = Escalation.objects.select_for_update().select_related("kpi__owning_service").get(pk=escalation.pk)
    require(by, Capability.ESCALATE, escalation.kpi.owning_service)
    if not escalation.is_open:
        return escalation
    if not resolution.strip():
        raise ValidationError({"resolution": "Say how the escalation was resolved"})
    before = model_snapshot(escalation, fields=["closed_at", "resolution"])
    escalation.closed_at, escalation.resolution = timezone.now(), resolution
    escalation.save(update_fields=["closed_at", "resolution"])
    audit_record(
        actor=by,
        action=Action.ESCALATION_CLOSE,
        instance=escalation,
        before=before,
        after=model_snapshot(escalation, fields=["closed_at", "resolution"]),
        reason=resolution,
    )
    return escalation


@transaction.atomic
def red_run_not_escalated(*, by, kpi: Kpi, period: ReportingPeriod, reason: str) -> RedRunDecision:
    require(by, Capability.ESCALATE, kpi.owning_service)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this KPI is not being escalated"})
    decision = RedRunDecision(kpi=kpi, period=period, reason=reason, recorded_by=person_of(by))
    decision.full_clean()
    decision.save()
    audit_record(
        actor=by, action=Action.RED_RUN_NOT_ESCALATED, instance=decision, after=model_snapshot(decision), reason=reason
    )
    return decision
