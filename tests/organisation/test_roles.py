"""Granting and removing roles: who may, what is refused, and the audit of each change."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import Role, RoleAssignment, User
from accounts.policy import SYSTEM, Capability, has_capability, role_change_refusal
from audit.models import AuditEvent
from organisation.services import role_assignment_create, role_assignment_delete
from tests.factories import RoleAssignmentFactory, UserFactory


def fresh(user: User) -> User:
    """The person as a new request would load them (roles are cached per user object)."""
    return User.objects.get(pk=user.pk)


def test_an_admin_grants_a_scoped_role_and_the_audit_says_who_gave_what_to_whom(world):
    admin, person = world.people["performance_admin"], world.people["no_role"]
    assignment = role_assignment_create(by=admin, user=person, role=Role.SERVICE_LEAD, org_unit=world.s2)
    assert has_capability(fresh(person), Capability.ENTER_RETURNS)
    event = AuditEvent.objects.get(object_type="accounts.roleassignment", object_id=str(assignment.pk))
    assert (event.action, event.actor_id) == ("create", admin.pk)
    assert person.display_name in event.object_repr
    assert "Service lead for Service Two" in event.object_repr
    assert event.after["user"] == person.pk
    assert event.after["role"] == "service_lead"


@pytest.mark.parametrize("persona", ["directorate_lead", "service_lead", "cmt", "cabinet", "scrutiny", "no_role"])
def test_only_performance_admins_grant_roles(world, persona):
    with pytest.raises(PermissionDenied):
        role_assignment_create(by=world.people[persona], user=world.people["no_role"], role=Role.SCRUTINY)
    assert not RoleAssignment.objects.filter(user=world.people["no_role"]).exists()
    with pytest.raises(PermissionDenied):
        role_assignment_delete(by=world.people[persona], assignment=world.people["cmt"].role_assignments.get())
    with pytest.raises(PermissionDenied):
        role_assignment_create(by=None, user=world.people["no_role"], role=Role.SCRUTINY)


def test_nobody_grants_or_removes_their_own_roles(world):
    admin = world.people["performance_admin"]
    with pytest.raises(PermissionDenied, match="their own roles"):
        role_assignment_create(by=admin, user=admin, role=Role.CMT)
    RoleAssignmentFactory(user__username="second.admin", role=Role.PERFORMANCE_ADMIN)
    with pytest.raises(PermissionDenied, match="their own roles"):
        role_assignment_delete(by=admin, assignment=admin.role_assignments.get())
    assert admin.role_assignments.filter(role=Role.PERFORMANCE_ADMIN).exists()


def test_the_last_performance_admin_keeps_the_role(world):
    admin = world.people["performance_admin"]
    with pytest.raises(ValidationError, match="last performance admin"):
        role_assignment_delete(by=SYSTEM, assignment=admin.role_assignments.get())
    # An admin who has left does not count: the one who is here is still the last.
    RoleAssignmentFactory(user__username="left.admin", user__is_active=False, role=Role.PERFORMANCE_ADMIN)
    with pytest.raises(ValidationError, match="last performance admin"):
        role_assignment_delete(by=SYSTEM, assignment=admin.role_assignments.get())
    second = RoleAssignmentFactory(user__username="second.admin", role=Role.PERFORMANCE_ADMIN).user
    role_assignment_delete(by=second, assignment=admin.role_assignments.get())
    assert not has_capability(fresh(admin), Capability.MANAGE_ROLES)
    event = AuditEvent.objects.get(object_type="accounts.roleassignment", action="delete")
    assert event.actor_id == second.pk
    assert admin.display_name in event.object_repr


def test_a_role_is_granted_once_only_to_someone_here_and_for_a_unit_of_the_right_kind(world):
    admin, person = world.people["performance_admin"], world.people["no_role"]
    role_assignment_create(by=admin, user=person, role=Role.DIRECTORATE_LEAD, org_unit=world.d1)
    with pytest.raises(ValidationError) as again:
        role_assignment_create(by=admin, user=person, role=Role.DIRECTORATE_LEAD, org_unit=world.d1)
    assert again.value.message_dict == {"role": [f"{person.display_name} already holds this role for Directorate One."]}
    role_assignment_create(by=admin, user=person, role=Role.DIRECTORATE_LEAD, org_unit=world.d2)  # a second one
    with pytest.raises(ValidationError) as wrong_kind:
        role_assignment_create(by=admin, user=person, role=Role.SERVICE_LEAD, org_unit=world.d1)
    assert "org_unit" in wrong_kind.value.message_dict
    with pytest.raises(ValidationError) as portfolio:
        role_assignment_create(by=admin, user=person, role=Role.CMT, portfolio="Housing")
    assert "portfolio" in portfolio.value.message_dict
    leaver = UserFactory(username="leaver", is_active=False)
    with pytest.raises(ValidationError, match="has left"):
        role_assignment_create(by=admin, user=leaver, role=Role.SCRUTINY)


def test_the_policy_says_why_before_the_service_is_asked(world):
    admin = world.people["performance_admin"]
    assert role_change_refusal(admin, world.people["no_role"], Role.PERFORMANCE_ADMIN) is None
    assert "own roles" in role_change_refusal(admin, admin, Role.SCRUTINY)
    assert "do not let you" in role_change_refusal(world.people["cmt"], world.people["no_role"], Role.SCRUTINY)
    assert role_change_refusal(SYSTEM, admin, Role.CMT) is None


@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_each_other_at_once_leave_one_admin():
    from tests.conftest import build_world

    world = build_world()
    first = world.people["performance_admin"]
    second = RoleAssignmentFactory(user__username="second.admin", role=Role.PERFORMANCE_ADMIN).user
    targets = {first.pk: second.role_assignments.get(), second.pk: first.role_assignments.get()}
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def attempt(by: User) -> None:
        try:
            has_capability(by, Capability.MANAGE_ROLES)  # each has loaded their roles: both are admins
            barrier.wait(timeout=10)
            role_assignment_delete(by=by, assignment=targets[by.pk])
            outcomes[by.pk] = "removed"
        except (ValidationError, PermissionDenied):
            outcomes[by.pk] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in (fresh(first), fresh(second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "removed"]
    assert RoleAssignment.objects.filter(role=Role.PERFORMANCE_ADMIN).count() == 1
