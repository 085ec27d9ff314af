"""Writes to people, units and roles. Each one validates, saves and audits in one transaction."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit, Role, RoleAssignment, User
from accounts.policy import Capability, role_change_refusal
from audit.models import Action
from audit.services import audit_record, audit_record_many, model_snapshot


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


# --- The organisation and its people from HR (organisation.hr plans; these apply) -------------


def _require_manager(by) -> None:
    from core.services import require

    require(by, Capability.MANAGE_ORGANISATION)


def _path_of(unit: OrgUnit, by_pk: dict[int, OrgUnit]) -> str:
    codes = []
    while unit is not None:
        codes.append(unit.code)
        unit = by_pk.get(unit.parent_id) if unit.parent_id else None
    return "/" + "/".join(reversed(codes)) + "/"


@transaction.atomic
def organisation_apply(*, by, plan) -> None:
    """Apply an organisation file's plan (``organisation.hr.plan_units``) in one transaction,
    with an audit record for every unit added or changed. Units are written in bulk (a few
    queries per level, not per unit); a moved unit's path, and its subtree's, is worked out
    again from the parents. A closed unit is deactivated, never deleted."""
    _require_manager(by)
    if plan.problems:
        raise ValueError("The file has problems; nothing was imported.")
    units = {unit.pk: unit for unit in OrgUnit.objects.all()}
    by_code = {unit.code: unit for unit in units.values()}
    before = {pk: model_snapshot(unit) for pk, unit in units.items()}
    created: list[OrgUnit] = []
    for kind in ("directorate", "service", "team"):
        level = []
        for row in plan.added:
            if row["unit_type"] != kind:
                continue
            parent = by_code[row["parent_code"]]
            head = row["_head"]
            unit = OrgUnit(kind=kind, code=row["unit_code"], name=row["unit_name"], parent=parent, head=head)
            unit.path = parent.path + f"{unit.code}/"
            unit.full_clean(exclude=["path", "head", "parent"], validate_unique=False, validate_constraints=False)
            level.append(unit)
        for unit in OrgUnit.objects.bulk_create(level):
            by_code[unit.code] = units[unit.pk] = unit
            created.append(unit)
    changed: dict[int, set[str]] = {}
    for change in plan.changes:
        unit = units[change.unit.pk]
        if change.field == "name":
            unit.name = change.value
        elif change.field == "parent":
            unit.parent = by_code[change.value]
        elif change.field == "head":
            unit.head = change.value
        changed.setdefault(unit.pk, set()).add(change.field)
    for unit in plan.reopened:
        units[unit.pk].is_active = True
        changed.setdefault(unit.pk, set()).add("is_active")
    for unit in plan.closed:
        units[unit.pk].is_active = False
        changed.setdefault(unit.pk, set()).add("is_active")
    if any(change.field == "parent" for change in plan.changes):
        for unit in units.values():
            path = _path_of(unit, units)
            if unit.path != path:
                unit.path = path
                changed.setdefault(unit.pk, set()).add("path")
    fields = sorted({name for names in changed.values() for name in names})
    if changed:
        OrgUnit.objects.bulk_update([units[pk] for pk in changed], fields, batch_size=500)
    audit_record_many(actor=by, action=Action.CREATE, changes=[(unit, None, model_snapshot(unit)) for unit in created])
    updates = []
    for pk, names in changed.items():
        after = model_snapshot(units[pk], fields=names)
        updates.append((units[pk], {name: before[pk].get(name) for name in after}, after))
    audit_record_many(actor=by, action=Action.UPDATE, changes=updates, reason="Organisation import")


def usernames_for(emails: list[str], taken: set[str]) -> list[str]:
    """A user name for each new person: their email's local part ("priya.shah"), lower-cased,
    with 2, 3, ... added when it is taken ("priya.shah2"). People sign in by single sign-on
    (matched by email), so the user name is only a stable, readable handle."""
    names = []
    taken = {name.lower() for name in taken}
    for address in emails:
        local = re.sub(r"[^\w.@+-]", "", address.split("@", 1)[0].lower(), flags=re.ASCII)[:140] or "person"
        name, suffix = local, 1
        while name in taken:
            suffix += 1
            name = f"{local}{suffix}"
        taken.add(name)
        names.append(name)
    return names


_PERSON_FIELDS = ("first_name", "last_name", "email", "job_title", "org_unit", "line_manager", "employee_number")


@transaction.atomic
def people_apply(*, by, plan) -> None:
    """Apply a people file's plan (``organisation.hr.plan_people``) in one transaction:
    joiners created with no usable password (they sign in by single sign-on), movers and
    returners updated, leavers deactivated — never deleted, so their history, their CIC
    objectives and the audit log keep them. Every person changed gets an audit record; the
    writes are in bulk (a few queries for the whole file)."""
    _require_manager(by)
    if plan.problems:
        raise ValueError("The file has problems; nothing was imported.")
    units = {unit.code: unit for unit in OrgUnit.objects.filter(is_active=True)}
    taken = set(User.objects.values_list("username", flat=True))
    usernames = usernames_for([row["email"] for row in plan.joiners], taken)
    joiners = []
    for row, username in zip(plan.joiners, usernames, strict=True):
        person = User(
            username=username,
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            job_title=row["job_title"] or "",
            org_unit=units[row["unit_code"]],
            employee_number=row["employee_number"],
        )
        person.set_unusable_password()
        person.full_clean(
            exclude=["org_unit", "line_manager", "password"], validate_unique=False, validate_constraints=False
        )
        joiners.append(person)
    by_number = dict(User.objects.exclude(employee_number="").values_list("employee_number", "pk"))
    for change in plan.movers + plan.returners:  # an account given its number by this file
        by_number[change.row["employee_number"]] = change.person.pk
    manager_of = {row["employee_number"]: row["line_manager_employee_number"] for row in plan.joiners}
    # Managers first, a level at a time (the file has no circle): every joiner's line manager
    # has an id when they are inserted, so nobody is inserted and then updated.
    waiting = joiners
    while waiting:
        ready = [p for p in waiting if not manager_of[p.employee_number] or manager_of[p.employee_number] in by_number]
        if not ready:
            raise ValueError("Line managers run in a circle")  # plan_people refuses this first
        for person in ready:
            manager = manager_of[person.employee_number]
            person.line_manager_id = by_number[manager] if manager else None
        User.objects.bulk_create(ready, batch_size=1000)
        by_number.update({person.employee_number: person.pk for person in ready})
        placed = {id(person) for person in ready}
        waiting = [person for person in waiting if id(person) not in placed]

    updated, audits = [], []
    for change, returning in [(c, False) for c in plan.movers] + [(c, True) for c in plan.returners]:
        person = change.person
        before = model_snapshot(person, fields=[*change.values, "is_active"])
        for name, value in change.values.items():
            if name == "line_manager":
                person.line_manager_id = by_number[value] if value else None
            else:
                setattr(person, name, value)
        if returning:
            person.is_active = True
            person.deactivated_at = None
        updated.append(person)
        audits.append((person, before, model_snapshot(person, fields=[*change.values, "is_active"]), returning))
    if updated:
        User.objects.bulk_update(updated, [*_PERSON_FIELDS, "is_active", "deactivated_at"], batch_size=1000)
    left_at = timezone.now()
    for person in plan.leavers:
        person.is_active = False
        person.deactivated_at = left_at
    if plan.leavers:
        User.objects.filter(pk__in=[person.pk for person in plan.leavers]).update(
            is_active=False, deactivated_at=left_at
        )

    audit_record_many(actor=by, action=Action.CREATE, changes=[(p, None, model_snapshot(p)) for p in joiners])
    audit_record_many(
        actor=by,
        action=Action.UPDATE,
        changes=[(p, b, a) for p, b, a, returning in audits if not returning],
        reason="People import: moved or details changed",
    )
    audit_record_many(
        actor=by,
        action=Action.UPDATE,
        changes=[(p, b, a) for p, b, a, returning in audits if returning],
        reason="People import: returned (in the HR file again)",
    )
    audit_record_many(
        actor=by,
        action=Action.UPDATE,
        changes=[(p, {"is_active": True}, {"is_active": False}) for p in plan.leavers],
        reason="People import: left (not in the HR file); deactivated, not deleted",
    )
