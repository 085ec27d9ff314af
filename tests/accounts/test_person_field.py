"""Forms name a person by what identifies them (employee number, user name or email), not by a
list of everyone: at 15,000 staff each such form sent every person and took over a second to
draw (docs/performance.md, "The largest councils")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.forms import PersonField
from accounts.models import User
from tests.factories import UserFactory

#: Every page whose form names a person, with who opens it.
FORMS_NAMING_A_PERSON = [
    ("kpis:kpi-create", "performance_admin", lambda w: {}),
    ("kpis:kpi-edit", "performance_admin", lambda w: {"code": w.kpis["s1"].code}),
    ("kpis:kpi-hand-over", "performance_admin", lambda w: {"pk": w.kpis["s2"].owner_id}),
    ("kpis:escalation-create", "performance_admin", lambda w: {"code": w.kpis["s1"].code}),
    ("planning:risk-add", "performance_admin", lambda w: {}),
    ("planning:risk-edit", "performance_admin", lambda w: {"pk": w.thread["risk_s1"].pk}),
    ("planning:risk-action-add", "performance_admin", lambda w: {"pk": w.thread["risk_s1"].pk}),
    ("planning:objective-add", "service_lead", lambda w: {"pk": w.thread["plans"]["S1"].pk}),
    ("planning:objective-edit", "service_lead", lambda w: {"pk": w.thread["s1_objective"].pk}),
]


@pytest.mark.parametrize(("url_name", "persona", "kwargs"), FORMS_NAMING_A_PERSON)
def test_a_form_naming_a_person_does_not_list_everyone(world, clients, url_name, persona, kwargs):
    url = reverse(url_name, kwargs=kwargs(world))
    before = clients[persona].get(url)
    assert before.status_code == 200
    # someone who could be chosen on every one of these forms (active, in Service One's team)
    UserFactory(first_name="Zebulon", last_name="Largest-Council", org_unit=world.t1)
    for i in range(30):
        UserFactory(org_unit=world.t1, last_name=f"Grown {i}")
    after = clients[persona].get(url).content.decode()
    assert "Largest-Council" not in after
    assert len(after) == len(before.content.decode()), "the page grew with the number of people"


@pytest.fixture
def people(db):
    return {
        "ana": UserFactory(username="ana.k", email="Ana.K@council.example", employee_number="E100"),
        "ben": UserFactory(username="ben.o", email="ben@council.example", employee_number="ana.k2"),
        "clash": UserFactory(username="ana.k2", email="clash@council.example", employee_number="E200"),
    }


@pytest.mark.parametrize("typed", ["E100", "ana.k", "ana.k@COUNCIL.example", "  ana.k  "])
def test_a_person_is_found_by_employee_number_user_name_or_email(people, typed):
    assert PersonField().clean(typed) == people["ana"]


def test_someone_not_there_or_two_matches_are_refused_with_a_reason(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="No one still here"):
        PersonField().clean("nobody")
    with pytest.raises(ValidationError, match="More than one person matches"):
        PersonField().clean("ana.k2")  # one's user name, another's employee number


def test_the_choice_stays_within_the_field_s_people(people):
    from django.core.exceptions import ValidationError

    User.objects.filter(pk=people["ana"].pk).update(is_active=False)
    with pytest.raises(ValidationError, match="No one still here"):
        PersonField().clean("E100")  # the default: people still here
    assert PersonField(queryset=User.objects.all()).clean("E100") == people["ana"]


def test_a_chosen_person_is_shown_by_user_name(people):
    field = PersonField()
    assert field.prepare_value(people["ana"]) == "ana.k"
    assert field.prepare_value(people["ana"].pk) == "ana.k"  # a model form's initial
    assert field.prepare_value("what was typed") == "what was typed"
