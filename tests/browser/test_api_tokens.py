"""API tokens in a real browser, with axe and the CSP checked: a performance admin makes a
token from the header's link, uses it against the API, sees it among everyone's, revokes it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _api_me(base_url: str, secret: str) -> tuple[int, dict]:
    """The API as Power BI calls it: no browser, no cookies, only the token."""
    request = urllib.request.Request(base_url + "/api/v1/me/", headers={"Authorization": f"Token {secret}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the test's own live server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_make_use_and_revoke_an_api_token(demo, checked):
    page = checked.page
    checked.sign_in("imogen.hart")
    page.get_by_role("link", name="API tokens").click()
    checked.check()

    page.get_by_role("button", name="Make token").click()
    expect(page.locator("#id_name-error")).to_be_visible()
    checked.check()
    page.get_by_label("Name").fill("Power BI dashboard")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_text("Token “Power BI dashboard” made")).to_be_visible()
    checked.check()
    secret = page.locator("#new-token").input_value()
    status, me = _api_me(checked.base_url, secret)
    assert status == 200
    assert me["username"] == "imogen.hart"

    checked.goto("/account/api-tokens/everyone/")
    expect(page.get_by_role("cell", name="Power BI dashboard", exact=True)).to_be_visible()
    checked.goto("/account/api-tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    page.get_by_role("link", name="Revoke Power BI dashboard").click()
    checked.check()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("has been revoked")).to_be_visible()
    checked.check()
    assert _api_me(checked.base_url, secret)[0] == 401
