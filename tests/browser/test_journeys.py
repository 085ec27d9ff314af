"""Each demo role signs in through the real form to their own home page and visits every page
their navigation offers, with axe and the CSP checked on each."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import OrgUnit
from planning.models import CouncilPlan

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

STAFF_NAV = ["Home", "Council Plans", "Plans", "Golden thread", "Gaps", "CIC objectives", "KPIs"]
#: With a role that reads the risk registers, "Risks" comes after "CIC objectives".
RISK_NAV = [*STAFF_NAV[:6], "Risks", "KPIs"]
DEMO_ROLES = {
    "imogen.hart": (
        "Performance admin",
        [
            *RISK_NAV,
            "My returns",
            "Review",
            "Dashboards",
            "Reports",
            "Escalations",
            "Periods",
            "Imports",
            "Organisation",
            "Audit log",
        ],
    ),
    "gareth.pryce": (
        "Directorate performance lead",
        [*RISK_NAV, "Review", "Dashboards", "Reports", "Escalations", "Organisation"],
    ),
    "bernadette.quinn": ("Service lead", [*RISK_NAV, "My returns", "Dashboards", "Reports", "Organisation"]),
    "rosalind.adeyemi": ("CMT member", [*RISK_NAV, "Dashboards", "Reports", "Escalations", "Organisation"]),
    "patricia.holloway": ("Cabinet member", [*RISK_NAV, "Dashboards", "Reports", "Escalations", "Organisation"]),
    "ibrahim.rahman": ("Scrutiny member", ["Home", "Council Plans", "Reports"]),
    "aaliyah.campbell": (None, [*STAFF_NAV, "Reports"]),
    # No role, but the deputy for four KPIs: their returns are in the menu.
    "daniel.whitfield": (None, [*STAFF_NAV, "My returns", "Reports"]),
}


@pytest.mark.parametrize("username", list(DEMO_ROLES))
def test_demo_person_signs_in_to_their_home_and_reaches_their_pages(demo, checked, username):
    role_label, nav_labels = DEMO_ROLES[username]
    page = checked.page
    checked.sign_in(username)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if role_label:
        expect(page.get_by_text(role_label, exact=False).first).to_be_visible()
    else:
        expect(page.get_by_text("You have no performance management role")).to_be_visible()
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link")).to_have_text(nav_labels)
    for label in nav_labels[1:]:
        menu.get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state("load")
        checked.check()
        expect(menu.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
    checked.sign_out()


def test_sign_in_error_is_shown_next_to_the_field_and_keeps_the_user_name(demo, checked):
    page = checked.page
    checked.goto("/accounts/sign-in/")
    page.get_by_label("User name").fill("imogen.hart")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    checked.check()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("User name")).to_have_value("imogen.hart")
    expect(page.get_by_label("Password")).to_have_value("")
    page.get_by_role("link", name=re.compile("Enter a correct user name")).click()


def test_admin_visits_every_page_of_the_service(demo, checked):
    checked.sign_in("imogen.hart")
    for plan in CouncilPlan.objects.all():
        checked.goto(f"/council-plans/{plan.pk}/")
        expect(checked.page.get_by_role("heading", level=1)).to_have_text(plan.title)
    for unit in OrgUnit.objects.filter(kind__in=["council", "directorate", "service", "team"])[:6]:
        checked.goto(f"/organisation/{unit.code}/")
    checked.goto("/people/")
    checked.goto("/people/?q=quinn&page=1")
    checked.page.get_by_role("link", name="Bernadette Quinn").click()
    checked.check()
    expect(checked.page.get_by_role("heading", level=2, name="Grant a role")).to_be_visible()
    checked.goto("/audit/?object_type=planning.councilplan")
    expect(checked.page.get_by_role("table")).to_contain_text("planning.councilplan")
    checked.goto("/audit/?date_from=2026-02-01&date_to=2026-01-01")
    expect(checked.page.get_by_role("alert")).to_contain_text("The end date must be")
    checked.goto("/accessibility/")
    checked.goto("/no-such-page/")
    expect(checked.page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_refused_page_explains_itself(demo, checked):
    checked.sign_in("aaliyah.campbell")
    response = checked.goto("/organisation/")
    assert response.status == 403
    expect(checked.page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")


def test_signed_out_visitor_is_sent_to_sign_in_and_back(demo, checked):
    checked.goto("/council-plans/")
    expect(checked.page).to_have_url(re.compile(r"/accounts/sign-in/\?next=/council-plans/"))
    page = checked.page
    page.get_by_label("User name").fill("ibrahim.rahman")
    page.get_by_label("Password").fill("walsall-demo-2025")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/council-plans/$"))
    checked.check()


def test_navigation_collapses_to_a_menu_button_on_a_phone(demo, checked):
    checked.page.set_viewport_size({"width": 375, "height": 800})
    checked.sign_in("imogen.hart")
    button = checked.page.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    button.click()
    expect(checked.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit log")).to_be_visible()
    checked.check()
