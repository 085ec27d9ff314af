"""The imports apply the forms' rules through the same code: numbers, decimal places, ranges,
published figures, relative tolerances, repeated rows and file limits."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import KpiReturn, ReportingPeriod, Target

VALUES_HEADER = "kpi_code,year,quarter,data_period_label,data_period_end,value\n"


def upload(text: str, name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post_import(client, kind: str, file):
    return client.post(reverse("kpis:import-upload", kwargs={"kind": kind}), {"file": file})


def problems(response) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in response.context["checked"].problems]


def closed_period(year=2024, quarter=2, **fields) -> ReportingPeriod:
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, state=fields.pop("state", "closed"), **ReportingPeriod.default_dates(year, quarter)
    )


def post_return(client, kpi_return, value: str):
    return client.post(
        reverse("kpis:return-edit", kwargs={"pk": kpi_return.pk}),
        {"action": "save", "revision": kpi_return.revision, "value": value, "commentary": "c"},
    )


# --- 1. One number-reading rule --------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("12,5", "use a full stop for decimals, like 12.5"),
        ("NaN", "is not a number"),
        ("Infinity", "is not a number"),
        ("sNaN", "is not a number"),
        ("1e3", "write the number in full"),
        ("123456789012345678901234567890", "too large"),
        ("١٢", "use the digits 0 to 9"),
        ("=A1*2", "is a formula"),
    ],
)
def test_the_targets_import_and_the_return_form_refuse_the_same_text_with_the_same_message(
    world, clients, cell, message
):
    response = post_import(
        clients["performance_admin"], "targets", upload(f'kpi_code,for_date,value\nS1-01,2025-09-30,"{cell}"\n')
    )
    assert response.status_code == 400
    assert [(row, column) for row, column, _ in problems(response)] == [(2, "value")]
    assert message in problems(response)[0][2]
    assert not Target.objects.exists()
    page = post_return(clients["service_lead"], world.kpis["return_s1"], cell)
    assert page.status_code == 200
    assert message in page.context["form"].errors["value"][0]


def test_a_thousands_separator_is_read_the_same_way_by_the_import_and_the_form(world, clients):
    from kpis.services.dictionary import kpi_create

    kpi = kpi_create(
        by=None,
        code="N-1",
        effective_from=datetime.date(2020, 4, 1),
        version={"calculation_method": "Count", "unit": "number", "polarity": "higher"},
        title="Visits",
        definition="Visits",
        owning_service=world.s1,
        owner=world.people["service_lead"],
        decimal_places=0,
    )
    response = post_import(
        clients["performance_admin"], "targets", upload('kpi_code,for_date,value\nN-1,2025-09-30,"1,234"\n')
    )
    assert response.status_code == 302
    assert Target.objects.get(kpi=kpi).value == Decimal(1234)
    from kpis.services.returns import return_for

    kpi_return = return_for(kpi, world.kpis["period"])
    page = post_return(clients["service_lead"], kpi_return, "1,234")
    assert page.status_code == 302, page.context["form"].errors
    kpi_return.refresh_from_db()
    assert kpi_return.value == Decimal(1234)


def test_a_history_value_with_more_decimals_than_the_kpi_allows_is_refused_not_rounded(world, clients):
    closed_period()
    text = VALUES_HEADER + "S1-01,2024,2,2024/25 Q2,2024-09-30,77.123456\n"
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 400
    assert problems(response) == [(2, "value", "Give the value to at most 1 decimal place")]
    assert not KpiReturn.objects.filter(period__year=2024).exists()


def test_a_target_with_too_many_decimals_is_reported_not_a_crash(world, clients):
    response = post_import(
        clients["performance_admin"], "targets", upload("kpi_code,for_date,value\nS1-01,2025-09-30,85.123456\n")
    )
    assert response.status_code == 400
    assert problems(response) == [(2, "value", "Give the value to at most 1 decimal place")]


def test_a_percentage_over_100_is_refused_by_the_import_as_by_the_form(world, clients):
    closed_period()
    response = post_import(
        clients["performance_admin"], "values", upload(VALUES_HEADER + "S1-01,2024,2,2024/25 Q2,2024-09-30,150\n")
    )
    assert response.status_code == 400
    assert problems(response) == [(2, "value", "Enter a percentage between 0 and 100")]
    page = post_return(clients["service_lead"], world.kpis["return_s1"], "150")
    assert page.context["form"].errors["value"] == ["Enter a percentage between 0 and 100"]
