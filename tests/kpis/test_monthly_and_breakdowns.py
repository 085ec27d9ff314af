"""Monthly KPIs (three months make the quarter, by the KPI's rule) and breakdowns (values per
category, such as by ward), through the rules, the services and the return form."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.policy import SYSTEM
from audit.models import AuditEvent
from kpis.entry import ReturnEntry, cell_key, month_key
from kpis.models import BreakdownValue, KpiVersion, MonthlyFigure, QuarterRule, ReturnState, Unit
from kpis.monthly import Month, months_of, quarter_figure
from kpis.services.dictionary import breakdown_set
from kpis.services.returns import return_for, return_save, return_submit
from tests.kpis.conftest import ALL_MET_POSTED, make_kpi

JUL, AUG, SEP = (datetime.date(2025, m, 1) for m in (7, 8, 9))


def version(rule, *, is_ratio=False, unit=Unit.NUMBER):
    return KpiVersion(quarter_rule=rule, is_ratio=is_ratio, unit=unit)


def test_the_months_of_a_financial_quarter():
    assert months_of(2025, 2) == [JUL, AUG, SEP]
    assert months_of(2025, 4) == [datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)]


def test_last_month_takes_the_quarters_final_month_and_needs_only_that():
    entered = {SEP: Month(SEP, value=D("41"))}
    assert quarter_figure(version(QuarterRule.LAST_MONTH), [JUL, AUG, SEP], entered).value == D("41")
    assert quarter_figure(version(QuarterRule.LAST_MONTH), [JUL, AUG, SEP], {}).missing == (SEP,)


def test_sum_adds_the_three_months_and_needs_all_of_them():
    entered = {m: Month(m, value=D(v)) for m, v in ((JUL, "10"), (AUG, "12"), (SEP, "9"))}
    assert quarter_figure(version(QuarterRule.SUM), [JUL, AUG, SEP], entered).value == D("31")
    del entered[AUG]
    assert quarter_figure(version(QuarterRule.SUM), [JUL, AUG, SEP], entered).missing == (AUG,)


def test_ratio_of_sums_is_not_the_average_of_the_monthly_ratios():
    # 9/10 = 90%, 1/10 = 10%, 80/80 = 100%: the monthly average would be 66.7%; the quarter is 90/100.
    entered = {
        JUL: Month(JUL, numerator=D("9"), denominator=D("10")),
        AUG: Month(AUG, numerator=D("1"), denominator=D("10")),
        SEP: Month(SEP, numerator=D("80"), denominator=D("80")),
    }
    quarter = quarter_figure(
        version(QuarterRule.RATIO_OF_SUMS, is_ratio=True, unit=Unit.PERCENTAGE), [JUL, AUG, SEP], entered
    )
    assert (quarter.value, quarter.numerator, quarter.denominator) == (D("90"), D("90"), D("100"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quarter_rule": QuarterRule.RATIO_OF_SUMS}, "Only a ratio"),
        ({"quarter_rule": QuarterRule.SUM, "is_ratio": True}, "cannot be summed"),
        ({"quarter_rule": QuarterRule.SUM, "cumulative_basis": "financial_ytd"}, "cannot be summed"),
    ],
)
def test_a_quarter_rule_that_cannot_apply_is_refused(fields, message):
    candidate = KpiVersion(
        calculation_method="x", numerator_label="a", denominator_label="b", unit=Unit.NUMBER, **fields
    )
    with pytest.raises(ValidationError) as error:
        candidate.clean()
    assert message in error.value.message_dict["quarter_rule"][0]


@pytest.fixture
def monthly(world):
    return make_kpi(
        world,
        "MONTHLY",
        unit=Unit.NUMBER,
        frequency="monthly",
        decimal_places=0,
        version_fields={"quarter_rule": QuarterRule.SUM},
    )


def test_a_summed_monthly_kpi_reports_the_quarter_and_a_last_month_one_reports_its_month(world, monthly, period):
    assert return_for(monthly, period).data_period_label == "2025/26 Q2"
    last = make_kpi(world, "LASTMONTH", frequency="monthly", version_fields={"quarter_rule": QuarterRule.LAST_MONTH})
    assert return_for(last, period).data_period_label == "Sep 2025"


def enter(world, kpi_return, months=None, cells=None, service=return_save, **entry):
    kpi_return.refresh_from_db()
    entry = ReturnEntry(months={m: Month(m, value=v) for m, v in (months or {}).items()}, cells=cells or {}, **entry)
    return service(by=world.people["service_lead"], kpi_return=kpi_return, revision=kpi_return.revision, entry=entry)


def test_saving_months_stores_them_makes_the_quarter_and_audits_both(world, monthly, period):
    kpi_return = return_for(monthly, period)
    result = enter(world, kpi_return, {JUL: D("10"), AUG: D("12"), SEP: D("9")})
    assert result.kpi_return.value == D("31")
    assert list(MonthlyFigure.objects.filter(kpi_return=kpi_return).values_list("value", flat=True)) == [10, 12, 9]
    event = AuditEvent.objects.get(action="return:save")
    assert event.after["months"]["Aug 2025"] == {"value": "12.0000"}
    assert D(event.after["value"]) == D("31")


def test_a_bad_month_is_reported_on_its_own_field_and_nothing_is_saved(world, monthly, period):
    kpi_return = return_for(monthly, period)
    with pytest.raises(ValidationError) as error:
        enter(world, kpi_return, {JUL: D("10"), AUG: D("12.5")})
    assert "whole number" in error.value.message_dict[month_key(AUG, "value")][0]
    assert not MonthlyFigure.objects.exists()


def test_a_quarter_with_a_month_missing_cannot_be_submitted(world, monthly, period):
    kpi_return = return_for(monthly, period)
    with pytest.raises(ValidationError) as error:
        enter(world, kpi_return, {JUL: D("10"), SEP: D("9")}, service=return_submit)
    assert error.value.message_dict[month_key(AUG, "value")] == ["Enter August 2025 before submitting"]
    kpi_return.refresh_from_db()
    assert kpi_return.state == ReturnState.NOT_STARTED  # the save and the submit are one transaction


def test_the_return_form_shows_a_field_per_month_and_keeps_input_on_error(client, world, monthly, period):
    kpi_return = return_for(monthly, period)
    client.force_login(world.people["service_lead"])
    url = reverse("kpis:return-edit", args=[kpi_return.pk])
    page = client.get(url).content.decode()
    assert "July 2025" in page
    assert "August 2025" in page
    assert "September 2025" in page
    assert 'name="value"' not in page  # the quarter is made from the months, not typed
    response = client.post(
        url,
        {
            "revision": 0,
            "month_1_value": "10",
            "month_2_value": "twelve",
            "month_3_value": "9",
            "commentary": "Kept",
            "action": "save",
        },
    )
    body = response.content.decode()
    assert "Enter a number, like 82.5" in body
    assert 'value="twelve"' in body
    assert "Kept" in body
    response = client.post(
        url,
        {"revision": 0, "month_1_value": "10", "month_2_value": "12", "month_3_value": "9", "action": "save"},
    )
    assert response.status_code == 302
    kpi_return.refresh_from_db()
    assert kpi_return.value == D("31")
    assert 'value="12"' in client.get(url).content.decode()


def test_the_page_shows_a_refusal_about_a_month_on_that_months_field(client, world, monthly, period):
    """The service names the month it refuses (not a form field); the form puts it on the
    field that shows that month, and the return stays as it was."""
    kpi_return = return_for(monthly, period)
    client.force_login(world.people["service_lead"])
    url = reverse("kpis:return-edit", args=[kpi_return.pk])
    response = client.post(
        url, {"revision": 0, "month_1_value": "10", "month_3_value": "9", "commentary": "c", "action": "submit"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    field_error = body[body.index('id="id_month_2_value-error"') :]
    assert field_error[: field_error.index("</p>")].endswith("Enter August 2025 before submitting")
    assert 'href="#id_month_2_value"' in body
    kpi_return.refresh_from_db()
    assert kpi_return.state == ReturnState.NOT_STARTED


def test_the_entry_is_one_value_the_service_applies_without_form_field_names(world, monthly, period):
    kpi_return = return_for(monthly, period)
    with pytest.raises(ValidationError) as error:
        enter(world, kpi_return, {JUL: D("10"), AUG: D("12.5")})
    assert set(error.value.message_dict) == {month_key(AUG, "value")}
    saved = enter(world, kpi_return, {JUL: D("10"), AUG: D("12"), SEP: D("9")}, commentary="Kept")
    assert (saved.kpi_return.value, saved.kpi_return.commentary) == (D("31"), "Kept")
    again = enter(world, kpi_return, {JUL: D("10"), AUG: D("12"), SEP: D("9")})  # commentary not given: kept
    assert again.kpi_return.commentary == "Kept"


def test_a_breakdown_needs_distinct_categories_and_is_audited(world):
    kpi = world.kpis["s1"]
    with pytest.raises(ValidationError) as error:
        breakdown_set(by=world.people["performance_admin"], kpi=kpi, name="Age", categories=["18-24", "18-24"])
    assert "18-24 appears twice" in error.value.message_dict["categories"][0]
    breakdown = breakdown_set(
        by=world.people["performance_admin"], kpi=kpi, name="Age", categories=["18-24", " 25-64 ", "", "65+"]
    )
    assert breakdown.categories == ["18-24", "25-64", "65+"]
    assert AuditEvent.objects.filter(action="create", object_id=str(breakdown.pk)).exists()


def test_values_by_category_are_saved_checked_and_protect_their_categories(world):
    kpi_return, ward = world.kpis["return_s1"], world.kpis["breakdown_s1"]
    with pytest.raises(ValidationError) as error:
        enter(world, kpi_return, cells={(ward.pk, "North"): D("120")}, value=D("80"))
    assert "between 0 and 100" in error.value.message_dict[cell_key(ward.pk, "North")][0]
    enter(world, kpi_return, cells={(ward.pk, "North"): D("70"), (ward.pk, "South"): D("90")}, value=D("80"))
    assert dict(BreakdownValue.objects.values_list("category", "value")) == {"North": 70, "South": 90}
    with pytest.raises(ValidationError) as error:
        breakdown_set(by=SYSTEM, kpi=ward.kpi, name="Ward", categories=["North"], breakdown=ward)
    assert "already hold values for South" in error.value.message_dict["categories"][0]
    enter(world, kpi_return, cells={(ward.pk, "North"): D("71")}, value=D("80"))  # South left blank: removed
    assert dict(BreakdownValue.objects.values_list("category", "value")) == {"North": 71}


def test_the_return_form_has_a_field_per_category_and_the_review_page_shows_them(client, world):
    kpi_return, ward = world.kpis["return_s1"], world.kpis["breakdown_s1"]
    client.force_login(world.people["service_lead"])
    url = reverse("kpis:return-edit", args=[kpi_return.pk])
    response = client.post(
        url,
        {
            "revision": 0,
            "value": "80",
            f"breakdown_{ward.pk}_0": "75",
            f"breakdown_{ward.pk}_1": "85",
            "commentary": "On track",
            **ALL_MET_POSTED,
            "action": "submit",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.force_login(world.people["directorate_lead"])
    page = client.get(reverse("kpis:return-review", args=[kpi_return.pk])).content.decode()
    assert "By ward" in page
    assert "North" in page
    assert "75.0" in page
    assert "85.0" in page


def test_an_admin_adds_a_breakdown_in_the_browser_form(client, world):
    client.force_login(world.people["performance_admin"])
    url = reverse("kpis:kpi-breakdown-add", args=[world.kpis["s2"].code])
    response = client.post(url, {"name": "Ethnic group", "categories": ""})
    assert response.status_code == 200
    assert "Ethnic group" in response.content.decode()  # kept while the error is shown
    response = client.post(url, {"name": "Ethnic group", "categories": "Asian\nBlack\nMixed\nWhite\nOther"})
    assert response.status_code == 302
    assert world.kpis["s2"].breakdowns.get().categories == ["Asian", "Black", "Mixed", "White", "Other"]


def test_the_api_gives_a_returns_months_and_breakdown_values(client, world, monthly, period):
    kpi_return = return_for(monthly, period)
    enter(world, kpi_return, {JUL: D("10"), AUG: D("12"), SEP: D("9")})
    client.force_login(world.people["service_lead"])
    rows = client.get("/api/v1/returns/", {"period": period.pk}).json()["results"]
    row = next(r for r in rows if r["kpi"] == "MONTHLY")
    assert [(m["month"], D(m["value"])) for m in row["months"]] == [
        ("2025-07-01", 10),
        ("2025-08-01", 12),
        ("2025-09-01", 9),
    ]
    assert D(row["value"]) == 31
