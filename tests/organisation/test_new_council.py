"""``manage.py new_council``: an empty database becomes a council with its first performance
admin, who can sign in and reach the admin pages; never twice, never without an email."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import OrgUnit, RoleAssignment, User
from audit.models import AuditEvent
from kpis.models import Kpi
from planning.models import CouncilPlan

ANSWERS = {
    "name": "Anytown Borough Council",
    "code": "ABC",
    "admin_first_name": "Priya",
    "admin_last_name": "Shah",
    "admin_email": "priya.shah@anytown.gov.uk",
    "admin_username": "priya.shah",
}


def _start(**overrides) -> str:
    out = io.StringIO()
    call_command("new_council", "--no-input", stdout=out, **{**ANSWERS, **overrides})
    return out.getvalue()


def _password_from(output: str) -> str:
    return output.split("shown only this once: ", 1)[1].split()[0]


def test_an_empty_database_becomes_a_council_whose_admin_signs_in(db):
    output = _start()
    council = OrgUnit.objects.get()
    assert (council.kind, council.code, council.name, council.parent) == ("council", "ABC", ANSWERS["name"], None)
    admin = User.objects.get()
    assert admin.email == "priya.shah@anytown.gov.uk"
    assert admin.org_unit == council
    assert [a.role for a in RoleAssignment.objects.filter(user=admin)] == ["performance_admin"]
    assert not Kpi.objects.exists()
    assert not CouncilPlan.objects.exists()
    events = AuditEvent.objects.order_by("pk")
    assert [(e.object_type, e.action, e.actor_name) for e in events] == [
        ("accounts.orgunit", "create", "system"),
        ("accounts.user", "create", "system"),
        ("accounts.roleassignment", "create", "system"),
    ]
    password = _password_from(output)
    assert password not in str([e.after for e in events])
    client = Client()
    response = client.post("/accounts/sign-in/", {"username": "priya.shah", "password": password})
    assert response.status_code == 302
    for page in ("/organisation/", "/audit/", "/imports/", "/periods/", "/admin/", "/account/api-tokens/"):
        assert client.get(page).status_code == 200, page


def test_the_password_can_be_given_in_the_environment(db, monkeypatch):
    monkeypatch.setenv("PMF_ADMIN_PASSWORD", "a long enough passphrase")
    output = _start()
    assert "shown only this once" not in output
    response = Client().post("/accounts/sign-in/", {"username": "priya.shah", "password": "a long enough passphrase"})
    assert response.status_code == 302


def test_answers_can_all_come_from_the_environment(db, monkeypatch):
    for field, env in [
        ("name", "PMF_COUNCIL_NAME"),
        ("code", "PMF_COUNCIL_CODE"),
        ("admin_first_name", "PMF_ADMIN_FIRST_NAME"),
        ("admin_last_name", "PMF_ADMIN_LAST_NAME"),
        ("admin_email", "PMF_ADMIN_EMAIL"),
        ("admin_username", "PMF_ADMIN_USERNAME"),
    ]:
        monkeypatch.setenv(env, ANSWERS[field])
    call_command("new_council", "--no-input", stdout=io.StringIO())
    assert User.objects.get().username == "priya.shah"


def test_it_refuses_a_second_council(db):
    _start()
    with pytest.raises(CommandError, match="already has a council, Anytown Borough Council"):
        _start(name="Othertown", code="OTH", admin_username="someone", admin_email="someone@othertown.gov.uk")
    assert OrgUnit.objects.count() == 1
    assert User.objects.count() == 1


def test_existing_ok_leaves_a_council_alone(db):
    _start()
    out = io.StringIO()
    call_command("new_council", "--no-input", "--existing-ok", stdout=out)
    assert "already set up" in out.getvalue()
    assert OrgUnit.objects.count() == 1


def test_it_refuses_a_missing_email(db, monkeypatch):
    monkeypatch.delenv("PMF_ADMIN_EMAIL", raising=False)
    with pytest.raises(CommandError, match="PMF_ADMIN_EMAIL"):
        _start(admin_email="")
    assert not OrgUnit.objects.exists()
    assert not User.objects.exists()


def test_a_bad_email_leaves_nothing_behind(db):
    with pytest.raises(CommandError, match="email"):
        _start(admin_email="not an email")
    assert not OrgUnit.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_weak_password_is_refused(db, monkeypatch):
    monkeypatch.setenv("PMF_ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError, match="PMF_ADMIN_PASSWORD"):
        _start()
    assert not User.objects.exists()


def test_the_demo_database_is_refused(world):
    """The test world has a council already, as the demo has."""
    with pytest.raises(CommandError, match="already has a council"):
        _start()
