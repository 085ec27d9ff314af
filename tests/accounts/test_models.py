import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import OrgUnit, OrgUnitKind, Role, RoleAssignment


def test_service_must_sit_under_a_directorate(world):
    unit = OrgUnit(kind=OrgUnitKind.SERVICE, code="BAD", name="Bad", parent=world.council)
    with pytest.raises(ValidationError) as error:
        unit.full_clean(exclude=["path"])
    assert "must sit under a directorate" in str(error.value.message_dict["parent"])


def test_path_is_the_chain_of_codes(world):
    assert world.t1.path == "/C/D1/S1/T1/"
    assert world.t1.ancestor_paths == ["/C/", "/C/D1/", "/C/D1/S1/", "/C/D1/S1/T1/"]


def test_scoped_role_needs_a_unit_of_the_right_kind(world):
    assignment = RoleAssignment(user=world.people["no_role"], role=Role.SERVICE_LEAD, org_unit=world.d1)
    with pytest.raises(ValidationError) as error:
        assignment.full_clean()
    assert "must be given a service" in str(error.value.message_dict["org_unit"])


def test_council_wide_role_refuses_a_unit(world):
    assignment = RoleAssignment(user=world.people["no_role"], role=Role.CMT, org_unit=world.d1)
    with pytest.raises(ValidationError):
        assignment.full_clean()


def test_database_refuses_a_scoped_role_without_a_unit(world):
    with pytest.raises(IntegrityError):
        RoleAssignment.objects.create(user=world.people["no_role"], role=Role.DIRECTORATE_LEAD)


def test_nobody_is_their_own_line_manager(world):
    person = world.people["no_role"]
    person.line_manager = person
    with pytest.raises(ValidationError):
        person.full_clean()
