"""Escalations to CMT, and the record of why a KPI Red two periods running was not escalated.

A directorate lead raises an escalation and keeps it up to date; CMT acts on it: records its
decision, asks for an update, or closes it with a resolution. Each is audited, and the people
the escalation concerns hear of it at once (``core.events``; reporting tells them).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.policy import Capability, can, person_of
from audit.models import Action
from audit.services import audit_record, model_snapshot
from core import events
from core.services import require
from core.validators import today_or_later
from kpis.models import Escalation, EscalationUpdate, EscalationUpdateKind, Kpi, RedRunDecision, ReportingPeriod
from kpis.selectors import escalation_owners


def _tell(kind: str, escalation: Escalation, by, note: str = "") -> None:
    events.emit(kind, escalation_id=escalation.pk, by=getattr(person_of(by), "pk", None), note=note)


@transaction.atomic
def escalation_raise(
    *, by, kpi: Kpi, period: ReportingPeriod, reason: str, actions: str, owner, due_date
) -> Escalation:
    require(by, Capability.ESCALATE, kpi.owning_service)
    problem = today_or_later(due_date)
    if problem:
        raise ValidationError({"due_date": problem})
    if owner is not None and not escalation_owners(kpi).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"Choose someone who works in {kpi.owning_service.name}"})
    escalation = Escalation(
        kpi=kpi, period=period, raised_by=person_of(by), reason=reason, actions=actions, owner=owner, due_date=due_date
    )
    escalation.full_clean()
    escalation.save()
    audit_record(
        actor=by, action=Action.ESCALATION_RAISE, instance=escalation, after=model_snapshot(escalation), reason=reason
    )
    _tell(events.Kind.ESCALATION_RAISED, escalation, by)
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


def _open_for_cmt(by, escalation: Escalation) -> Escalation:
    """The escalation, locked, if ``by`` acts for CMT and it is still open."""
    require(by, Capability.DECIDE_ESCALATIONS)
    current = Escalation.objects.select_for_update().select_related("kpi__owning_service").get(pk=escalation.pk)
    if not current.is_open:
        raise ValidationError("This escalation is closed.")
    return current


def _cmt_note(*, by, escalation: Escalation, kind, note: str, field: str, missing: str, action, event):
    """A note CMT writes into the escalation's story (a decision, a request for an update),
    audited and told to the people it concerns."""
    if not note.strip():
        raise ValidationError({field: missing})
    current = _open_for_cmt(by, escalation)
    update = EscalationUpdate(escalation=current, kind=kind, note=note, recorded_by=person_of(by))
    update.full_clean()
    update.save()
    audit_record(actor=by, action=action, instance=current, after={field: note})
    _tell(event, current, by, note)
    return update


@transaction.atomic
def escalation_decide(*, by, escalation: Escalation, decision: str) -> EscalationUpdate:
    """CMT's decision, written into the escalation's story and told to its owner and raiser."""
    return _cmt_note(
        by=by,
        escalation=escalation,
        kind=EscalationUpdateKind.DECISION,
        note=decision,
        field="decision",
        missing="Enter CMT's decision",
        action=Action.ESCALATION_DECIDE,
        event=events.Kind.ESCALATION_DECIDED,
    )


@transaction.atomic
def escalation_ask_update(*, by, escalation: Escalation, request: str) -> EscalationUpdate:
    """CMT asks the owner and the directorate lead for an update, saying what it wants to know."""
    return _cmt_note(
        by=by,
        escalation=escalation,
        kind=EscalationUpdateKind.REQUEST,
        note=request,
        field="request",
        missing="Say what CMT wants to know",
        action=Action.ESCALATION_ASK_UPDATE,
        event=events.Kind.ESCALATION_UPDATE_ASKED,
    )


@transaction.atomic
def escalation_close(*, by, escalation: Escalation, resolution: str) -> Escalation:
    """Closed with a resolution by the directorate lead who holds it or by CMT."""
    escalation = Escalation.objects.select_for_update().select_related("kpi__owning_service").get(pk=escalation.pk)
    if not (can(by, Capability.ESCALATE, escalation.kpi.owning_service) or can(by, Capability.DECIDE_ESCALATIONS)):
        raise PermissionDenied("Not allowed: close this escalation")
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
    _tell(events.Kind.ESCALATION_CLOSED, escalation, by)
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
