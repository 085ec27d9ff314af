"""The people search and a person's page, where a performance admin grants and removes roles."""

from __future__ import annotations

import re

from django.urls import reverse

from accounts.models import Role, RoleAssignment
from audit.models import AuditEvent
from tests.factories import UserFactory
from tests.querycount import assert_flat, count_queries


def person_url(person) -> str:
    return reverse("organisation:person-detail", kwargs={"pk": person.pk})


def test_the_admin_finds_a_person_by_any_words_of_their_name_or_job(world, clients):
    UserFactory(username="jo.smith", first_name="Jo", last_name="Smith", job_title="Housing officer")
    UserFactory(username="jo.brown", first_name="Jo", last_name="Brown", job_title="Planner")
    admin = clients["performance_admin"]
    body = admin.get(reverse("organisation:person-list"), {"q": "smith jo"}).content.decode()
    assert "Jo Smith" in body
    assert "Jo Brown" not in body
    assert "1 person matching" in body
    assert "Jo Brown" in admin.get(reverse("organisation:person-list"), {"q": "PLANNER"}).content.decode()


def test_the_people_list_comes_a_page_at_a_time_keeping_the_search(world, clients):
    for number in range(120):
        UserFactory(username=f"officer.{number:03}", first_name="Officer", last_name=f"{number:03}")
    admin = clients["performance_admin"]
    first = admin.get(reverse("organisation:person-list"), {"q": "officer"})
    assert first.context["page"].paginator.count == 120
    assert len(first.context["page"].object_list) == 50
    assert "q=officer&amp;page=2" in first.content.decode()
    last = admin.get(reverse("organisation:person-list"), {"q": "officer", "page": 3})
    assert [p.username for p in last.context["page"].object_list][-1] == "officer.119"
    assert len(last.context["page"].object_list) == 20


def test_the_people_list_makes_the_same_queries_however_many_people(world, clients):
    admin = clients["performance_admin"]

    def grow():
        for number in range(60):
            person = UserFactory(username=f"grown.{number}", org_unit=world.s1)
            RoleAssignment.objects.create(user=person, role=Role.SCRUTINY)

    assert_flat(lambda: admin.get(reverse("organisation:person-list")), grow)
    searching = count_queries(lambda: admin.get(reverse("organisation:person-list"), {"q": "grown", "page": 2}))
    assert searching == count_queries(lambda: admin.get(reverse("organisation:person-list")))


def test_a_unit_page_links_its_people_to_their_roles_for_the_admin_only(world, clients):
    person = world.people["no_role"]
    unit_url = reverse("accounts:org-unit-detail", kwargs={"code": world.t1.code})
    assert person_url(person) in clients["performance_admin"].get(unit_url).content.decode()
    assert person_url(person) not in clients["cmt"].get(unit_url).content.decode()
    listing = clients["performance_admin"].get(reverse("accounts:org-unit-list")).content.decode()
    assert reverse("organisation:person-list") in listing


def test_granting_shows_errors_by_the_field_and_keeps_the_choice(world, clients):
    person = world.people["no_role"]
    admin = clients["performance_admin"]
    page = admin.get(person_url(person))
    assert page.status_code == 200
    assert "holds no role" in page.content.decode()

    missing = admin.post(person_url(person), {"role": "directorate_lead", "service": world.s1.pk})
    assert missing.status_code == 400
    body = missing.content.decode()
    assert re.search(r'id="id_directorate-error"[^>]*>.*must be given a directorate', body)
    assert re.search(r'value="directorate_lead" checked', body)
    assert 'id="id_service-error"' not in body

    nothing = admin.post(person_url(person), {}).content.decode()
    assert 'id="id_role-error"' in nothing
    assert '<a href="#id_role_0">Choose the role to grant</a>' in nothing  # the summary links to the first radio
    assert 'id="id_role_0"' in nothing
    assert not RoleAssignment.objects.filter(user=person).exists()


def test_granting_a_role_for_a_service_and_a_cabinet_portfolio(world, clients):
    person = world.people["no_role"]
    admin = clients["performance_admin"]
    # the directorate list still holds an earlier choice: only the list for the role counts
    granted = admin.post(
        person_url(person), {"role": "service_lead", "service": world.s2.pk, "directorate": world.d1.pk}, follow=True
    )
    assert "is now a service lead for Service Two" in granted.content.decode()
    assert RoleAssignment.objects.get(user=person).org_unit == world.s2
    admin.post(person_url(person), {"role": "cabinet", "portfolio": "Housing", "service": world.s1.pk})
    cabinet = RoleAssignment.objects.get(user=person, role=Role.CABINET)
    assert (cabinet.org_unit, cabinet.portfolio) == (None, "Housing")
    admin.post(person_url(person), {"role": "cmt", "portfolio": "Housing"})
    assert RoleAssignment.objects.get(user=person, role=Role.CMT).portfolio == ""
    assert AuditEvent.objects.filter(object_type="accounts.roleassignment", action="create").count() == 3


def test_removing_a_role_asks_first_then_removes_it(world, clients):
    person = world.people["cmt"]
    assignment = person.role_assignments.get()
    admin = clients["performance_admin"]
    remove_url = reverse("organisation:role-remove", kwargs={"pk": person.pk, "assignment_pk": assignment.pk})
    assert remove_url in admin.get(person_url(person)).content.decode()
    confirm = admin.get(remove_url)
    assert "Remove the role CMT member?" in confirm.content.decode()
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    done = admin.post(remove_url, follow=True)
    assert "is no longer a cmt member" in done.content.decode()
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_the_admin_cannot_change_their_own_roles_from_their_page(world, clients):
    admin_person = world.people["performance_admin"]
    admin = clients["performance_admin"]
    own = admin.get(person_url(admin_person)).content.decode()
    assert "Nobody grants or removes their own roles" in own
    assert "Grant a role" not in own
    assert "/remove/" not in own
    assert admin.post(person_url(admin_person), {"role": "cmt"}).status_code == 403
    assignment = admin_person.role_assignments.get()
    remove_url = reverse("organisation:role-remove", kwargs={"pk": admin_person.pk, "assignment_pk": assignment.pk})
    assert admin.post(remove_url).status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_person_who_has_left_gets_no_new_role(world, clients):
    leaver = UserFactory(username="leaver", is_active=False)
    page = clients["performance_admin"].get(person_url(leaver)).content.decode()
    assert "has left, so no role can be granted" in page
    assert clients["performance_admin"].post(person_url(leaver), {"role": "cmt"}).status_code == 403
