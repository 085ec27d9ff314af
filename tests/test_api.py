"""The read-only API: public schema, session or token, scoped like the pages."""

import pytest
from django.test import Client

from accounts.policy import SYSTEM
from organisation.api_tokens import api_token_create


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
    _, secret = api_token_create(by=world.people["service_lead"], name="Power BI", days=30)
    response = Client().get("/api/v1/org-units/", HTTP_AUTHORIZATION=f"Token {secret}")
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


def test_cic_objectives_are_not_in_the_api(clients, world):
    schema = clients["anonymous"].get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert not [path for path in schema["paths"] if "cic" in path.lower()]
    objective = clients["performance_admin"].get(f"/api/v1/objectives/{world.thread['s1_objective'].pk}/").json()
    assert "Learn SQL" not in str(objective)
    assert not [key for key in objective if "cic" in key.lower()]


def test_plans_and_objectives_are_readable_by_staff_not_scrutiny(clients, world):
    assert clients["no_role"].get("/api/v1/plans/").status_code == 200
    assert clients["scrutiny"].get("/api/v1/objectives/").status_code == 403
    data = clients["cmt"].get(f"/api/v1/objectives/{world.thread['s1_objective'].pk}/").json()
    assert data["parent_objective"] == world.thread["d1_objective"].pk


def test_returns_in_the_api_carry_rag_and_direction(clients, world):
    from decimal import Decimal

    from kpis.models import KpiReturn
    from kpis.services.dictionary import target_set

    kpi_return = world.kpis["return_s1"]
    target_set(by=SYSTEM, kpi=kpi_return.kpi, for_date=kpi_return.data_period_end, value=Decimal("80"))
    KpiReturn.objects.filter(pk=kpi_return.pk).update(value=Decimal("75"), state="submitted")
    data = clients["service_lead"].get(f"/api/v1/returns/{kpi_return.pk}/").json()
    assert data["rag"] == "red"
    assert data["target"] == "80.0000"
    assert data["direction"] == "no_comparison"
    listing = clients["service_lead"].get("/api/v1/returns/").json()["results"]
    assert [row["kpi"] for row in listing] == ["S1-01"]
    assert listing[0]["rag"] == "red"


def test_kpis_carry_versions_and_targets(clients, world):
    data = clients["no_role"].get("/api/v1/kpis/S1-01/").json()
    assert data["versions"][0]["number"] == 1
    assert data["owning_service"] == "S1"
