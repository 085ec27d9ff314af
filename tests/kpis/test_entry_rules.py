"""Dates in the past and a figure's precision: one rule, one message, wherever they are entered."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.validators import DATE_IN_THE_PAST
from kpis.services.escalations import escalation_raise
from tests.kpis.conftest import make_kpi


def escalation_post(due_date: str) -> dict:
    return {"reason": "Red twice", "actions": "Plan", "owner": "", "due_date": due_date}


def test_an_escalation_due_in_the_past_is_refused_by_the_form_and_the_service(world, clients):
    kpi = world.kpis["s1"]
    data = escalation_post("2001-01-01")
    data["owner"] = kpi.owner.username
    page = clients["performance_admin"].post(reverse("kpis:escalation-create", kwargs={"code": kpi.code}), data)
    assert page.status_code == 200
    assert page.context["form"].errors["due_date"] == [DATE_IN_THE_PAST]
    with pytest.raises(ValidationError) as refused:
        escalation_raise(
            by=world.people["performance_admin"],
            kpi=kpi,
            period=world.kpis["period"],
            reason="r",
            actions="a",
            owner=kpi.owner,
            due_date=datetime.date(2001, 1, 1),
        )
    assert refused.value.message_dict == {"due_date": [DATE_IN_THE_PAST]}
    data["due_date"] = timezone.localdate().isoformat()
    page = clients["performance_admin"].post(reverse("kpis:escalation-create", kwargs={"code": kpi.code}), data)
    assert page.status_code == 302


def test_a_value_with_too_many_decimals_is_told_the_kpis_places_as_the_hint_says(world, clients):
    from kpis.services.returns import return_for

    kpi = make_kpi(world, "PREC-1", decimal_places=3)
    kpi_return = return_for(kpi, world.kpis["period"])
    page = clients["service_lead"].post(
        reverse("kpis:return-edit", kwargs={"pk": kpi_return.pk}),
        {"action": "save", "revision": kpi_return.revision, "value": "12.123456", "commentary": "c"},
    )
    form = page.context["form"]
    assert form.fields["value"].help_text == "To 3 decimal places."
    assert form.errors["value"] == ["Give the value to at most 3 decimal places"]
    kpi_return.refresh_from_db()
    assert kpi_return.value is None
    page = clients["service_lead"].post(
        reverse("kpis:return-edit", kwargs={"pk": kpi_return.pk}),
        {"action": "save", "revision": kpi_return.revision, "value": "12.123", "commentary": "c"},
    )
    assert page.status_code == 302
    kpi_return.refresh_from_db()
    assert kpi_return.value == Decimal("12.123")
