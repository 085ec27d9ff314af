"""The history import: the historic periods it makes, ratios, "not available", and five
years of twenty KPIs' history loaded into a council with no past periods."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.policy import SYSTEM, Capability
from audit.models import AuditEvent
from kpis.imports import KINDS, apply_import, check_file
from kpis.models import KpiReturn, PeriodState, ReportingPeriod
from tests import history_files
from tests.kpis.conftest import make_kpi

HEADER = (
    "kpi_code,year,quarter,data_period_label,data_period_end,value,numerator,denominator,"
    "not_available,not_available_reason\n"
)


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("history.csv", text.encode(), content_type="text/csv")


def post(client, text: str):
    return client.post(reverse("kpis:import-upload", kwargs={"kind": "values"}), {"file": upload(text)})


def problems(response) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in response.context["checked"].problems]


def test_history_makes_the_historic_periods_it_needs_with_the_calendars_dates(world, clients):
    text = HEADER + "S1-01,2023,1,2023/24 Q1,2023-06-30,71,,,,\nS1-01,2023,2,2023/24 Q2,2023-09-30,72.5,,,,\n"
    response = post(clients["performance_admin"], text)
    assert response.status_code == 302, problems(response) if response.status_code == 400 else response
    made = ReportingPeriod.objects.filter(historic=True, year=2023).order_by("quarter")
    assert [(p.year, p.quarter, p.state) for p in made] == [(2023, 1, "closed"), (2023, 2, "closed")]
    for period in made:
        dates = ReportingPeriod.default_dates(period.year, period.quarter)
        assert (period.opens_on, period.return_deadline, period.review_deadline) == (
            dates["opens_on"],
            dates["return_deadline"],
            dates["review_deadline"],
        )
        assert AuditEvent.objects.filter(object_type="kpis.reportingperiod", object_id=str(period.pk)).exists()
    history = KpiReturn.objects.get(kpi__code="S1-01", period__year=2023, period__quarter=2)
    assert (history.state, history.value) == ("approved", Decimal("72.5"))
    assert history.period.figures_published


def test_a_quarter_not_yet_ended_or_after_the_cycles_first_period_gets_no_period(world, clients):
    """The world's cycle runs from 2025/26 Q2 (open). Today's quarter has not ended; 2025/26
    Q3 has ended but lies after the first period the cycle runs."""
    today = timezone.localdate()
    year = today.year if today.month >= 4 else today.year - 1
    quarter = (today.month - 4) % 12 // 3 + 1
    text = HEADER + f"S1-01,{year},{quarter},Now,{today:%Y-%m-%d},50,,,,\nS1-01,2025,3,2025/26 Q3,2025-12-31,50,,,,\n"
    response = post(clients["performance_admin"], text)
    assert response.status_code == 400
    found = problems(response)
    assert [(row, column) for row, column, _ in found] == [(2, "quarter"), (3, "quarter")]
    assert "has not ended" in found[0][2]
    assert "2025/26 Q2, the first period the cycle runs" in found[1][2]
    assert not ReportingPeriod.objects.filter(year__gte=2025, historic=True).exists()


def test_a_file_with_a_bad_row_makes_no_period(world, clients):
    text = HEADER + "S1-01,2022,1,2022/23 Q1,2022-06-30,50,,,,\nS1-01,2022,2,2022/23 Q2,2022-09-30,150,,,,\n"
    response = post(clients["performance_admin"], text)
    assert response.status_code == 400
    assert problems(response) == [(3, "value", "Enter a percentage between 0 and 100")]
    assert not ReportingPeriod.objects.filter(year=2022).exists()


def test_period_create_refuses_a_historic_period_the_cycle_would_run(world):
    from django.core.exceptions import ValidationError

    from kpis.services.periods import period_create

    with pytest.raises(ValidationError, match="the first period the cycle runs"):
        period_create(by=SYSTEM, year=2025, quarter=4, historic=True)
    assert period_create(by=SYSTEM, year=2019, quarter=4, historic=True).historic


@pytest.fixture
def ratio(world):
    return make_kpi(world, "RATIO", is_ratio=True, decimal_places=1)


def test_a_ratio_is_loaded_from_its_numerator_and_denominator_as_the_form_makes_it(world, clients, ratio):
    text = HEADER + "RATIO,2023,1,2023/24 Q1,2023-06-30,,45,60,,\nRATIO,2023,2,2023/24 Q2,2023-09-30,66.7,40,60,,\n"
    response = post(clients["performance_admin"], text)
    assert response.status_code == 302, problems(response)
    first, second = KpiReturn.objects.filter(kpi=ratio, period__historic=True).order_by("period__quarter")
    assert (first.value, first.numerator, first.denominator) == (Decimal("75"), Decimal("45"), Decimal("60"))
    assert second.value == Decimal("66.6667")  # 40 / 60 as a percentage, stored to four places
    again = AuditEvent.objects.count()
    assert post(clients["performance_admin"], text).status_code == 302  # the same file again changes nothing
    assert AuditEvent.objects.count() == again


def test_a_ratios_parts_are_checked_as_the_return_form_checks_them(world, clients, ratio):
    text = HEADER + (
        "RATIO,2023,1,2023/24 Q1,2023-06-30,,70,60,,\n"  # more than the denominator of a proportion
        "RATIO,2023,2,2023/24 Q2,2023-09-30,,45,,,\n"  # one part only
        "RATIO,2023,3,2023/24 Q3,2023-12-31,80,45,60,,\n"  # a value the parts do not make
        "RATIO,2023,4,2023/24 Q4,2024-03-31,75,,,,\n"  # a value alone, for a ratio
        "S1-01,2022,4,2022/23 Q4,2023-03-31,75,45,60,,\n"  # parts, for a KPI that is not a ratio
        "S1-01,2022,3,2022/23 Q3,2022-12-31,,,,,\n"  # nothing at all
    )
    response = post(clients["performance_admin"], text)
    assert response.status_code == 400
    found = problems(response)
    assert [(row, column) for row, column, _ in found] == [
        (2, "numerator"),
        (3, "denominator"),
        (4, "value"),
        (5, "numerator"),
        (6, "numerator"),
        (7, "value"),
    ]
    assert found[0][2] == "The numerator cannot be more than the denominator for a proportion"
    assert found[1][2] == "Enter both the numerator and the denominator"
    assert "not what the numerator and denominator make (75)" in found[2][2]
    assert "not entered as a ratio" in found[4][2]
    assert "or mark it not available" in found[5][2]
    assert not KpiReturn.objects.filter(kpi=ratio, period__historic=True).exists()  # only the open period's


def test_a_figure_published_as_not_available_is_loaded_with_its_reason(world, clients):
    text = HEADER + "S1-01,2023,1,2023/24 Q1,2023-06-30,,,,yes,The system was being replaced\n"
    response = post(clients["performance_admin"], text)
    assert response.status_code == 302, problems(response)
    loaded = KpiReturn.objects.get(kpi__code="S1-01", period__year=2023)
    assert (loaded.state, loaded.value, loaded.not_available_reason) == (
        "not_available",
        None,
        "The system was being replaced",
    )
    assert AuditEvent.objects.filter(action="return:backfill_not_available", object_id=str(loaded.pk)).exists()
    again = AuditEvent.objects.count()
    assert post(clients["performance_admin"], text).status_code == 302  # the same again: nothing to record
    assert AuditEvent.objects.count() == again
    changed = text.replace(",,,,yes,The system was being replaced", ",60,,,,")
    response = post(clients["performance_admin"], changed)
    assert response.status_code == 400  # published as not available: the report does not change
    assert KpiReturn.objects.get(pk=loaded.pk).state == "not_available"


def test_not_available_needs_its_reason_and_no_figure(world, clients):
    text = HEADER + (
        "S1-01,2023,1,2023/24 Q1,2023-06-30,,,,yes,\n"
        "S1-01,2023,2,2023/24 Q2,2023-09-30,60,,,yes,Late data\n"
        "S1-01,2023,3,2023/24 Q3,2023-12-31,60,,,no,A reason for a figure\n"
    )
    response = post(clients["performance_admin"], text)
    assert response.status_code == 400
    assert problems(response) == [
        (2, "not_available_reason", "Say why the figure is not available"),
        (
            3,
            "value",
            "A figure published as not available has no value; leave value, numerator and denominator blank",
        ),
        (4, "not_available_reason", "only a figure marked not_available has a reason and an expected date"),
    ]


def test_the_return_form_asks_the_same_not_available_rule(world):
    """One rule: the form's service refuses a blank reason with the words history uses."""
    from django.core.exceptions import ValidationError

    from kpis.services.returns import return_for, return_mark_not_available

    kpi_return = return_for(world.kpis["s1"], world.kpis["period"])
    with pytest.raises(ValidationError) as refused:
        return_mark_not_available(
            by=world.people["service_lead"],
            kpi_return=kpi_return,
            revision=kpi_return.revision,
            reason=" ",
            expected_date=None,
        )
    assert refused.value.message_dict == {
        "not_available_reason": ["Say why the figure is not available"],
        "expected_date": ["Give the date the figure is expected"],
    }


