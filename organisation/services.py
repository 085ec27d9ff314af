"""Writes to people, units and roles. Each one validates, saves and audits in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import OrgUnit, Role, RoleAssignment, User
from accounts.policy import role_change_refusal
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


def _require_role_change(by, person: User, role: Role | str) -> None:
    """Authorisation twice: the pages offer only what ``role_change_refusal`` allows, and the
    service asks again, whoever calls it."""
    refusal = role_change_refusal(by, person, role)
    if refusal:
        raise PermissionDenied(refusal)


def _role_repr(assignment: RoleAssignment) -> str:
    """What the audit log shows of a grant or removal: to whom, which role, where."""
    return f"{assignment.user.display_name}: {assignment}"


@transaction.atomic
def role_assignment_create(
    *, by: User | None, user: User, role: Role | str, org_unit: OrgUnit | None = None, portfolio: str = ""
) -> RoleAssignment:
    """Grant a role (for a directorate or service where the role is scoped). Refused to anyone
    ``role_change_refusal`` refuses, to a person who has left, and when they hold it already."""
    _require_role_change(by, user, role)
    if not user.is_active:
        raise ValidationError(f"{user.display_name} has left (their account is switched off): no role can be granted.")
    assignment = RoleAssignment(user=user, role=role, org_unit=org_unit, portfolio=portfolio)
    assignment.full_clean(validate_constraints=False)
    held = RoleAssignment.objects.filter(user=user, role=role, org_unit=org_unit)
    if held.exists():
        where = f" for {org_unit}" if org_unit else ""
        raise ValidationError({"role": f"{user.display_name} already holds this role{where}."})
    assignment.save()
    audit_record(
        actor=by,
        action=Action.CREATE,
        instance=assignment,
        after=model_snapshot(assignment),
        object_repr=_role_repr(assignment),
    )
    return assignment


@transaction.atomic
def role_assignment_delete(*, by: User | None, assignment: RoleAssignment) -> None:
    """Remove a role. The last active performance admin keeps theirs: without one, nobody could
    grant roles again. The admins' roles are locked first, so two admins removing each other
    at the same moment cannot both succeed."""
    _require_role_change(by, assignment.user, assignment.role)
    if assignment.role == Role.PERFORMANCE_ADMIN:
        admins = list(
            RoleAssignment.objects.select_for_update()
            .filter(role=Role.PERFORMANCE_ADMIN, user__is_active=True)
            .values_list("pk", flat=True)
        )
        if assignment.user.is_active and admins == [assignment.pk]:
            raise ValidationError(
                f"{assignment.user.display_name} is the last performance admin: grant the role to someone else first."
            )
    before = model_snapshot(assignment)
    audit_record(actor=by, action=Action.DELETE, instance=assignment, before=before, object_repr=_role_repr(assignment))
    assignment.delete()
