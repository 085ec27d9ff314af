"""Pages make a fixed number of queries however big the council is."""

from django.urls import reverse

from accounts.models import OrgUnitKind
from tests.factories import OrgUnitFactory, PlanNodeFactory, UserFactory
from tests.querycount import assert_flat


def get_ok(client, url):
    def action():
        response = client.get(url)
        assert response.status_code == 200

    return action


def grow_organisation(world, n=30):
    def grow():
        for i in range(n):
            service = OrgUnitFactory(kind=OrgUnitKind.SERVICE, code=f"GS{i}", parent=world.d1)
            OrgUnitFactory(kind=OrgUnitKind.TEAM, code=f"GT{i}", parent=service, head=UserFactory())
            UserFactory(org_unit=world.d1, line_manager=world.people["directorate_lead"])

    return grow


def test_home_is_flat_for_a_directorate_lead(world, clients):
    assert_flat(get_ok(clients["directorate_lead"], reverse("home")), grow_organisation(world), pinned=11)


def test_home_is_flat_for_an_admin(world, clients):
    assert_flat(get_ok(clients["performance_admin"], reverse("home")), grow_organisation(world), pinned=15)


def test_organisation_list_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], reverse("accounts:org-unit-list")), grow_organisation(world), pinned=7)


def test_organisation_unit_page_is_flat(world, clients):
    url = reverse("accounts:org-unit-detail", kwargs={"code": world.d1.code})
    assert_flat(get_ok(clients["directorate_lead"], url), grow_organisation(world), pinned=11)


def test_council_plan_page_is_flat(world, clients):
    url = reverse("planning:council-plan-detail", kwargs={"pk": world.plan.pk})

    def grow():
        for i in range(40):
            PlanNodeFactory(plan=world.plan, code=f"X{i}")

    assert_flat(get_ok(clients["scrutiny"], url), grow, pinned=8)


def test_audit_log_page_is_flat(world, clients):
    assert_flat(get_ok(clients["performance_admin"], reverse("audit:event-list")), grow_organisation(world), pinned=8)


def test_api_org_units_is_flat(world, clients):
    assert_flat(get_ok(clients["cmt"], "/api/v1/org-units/"), grow_organisation(world), pinned=8)
