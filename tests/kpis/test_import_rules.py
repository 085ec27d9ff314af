"""The imports apply the forms' rules through the same code: numbers, decimal places, ranges,
published figures, relative tolerances, repeated rows and file limits."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.policy import SYSTEM
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
        by=SYSTEM,
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


# --- 5. History never changes a published figure, nor fills a period not yet open -------------


def published_history(world, value="12.4") -> KpiReturn:
    from kpis.services.returns import return_backfill

    period = closed_period(2023, 4)
    kpi_return = return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=period, value=Decimal(value))
    ReportingPeriod.objects.filter(pk=period.pk).update(state="published")
    return kpi_return


def test_the_history_import_refuses_to_change_a_published_figure(world, clients):
    kpi_return = published_history(world)
    text = VALUES_HEADER + "S1-01,2023,4,2023/24 Q4,2024-03-31,19.4\n"
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 400
    [(row, column, message)] = problems(response)
    assert (row, column) == (2, "value")
    assert "published as 12.4" in message
    assert "revision with a reason" in message
    kpi_return.refresh_from_db()
    assert kpi_return.value == Decimal("12.4")


def test_a_figure_in_a_period_with_a_published_report_is_also_frozen(world, clients):
    """The world's 2018/19 Q4 is a closed, historic period with a published snapshot."""
    from kpis.services.returns import return_backfill

    period = world.kpis["published_snapshot"].period
    assert period.state == "closed"
    text = VALUES_HEADER + "S1-01,2018,4,2018/19 Q4,2019-03-31,19.4\n"
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 400
    assert "published" in problems(response)[0][2]
    with pytest.raises(Exception, match="revision with a reason|published"):
        return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=period, value=Decimal("19.4"))
    assert not KpiReturn.objects.filter(period=period, value__isnull=False).exists()


def test_re_importing_the_same_published_figure_changes_nothing(world, clients):
    from audit.models import AuditEvent

    kpi_return = published_history(world)
    events = AuditEvent.objects.count()
    text = VALUES_HEADER + "S1-01,2023,4,2023/24 Q4,2024-03-31,12.40\n"
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == events
    fresh = KpiReturn.objects.get(pk=kpi_return.pk)
    assert (fresh.value, fresh.revision) == (Decimal("12.4"), kpi_return.revision)


def test_the_backfill_service_itself_refuses_a_published_change(world):
    from kpis.services.returns import return_backfill

    kpi_return = published_history(world)
    with pytest.raises(Exception, match="revision with a reason"):
        return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=kpi_return.period, value=Decimal("19.4"))


def test_an_approved_value_for_a_period_that_has_not_opened_is_refused(world, clients):
    ReportingPeriod.objects.create(year=2026, quarter=1, **ReportingPeriod.default_dates(2026, 1))
    text = VALUES_HEADER + "S1-01,2026,1,2026/27 Q1,2026-06-30,50\n"
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 400
    assert problems(response)[0][:2] == (2, "quarter")
    assert "has not opened" in problems(response)[0][2]
    assert not KpiReturn.objects.filter(period__year=2026).exists()


# --- 6. A relative tolerance needs a target other than 0 --------------------------------------

RELATIVE_ZERO = "A relative tolerance is a percentage of the target"


def relative_kpi(world):
    from kpis.services.dictionary import kpi_update

    return kpi_update(by=SYSTEM, kpi=world.kpis["s1"], tolerance_type="relative", tolerance_amount=Decimal(5))


def test_a_zero_target_is_refused_for_a_relative_tolerance_by_the_form_and_the_import(world, clients):
    kpi = relative_kpi(world)
    page = clients["performance_admin"].post(
        reverse("kpis:kpi-target-add", kwargs={"code": kpi.code}), {"for_date": "2025-09-30", "value": "0"}
    )
    assert page.status_code == 200
    [form_message] = page.context["form"].errors["value"]
    assert form_message.startswith(RELATIVE_ZERO)
    response = post_import(
        clients["performance_admin"], "targets", upload("kpi_code,for_date,value\nS1-01,2025-09-30,0\n")
    )
    assert problems(response) == [(2, "value", form_message)]
    assert not Target.objects.exists()


def test_switching_to_a_relative_tolerance_with_a_zero_target_is_refused_by_the_form_and_the_import(world, clients):
    from kpis.services.dictionary import target_set
    from tests.kpis.test_dictionary_pages import kpi_data

    kpi = world.kpis["s1"]
    target_set(by=SYSTEM, kpi=kpi, for_date=datetime.date(2025, 9, 30), value=Decimal(0))
    data = kpi_data(world, title=kpi.title, definition=kpi.definition, tolerance_type="relative", tolerance_amount="5")
    data.pop("code")
    page = clients["performance_admin"].post(reverse("kpis:kpi-edit", kwargs={"code": kpi.code}), data)
    assert page.status_code == 200
    [form_message] = page.context["form"].errors["tolerance_type"]
    assert form_message.startswith(RELATIVE_ZERO)
    header = (
        "code,title,definition,calculation_method,owning_service,owner,unit,polarity,frequency,"
        "data_period_type,cumulative_basis,decimal_places,tolerance_type,tolerance_amount\n"
    )
    row = (
        "S1-01,Cases,Share,Cases closed in time,S1,service_lead,percentage,higher,quarterly,quarter,none,1,relative,5\n"
    )
    response = post_import(clients["performance_admin"], "dictionary", upload(header + row))
    assert problems(response) == [(2, "tolerance_type", form_message)]
    kpi.refresh_from_db()
    assert kpi.tolerance_type == "none"


