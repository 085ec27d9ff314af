"""Writes to the risk register: risks, their actions, reviews and escalation up the registers.

Who may: ``edit_risks`` over the unit whose register holds the risk (performance admins
everywhere; directorate and service leads within their own units). Escalating is a change to
the register the risk is in, so the lead of the service escalates to the directorate and the
directorate lead to the corporate register; after that the risk is the higher register's.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit
from accounts.policy import Capability, person_of
from audit.models import Action
from audit.services import audit_record, model_snapshot
from core.services import apply_changes, require
from planning.models import LEVEL_OF_KIND, Risk, RiskAction, RiskEscalation

RISK_EDITABLE = set(Risk.EDITABLE_FIELDS)


def _validate(risk: Risk) -> None:
    """The register must be a council, directorate or service; the owner must be active; and
    the model's own checks, every message at once so a form shows each by its field."""
    errors: dict[str, list[str]] = {}
    if risk.unit_id and risk.unit.kind not in LEVEL_OF_KIND:
        errors["unit"] = ["Risks sit in the corporate, a directorate's or a service's register, not a team's."]
    if risk.owner_id and not risk.owner.is_active:
        errors["owner"] = [f"{risk.owner.display_name} has left; choose a current owner."]
    try:
        risk.full_clean(validate_constraints=False)
    except ValidationError as problem:
        for field, messages in problem.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _snapshot(risk: Risk) -> dict:
    snapshot = model_snapshot(risk)
    snapshot["objectives"] = sorted(risk.objectives.values_list("pk", flat=True))
    snapshot["kpis"] = sorted(risk.kpis.values_list("pk", flat=True))
    return snapshot


def _set_links(risk: Risk, objectives, kpis) -> None:
    # ``risk.kpis`` is the KPI app's link to risks, reached from this side without importing
    # that app (dependencies run kpis → planning).
    if objectives is not None:
        risk.objectives.set(list(objectives))
    if kpis is not None:
        risk.kpis.set(list(kpis))


@transaction.atomic
def risk_create(*, by, unit: OrgUnit, objectives=None, kpis=None, **fields) -> Risk:
    require(by, Capability.EDIT_RISKS, unit)
    apply_changes(Risk(), fields, RISK_EDITABLE)
    risk = Risk(unit=unit, **fields)
    _validate(risk)
    risk.save()
    _set_links(risk, objectives, kpis)
    audit_record(actor=by, action=Action.CREATE, instance=risk, after=_snapshot(risk))
    return risk


@transaction.atomic
def risk_update(*, by, risk: Risk, objectives=None, kpis=None, **changes) -> Risk:
    risk = Risk.objects.select_for_update().select_related("unit").get(pk=risk.pk)
    require(by, Capability.EDIT_RISKS, risk.unit)
    before = _snapshot(risk)
    apply_changes(risk, changes, RISK_EDITABLE)
    _validate(risk)
    risk.save()
    _set_links(risk, objectives, kpis)
    audit_record(actor=by, action=Action.UPDATE, instance=risk, before=before, after=_snapshot(risk))
    return risk


@transaction.atomic
def risk_review(*, by, risk: Risk, next_review_date: datetime.date, **changes) -> Risk:
    """The owner (or a lead) has looked at the risk again: record when, the next review date
    and any new current score; the overdue reminder stops."""
    risk = Risk.objects.select_for_update().select_related("unit").get(pk=risk.pk)
    require(by, Capability.EDIT_RISKS, risk.unit)
    today = timezone.localdate()
    if next_review_date <= today:
        raise ValidationError({"next_review_date": "The next review must be after today."})
    before = model_snapshot(risk)
    apply_changes(risk, changes, {"current_likelihood", "current_impact", "controls"})
    risk.last_reviewed_on = today
    risk.review_date = next_review_date
    _validate(risk)
    risk.save()
    audit_record(actor=by, action=Action.RISK_REVIEW, instance=risk, before=before, after=model_snapshot(risk))
    return risk


def escalation_target(risk: Risk) -> OrgUnit | None:
    """The register one up: a service's directorate, a directorate's council; None at the top."""
    if risk.unit.kind not in {"service", "directorate"}:
        return None
    return risk.unit.parent


@transaction.atomic
def risk_escalate(*, by, risk: Risk, reason: str) -> RiskEscalation:
    """Move an open risk to the register above, with the reason, keeping the row (its scores,
    actions, links and audit history travel with it) and a ``RiskEscalation`` as its trail."""
    risk = Risk.objects.select_for_update(of=("self",)).select_related("unit__parent").get(pk=risk.pk)
    require(by, Capability.EDIT_RISKS, risk.unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the risk needs the register above."})
    if risk.status != "open":
        raise ValidationError({"reason": "A closed risk is not escalated; reopen it first."})
    target = escalation_target(risk)
    if target is None:
        raise ValidationError({"reason": "The corporate register is the top: there is nowhere to escalate it."})
    escalation = RiskEscalation(
        risk=risk, from_unit=risk.unit, to_unit=target, reason=reason, escalated_by=person_of(by)
    )
    escalation.full_clean()
    escalation.save()
    before = {"unit": risk.unit_id}
    risk.unit = target
    risk.save(update_fields=["unit"])
    audit_record(
        actor=by, action=Action.RISK_ESCALATE, instance=risk, before=before, after={"unit": target.pk}, reason=reason
    )
    return escalation


@transaction.atomic
def risk_action_add(*, by, risk: Risk, description: str, owner, due_date: datetime.date) -> RiskAction:
    risk = Risk.objects.select_for_update().select_related("unit").get(pk=risk.pk)
    require(by, Capability.EDIT_RISKS, risk.unit)
    action = RiskAction(risk=risk, description=description, owner=owner, due_date=due_date)
    action.full_clean()
    if not owner.is_active:
        raise ValidationError({"owner": f"{owner.display_name} has left; choose a current owner."})
    action.save()
    audit_record(actor=by, action=Action.CREATE, instance=action, after=model_snapshot(action))
    return action


@transaction.atomic
def risk_action_complete(*, by, action: RiskAction, completed_on: datetime.date | None = None) -> RiskAction:
    action = RiskAction.objects.select_for_update().select_related("risk__unit").get(pk=action.pk)
    require(by, Capability.EDIT_RISKS, action.risk.unit)
    before = model_snapshot(action)
    action.completed_on = completed_on or timezone.localdate()
    action.save(update_fields=["completed_on"])
    audit_record(actor=by, action=Action.UPDATE, instance=action, before=before, after=model_snapshot(action))
    return action
