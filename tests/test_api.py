"""The read-only API: public schema, session or token, scoped like the pages."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token


def test_schema_is_public_openapi_json(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/council-plans/" in document["paths"]
    assert "/api/v1/org-units/" in document["paths"]


def test_anonymous_data_request_is_401_not_a_redirect(db):
    response = Client().get("/api/v1/council-plans/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_token_authentication_applies_the_users_scope(world):
    token = Token.objects.create(user=world.people["service_lead"])
    response = Client().get("/api/v1/org-units/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes == {"S1", "T1"}


def test_api_is_read_only(world, clients):
    response = clients["performance_admin"].post("/api/v1/council-plans/", {"title": "x"})
    assert response.status_code == 405


def test_council_plan_carries_its_tree(clients, world):
    data = clients["cmt"].get(f"/api/v1/council-plans/{world.plan.pk}/").json()
    assert data["level_names"] == ["Priority", "Outcome", "Marker of Success"]
    assert [(n["code"], n["level"], n["parent"]) for n in data["nodes"]] == [
        ("P1", "Priority", None),
        ("O1", "Outcome", "P1"),
        ("M1", "Marker of Success", "O1"),
    ]


@pytest.mark.parametrize("persona", ["no_role", "scrutiny", "cabinet"])
def test_me_lists_the_callers_roles(clients, world, persona):
    data = clients[persona].get("/api/v1/me/").json()
    assert data["username"] == world.people[persona].username
    expected = [] if persona == "no_role" else [persona]
    assert [r["role"] for r in data["roles"]] == expected
