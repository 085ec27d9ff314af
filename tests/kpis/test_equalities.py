"""The equalities view: a KPI's breakdowns over time, each category beside the council figure."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from kpis.data_quality import ALL_MET
from kpis.entry import ReturnEntry
from kpis.services.returns import return_approve, return_save, return_submit

pytestmark = pytest.mark.django_db


def approve_with_cells(world, value, cells):
    kpi_return = world.kpis["return_s1"]
    ward = world.kpis["breakdown_s1"]
    by = world.people["service_lead"]
    cells = {(ward.pk, category): v for category, v in cells.items()}
    entry = ReturnEntry(value=value, cells=cells, data_quality=ALL_MET)
    result = return_save(by=by, kpi_return=kpi_return, revision=0, entry=entry, confirm_unusual=True)
    result = return_submit(by=by, kpi_return=result.kpi_return, revision=result.kpi_return.revision)
    return_approve(by=world.people["performance_admin"], kpi_return=result.kpi_return, quality_checked=True)


def test_each_category_shows_beside_the_council_figure_with_its_gap(world, clients):
    approve_with_cells(world, D("80"), {"North": D("70"), "South": D("86.5")})
    kpi_page = clients["performance_admin"].get(reverse("kpis:kpi-detail", kwargs={"code": "S1-01"})).content.decode()
    url = reverse("kpis:kpi-equalities", kwargs={"code": "S1-01"})
    assert url in kpi_page
    response = clients["performance_admin"].get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Council figure" in page
    assert "80.0%" in page
    assert "70.0%" in page
    assert "-10.0 points" in page
    assert "+6.5 points" in page
    assert "data:image/svg+xml," in page
    assert "North 70.0%; South 86.5%; the council 80.0%, drawn as a dashed line" in page


def test_a_count_breakdown_shows_each_categorys_share_of_the_total(world, clients):
    from kpis.models import Breakdown

    Breakdown.objects.filter(pk=world.kpis["breakdown_s1"].pk).update(holds_counts=True)
    approve_with_cells(world, D("80"), {"North": D("3"), "South": D("12")})
    page = clients["performance_admin"].get(reverse("kpis:kpi-equalities", kwargs={"code": "S1-01"})).content.decode()
    assert "20.0% of the total" in page
    assert "80.0% of the total" in page
    assert "drawn as a dashed line" not in page


def test_a_kpi_without_breakdowns_says_so(world, clients):
    page = clients["performance_admin"].get(reverse("kpis:kpi-equalities", kwargs={"code": "S2-01"})).content.decode()
    assert "S2-01 has no breakdowns." in page


def test_a_count_of_people_entered_with_a_return_is_a_whole_number(world):
    from django.core.exceptions import ValidationError

    from kpis.entry import cell_key
    from kpis.models import Breakdown

    ward = world.kpis["breakdown_s1"]
    Breakdown.objects.filter(pk=ward.pk).update(holds_counts=True)
    entry = ReturnEntry(value=D("80"), cells={(ward.pk, "North"): D("2.5"), (ward.pk, "South"): D("130")})
    with pytest.raises(ValidationError) as refused:
        return_save(by=world.people["service_lead"], kpi_return=world.kpis["return_s1"], revision=0, entry=entry)
    assert refused.value.message_dict == {
        cell_key(ward.pk, "North"): ["A count of people is a whole number, 0 or more"]
    }
