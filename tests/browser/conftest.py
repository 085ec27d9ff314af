"""Browser tests: one headless Chromium per session, a fresh context per test, axe on every
page visited, and any Content-Security-Policy violation fails the test."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import shutil
import sys

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from demo.management.commands.demo_council import DEMO_PASSWORD

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Every rule with those tags is run, and every violation reported with all its elements;
#: ``resultTypes`` spares axe listing every element that passed, or that a rule did not
#: apply to, and spares the tests carrying those lists back (hundreds of KB a page).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
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

    name_the_sourceless_frames()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def name_the_sourceless_frames() -> None:
    """Make Playwright's record of where each call came from cheap.

    Every call through Playwright's sync API records the caller's stack (``inspect.stack``),
    which looks up each frame's source file. For a frame of code with no file (the
    ``<string>`` that pytest-xdist's worker runs in, ``<frozen runpy>`` under ``python -m``)
    ``inspect.getmodule`` goes through every loaded module looking for one, every time:
    about 3 ms a call with the whole suite loaded, and the browser tests make thousands of
    calls. ``inspect`` keeps a map of file names to module names; naming these frames' files
    there, as belonging to no module (a name not in ``sys.modules``), gives ``inspect`` the
    answer its search would have given, at once. The frames are those below this one, the
    same for every later call: the pytest process's outermost frames.
    """
    frame = sys._getframe()
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith("<") and name not in sys.modules:
            inspect.modulesbyfile.setdefault(name, name)
        frame = frame.f_back


#: Page states axe has passed in this session. The same URL in the same state (the sign-in
#: page is where every journey starts) gives axe the same page to judge, so it is judged once.
AXE_PASSED: set[tuple] = set()
#: What differs between two renderings of one page without changing it: the CSP nonce and
#: the masked CSRF token are new in every response.
PER_RESPONSE = re.compile(r'(nonce="|name="csrfmiddlewaretoken" value=")[^"]*"')


def page_state(page) -> tuple:
    """The page as axe would see it: its URL, the viewport and the whole document."""
    html = page.evaluate("document.documentElement.outerHTML")
    digest = hashlib.sha256(PER_RESPONSE.sub(r'\1"', html).encode()).hexdigest()
    return page.url, tuple(sorted((page.viewport_size or {}).items())), digest


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
        self.visited.append(self.page.url)
        seen = page_state(self.page)
        if seen not in AXE_PASSED:
            results = self.axe.run(self.page, options=AXE_OPTIONS)
            violations = results.response["violations"]
            assert not violations, f"axe violations on {self.page.url}:\n" + json.dumps(
                [{"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"]][:3]} for v in violations],
                indent=2,
            )
            AXE_PASSED.add(seen)
        self.assert_no_csp_violations()

    def assert_no_csp_violations(self) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert not violations, f"CSP violations on {self.page.url}: {violations}"
        assert not self.console_csp, f"CSP violations reported in the console: {self.console_csp}"

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/accounts/sign-in/")
        self.page.get_by_label("User name").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.page.wait_for_load_state("load")
        self.check()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url("**/accounts/sign-in/")
        self.check()


@pytest.fixture(scope="session")
def demo_template(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo council, loaded once per session and kept as a PostgreSQL template database.

    Loading the demo takes seconds; copying a template database takes a fraction of one.
    The template is made from the test database right after the load (the database is
    empty between tests), so a copy holds exactly what loading the demo into it would give.
    """
    from django.db import connection
    from django.test import override_settings

    test_database = connection.settings_dict["NAME"]
    template = f"{test_database}_demo"
    with django_db_blocker.unblock():
        with override_settings(VAR_DIR=tmp_path_factory.mktemp("demo-var")):
            call_command("demo_council", verbosity=0)
        _copy_database(source=test_database, target=template)
    yield template
    with django_db_blocker.unblock():
        _drop_database(template)


def _drop_database(name: str) -> None:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy_database(*, source: str, target: str) -> None:
    """``target`` becomes a copy of ``source``. PostgreSQL copies only a database nobody is
    connected to: this process's connections are closed and any other session's ended."""
    from django.db import connection, connections

    connections.close_all()
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        # FILE_COPY copies the files instead of writing each block to the WAL: faster for a
        # database this size, and its checkpoint is cheap on the test cluster (fsync off).
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY')


@pytest.fixture
def demo(demo_template, transactional_db):
    """A fresh copy of the demo council in the test database (emptied again after the test,
    like any transactional test's)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.db import connection

    _copy_database(source=demo_template, target=connection.settings_dict["NAME"])
    # Content type ids in the copy are those of the load, not of the last flush.
    ContentType.objects.clear_cache()
    cache.clear()


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


def attest_data_quality(page, not_met: dict[str, str] | None = None) -> None:
    """Answer the return form's data quality questions as a service lead would: every
    dimension met, except those in ``not_met`` (dimension word → why not)."""
    from kpis.data_quality import Dimension

    not_met = not_met or {}
    for dimension in Dimension:
        word = dimension.label.lower()
        group = page.get_by_role("group", name=f"Data quality: is the figure {word}?")
        group.get_by_label("No" if word in not_met else "Yes", exact=True).check()
        if word in not_met:
            page.get_by_label(f"If not, why is it not {word}?").fill(not_met[word])
