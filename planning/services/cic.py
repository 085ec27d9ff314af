"""Writes to CIC objectives. Only the employee and their line management may write or read
them; the audit log records that one changed, never its words (``audit_exclude``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record, model_snapshot
from core.services import apply_changes
from planning.models import CicObjective, CicProgressNote, Objective
from planning.selectors import cic_objective_choices


def may_keep_cic_for(by: User, employee: User) -> bool:
    """The employee themself, or anyone above them in their line management chain."""
    return by.pk == employee.pk or User.objects.managed_by(by).filter(pk=employee.pk).exists()


def _check_link(objective: Objective | None, employee: User) -> None:
    if objective is None:
        raise ValidationError({"objective": "Choose the team or service objective this contributes to."})
    if objective.plan.unit.kind not in {"team", "service"}:
        raise ValidationError(
            {"objective": "Link a CIC objective to a team or service objective, not a directorate one."}
        )
    if not cic_objective_choices(employee).filter(pk=objective.pk).exists():
        raise ValidationError({"objective": f"Choose an objective of {employee.display_name}'s own team or service."})


@transaction.atomic
def cic_objective_create(
    *, by: User, employee: User, objective: Objective | None, title: str, description: str = "", status: str
) -> CicObjective:
    if not may_keep_cic_for(by, employee):
        raise PermissionDenied("Only the employee and their line management keep their CIC objectives.")
    _check_link(objective, employee)
    cic = CicObjective(employee=employee, objective=objective, title=title, description=description, status=status)
    cic.full_clean()
    cic.save()
    audit_record(actor=by, action=Action.CREATE, instance=cic, after=model_snapshot(cic))
    return cic


@transaction.atomic
def cic_objective_update(*, by: User, cic: CicObjective, **changes) -> CicObjective:
    cic = CicObjective.objects.select_for_update().select_related("employee").get(pk=cic.pk)
    if not may_keep_cic_for(by, cic.employee):
        raise PermissionDenied("Only the employee and their line management keep their CIC objectives.")
    before, linked = model_snapshot(cic), cic.objective_id
    apply_changes(cic, changes, {"title", "description", "status", "objective"})
    if "objective" in changes and cic.objective_id != linked:  # a link kept from before they moved stays
        _check_link(cic.objective, cic.employee)
    cic.updated_at = timezone.now()
    cic.full_clean()
    cic.save()
    audit_record(actor=by, action=Action.UPDATE, instance=cic, before=before, after=model_snapshot(cic))
    return cic


@transaction.atomic
def cic_note_add(*, by: User, cic: CicObjective, date, note: str) -> CicProgressNote:
    if not may_keep_cic_for(by, cic.employee):
        raise PermissionDenied("Only the employee and their line management keep their CIC objectives.")
    entry = CicProgressNote(cic_objective=cic, date=date, note=note, recorded_by=by)
    entry.full_clean()
    entry.save()
    audit_record(actor=by, action=Action.CREATE, instance=entry, after=model_snapshot(entry))
    return entry
