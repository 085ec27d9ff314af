"""The browser checks can fail: a page with a real accessibility fault, and a script that
breaks the Content-Security-Policy, are both caught."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_axe_catches_a_real_violation(db, checked):
    checked.goto("/accessibility/")
    checked.page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
    with pytest.raises(AssertionError, match="image-alt"):
        checked.check()


def test_an_inline_script_without_the_nonce_is_blocked_and_reported(db, checked):
    checked.goto("/accessibility/")
    checked.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
        " document.body.append(s); }"
    )
    checked.page.locator("html[data-csp-violations]").wait_for(state="attached")
    assert checked.page.evaluate("window.__ran") is None
    with pytest.raises(AssertionError, match="CSP violations"):
        checked.assert_no_csp_violations()
    checked.console_csp.clear()
    checked.page.evaluate("window.__cspViolations = []")
