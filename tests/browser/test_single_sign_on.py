"""An imported person signs in through the council's OpenID Connect provider (the tests' real
provider on loopback), is signed out there too, and someone the council does not know is
refused with a page that says why; axe and the CSP are checked on each of our pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.oidc_provider.fixtures import PASSWORD, PROVIDER_NAME, configure

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def sign_in_at_provider(checked, provider, username: str) -> None:
    page = checked.page
    checked.goto("/accounts/sign-in/")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.wait_for_url(f"{provider.url}/login/**")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_an_imported_person_signs_in_and_out_through_the_provider(demo, checked, oidc_provider, settings):
    configure(settings, oidc_provider, password_sign_in=False)
    page = checked.page

    sign_in_at_provider(checked, oidc_provider, "priya")
    page.wait_for_url(f"{checked.base_url}/")
    checked.check()
    expect(page.get_by_text("Signed in as")).to_contain_text("Priya Raman")

    # Sign-out is the header's form; its answer takes the browser to the provider's
    # end-session endpoint (the CSP's form-action allows it) and back to our sign-in page.
    checked.sign_out()
    expect(page.get_by_label("Password")).to_have_count(0)
    page.goto(f"{oidc_provider.url}/whoami/")
    expect(page.locator("body")).to_have_text("nobody")

    # Someone the provider knows but the council has not imported.
    sign_in_at_provider(checked, oidc_provider, "stranger")
    page.wait_for_url(re.compile(r"/accounts/single-sign-on/refused/$"))
    checked.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in to Performance yet")
    checked.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
