"""Keeping the data dictionary through its pages: a new KPI, an edit, a new version, a target."""

from decimal import Decimal

from django.urls import reverse

from audit.models import AuditEvent
from kpis.models import Kpi


def kpi_data(world, **overrides):
    data = {
        "code": "NEW-01",
        "title": "Households prevented from becoming homeless",
        "definition": "Prevention duty cases ending with accommodation secured",
        "owning_service": world.s1.pk,
        "owner": world.people["service_lead"].username,
        "frequency": "quarterly",
        "data_period_type": "quarter",
        "annual_reporting_quarter": "1",
        "decimal_places": "1",
        "tolerance_type": "absolute",
        "tolerance_amount": "2",
        "calculation_method": "Cases with accommodation secured over all prevention cases closed",
        "unit": "percentage",
        "polarity": "higher",
        "cumulative_basis": "none",
        "effective_from": "2025-04-01",
    }
    data.update(overrides)
    return data


def test_admin_adds_a_kpi_with_its_first_version(world, clients):
    response = clients["performance_admin"].post(reverse("kpis:kpi-create"), kpi_data(world))
    assert response.status_code == 302
    kpi = Kpi.objects.get(code="NEW-01")
    assert kpi.versions.get().calculation_method.startswith("Cases with")
    assert AuditEvent.objects.filter(object_type="kpis.kpi", object_id=str(kpi.pk), action="create").exists()


def test_a_tolerance_type_without_an_amount_is_refused_next_to_the_field(world, clients):
    response = clients["performance_admin"].post(reverse("kpis:kpi-create"), kpi_data(world, tolerance_amount=""))
    assert response.status_code == 200
    assert 'id="id_tolerance_amount-error"' in response.content.decode()
    assert 'value="Households prevented from becoming homeless"' in response.content.decode()


def test_a_new_version_keeps_the_old_one(world, clients):
    kpi = world.kpis["s1"]
    response = clients["performance_admin"].post(
        reverse("kpis:kpi-version-add", kwargs={"code": kpi.code}),
        {
            "effective_from": "2026-04-01",
            "calculation_method": "Cases closed within 15 working days",
            "unit": "percentage",
            "polarity": "higher",
            "cumulative_basis": "none",
            "quarter_rule": "last_month",
            "change_reason": "The standard changed from 20 to 15 working days",
        },
    )
    assert response.status_code == 302
    assert list(kpi.versions.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_version_with_no_change_is_refused(world, clients):
    kpi = world.kpis["s1"]
    current = kpi.versions.get()
    response = clients["performance_admin"].post(
        reverse("kpis:kpi-version-add", kwargs={"code": kpi.code}),
        {
            "effective_from": "2026-04-01",
            "calculation_method": current.calculation_method,
            "unit": current.unit,
            "polarity": current.polarity,
            "cumulative_basis": current.cumulative_basis,
            "quarter_rule": current.quarter_rule,
            "change_reason": "No reason",
        },
    )
    assert response.status_code == 200
    assert "Nothing in the definition changed" in response.content.decode()


def test_setting_a_target(world, clients):
    kpi = world.kpis["s1"]
    response = clients["performance_admin"].post(
        reverse("kpis:kpi-target-add", kwargs={"code": kpi.code}),
        {"for_date": "2026-03-31", "value": "82.5", "note": "Agreed by Cabinet"},
    )
    assert response.status_code == 302
    assert kpi.targets.get().value == Decimal("82.5")


def test_a_kpi_can_measure_a_plan_objective(world, clients):
    kpi = world.kpis["s1"]
    objective = world.thread["s1_objective"]
    data = kpi_data(world, title=kpi.title, definition=kpi.definition, objectives=[objective.pk], tolerance_type="none")
    data.pop("code")
    response = clients["performance_admin"].post(reverse("kpis:kpi-edit", kwargs={"code": kpi.code}), data)
    assert response.status_code == 302
    assert list(kpi.objectives.all()) == [objective]
    event = AuditEvent.objects.filter(object_type="kpis.kpi", action="update").latest("id")
    assert event.after["objectives"] == [objective.pk]