# --- 4. One figure per KPI and quarter ---------------------------------------------------------


def test_the_same_kpi_and_quarter_twice_is_a_repeat_whatever_the_period_end(world, clients):
    closed_period()
    text = VALUES_HEADER + "S1-01,2024,2,2024/25 Q2,2024-09-30,77.5\nS1-01,2024,2,Sep 2024,2024-09-29,78\n"
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 400
    assert problems(response) == [(3, "kpi_code", "Repeats row 2")]
    assert not KpiReturn.objects.filter(period__year=2024).exists()


def test_a_dictionary_row_beyond_the_models_limits_is_reported_not_a_crash(world, clients):
    header = (
        "code,title,definition,calculation_method,owning_service,owner,unit,polarity,frequency,"
        "data_period_type,cumulative_basis,decimal_places,tolerance_type,tolerance_amount\n"
    )
    row = "NEW-2,T,D,M,S1,service_lead,number,higher,quarterly,quarter,none,1,absolute,0.123456\n"
    response = post_import(clients["performance_admin"], "dictionary", upload(header + row))
    assert response.status_code == 400
    assert problems(response)[0][:2] == (2, "tolerance_amount")
    response = post_import(
        clients["performance_admin"],
        "dictionary",
        upload(header + row.replace("NEW-2,T", "NEW-2," + "T" * 301).replace("0.123456", "2")),
    )
    assert response.status_code == 400
    assert problems(response)[0][:2] == (2, "title")


def test_a_period_published_between_the_check_and_the_apply_refuses_the_whole_file(world):
    from kpis.imports import KINDS, ImportRefused, apply_import, check_file

    period = closed_period()
    text = VALUES_HEADER + "S2-01,2024,2,2024/25 Q2,2024-09-30,70\nS1-01,2024,2,2024/25 Q2,2024-09-30,77.5\n"
    checked = check_file(KINDS["values"], upload(text))
    assert checked.problems == []
    ReportingPeriod.objects.filter(pk=period.pk).update(state="published")
    with pytest.raises(ImportRefused, match="Nothing was imported: .*published"):
        apply_import(by=world.people["performance_admin"], kind=KINDS["values"], checked=checked)
    assert not KpiReturn.objects.filter(period=period, value__isnull=False).exists()


# --- Commentary published with history --------------------------------------------------------


def test_history_carries_its_commentary_and_actions_to_the_pages(world, clients):
    """History loaded without its words made every card of an older figure say "None given":
    the import now carries the commentary and actions published with each figure."""
    closed_period(2024, 2)
    text = (
        "kpi_code,year,quarter,data_period_label,data_period_end,value,commentary,actions\n"
        'S1-01,2024,2,2024/25 Q2,2024-09-30,71.5,"Fell after two staff left","Recruiting, and agency cover"\n'
    )
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 302
    kpi_return = KpiReturn.objects.get(kpi=world.kpis["s1"], data_period_end=datetime.date(2024, 9, 30))
    assert (kpi_return.commentary, kpi_return.actions) == ("Fell after two staff left", "Recruiting, and agency cover")
    page = clients["performance_admin"].get(reverse("kpis:kpi-detail", kwargs={"code": "S1-01"})).content.decode()
    assert "Fell after two staff left" in page


def test_re_importing_a_figure_with_new_words_updates_them_until_published(world, clients):
    from kpis.services.returns import return_backfill

    period = closed_period(2024, 2)
    kpi = world.kpis["s1"]
    first = return_backfill(by=SYSTEM, kpi=kpi, period=period, value=Decimal("71.5"))
    again = return_backfill(by=SYSTEM, kpi=kpi, period=period, value=Decimal("71.5"), commentary="Explained now")
    assert again.commentary == "Explained now"
    assert again.revision == first.revision + 1
    published = published_history(world)
    kept = return_backfill(
        by=SYSTEM, kpi=kpi, period=published.period, value=published.value, commentary="Rewritten later"
    )
    assert kept.commentary == published.commentary


def test_a_history_row_whose_data_period_ends_after_its_quarter_is_refused(world, clients):
    """A typed 2205 would otherwise become every reader's latest figure."""
    closed_period(2024, 2)
    text = VALUES_HEADER + "S1-01,2024,2,2024/25 Q2,2205-09-30,50\n"
    response = post_import(clients["performance_admin"], "values", upload(text))
    assert response.status_code == 400
    [(row, column, message)] = problems(response)
    assert (row, column) == (2, "data_period_end")
    assert "after 2024/25 Q2 ends" in message
    backwards = "kpi_code,year,quarter,data_period_label,data_period_end,value,data_period_start\n"
    backwards += "S1-01,2024,2,2024/25 Q2,2024-09-30,50,2024-10-01\n"
    response = post_import(clients["performance_admin"], "values", upload(backwards))
    assert problems(response)[0][1] == "data_period_start"
    assert not KpiReturn.objects.filter(kpi=world.kpis["s1"], value__isnull=False).exists()
