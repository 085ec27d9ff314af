"""The KPI data dictionary, reporting periods, targets, returns and escalations: one module
each (``choices``, ``periods``, ``dictionary``, ``returns``, ``escalations``); import them
from ``kpis.models``."""

from __future__ import annotations

from kpis.models.benchmarking import (
    GROUP_WORDS,
    BenchmarkIndicator,
    BenchmarkSource,
    BenchmarkValue,
    ComparatorGroup,
    Council,
    CouncilKind,
    GroupKind,
)
from kpis.models.choices import (
    POLARITY_CHOICES,
    TOLERANCE_CHOICES,
    CumulativeBasis,
    DataPeriodType,
    Frequency,
    QuarterRule,
    Unit,
)
from kpis.models.dictionary import Benchmark, Kpi, KpiQuerySet, KpiVersion, Target
from kpis.models.escalations import (
    Escalation,
    EscalationQuerySet,
    EscalationUpdate,
    EscalationUpdateKind,
    RedRunDecision,
)
from kpis.models.periods import PeriodState, ReportingPeriod, ReportingPeriodQuerySet
from kpis.models.returns import (
    Breakdown,
    BreakdownValue,
    KpiReturn,
    KpiReturnQuerySet,
    MonthlyFigure,
    ReturnRevision,
    ReturnState,
)

__all__ = [
    "Unit",
    "Frequency",
    "DataPeriodType",
    "CumulativeBasis",
    "QuarterRule",
    "POLARITY_CHOICES",
    "TOLERANCE_CHOICES",
    "PeriodState",
    "ReportingPeriodQuerySet",
    "ReportingPeriod",
    "KpiQuerySet",
    "Kpi",
    "KpiVersion",
    "Target",
    "Benchmark",
    "Council",
    "CouncilKind",
    "ComparatorGroup",
    "GroupKind",
    "GROUP_WORDS",
    "BenchmarkSource",
    "BenchmarkIndicator",
    "BenchmarkValue",
    "ReturnState",
    "KpiReturnQuerySet",
    "KpiReturn",
    "MonthlyFigure",
    "Breakdown",
    "BreakdownValue",
    "ReturnRevision",
    "EscalationQuerySet",
    "Escalation",
    "EscalationUpdate",
    "EscalationUpdateKind",
    "RedRunDecision",
]
