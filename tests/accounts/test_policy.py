import pytest

from accounts.models import OrgUnit, Role
from accounts.policy import Capability, can, has_capability, roles_of, scope_of
from tests.factories import RoleAssignmentFactory, UserFactory


def test_deny_by_default_for_anonymous(world):
    from django.contrib.auth.models import AnonymousUser

    assert not has_capability(AnonymousUser(), Capability.VIEW_HOME)


def test_inactive_person_has_no_capability(world):
    person = world.people["performance_admin"]
    person.is_active = False
    assert not has_capability(person, Capability.VIEW_AUDIT_LOG)


def test_directorate_lead_scope_is_their_directorate_subtree(world):
    lead = world.people["directorate_lead"]
    visible = set(OrgUnit.objects.restrict(lead, Capability.VIEW_ORGANISATION).values_list("code", flat=True))
    assert visible == {"D1", "S1", "T1"}


def test_service_lead_scope_is_their_service_and_teams(world):
    visible = set(
        OrgUnit.objects.restrict(world.people["service_lead"], Capability.VIEW_ORGANISATION).values_list(
            "code", flat=True
        )
    )
    assert visible == {"S1", "T1"}


@pytest.mark.parametrize("persona", ["performance_admin", "cmt", "cabinet"])
def test_council_wide_roles_see_every_unit(world, persona):
    assert (
        OrgUnit.objects.restrict(world.people[persona], Capability.VIEW_ORGANISATION).count() == OrgUnit.objects.count()
    )
    assert scope_of(world.people[persona], Capability.VIEW_ORGANISATION).council_wide


@pytest.mark.parametrize("persona", ["scrutiny", "no_role"])
def test_scrutiny_and_no_role_see_no_units(world, persona):
    assert not OrgUnit.objects.restrict(world.people[persona], Capability.VIEW_ORGANISATION).exists()


def test_can_checks_scope_of_the_unit(world):
    lead = world.people["service_lead"]
    assert can(lead, Capability.VIEW_ORGANISATION, world.t1)
    assert not can(lead, Capability.VIEW_ORGANISATION, world.t2)
    assert not can(lead, Capability.VIEW_AUDIT_LOG)


def test_a_person_with_two_scoped_roles_sees_both_scopes(world):
    lead = world.people["service_lead"]
    RoleAssignmentFactory(user=lead, role=Role.SERVICE_LEAD, org_unit=world.s2)
    lead = type(lead).objects.get(pk=lead.pk)  # fresh object: role assignments are cached per object
    assert set(OrgUnit.objects.restrict(lead, Capability.VIEW_ORGANISATION).values_list("code", flat=True)) == {
        "S1",
        "T1",
        "S2",
        "T2",
    }


def test_roles_of_lists_every_role(world):
    person = UserFactory()
    RoleAssignmentFactory(user=person, role=Role.CMT)
    RoleAssignmentFactory(user=person, role=Role.DIRECTORATE_LEAD, org_unit=world.d2)
    assert roles_of(person) == {Role.CMT, Role.DIRECTORATE_LEAD}


def test_role_assignments_load_once_per_user_object(world, django_assert_num_queries):
    person = world.people["directorate_lead"]
    with django_assert_num_queries(1):
        for _ in range(5):
            has_capability(person, Capability.VIEW_ORGANISATION)
