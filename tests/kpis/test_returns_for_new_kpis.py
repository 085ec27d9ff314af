"""A KPI's owner or deputy finds their returns whatever roles they hold, and a KPI added
while a period is open is reported in that period."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.policy import SYSTEM
from kpis.models import KpiReturn, PeriodState, ReportingPeriod
from kpis.services.periods import period_advance, period_create
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.kpis.conftest import make_kpi


def menu_labels(client) -> list[str]:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return [item["label"] for item in response.context["navigation"]]


@pytest.mark.parametrize("as_", ["owner", "deputy"])
def test_a_kpi_owner_or_deputy_with_no_role_finds_my_returns_and_their_return(world, period, client, as_):
    person = UserFactory(username="kpi.person", org_unit=world.t1)
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    assert "My returns" not in menu_labels(client)

    fields = {"owner": person} if as_ == "owner" else {"deputy": person}
    kpi = make_kpi(world, "OWN-1", **fields)

    assert "My returns" in menu_labels(client)
    page = client.get(reverse("kpis:my-returns"))
    assert page.status_code == 200
    assert [r.kpi.code for r in page.context["returns"]] == ["OWN-1"]
    assert kpi.title in page.content.decode()


def test_my_returns_stays_out_of_the_menu_of_people_who_enter_nothing(world):
    assert "My returns" not in menu_labels(client_for(world, "no_role"))
    assert "My returns" not in menu_labels(client_for(world, "cmt"))
    assert "My returns" in menu_labels(client_for(world, "service_lead"))
    assert "My returns" in menu_labels(client_for(world, "performance_admin"))


def test_a_kpi_added_while_a_period_is_open_gets_its_return_at_once(world, period):
    kpi = make_kpi(world, "NEW-1", frequency="monthly")
    made = KpiReturn.objects.get(kpi=kpi, period=period)
    assert made.state == "not_started"
    assert made.version == kpi.versions.get()
    assert (made.data_period_label, made.data_period_end) == ("Sep 2025", datetime.date(2025, 9, 30))


def test_an_annual_kpi_added_while_a_period_is_open_is_reported_only_in_its_quarter(world, period):
    assert period.quarter == 2
    annual = {"frequency": "annual", "data_period_type": "financial_year"}
    due = make_kpi(world, "ANN-2", annual_reporting_quarter=2, **annual)
    not_due = make_kpi(world, "ANN-3", annual_reporting_quarter=3, **annual)
    assert KpiReturn.objects.filter(kpi=due, period=period).exists()
    assert not KpiReturn.objects.filter(kpi=not_due).exists()


def test_a_kpi_added_with_no_period_open_is_reported_when_the_next_one_opens(world, period):
    period_advance(by=SYSTEM, period=period, to=PeriodState.CLOSED)
    kpi = make_kpi(world, "WAIT-1")
    assert not KpiReturn.objects.filter(kpi=kpi).exists()
    following = period_create(by=SYSTEM, year=2025, quarter=3)
    period_advance(by=SYSTEM, period=following, to=PeriodState.OPEN)
    assert KpiReturn.objects.filter(kpi=kpi, period=following).exists()


def test_a_kpi_from_the_dictionary_import_gets_its_return_in_the_open_period(world, period, clients):
    text = (
        "code,title,definition,calculation_method,owning_service,owner,unit,polarity,frequency,"
        "data_period_type,cumulative_basis,decimal_places,tolerance_type,tolerance_amount\n"
        "IMP-1,Rough sleepers,People sleeping rough,Count on the night,S1,no_role,"
        "number,lower,quarterly,as_at,none,0,none,\n"
    )
    upload = SimpleUploadedFile("data.csv", text.encode(), content_type="text/csv")
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "dictionary"}), {"file": upload}
    )
    assert response.status_code == 302
    assert ReportingPeriod.objects.current_open() == period
    made = KpiReturn.objects.get(kpi__code="IMP-1")
    assert made.period == period
    assert made.data_period_label == "As at 30 Sep 2025"
    assert "My returns" in menu_labels(clients["no_role"])


def test_a_kpi_made_due_this_quarter_or_switched_back_on_gets_its_return(world, period):
    from kpis.services.dictionary import kpi_update

    annual = make_kpi(world, "ANN-4", frequency="annual", data_period_type="financial_year", annual_reporting_quarter=4)
    assert not KpiReturn.objects.filter(kpi=annual).exists()
    kpi_update(by=SYSTEM, kpi=annual, annual_reporting_quarter=2)
    assert KpiReturn.objects.filter(kpi=annual, period=period).exists()

    switched_off = make_kpi(world, "OFF-1", is_active=False)
    assert not KpiReturn.objects.filter(kpi=switched_off).exists()
    kpi_update(by=SYSTEM, kpi=switched_off, is_active=True)
    assert KpiReturn.objects.filter(kpi=switched_off, period=period).exists()