# --- Five years of twenty KPIs, into a council with no past periods ---------------------------


def test_the_history_files_are_the_same_every_time_and_write_to_a_folder(tmp_path):
    files = history_files.build(services=["S1"], owners=["service_lead"])
    assert files == history_files.build(services=["S1"], owners=["service_lead"])
    paths = files.write(tmp_path)
    assert paths["values"].read_text(encoding="utf-8") == files.history
    assert [len(text.splitlines()) - 1 for text in (files.dictionary, files.targets, files.history)] == [20, 380, 400]


def _load(kind: str, text: str, by) -> int:
    checked = check_file(KINDS[kind], upload(text))
    assert checked.problems == [], checked.problems[:5]
    return apply_import(by=by, kind=KINDS[kind], checked=checked)


@pytest.fixture
def loaded(world):
    """The world's periods are its open 2025/26 Q2 and a 2018/19 Q4: none for the history's
    quarters, 2020/21 to 2024/25, which the import makes."""
    assert not ReportingPeriod.objects.filter(year__gte=2020, year__lt=2025).exists()
    files = history_files.build(services=["S1", "S2"], owners=["service_lead", "s2.person"])
    admin = world.people["performance_admin"]
    assert _load("dictionary", files.dictionary, admin) == 20
    assert _load("targets", files.targets, admin) == 19 * 20
    assert _load("values", files.history, admin) == 400
    return files


