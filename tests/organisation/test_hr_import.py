"""The organisation and its people from HR: check, preview (the plan), apply; re-import with
joiners, movers and leavers; refusals that leave everything as it was."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import OrgUnit, OrgUnitKind, Role, User
from audit.models import AuditEvent
from core.imports import apply_import, check_file
from organisation.hr import PEOPLE, UNITS, plan_people
from tests import hr_files
from tests.factories import OrgUnitFactory, RoleAssignmentFactory


def upload(data: bytes, name: str = "file.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def admin(db):
    OrgUnitFactory(kind=OrgUnitKind.COUNCIL, code="C", name="Test Council")
    return RoleAssignmentFactory(user__username="admin", role=Role.PERFORMANCE_ADMIN).user


def load(admin, files: hr_files.HrFiles) -> None:
    """Organisation, people, then the organisation again (its heads are people)."""
    for kind, data in ((UNITS, files.units_csv()), (PEOPLE, files.people_csv()), (UNITS, files.units_csv())):
        checked = check_file(kind, upload(data))
        assert not checked.problems, checked.problems[:5]
        apply_import(by=admin, kind=kind, checked=checked)


def test_a_small_council_loads_with_heads_and_line_managers(admin):
    files = hr_files.council(directorates=2, services=4, teams=8, people=60)
    load(admin, files)
    assert OrgUnit.objects.exclude(kind=OrgUnitKind.COUNCIL).count() == 14
    assert User.objects.exclude(employee_number="").count() == 60
    team = OrgUnit.objects.get(code=files.units[-1]["unit_code"])
    assert team.head.employee_number == files.units[-1]["head"]
    assert (
        team.path == f"/C/{files.units[-1]['parent_code'].split('-')[0]}/{files.units[-1]['parent_code']}/{team.code}/"
    )
    staff = User.objects.get(employee_number=files.people[-1]["employee_number"])
    assert staff.line_manager.employee_number == files.people[-1]["line_manager_employee_number"]
    assert not staff.has_usable_password()
    assert staff.username == files.people[-1]["email"].split("@")[0]
    assert AuditEvent.objects.filter(object_type="accounts.user", action="create").count() == 60


def test_two_thousand_people_check_and_apply_in_seconds(admin):
    files = hr_files.council()
    assert (len(files.people), sum(u["unit_type"] == "team" for u in files.units)) == (2000, 200)
    checked = check_file(UNITS, upload(files.units_csv()))
    apply_import(by=admin, kind=UNITS, checked=checked)
    started = time.perf_counter()
    checked = check_file(PEOPLE, upload(files.people_csv()))
    plan = plan_people(checked.rows)
    checked_in = time.perf_counter() - started
    assert not checked.problems
    assert not plan.problems
    assert len(plan.joiners) == 2000
    started = time.perf_counter()
    apply_import(by=admin, kind=PEOPLE, checked=checked)
    applied_in = time.perf_counter() - started
    print(f"2,000 people: check and plan {checked_in:.2f}s, apply {applied_in:.2f}s")
    assert checked_in < 5
    assert applied_in < 10
    assert User.objects.filter(is_active=True).exclude(employee_number="").count() == 2000
    assert AuditEvent.objects.filter(object_type="accounts.user").count() == 2000
    # Next month: planned and applied as fast.
    later, change = hr_files.next_month(files, joiners=40, movers=30, leavers=25)
    started = time.perf_counter()
    checked = check_file(PEOPLE, upload(later.people_csv()))
    plan = plan_people(checked.rows)
    apply_import(by=admin, kind=PEOPLE, checked=checked)
    print(f"next month (40 joiners, 30 movers, 25 leavers): {time.perf_counter() - started:.2f}s")
    assert (len(plan.joiners), len(plan.movers), len(plan.leavers)) == (40, 30, 25)
