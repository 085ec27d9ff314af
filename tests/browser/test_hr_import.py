"""A performance admin loads the organisation and its people from HR files in the browser,
then next month's file: the preview's counts and lists, then the result with what leavers held.
axe and the CSP are checked on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import OrgUnit, OrgUnitKind, Role, User
from tests import hr_files
from tests.factories import TEST_PASSWORD, OrgUnitFactory, RoleAssignmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def upload(checked, kind_link: str, name: str, data: bytes) -> None:
    page = checked.page
    checked.goto("/organisation/")
    page.get_by_role("link", name="Import the organisation and people from HR").click()
    checked.check()
    page.get_by_role("link", name=f"Import {kind_link}").click()
    checked.check()
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the changes before you apply them")).to_be_visible()
    checked.check()


def apply(checked, heading: str) -> None:
    checked.page.get_by_role("button", name="Apply these changes").click()
    expect(checked.page.get_by_role("heading", name=heading)).to_be_visible()
    checked.check()


def test_an_admin_loads_hr_files_then_next_months_joiners_movers_and_leavers(transactional_db, checked):
    OrgUnitFactory(kind=OrgUnitKind.COUNCIL, code="C", name="Test Council")
    RoleAssignmentFactory(user__username="admin", role=Role.PERFORMANCE_ADMIN)
    files = hr_files.council(directorates=2, services=4, teams=8, people=80)
    page = checked.page
    checked.sign_in("admin", TEST_PASSWORD)

    upload(checked, "organisation", "units.csv", files.units_csv())
    expect(page.locator("#counts")).to_contain_text("Units added")
    apply(checked, "Organisation imported")
    upload(checked, "people", "people.csv", files.people_csv())
    expect(page.locator("#joiners")).to_be_visible()
    apply(checked, "People imported")
    upload(checked, "organisation", "units.csv", files.units_csv())  # now the heads are known
    apply(checked, "Organisation imported")
    assert OrgUnit.objects.filter(head__isnull=False).count() == 14
    assert User.objects.filter(is_active=True).exclude(employee_number="").count() == 80

    later, change = hr_files.next_month(files, joiners=3, movers=2, leavers=2)
    upload(checked, "people", "people.csv", later.people_csv())
    counts = page.locator("#counts")
    for label, number in (("Joiners", 3), ("Movers and changed details", 2), ("Leavers", 2)):
        expect(counts.locator(".govuk-summary-list__row", has_text=label)).to_contain_text(str(number))
    mover = next(iter(change.movers))
    expect(page.get_by_role("row", name=mover)).to_contain_text(f"Unit: {files.person(mover)['unit_code']} →")
    for number in change.leavers:
        expect(page.get_by_role("row", name=number)).to_be_visible()
    assert User.objects.filter(employee_number__in=change.leavers, is_active=True).count() == 2  # not yet
    apply(checked, "People imported")
    expect(page.locator("#hand-over")).to_be_visible()
    assert User.objects.filter(employee_number__in=change.leavers, is_active=False).count() == 2
    checked.goto("/hr/leavers/")
    expect(page.get_by_role("heading", name="Leavers to hand over")).to_be_visible()
    checked.sign_out()
