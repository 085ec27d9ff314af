"""Writes to people, units and roles. Each one validates, saves and audits in one transaction."""

from __future__ import annotations

from django.db import transaction

from accounts.models import OrgUnit, Role, RoleAssignment, User
from audit.models import Action
from audit.services import audit_record, model_snapshot


@transaction.atomic
def org_unit_create(*, by: User | None, kind: str, code: str, name: str, parent: OrgUnit | None) -> OrgUnit:
    unit = OrgUnit(kind=kind, code=code, name=name, parent=parent)
    unit.full_clean(exclude=["path"])
    unit.save()
    audit_record(actor=by, action=Action.CREATE, instance=unit, after=model_snapshot(unit))
    return unit


@transaction.atomic
def org_unit_set_head(*, by: User | None, unit: OrgUnit, head: User | None) -> OrgUnit:
    before = model_snapshot(unit, fields=["head"])
    unit.head = head
    unit.save(update_fields=["head"])
    audit_record(
        actor=by, action=Action.UPDATE, instance=unit, before=before, after=model_snapshot(unit, fields=["head"])
    )
    return unit


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    job_title: str = "",
    org_unit: OrgUnit | None = None,
    line_manager: User | None = None,
    password: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Add a person. ``password_hash`` lets a bulk load (the demo) hash one password once."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
        org_unit=org_unit,
        line_manager=line_manager,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(actor=by, action=Action.CREATE, instance=user, after=model_snapshot(user))
    return user


@transaction.atomic
def user_set_line_manager(*, by: User | None, user: User, line_manager: User | None) -> User:
    before = model_snapshot(user, fields=["line_manager"])
    user.line_manager = line_manager
    user.full_clean()
    user.save(update_fields=["line_manager"])
    audit_record(
        actor=by,
        action=Action.UPDATE,
        instance=user,
        before=before,
        after=model_snapshot(user, fields=["line_manager"]),
    )
    return user


@transaction.atomic
def role_assignment_create(
    *, by: User | None, user: User, role: Role | str, org_unit: OrgUnit | None = None, portfolio: str = ""
) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, org_unit=org_unit, portfolio=portfolio)
    assignment.full_clean()
    assignment.save()
    audit_record(actor=by, action=Action.CREATE, instance=assignment, after=model_snapshot(assignment))
    return assignment


@transaction.atomic
def role_assignment_delete(*, by: User | None, assignment: RoleAssignment) -> None:
    before = model_snapshot(assignment)
    audit_record(actor=by, action=Action.DELETE, instance=assignment, before=before)
    assignment.delete()
