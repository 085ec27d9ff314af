"""The organisation and its people from HR: check, preview (the plan), apply; re-import with
joiners, movers and leavers; refusals that leave everything as it was."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OrgUnit, OrgUnitKind, Role, User
from audit.models import AuditEvent
from core.imports import apply_import, check_file
from organisation.hr import PEOPLE, UNITS, plan_people, plan_units
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


def test_two_thousand_people_check_and_apply_in_a_fixed_number_of_queries(admin):
    """The whole realistic council, then next month's changes: the check reads what it needs
    once, and the apply writes in bulk, so neither grows with the file (the times are in
    benchmarks/hr_import.py and docs/performance.md, not asserted here)."""
    files = hr_files.council()
    assert (len(files.people), sum(u["unit_type"] == "team" for u in files.units)) == (2000, 200)
    checked = check_file(UNITS, upload(files.units_csv()))
    apply_import(by=admin, kind=UNITS, checked=checked)
    with CaptureQueriesContext(connection) as checking:
        checked = check_file(PEOPLE, upload(files.people_csv()))
        plan = plan_people(checked.rows)
    assert not checked.problems
    assert not plan.problems
    assert len(plan.joiners) == 2000
    with CaptureQueriesContext(connection) as applying:
        apply_import(by=admin, kind=PEOPLE, checked=checked)
    assert len(checking.captured_queries) <= 10, len(checking.captured_queries)
    assert len(applying.captured_queries) <= 60, len(applying.captured_queries)  # not a query a person
    assert User.objects.filter(is_active=True).exclude(employee_number="").count() == 2000
    assert AuditEvent.objects.filter(object_type="accounts.user").count() == 2000
    later, change = hr_files.next_month(files, joiners=40, movers=30, leavers=25)
    checked = check_file(PEOPLE, upload(later.people_csv()))
    plan = plan_people(checked.rows)
    apply_import(by=admin, kind=PEOPLE, checked=checked)
    assert (len(plan.joiners), len(plan.movers), len(plan.leavers)) == (40, 30, 25)
    assert User.objects.filter(employee_number__in=change.leavers, is_active=False).count() == 25


def test_the_preview_and_apply_pages_take_an_excel_file_of_people(admin):
    files = hr_files.council(directorates=2, services=6, teams=20, people=200)
    apply_import(by=admin, kind=UNITS, checked=check_file(UNITS, upload(files.units_csv())))
    client = Client()
    client.force_login(admin)
    preview = client.post(
        reverse("organisation:import-upload", args=["people"]), {"file": upload(files.people_xlsx(), "people.xlsx")}
    )
    assert preview.status_code == 200
    assert len(preview.context["plan"].joiners) == 200
    result = client.post(
        reverse("organisation:import-apply", args=["people"]),
        {"token": preview.context["token"], "digest": preview.context["digest"]},
    )
    assert result.status_code == 200
    assert User.objects.exclude(employee_number="").count() == 200


def rows_csv(header: list[str], rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(row) for row in [header, *rows]) + "\n").encode()


def test_next_month_previews_then_applies_joiners_movers_and_leavers(admin):
    files = hr_files.council(directorates=2, services=4, teams=8, people=60)
    load(admin, files)
    later, change = hr_files.next_month(files, joiners=3, movers=2, leavers=2)
    checked = check_file(PEOPLE, upload(later.people_csv()))
    plan = plan_people(checked.rows)
    assert not plan.problems
    assert [row["employee_number"] for row in plan.joiners] == change.joiners
    assert sorted(person.employee_number for person in plan.leavers) == change.leavers
    moved = {mover.row["employee_number"]: mover for mover in plan.movers}
    assert set(moved) == set(change.movers)
    number, where = next(iter(change.movers.items()))
    old = files.person(number)
    assert ("Unit", old["unit_code"], where["unit_code"]) in moved[number].changes
    assert ("Line manager", old["line_manager_employee_number"], where["line_manager"]) in moved[number].changes
    assert ("Job title", old["job_title"], f"Senior {old['job_title']}") in moved[number].changes

    leaver = User.objects.get(employee_number=change.leavers[0])
    apply_import(by=admin, kind=PEOPLE, checked=checked)
    leaver.refresh_from_db()  # still there: deactivated, never deleted
    assert leaver.is_active is False
    assert leaver.deactivated_at is not None  # retention of their CIC objectives counts from here
    assert AuditEvent.objects.filter(object_type="accounts.user", object_id=str(leaver.pk), action="create").exists()
    left = AuditEvent.objects.get(object_type="accounts.user", object_id=str(leaver.pk), action="update")
    assert (left.before, left.after) == ({"is_active": True}, {"is_active": False})
    mover = User.objects.select_related("org_unit", "line_manager").get(employee_number=number)
    assert (mover.org_unit.code, mover.line_manager.employee_number) == (where["unit_code"], where["line_manager"])
    assert User.objects.filter(employee_number__in=change.joiners, is_active=True).count() == 3

    # The month after, the old file again: the leavers return, this month's joiners leave.
    checked = check_file(PEOPLE, upload(files.people_csv()))
    plan = plan_people(checked.rows)
    assert sorted(c.row["employee_number"] for c in plan.returners) == change.leavers
    assert sorted(p.employee_number for p in plan.leavers) == change.joiners
    apply_import(by=admin, kind=PEOPLE, checked=checked)
    leaver.refresh_from_db()
    assert leaver.is_active is True
    assert leaver.deactivated_at is None


def test_people_without_an_employee_number_are_outside_the_files_scope(admin):
    """The first admin (made before HR's file) is not a leaver of a file that leaves them out."""
    files = hr_files.council(directorates=1, services=1, teams=1, people=5)
    load(admin, files)
    admin.refresh_from_db()
    assert admin.is_active is True


def test_an_existing_account_is_matched_by_email_and_given_its_number(admin):
    admin.email = "Admin@Council.example"
    admin.save()
    header = hr_files.PEOPLE_HEADER
    data = rows_csv(
        header,
        [
            ["E9", "Ada", "Admin", "admin@council.example", "Performance lead", "C", ""],
            ["E10", "Al", "Analyst", "al@council.example", "Analyst", "C", "E9"],  # managed by the admin
        ],
    )
    checked = check_file(PEOPLE, upload(data))
    plan = plan_people(checked.rows)
    assert [row["employee_number"] for row in plan.joiners] == ["E10"]
    assert plan.movers[0].person.pk == admin.pk
    apply_import(by=admin, kind=PEOPLE, checked=checked)
    admin.refresh_from_db()
    assert (admin.employee_number, admin.username, admin.job_title) == ("E9", "admin", "Performance lead")
    assert User.objects.get(employee_number="E10").line_manager == admin


def test_a_bad_people_file_is_refused_whole_with_its_row_report(admin):
    files = hr_files.council(directorates=1, services=1, teams=1, people=6)
    load(admin, files)
    people = [dict(row) for row in files.people]
    people[3]["unit_code"] = "NOWHERE"  # row 5
    people[4]["email"] = "not-an-email"  # row 6
    people.append({**people[5], "email": "twin@council.example"})  # row 8 repeats row 7's number
    people[1]["line_manager_employee_number"] = people[2]["employee_number"]  # rows 3 and 4 manage each other
    people[2]["line_manager_employee_number"] = people[1]["employee_number"]
    people[5]["first_name"] = "Changed"
    data = rows_csv(hr_files.PEOPLE_HEADER, [[row[name] for name in hr_files.PEOPLE_HEADER] for row in people])
    before = list(User.objects.order_by("pk").values_list("pk", "first_name", "org_unit", "line_manager", "is_active"))
    checked = check_file(PEOPLE, upload(data))
    if not [p for p in checked.problems if p.row == 1]:
        checked.problems.extend(plan_people(checked.rows).problems)
    report = {(p.row, p.column): p.message for p in checked.problems}
    assert "No open unit NOWHERE" in report[5, "unit_code"]
    assert "not an email address" in report[6, "email"]
    assert report[8, "employee_number"] == "Repeats row 7"
    assert "run in a circle" in report[3, "line_manager_employee_number"]
    with pytest.raises(ValueError, match="nothing was imported"):
        apply_import(by=admin, kind=PEOPLE, checked=checked)
    after = list(User.objects.order_by("pk").values_list("pk", "first_name", "org_unit", "line_manager", "is_active"))
    assert after == before


def test_a_line_manager_outside_the_file_is_a_problem(admin):
    data = rows_csv(hr_files.PEOPLE_HEADER, [["E1", "Ann", "Lee", "ann@council.example", "", "C", "E404"]])
    plan = plan_people(check_file(PEOPLE, upload(data)).rows)
    assert [(p.row, p.column) for p in plan.problems] == [(2, "line_manager_employee_number")]
    assert "E404" in plan.problems[0].message


def test_units_are_renamed_moved_and_closed_only_when_empty(admin):
    files = hr_files.council(directorates=2, services=4, teams=8, people=40)
    load(admin, files)
    units = [dict(row) for row in files.units]
    team = next(u for u in units if u["unit_type"] == "team")
    other_service = next(u for u in units if u["unit_type"] == "service" and u["unit_code"] != team["parent_code"])
    team.update(unit_name="Renamed Team", parent_code=other_service["unit_code"])
    occupied = units.pop()  # a team people still work in
    data = rows_csv(hr_files.UNIT_HEADER, [[u[name] for name in hr_files.UNIT_HEADER] for u in units])
    plan = plan_units(check_file(UNITS, upload(data)).rows)
    assert len(plan.problems) == 1
    assert plan.problems[0].message.startswith(f"{occupied['unit_code']} ")
    assert "active people work in it" in plan.problems[0].message
    # Empty the team (its people move to the first team), then it closes.
    people = [dict(row) for row in files.people]
    for row in people:
        if row["unit_code"] == occupied["unit_code"]:
            row["unit_code"] = units[-1]["unit_code"]
    checked = check_file(
        PEOPLE, upload(rows_csv(hr_files.PEOPLE_HEADER, [[r[n] for n in hr_files.PEOPLE_HEADER] for r in people]))
    )
    apply_import(by=admin, kind=PEOPLE, checked=checked)
    checked = check_file(UNITS, upload(data))
    plan = plan_units(checked.rows)
    assert not plan.problems
    assert [u.code for u in plan.closed] == [occupied["unit_code"]]
    assert {(c.unit.code, c.field) for c in plan.changes} == {
        (team["unit_code"], "name"),
        (team["unit_code"], "parent"),
    }
    apply_import(by=admin, kind=UNITS, checked=checked)
    moved = OrgUnit.objects.get(code=team["unit_code"])
    assert moved.name == "Renamed Team"
    assert moved.path == f"/C/{other_service['parent_code']}/{other_service['unit_code']}/{moved.code}/"
    closed = OrgUnit.objects.get(code=occupied["unit_code"])
    assert closed.is_active is False


def test_a_bad_organisation_file_is_refused_with_its_row_report(admin):
    header = hr_files.UNIT_HEADER
    data = rows_csv(
        header,
        [
            ["D1", "Directorate", "directorate", "", ""],
            ["S1", "Service", "service", "D1", ""],
            ["T1", "Team under a directorate", "team", "D1", ""],  # row 4
            ["T2", "Team of a missing service", "team", "S9", ""],  # row 5
            ["S2", "Service with no parent", "service", "", ""],  # row 6
            ["bad code!", "Bad", "team", "S1", ""],  # row 7
            ["T3", "Team", "branch", "S1", ""],  # row 8
        ],
    )
    checked = check_file(UNITS, upload(data))
    problems = {(p.row, p.column) for p in checked.problems}
    assert problems == {(6, "parent_code"), (7, "unit_code"), (8, "unit_type")}
    plan = plan_units(checked.rows)
    report = {(p.row, p.column): p.message for p in plan.problems}
    assert report[4, "parent_code"] == "A team must sit in a service; D1 is a directorate"
    assert "No unit S9 in the file" in report[5, "parent_code"]
    with pytest.raises(ValueError, match="nothing was imported"):
        apply_import(by=admin, kind=UNITS, checked=checked)
    assert OrgUnit.objects.count() == 1


def test_a_units_type_cannot_change(admin):
    header = hr_files.UNIT_HEADER
    first = rows_csv(header, [["D1", "Directorate", "directorate", "", ""], ["S1", "Service", "service", "D1", ""]])
    apply_import(by=admin, kind=UNITS, checked=check_file(UNITS, upload(first)))
    second = rows_csv(
        header, [["D1", "Directorate", "directorate", "", ""], ["S1", "Now a directorate", "directorate", "", ""]]
    )
    plan = plan_units(check_file(UNITS, upload(second)).rows)
    assert [(p.row, p.column) for p in plan.problems] == [(3, "unit_type")]
    assert "cannot change" in plan.problems[0].message


def test_a_service_closes_once_its_teams_are_moved_out_not_while_a_team_holds_people(admin):
    header = hr_files.UNIT_HEADER
    start = [
        ["D1", "Directorate", "directorate", "", ""],
        ["S1", "Old service", "service", "D1", ""],
        ["S2", "New service", "service", "D1", ""],
        ["T1", "Team", "team", "S1", ""],
    ]
    apply_import(by=admin, kind=UNITS, checked=check_file(UNITS, upload(rows_csv(header, start))))
    person = rows_csv(hr_files.PEOPLE_HEADER, [["E1", "Ann", "Lee", "ann@council.example", "", "T1", ""]])
    apply_import(by=admin, kind=PEOPLE, checked=check_file(PEOPLE, upload(person)))
    without_s1_and_t1 = rows_csv(header, [start[0], start[2]])
    plan = plan_units(check_file(UNITS, upload(without_s1_and_t1)).rows)
    messages = [p.message for p in plan.problems]
    assert len(messages) == 2
    assert messages[0].startswith("T1 (Team) is not in the file but cannot close: 1 active person works in it")
    assert messages[1].startswith("S1 (Old service) is not in the file but cannot close: units in it cannot close (T1)")
    team_moved = rows_csv(header, [start[0], start[2], ["T1", "Team", "team", "S2", ""]])
    checked = check_file(UNITS, upload(team_moved))
    plan = plan_units(checked.rows)
    assert not plan.problems
    assert [unit.code for unit in plan.closed] == ["S1"]
    apply_import(by=admin, kind=UNITS, checked=checked)
    assert OrgUnit.objects.get(code="T1").path == "/C/D1/S2/T1/"
    assert OrgUnit.objects.get(code="S1").is_active is False


def test_the_preview_lists_at_most_500_of_each_change_and_counts_all(admin):
    files = hr_files.council(directorates=1, services=1, teams=1, people=600)
    apply_import(by=admin, kind=UNITS, checked=check_file(UNITS, upload(files.units_csv())))
    client = Client()
    client.force_login(admin)
    page = client.post(reverse("organisation:import-upload", args=["people"]), {"file": upload(files.people_csv())})
    body = page.content.decode()
    assert "Each list shows its first 500" in body
    assert files.people[499]["employee_number"] in body
    assert files.people[500]["employee_number"] not in body
    assert '<dd class="govuk-summary-list__value">600</dd>' in body
