"""Reads for KPI pages: a return's earlier values, a person's returns, and the Red runs to
escalate. Judged figures (target, RAG, direction) are read by ``kpis.figures``."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpis.models import Kpi, KpiReturn, ReturnState
from kpis.results import Rag

if TYPE_CHECKING:
    from kpis.figures import JudgedFigure


def values_before(kpi_return: KpiReturn, limit: int = 5) -> list[tuple[str, Decimal]]:
    """The approved figures for the data periods before this return's, newest first, each with
    its data period's label, as the return page lists them."""
    return list(
        KpiReturn.objects.filter(kpi=kpi_return.kpi_id, state=ReturnState.APPROVED, value__isnull=False)
        .exclude(pk=kpi_return.pk)
        .filter(data_period_end__lt=kpi_return.data_period_end)
        .order_by("-data_period_end")
        .values_list("data_period_label", "value")[:limit]
    )


def returns_for_person(user, period):
    """The returns a person enters: KPIs they own or deputise, and, for a service lead, the
    KPIs of the services they lead (``enter_returns``, scoped as everywhere). A performance
    admin may enter any return, but their own list is of the KPIs they own."""
    from accounts.policy import Capability, scope_of

    returns = KpiReturn.objects.restrict(user, Capability.ENTER_RETURNS)
    scope = scope_of(user, Capability.ENTER_RETURNS)
    if scope is not None and scope.council_wide:
        returns = returns.owned_by(user)
    return (
        returns.filter(period=period).select_related("kpi__owning_service", "version", "period").order_by("kpi__code")
    )


def red_two_periods_running(returns: list[KpiReturn], results: dict[int, JudgedFigure]) -> list[Kpi]:
    """KPIs Red now and Red in the previous approved value, with no open escalation and no
    recorded decision for this period: the lead must escalate or say why not."""
    from kpis.models import Escalation, RedRunDecision

    candidates = [
        r for r in returns if (result := results.get(r.pk)) and result.rag == Rag.RED and result.previous_rag == Rag.RED
    ]
    if not candidates:
        return []
    kpi_ids = [r.kpi_id for r in candidates]
    period_ids = {r.period_id for r in candidates}
    escalated = set(Escalation.objects.open().filter(kpi_id__in=kpi_ids).values_list("kpi_id", flat=True))
    decided = set(
        RedRunDecision.objects.filter(kpi_id__in=kpi_ids, period_id__in=period_ids).values_list("kpi_id", flat=True)
    )
    return [r.kpi for r in candidates if r.kpi_id not in escalated and r.kpi_id not in decided]
