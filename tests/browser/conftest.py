"""Browser tests: one headless Chromium per session, a fresh context per test, axe on every
page visited, and any Content-Security-Policy violation fails the test."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from demo.management.commands.demo_council import DEMO_PASSWORD

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample});
  document.documentElement.setAttribute('data-csp-violations', String(window.__cspViolations.length));
});
"""


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(f"Chromium not found at {path}; install Debian's chromium or set CHROMIUM_PATH")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Checked:
    """A page wrapper that runs axe after each navigation and collects CSP violations."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.axe = Axe()
        self.console_csp: list[str] = []
        self.visited: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console_csp.append(message.text)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def check(self) -> None:
        """axe with the WCAG 2.2 AA tags: zero violations, or the test fails naming them."""
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        self.visited.append(self.page.url)
        violations = results.response["violations"]
        assert not violations, f"axe violations on {self.page.url}:\n" + json.dumps(
            [{"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"]][:3]} for v in violations],
            indent=2,
        )
        self.assert_no_csp_violations()

    def assert_no_csp_violations(self) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert not violations, f"CSP violations on {self.page.url}: {violations}"
        assert not self.console_csp, f"CSP violations reported in the console: {self.console_csp}"

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/accounts/sign-in/")
        self.page.get_by_label("User name").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("load")
        self.check()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url("**/accounts/sign-in/")
        self.check()


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo_council", verbosity=0)


@pytest.fixture
def checked(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15_000)
    wrapper = Checked(page, live_server.url)
    yield wrapper
    try:
        wrapper.assert_no_csp_violations()
    finally:
        context.close()
