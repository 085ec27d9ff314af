import datetime
from decimal import Decimal

import pytest

from accounts.policy import SYSTEM
from kpis.data_quality import Dimension
from kpis.models import KpiVersion, Unit
from kpis.services.dictionary import kpi_create, target_set
from kpis.services.returns import return_for

#: The return form's data quality answers, every dimension met, as a browser posts them.
ALL_MET_POSTED = {f"dq_{dimension}": "yes" for dimension in Dimension.values}


@pytest.fixture
def period(world):
    """The world's open period, 2025/26 Q2."""
    return world.kpis["period"]


def make_kpi(
    world, code="KPI1", *, unit=Unit.PERCENTAGE, polarity="higher", is_ratio=False, version_fields=None, **fields
):
    version = {
        "calculation_method": "Count of cases closed in time over all cases closed",
        "unit": unit,
        "polarity": polarity,
        "is_ratio": is_ratio,
        "numerator_label": "Closed in time" if is_ratio else "",
        "denominator_label": "All closed" if is_ratio else "",
        **(version_fields or {}),
    }
    values = {
        "title": f"{code} title",
        "definition": "What it measures",
        "owning_service": world.s1,
        "owner": world.people["service_lead"],
        "decimal_places": 1,
    }
    values.update(fields)
    return kpi_create(by=SYSTEM, code=code, effective_from=datetime.date(2020, 4, 1), version=version, **values)


@pytest.fixture
def kpi(world):
    kpi = make_kpi(world, tolerance_type="absolute", tolerance_amount=Decimal("5"))
    target_set(by=SYSTEM, kpi=kpi, for_date=datetime.date(2025, 9, 30), value=Decimal("80"))
    return kpi


@pytest.fixture
def kpi_return(kpi, period):
    return return_for(kpi, period)


__all__ = ["KpiVersion", "make_kpi"]
