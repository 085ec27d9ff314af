"""A performance admin exports everything held about a person, from the person's page, in a
real browser with axe and the CSP checked; the download is the person's data, audited."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_the_admin_exports_a_persons_data_from_their_page(demo, checked):
    page = checked.page
    checked.sign_in("imogen.hart")
    checked.goto("/people/?q=aaliyah")
    page.get_by_role("link", name="Aaliyah Campbell").click()
    checked.check()
    page.get_by_role("link", name="Export everything held about Aaliyah Campbell").click()
    checked.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access export")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the export").click()
    download = info.value
    assert download.suggested_filename.startswith("subject-access-aaliyah.campbell-")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    data = json.loads(archive.read("personal-data.json"))
    assert data["profile"][0]["username"] == "aaliyah.campbell"
    event = AuditEvent.objects.get(action="subject_access:export")
    assert (event.actor_name, event.object_repr) == ("Imogen Hart", "Aaliyah Campbell")
    checked.sign_out()
