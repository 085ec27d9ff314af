"""API tokens: kept as a digest only, expiring, revocable, audited, acting as their person."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from audit.models import AuditEvent
from organisation.api_tokens import api_token_create, api_token_revoke


def _get(secret: str, path: str = "/api/v1/org-units/"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {secret}")


def _database_holds(text: str) -> bool:
    """Whether any column of the token table holds ``text``, read straight from PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_apitoken t WHERE strpos(t::text, %s) > 0", [text])
        return cursor.fetchone()[0] > 0


def test_the_database_never_holds_the_secret(world):
    token, secret = api_token_create(by=world.people["cmt"], name="Power BI", days=90)
    assert not _database_holds(secret)
    assert not _database_holds(secret[len(token.prefix) :])
    assert secret.startswith(token.prefix)
    assert len(token.digest) == 64
    assert token.digest not in secret
    assert _get(secret).status_code == 200


def test_the_token_acts_with_its_persons_scope_and_no_more(world):
    _, secret = api_token_create(by=world.people["service_lead"], name="Power BI", days=30)
    codes = {row["code"] for row in _get(secret).json()["results"]}
    assert codes == {"S1", "T1"}
    assert _get(secret, "/api/v1/me/").json()["username"] == "service_lead"
    _, none_secret = api_token_create(by=world.people["no_role"], name="script", days=30)
    assert _get(none_secret).status_code == 403  # no role reads no organisation, token or not


def test_an_expired_token_is_401(world):
    token, secret = api_token_create(by=world.people["cmt"], name="Power BI", days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    response = _get(secret)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_revoked_token_is_401_and_revoking_is_audited(world):
    token, secret = api_token_create(by=world.people["cmt"], name="Power BI", days=30)
    api_token_revoke(by=world.people["cmt"], token=token)
    assert _get(secret).status_code == 401
    token.refresh_from_db()
    assert token.revoked_by == world.people["cmt"]
    assert token.status == "Revoked"
    events = AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk)).order_by("pk")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].actor_id == world.people["cmt"].pk
    assert events[1].before == {"revoked_at": None, "revoked_by": None}
    assert events[1].after["revoked_by"] == world.people["cmt"].pk


def test_the_audit_log_never_holds_the_secret_or_digest(world):
    token, secret = api_token_create(by=world.people["cmt"], name="Power BI", days=30)
    api_token_revoke(by=world.people["performance_admin"], token=token)
    events = list(AuditEvent.objects.filter(object_type="accounts.apitoken").order_by("pk"))
    assert len(events) == 2
    logged = json.dumps([[e.before, e.after, e.object_repr, e.object_id] for e in events])
    assert secret not in logged
    assert secret[len(token.prefix) :] not in logged
    assert token.digest not in logged
    assert events[0].after["name"] == "Power BI"
    assert events[0].after["user"] == world.people["cmt"].pk


def test_a_deactivated_persons_tokens_stop_working(world):
    person = world.people["cmt"]
    _, secret = api_token_create(by=person, name="Power BI", days=30)
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert _get(secret).status_code == 401


def test_an_unknown_token_is_401(world):
    assert _get("pmf_not-a-token").status_code == 401


def test_last_used_is_recorded(world):
    token, secret = api_token_create(by=world.people["cmt"], name="Power BI", days=30)
    assert token.last_used is None
    _get(secret)
    token.refresh_from_db()
    assert token.last_used is not None


def test_expiry_is_one_of_the_offered_lifetimes(world):
    with pytest.raises(ValidationError):
        api_token_create(by=world.people["cmt"], name="Forever", days=3650)
    assert not ApiToken.objects.exists()


def test_only_the_owner_or_an_admin_may_revoke(world):
    token, secret = api_token_create(by=world.people["service_lead"], name="Power BI", days=30)
    with pytest.raises(PermissionDenied):
        api_token_revoke(by=world.people["cmt"], token=token)
    assert _get(secret).status_code == 200
    api_token_revoke(by=world.people["performance_admin"], token=token)
    assert _get(secret).status_code == 401


def test_the_page_shows_the_secret_once_and_lists_without_it(world, clients):
    client = clients["directorate_lead"]
    response = client.post(reverse("api_tokens:list"), {"name": "Power BI", "days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.people["directorate_lead"])
    body = response.content.decode()
    secret = body.split('id="new-token" type="text" value="', 1)[1].split('"', 1)[0]
    assert secret.startswith(token.prefix)
    assert "Authorization" in body
    assert "no-store" in response["Cache-Control"]
    assert _get(secret).status_code == 200
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert "Power BI" in listing
    assert token.prefix in listing
    assert secret not in listing
    assert (token.expires - token.created).days == 90


def test_revoking_from_the_page_asks_then_revokes(world, clients):
    token, secret = api_token_create(by=world.people["no_role"], name="script", days=30)
    url = reverse("api_tokens:revoke", kwargs={"pk": token.pk})
    assert "Revoke token" in clients["no_role"].get(url).content.decode()
    assert _get(secret, "/api/v1/me/").status_code == 200
    response = clients["no_role"].post(url)
    assert response.status_code == 302
    assert response.url == reverse("api_tokens:list")
    assert _get(secret, "/api/v1/me/").status_code == 401


def test_an_admin_sees_and_revokes_everyones_tokens(world, clients):
    token, _ = api_token_create(by=world.people["service_lead"], name="Leaver's feed", days=30)
    body = clients["performance_admin"].get(reverse("api_tokens:everyone")).content.decode()
    assert "Leaver&#x27;s feed" in body
    response = clients["performance_admin"].post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.url == reverse("api_tokens:everyone")
    token.refresh_from_db()
    assert token.revoked_by == world.people["performance_admin"]
    body = clients["performance_admin"].get(reverse("api_tokens:everyone")).content.decode()
    assert "Nobody has a live API token" in body


def test_someone_elses_token_is_not_found(world, clients):
    token, secret = api_token_create(by=world.people["service_lead"], name="Service feed", days=30)
    assert clients["cmt"].post(reverse("api_tokens:revoke", kwargs={"pk": token.pk})).status_code == 404
    assert "Service feed" not in clients["cmt"].get(reverse("api_tokens:list")).content.decode()
    assert _get(secret).status_code == 200
