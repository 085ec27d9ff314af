"""Reads for KPI pages: a person's returns, and the Red runs to escalate. Judged figures
(target, RAG, direction, earlier values, trend) are read by ``kpis.figures``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpis.models import Kpi, KpiReturn

if TYPE_CHECKING:
    from kpis.figures import JudgedFigure


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


def enters_returns(user) -> bool:
    """Does this person have returns to enter: ``enter_returns`` through a role, or a KPI they
    own or deputise (``KpiReturnQuerySet.reached_without_role``: owners and deputies enter
    their KPIs' returns whatever roles they hold)? Decides whether "My returns" is in their
    menu; asked once per user object (one query, none for people whose role answers it)."""
    from accounts.policy import Capability, has_capability

    if has_capability(user, Capability.ENTER_RETURNS):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_pmf_owns_kpis", None)
    if cached is None:
        cached = Kpi.objects.filter(is_active=True).owned_by(user).exists()
        user._pmf_owns_kpis = cached
    return cached


def red_two_periods_running(returns: list[KpiReturn], results: dict[int, JudgedFigure]) -> list[Kpi]:
    """KPIs Red now and Red in the previous approved value, with no open escalation and no
    recorded decision for this period: the lead must escalate or say why not."""
    from kpis.models import Escalation, RedRunDecision

    candidates = [r for r in returns if (result := results.get(r.pk)) and result.red_two_periods_running]
    if not candidates:
        return []
    kpi_ids = [r.kpi_id for r in candidates]
    period_ids = {r.period_id for r in candidates}
    escalated = set(Escalation.objects.open().filter(kpi_id__in=kpi_ids).values_list("kpi_id", flat=True))
    decided = set(
        RedRunDecision.objects.filter(kpi_id__in=kpi_ids, period_id__in=period_ids).values_list("kpi_id", flat=True)
    )
    return [r.kpi for r in candidates if r.kpi_id not in escalated and r.kpi_id not in decided]


def escalation_owners(kpi: Kpi):
    """Who may own an escalation's actions: active staff of the service concerned (people in
    its unit or the units below it). Councillors and scrutiny members sit in no unit of the
    service, so they are never offered; the form lists these and ``escalation_raise`` refuses
    anyone else."""
    from accounts.models import User

    return User.objects.filter(is_active=True, org_unit__path__startswith=kpi.owning_service.path).order_by(
        "last_name", "first_name"
    )
