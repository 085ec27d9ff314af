"""A CIC objective contributes to an objective of the person's own team or the units above
it: the form offers those, and the service refuses any other."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planning.services import cic_objective_create


def test_the_form_offers_the_objectives_of_the_persons_own_team_and_service(world, clients):
    page = clients["no_role"].get(reverse("planning:cic-add"))
    offered = set(page.context["form"].fields["objective"].queryset)
    assert offered == {world.thread["s1_objective"]}  # their team's service, not Service Two


def test_an_objective_of_another_service_is_refused(world):
    member = world.people["no_role"]
    with pytest.raises(ValidationError) as refused:
        cic_objective_create(
            by=member, employee=member, objective=world.thread["s2_objective"], title="Help out", status="on_track"
        )
    assert "own team or service" in refused.value.message_dict["objective"][0]
    cic = cic_objective_create(
        by=member, employee=member, objective=world.thread["s1_objective"], title="Help out", status="on_track"
    )
    assert cic.objective == world.thread["s1_objective"]
