"""The Django admin: performance admins only, and read-only for governed data."""

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("anonymous", "performance_admin")])
def test_only_performance_admins_reach_the_admin(clients, persona):
    response = clients[persona].get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_performance_admin_can_look_but_not_change(clients, world):
    client = clients["performance_admin"]
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_orgunit_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_orgunit_add")).status_code == 403
    change = client.post(reverse("admin:accounts_orgunit_change", args=[world.s1.pk]), {"name": "Renamed"})
    assert change.status_code == 403
    delete = client.post(reverse("admin:accounts_orgunit_delete", args=[world.s1.pk]), {"post": "yes"})
    assert delete.status_code == 403
    world.s1.refresh_from_db()
    assert world.s1.name == "Service One"


def test_user_admin_never_shows_the_password_hash(clients, world):
    body = (
        clients["performance_admin"]
        .get(reverse("admin:accounts_user_change", args=[world.people["no_role"].pk]))
        .content.decode()
    )
    assert "argon2" not in body
