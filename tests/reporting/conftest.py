"""A reported world: two priorities with KPIs, several quarters of approved history, the open
period with one return approved, one submitted and one KPI with no data at all."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from accounts.policy import SYSTEM
from kpis.data_quality import ALL_MET
from kpis.entry import ReturnEntry
from kpis.models import PeriodState, ReportingPeriod
from kpis.services.dictionary import breakdown_set, kpi_create, target_set
from kpis.services.periods import period_create
from kpis.services.returns import return_approve, return_backfill, return_for, return_save, return_submit
from planning.models import PlanNode
from tests.kpis.conftest import make_kpi

HISTORY = [(2024, 2, "71.0"), (2024, 3, "73.5"), (2024, 4, "76.0"), (2025, 1, "78.0")]
#: Submitted with every dimension of the data quality policy attested met.
ATTESTED = ReturnEntry(data_quality=ALL_MET)
SCRIPT = "<script>alert('x')</script> Better than planned"


def _approve(world, kpi_return, **entry):
    by = kpi_return.kpi.owner
    result = return_save(
        by=by, kpi_return=kpi_return, revision=kpi_return.revision, confirm_unusual=True, entry=ReturnEntry(**entry)
    )
    result = return_submit(by=by, kpi_return=result.kpi_return, revision=result.kpi_return.revision, entry=ATTESTED)
    return_approve(by=world.people["performance_admin"], kpi_return=result.kpi_return, quality_checked=True)


@pytest.fixture
def reported(world):
    plan = world.plan
    p1 = world.thread["priority"]
    p2 = PlanNode.objects.create(plan=plan, code="P2", title="Healthy communities", order=2)
    m1 = PlanNode.objects.get(plan=plan, code="M1")
    period = world.kpis["period"]
    s1, s2 = world.kpis["s1"], world.kpis["s2"]
    s1.council_plan_nodes.add(m1)
    s1.is_council_plan_measure = True
    s1.save()
    s2.council_plan_nodes.add(p2)
    for kpi in (s1, s2):
        for year, quarter, value in HISTORY:
            historic = ReportingPeriod.objects.filter(year=year, quarter=quarter).first() or period_create(
                by=SYSTEM, year=year, quarter=quarter, historic=True
            )
            return_backfill(by=SYSTEM, kpi=kpi, period=historic, value=D(value))
            target_set(by=SYSTEM, kpi=kpi, for_date=historic.end, value=D("75"))
        target_set(by=SYSTEM, kpi=kpi, for_date=period.end, value=D("80"))
    _approve(world, return_for(s1, period), value=D("82.5"), commentary=SCRIPT)
    s2_return = return_for(s2, period)
    entry = ReturnEntry(value=D("60"), commentary="Late")
    return_save(by=s2.owner, kpi_return=s2_return, revision=0, entry=entry, confirm_unusual=True)
    # Added while the period is open, so only a KPI not due this quarter has no return in it.
    no_data = make_kpi(
        world,
        "NODATA",
        owning_service=world.s1,
        frequency="annual",
        data_period_type="financial_year",
        annual_reporting_quarter=4,
    )
    no_data.council_plan_nodes.add(p1)
    counted = kpi_create(
        by=SYSTEM,
        code="CNT-01",
        effective_from=datetime.date(2020, 4, 1),
        version={"calculation_method": "Count of people", "unit": "number", "polarity": "lower"},
        title="People waiting",
        definition="People waiting for an assessment",
        owning_service=world.s1,
        owner=world.people["service_lead"],
        decimal_places=0,
    )
    counted.council_plan_nodes.add(p2)
    ward = breakdown_set(by=SYSTEM, kpi=counted, name="Ward", categories=["North", "South"])
    _approve_counted(world, counted, period, ward)
    period.refresh_from_db()
    return {"period": period, "p1": p1, "p2": p2, "s1": s1, "s2": s2, "no_data": no_data, "counted": counted}


def _approve_counted(world, kpi, period, ward):
    kpi_return = return_for(kpi, period)
    by = world.people["service_lead"]
    entry = ReturnEntry(value=D("15"), cells={(ward.pk, "North"): D("3"), (ward.pk, "South"): D("12")})
    result = return_save(by=by, kpi_return=kpi_return, revision=0, entry=entry)
    result = return_submit(by=by, kpi_return=result.kpi_return, revision=result.kpi_return.revision, entry=ATTESTED)
    return_approve(by=world.people["performance_admin"], kpi_return=result.kpi_return, quality_checked=True)


def close_for_report(period: ReportingPeriod) -> ReportingPeriod:
    """Move the period on to "draft report" directly, as the lifecycle buttons would."""
    ReportingPeriod.objects.filter(pk=period.pk).update(state=PeriodState.DRAFT_REPORT)
    period.refresh_from_db()
    return period


#: Fourteen quarters of a higher-is-better measure, the last seven below the mean: SPC finds a
#: concerning shift (ADR 0017).
SPC_VALUES = [80, 82, 81, 83, 80, 82, 81, 74, 73, 75, 72, 74, 73, 72]


def spc_measure(world, reported):
    """A Council Plan measure under P1 with ``SPC_VALUES`` approved from 2021/22 Q4 onwards."""
    measure = make_kpi(world, "SPC-01")
    measure.council_plan_nodes.add(reported["p1"])
    quarters = [(2021 + (i + 3) // 4, (i + 3) % 4 + 1) for i in range(len(SPC_VALUES))]
    for (year, quarter), value in zip(quarters, SPC_VALUES, strict=True):
        period = ReportingPeriod.objects.filter(year=year, quarter=quarter).first() or period_create(
            by=SYSTEM, year=year, quarter=quarter, historic=True
        )
        return_backfill(by=SYSTEM, kpi=measure, period=period, value=D(value))
    return measure
