"""A performance admin finds a person and grants and removes their roles, in a real browser
with axe and the CSP checked on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import RoleAssignment
from audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_the_admin_grants_a_role_with_its_service_and_removes_it_after_confirming(demo, checked):
    page = checked.page
    checked.sign_in("imogen.hart")
    checked.goto("/organisation/")
    page.get_by_role("link", name="Find a person to grant or remove their roles").click()
    checked.check()
    page.get_by_label("Search by name, user name, email or job title").fill("aaliyah")
    page.get_by_role("button", name="Search").click()
    checked.check()
    expect(page.locator("#people-count")).to_contain_text("1 person matching")
    page.get_by_role("link", name="Aaliyah Campbell").click()
    checked.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aaliyah Campbell")

    # A service lead with no service: the error is by the service list, the choice kept.
    service = page.get_by_label("Service", exact=True)
    page.get_by_label("Service lead").check()
    page.get_by_role("button", name="Grant role").click()
    checked.check()
    expect(page.locator("#id_service-error")).to_contain_text("must be given a service")
    expect(page.get_by_label("Service lead")).to_be_checked()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")

    service.select_option(label="Public Health")
    page.get_by_role("button", name="Grant role").click()
    checked.check()
    expect(page.get_by_text("Aaliyah Campbell is now a service lead for Public Health")).to_be_visible()
    granted = RoleAssignment.objects.get(user__username="aaliyah.campbell")
    event = AuditEvent.objects.get(object_type="accounts.roleassignment", object_id=str(granted.pk))
    assert event.actor_name == "Imogen Hart"

    page.get_by_role("link", name=re.compile("^Remove")).click()
    checked.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove the role Service lead for Public Health?")
    page.get_by_role("button", name="Remove role").click()
    checked.check()
    expect(page.get_by_text("Aaliyah Campbell is no longer a service lead for Public Health")).to_be_visible()
    assert not RoleAssignment.objects.filter(user__username="aaliyah.campbell").exists()