def test_five_years_of_history_for_twenty_kpis_loads_in_one_go(world, loaded):
    from kpis.figures import judged_figures
    from kpis.results import Direction, Rag

    historic = ReportingPeriod.objects.filter(historic=True, year__gte=2020)
    assert historic.count() == 20
    assert set(historic.values_list("state", flat=True)) == {PeriodState.CLOSED}
    assert {(p.year, p.quarter) for p in historic} == set(loaded.quarters)
    # (each new KPI also has its return in the world's open period, as a KPI added mid-period does)
    history = KpiReturn.objects.filter(kpi__code__startswith="HX-", period__historic=True)
    assert history.count() == 400
    assert history.filter(state="not_available").count() == 1
    # Published history: anyone signed in reads it, here someone with no role at all.
    readable = KpiReturn.objects.restrict(world.people["no_role"], Capability.VIEW_RETURNS)
    assert readable.filter(kpi__code__startswith="HX-", period__historic=True).count() == 399
    ratio = history.get(kpi__code=history_files.RATIO, period__year=2024, period__quarter=4)
    numerator, denominator = history_files.ratio_parts(19)
    assert (ratio.numerator, ratio.denominator) == (numerator, denominator)
    assert ratio.value == (numerator / denominator * 100).quantize(Decimal("0.0001"))
    assert history.exclude(commentary="").count() == 100

    last = list(history.filter(period__year=2024, period__quarter=4).select_related("kpi", "version"))
    judged = judged_figures(last)
    rags = {figure.kpi_return.kpi.code: figure.rag for figure in judged.values()}
    assert rags[history_files.DATA_ONLY] == Rag.DATA_ONLY
    assert {rag for code, rag in rags.items() if code != history_files.DATA_ONLY} <= {Rag.GREEN, Rag.AMBER, Rag.RED}
    assert len({rags[code] for code in rags}) >= 3  # the history is judged, not uniformly
    directions = {figure.direction for figure in judged.values()}
    assert Direction.NO_COMPARISON not in directions
    assert {Direction.IMPROVING, Direction.WORSENING} <= directions
    # The quarter after the one published as not available has nothing to compare with.
    code, index = history_files.NOT_AVAILABLE
    year, quarter = loaded.quarters[index + 1]
    after = history.get(kpi__code=code, period__year=year, period__quarter=quarter)
    assert judged_figures([after])[after.pk].direction == Direction.NO_COMPARISON


def test_the_cycle_leaves_history_alone(world, loaded):
    """The cycle's own beat task, run now: every historic period's dates are long past, so
    each of its steps would be due if the cycle ran it; it stays closed, with no step made,
    no reminder or chase sent and no report drafted. (The world's live period is moved into
    the future, so the tick has nothing else to do.)"""
    from reporting.models import CycleStep, Snapshot
    from reporting.tasks import cycle_tick

    future = datetime.date(timezone.localdate().year + 2, 1, 4)
    ReportingPeriod.objects.filter(pk=world.kpis["period"].pk).update(
        opens_on=future, return_deadline=future, review_deadline=future
    )
    done = cycle_tick()
    assert done["steps"] == []
    historic = ReportingPeriod.objects.filter(historic=True, year__gte=2020)
    assert set(historic.values_list("state", flat=True)) == {PeriodState.CLOSED}
    assert not CycleStep.objects.filter(period__historic=True).exists()
    assert not Snapshot.objects.filter(period__in=historic).exists()


def test_the_dashboards_show_history_as_published_with_rag_and_direction(world, loaded, clients):
    """History is published history: the dashboard of its last quarter calls nothing
    provisional, and shows each KPI's RAG and direction of travel."""
    last = ReportingPeriod.objects.get(year=2024, quarter=4)
    for name in ("reporting:dashboard", "reporting:overview"):
        response = clients["cmt"].get(reverse(name), {"period": last.pk})
        assert response.status_code == 200
        page = response.content.decode()
        assert "provisional" not in page.lower(), name
    page = clients["cmt"].get(reverse("reporting:dashboard"), {"period": last.pk}).content.decode()
    card = page[page.index('id="kpi-HX-01"') :]
    card = card[: card.index("</section>")]
    assert "46.4%</span> (2024/25 Q4)" in card
    assert "pmf-rag--green" in card
    assert "Improving</span> against 2024/25 Q3" in card
    assert "Household waste recycled: year end" in card  # the commentary published with it
