"""The return workflow through its services: entry rules, the state machine, reviews,
late returns, and two people saving the same return."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from audit.models import AuditEvent
from kpis.data_quality import ALL_MET
from kpis.entry import ReturnEntry
from kpis.models import KpiReturn, PeriodState, ReportingPeriod, ReturnState, Unit
from kpis.results import Rag
from kpis.services.returns import (
    ReturnConflict,
    rag_for,
    return_allow_late,
    return_approve,
    return_for,
    return_mark_not_available,
    return_save,
    return_send_back,
    return_submit,
)
from kpis.workflow import TransitionRefused
from tests.kpis.conftest import make_kpi


def save(world, kpi_return, who="service_lead", confirm_unusual=False, **entry):
    kpi_return.refresh_from_db()
    return return_save(
        by=world.people[who],
        kpi_return=kpi_return,
        revision=kpi_return.revision,
        entry=ReturnEntry(**entry),
        confirm_unusual=confirm_unusual,
    )


def submit(world, kpi_return, who="service_lead", confirm_unusual=False, **entry):
    """Submit with every data quality dimension attested met, unless the test says otherwise."""
    entry.setdefault("data_quality", ALL_MET)
    kpi_return.refresh_from_db()
    return return_submit(
        by=world.people[who],
        kpi_return=kpi_return,
        revision=kpi_return.revision,
        entry=ReturnEntry(**entry),
        confirm_unusual=confirm_unusual,
    )


def test_the_return_records_its_own_data_period_and_version(kpi_return, kpi):
    assert kpi_return.data_period_label == "2025/26 Q2"
    assert kpi_return.version == kpi.versions.get()
    assert kpi_return.state == ReturnState.NOT_STARTED


def test_saving_makes_a_draft_and_audits_it(world, kpi_return):
    result = save(world, kpi_return, value=D("82.5"), commentary="Good quarter")
    assert result.kpi_return.state == ReturnState.DRAFT
    assert result.kpi_return.revision == 1
    event = AuditEvent.objects.get(action="return:save")
    assert event.before["value"] is None
    assert D(event.after["value"]) == D("82.5")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (D("101"), "between 0 and 100"),
        (D("-1"), "between 0 and 100"),
        (D("80.25"), "at most 1 decimal place"),
    ],
)
def test_a_value_out_of_range_or_too_precise_is_refused(world, kpi_return, value, message):
    with pytest.raises(ValidationError) as error:
        save(world, kpi_return, value=value)
    assert message in error.value.message_dict["value"][0]
    assert KpiReturn.objects.get(pk=kpi_return.pk).state == ReturnState.NOT_STARTED


def test_a_ratio_is_computed_and_checked(world, period):
    kpi = make_kpi(world, "RATIO", is_ratio=True)
    kpi_return = return_for(kpi, period)
    with pytest.raises(ValidationError) as error:
        save(world, kpi_return, numerator=D("12"), denominator=D("10"))
    assert "cannot be more than the denominator" in error.value.message_dict["numerator"][0]
    result = save(world, kpi_return, numerator=D("9"), denominator=D("12"))
    assert result.kpi_return.value == D("75")


def test_a_zero_denominator_means_no_eligible_cases_not_an_error(world, period):
    kpi = make_kpi(world, "RATIO0", is_ratio=True)
    kpi_return = return_for(kpi, period)
    result = submit(world, kpi_return, numerator=D("0"), denominator=D("0"))
    assert result.kpi_return.value is None
    assert result.kpi_return.no_eligible_cases
    assert result.kpi_return.state == ReturnState.SUBMITTED
    assert rag_for(result.kpi_return) == Rag.NO_VALUE


def test_commentary_is_required_for_red_results(world, kpi_return):
    with pytest.raises(ValidationError) as error:
        submit(world, kpi_return, value=D("60"))
    assert "Red against its target" in error.value.message_dict["commentary"][0]
    # Nothing half-done: the failed submission did not even leave the draft behind.
    assert KpiReturn.objects.get(pk=kpi_return.pk).state == ReturnState.NOT_STARTED
    assert submit(world, kpi_return, value=D("60"), commentary="Staff shortages").kpi_return.state == "submitted"


def test_commentary_is_required_for_council_plan_measures(world, period):
    kpi = make_kpi(world, "CPM", is_council_plan_measure=True)
    with pytest.raises(ValidationError) as error:
        submit(world, return_for(kpi, period), value=D("90"))
    assert "Council Plan measure" in error.value.message_dict["commentary"][0]


def test_an_unusual_value_needs_confirming(world, kpi, kpi_return):
    for quarter, value in ((1, "80"), (4, "81")):
        year = 2025 if quarter == 1 else 2024
        past = ReportingPeriod.objects.create(
            year=year, quarter=quarter, **ReportingPeriod.default_dates(year, quarter)
        )
        KpiReturn.objects.filter(pk=return_for(kpi, past).pk).update(state="approved", value=D(value))
    with pytest.raises(ValidationError) as error:
        save(world, kpi_return, value=D("20"))
    assert "more than 50% away" in error.value.message_dict["value"][0]
    result = save(world, kpi_return, value=D("20"), confirm_unusual=True)
    assert result.kpi_return.value == D("20")
    assert result.warning


def test_the_lead_returns_it_with_a_reason_then_approves_the_resubmission(world, kpi_return):
    submit(world, kpi_return, value=D("85"), commentary="On track")
    lead = world.people["directorate_lead"]
    with pytest.raises(ValidationError):
        return_send_back(by=lead, kpi_return=kpi_return, reason=" ")
    returned = return_send_back(by=lead, kpi_return=kpi_return, reason="Check the September figure")
    assert returned.state == ReturnState.RETURNED
    assert AuditEvent.objects.get(action="return:send_back").reason == "Check the September figure"
    again = submit(world, kpi_return, value=D("84.5"), commentary="Corrected")
    assert again.kpi_return.state == ReturnState.SUBMITTED
    approved = return_approve(by=lead, kpi_return=kpi_return, quality_checked=True)
    assert approved.state == ReturnState.APPROVED
    actions = list(
        AuditEvent.objects.filter(object_type="kpis.kpireturn").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "return:save",
        "return:submit",
        "return:send_back",
        "return:save",
        "return:submit",
        "return:approve",
    ]


def test_an_approved_return_cannot_be_edited(world, kpi_return):
    submit(world, kpi_return, value=D("85"), commentary="x")
    return_approve(by=world.people["directorate_lead"], kpi_return=kpi_return, quality_checked=True)
    with pytest.raises(TransitionRefused, match="approved cannot be saved"):
        save(world, kpi_return, value=D("86"))


def test_nobody_approves_their_own_return(world, kpi_return):
    submit(world, kpi_return, who="performance_admin", value=D("85"), commentary="x")
    with pytest.raises(TransitionRefused, match="submitted yourself"):
        return_approve(by=world.people["performance_admin"], kpi_return=kpi_return, quality_checked=True)


def test_only_leads_in_scope_review(world, kpi_return):
    submit(world, kpi_return, value=D("85"), commentary="x")
    with pytest.raises(PermissionDenied):
        return_approve(by=world.people["service_lead"], kpi_return=kpi_return, quality_checked=True)
    outsider = world.people["cmt"]
    with pytest.raises(PermissionDenied):
        return_approve(by=outsider, kpi_return=kpi_return, quality_checked=True)


def test_someone_outside_the_service_cannot_enter(world, kpi_return):
    with pytest.raises(PermissionDenied):
        save(world, kpi_return, who="cmt", value=D("85"))


def test_after_closing_a_late_return_needs_the_lead(world, kpi_return, period):
    ReportingPeriod.objects.filter(pk=period.pk).update(state=PeriodState.CLOSED)
    kpi_return.refresh_from_db()
    with pytest.raises(TransitionRefused, match="allow a late return"):
        save(world, kpi_return, value=D("85"))
    return_allow_late(by=world.people["directorate_lead"], kpi_return=kpi_return, reason="System outage")
    assert save(world, kpi_return, value=D("85")).kpi_return.state == ReturnState.DRAFT


def test_the_review_page_offers_a_late_return_only_for_one_not_handed_in(client, world, kpi_return, period):
    from django.urls import reverse

    client.force_login(world.people["directorate_lead"])
    url = reverse("kpis:return-review", args=[kpi_return.pk])
    assert "Allow a late return" not in client.get(url).content.decode()  # the period is still open
    ReportingPeriod.objects.filter(pk=period.pk).update(state=PeriodState.CLOSED)
    page = client.get(url).content.decode()
    assert "Allow a late return" in page
    assert 'value="approve"' not in page  # nothing to approve until it is submitted
    KpiReturn.objects.filter(pk=kpi_return.pk).update(state=ReturnState.SUBMITTED)
    page = client.get(url).content.decode()
    assert "Allow a late return" not in page
    assert 'value="approve"' in page


def test_not_available_needs_a_reason_and_a_date(world, kpi_return):
    with pytest.raises(ValidationError) as error:
        return_mark_not_available(
            by=world.people["service_lead"], kpi_return=kpi_return, revision=0, reason="", expected_date=None
        )
    assert set(error.value.message_dict) == {"not_available_reason", "expected_date"}
    marked = return_mark_not_available(
        by=world.people["service_lead"],
        kpi_return=kpi_return,
        revision=0,
        reason="Data published in December",
        expected_date=datetime.date(2025, 12, 15),
    )
    assert marked.state == ReturnState.NOT_AVAILABLE


def test_second_save_from_a_stale_page_is_refused_showing_what_changed(world, kpi_return):
    opened_at = kpi_return.revision  # A and B both open the page
    return_save(
        by=world.people["service_lead"], kpi_return=kpi_return, revision=opened_at, entry=ReturnEntry(value=D("82"))
    )
    with pytest.raises(ReturnConflict) as conflict:
        return_save(
            by=world.people["performance_admin"],
            kpi_return=kpi_return,
            revision=opened_at,
            entry=ReturnEntry(value=D("79")),
        )
    assert conflict.value.differences == [("value", D("82.0000"), D("79"))]
    assert world.people["service_lead"].display_name in str(conflict.value)
    assert KpiReturn.objects.get(pk=kpi_return.pk).value == D("82")


def test_period_default_dates_skip_weekends_and_bank_holidays():
    dates = ReportingPeriod.default_dates(2025, 3)  # quarter ends Wed 31 Dec 2025; 1 Jan is a holiday
    assert dates["opens_on"] == datetime.date(2026, 1, 2)
    assert dates["return_deadline"] == datetime.date(2026, 1, 23)
    assert dates["review_deadline"] == datetime.date(2026, 1, 30)


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_accept_one_and_refuse_the_other():
    from tests.conftest import build_world

    world = build_world()
    period = world.kpis["period"]
    kpi_return = return_for(make_kpi(world, "RACE", unit=Unit.NUMBER), period)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(who: str, value: str) -> None:
        try:
            barrier.wait(timeout=10)
            return_save(by=world.people[who], kpi_return=kpi_return, revision=0, entry=ReturnEntry(value=D(value)))
            outcomes[who] = "saved"
        except ReturnConflict:
            outcomes[who] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("service_lead", "11")),
        threading.Thread(target=attempt, args=("performance_admin", "22")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(who for who, outcome in outcomes.items() if outcome == "saved")
    stored = KpiReturn.objects.get(pk=kpi_return.pk)
    assert stored.value == {"service_lead": D("11"), "performance_admin": D("22")}[winner]
    assert stored.revision == 1


def test_direction_against_last_period_and_the_same_period_last_year(world, kpi, period):
    from kpis.figures import judged_figures

    periods = {}
    for year, quarter in ((2024, 2), (2025, 1)):
        periods[(year, quarter)] = ReportingPeriod.objects.create(
            year=year, quarter=quarter, state="closed", **ReportingPeriod.default_dates(year, quarter)
        )
    last_year = return_for(kpi, periods[(2024, 2)])
    last_quarter = return_for(kpi, periods[(2025, 1)])
    KpiReturn.objects.filter(pk=last_year.pk).update(state="approved", value=D("70"))
    KpiReturn.objects.filter(pk=last_quarter.pk).update(state="approved", value=D("90"))
    current = return_for(kpi, period)
    KpiReturn.objects.filter(pk=current.pk).update(value=D("80"))
    current.refresh_from_db()
    result = judged_figures([current])[current.pk]
    assert result.direction == "worsening"  # 90 last quarter, 80 now, higher is better
    assert result.direction_last_year == "improving"  # 70 a year ago
    assert result.last_year.pk == last_year.pk


def test_a_cumulative_kpi_is_compared_only_with_last_year(world, period):
    from kpis.figures import judged_figures

    kpi = make_kpi(world, "YTD", unit=Unit.NUMBER)
    kpi.versions.update(cumulative_basis="financial_ytd")
    previous = ReportingPeriod.objects.create(
        year=2025, quarter=1, state="closed", **ReportingPeriod.default_dates(2025, 1)
    )
    KpiReturn.objects.filter(pk=return_for(kpi, previous).pk).update(state="approved", value=D("10"))
    current = return_for(kpi, period)
    KpiReturn.objects.filter(pk=current.pk).update(value=D("25"))
    current.refresh_from_db()
    result = judged_figures([current])[current.pk]
    assert result.direction == "cumulative"  # says why it is not compared, not "no earlier value"


def test_a_return_is_made_one_way_with_its_own_data_period(world, period):
    """Opening a period and needing one return make it by the same constructor."""
    from kpis.data_periods import new_return
    from kpis.models import QuarterRule
    from kpis.services.periods import create_returns

    monthly = make_kpi(world, "LASTM", frequency="monthly", version_fields={"quarter_rule": QuarterRule.LAST_MONTH})
    made = new_return(monthly, period)
    assert made.pk is None
    assert made.version == monthly.versions.get()
    assert (made.data_period_label, made.data_period_start, made.data_period_end) == (
        "Sep 2025",
        datetime.date(2025, 9, 1),
        datetime.date(2025, 9, 30),
    )
    create_returns(period)
    opened = KpiReturn.objects.get(kpi=monthly, period=period)
    assert (opened.data_period_label, opened.data_period_end) == ("Sep 2025", datetime.date(2025, 9, 30))
    assert return_for(monthly, period) == opened
