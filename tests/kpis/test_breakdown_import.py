"""The breakdown history import: values per category of figures already approved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.policy import SYSTEM
from audit.models import AuditEvent
from kpis.imports import KINDS
from kpis.models import BreakdownValue, KpiReturn, ReportingPeriod
from kpis.services.returns import return_backfill

pytestmark = pytest.mark.django_db

HEADER = "kpi_code,year,quarter,breakdown,category,value\n"


def post(client, text: str):
    file = SimpleUploadedFile("breakdowns.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("kpis:import-upload", kwargs={"kind": "breakdown-values"}), {"file": file})


def problems(response) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in response.context["checked"].problems]


def history(world, state="closed", value="70") -> KpiReturn:
    period = ReportingPeriod.objects.create(
        year=2023, quarter=4, state="closed", historic=True, **ReportingPeriod.default_dates(2023, 4)
    )
    kpi_return = return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=period, value=Decimal(value))
    ReportingPeriod.objects.filter(pk=period.pk).update(state=state)
    return kpi_return


def test_the_kind_is_in_the_import_index_with_a_template(clients):
    assert "breakdown-values" in KINDS
    page = clients["performance_admin"].get(reverse("kpis:import-index")).content.decode()
    assert "Breakdown values (history)" in page
    template = clients["performance_admin"].get(reverse("kpis:import-template", kwargs={"kind": "breakdown-values"}))
    assert template.content.decode().startswith(HEADER)


def test_an_approved_figures_breakdown_is_imported_and_audited(world, clients):
    kpi_return = history(world)
    response = post(clients["performance_admin"], HEADER + "S1-01,2023,4,Ward,North,66.5\nS1-01,2023,4,Ward,South,74\n")
    assert response.status_code == 302
    cells = dict(BreakdownValue.objects.filter(kpi_return=kpi_return).values_list("category", "value"))
    assert cells == {"North": Decimal("66.5"), "South": Decimal("74")}
    event = AuditEvent.objects.filter(object_id=str(kpi_return.pk), reason="Breakdown history imported").get()
    assert event.after["cells"] == {"North": "66.5", "South": "74"}


def test_every_problem_is_reported_with_its_row_and_nothing_is_imported(world, clients):
    history(world)
    text = HEADER + (
        "S1-01,2023,4,Ward,Middle,60\n"  # not a category
        "S1-01,2023,4,Age,North,60\n"  # not a breakdown
        "S1-01,2022,1,Ward,North,60\n"  # no figure in that period
        "S1-01,2023,4,Ward,North,160\n"  # a percentage over 100
    )
    response = post(clients["performance_admin"], text)
    assert response.status_code == 400
    found = problems(response)
    assert [(row, column) for row, column, _ in found] == [
        (2, "category"),
        (3, "breakdown"),
        (4, "quarter"),
        (5, "value"),
    ]
    assert "it has: Ward" in found[1][2]
    assert not BreakdownValue.objects.exists()


def test_a_count_of_people_must_be_a_whole_number(world, clients):
    from kpis.models import Breakdown

    Breakdown.objects.filter(pk=world.kpis["breakdown_s1"].pk).update(holds_counts=True)
    history(world)
    response = post(clients["performance_admin"], HEADER + "S1-01,2023,4,Ward,North,2.5\n")
    assert problems(response) == [(2, "value", "A count of people is a whole number, 0 or more")]


def test_a_published_figures_cell_is_not_changed_by_an_import(world, clients):
    kpi_return = history(world, state="published")
    assert post(clients["performance_admin"], HEADER + "S1-01,2023,4,Ward,North,66\n").status_code == 302
    response = post(clients["performance_admin"], HEADER + "S1-01,2023,4,Ward,North,67\n")
    assert problems(response) == [(2, "value", "The published figure already holds 66 for this category")]
    assert BreakdownValue.objects.get(kpi_return=kpi_return).value == Decimal("66")
