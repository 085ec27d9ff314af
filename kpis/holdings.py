"""What a leaver holds in the KPI app: KPIs they own or deputise, returns still in progress
for those KPIs, escalations they own. Registered with ``organisation.holdings``."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from kpis.models import Escalation, Kpi, KpiReturn, PeriodState, ReturnState
from organisation.holdings import Holding

#: A return still being worked on: whoever takes the KPI over finishes it.
IN_PROGRESS = (ReturnState.NOT_STARTED, ReturnState.DRAFT, ReturnState.RETURNED, ReturnState.SUBMITTED)


def kpi_holdings(person_ids: list[int]) -> dict[int, list[Holding]]:
    found: dict[int, list[Holding]] = {}

    def add(person_id, holding):
        found.setdefault(person_id, []).append(holding)

    kpis = list(
        Kpi.objects.filter(Q(owner_id__in=person_ids) | Q(deputy_id__in=person_ids))
        .order_by("code")
        .only("code", "title", "owner_id", "deputy_id")
    )
    holders = {kpi.owner_id for kpi in kpis} | {kpi.deputy_id for kpi in kpis if kpi.deputy_id}
    for person_id in sorted(holders & set(person_ids)):
        if person_id:
            add(
                person_id,
                Holding(
                    "All their KPIs", "Give them all to one person", reverse("kpis:kpi-hand-over", args=[person_id])
                ),
            )
    for kpi in kpis:
        edit = reverse("kpis:kpi-edit", args=[kpi.code])
        if kpi.owner_id in person_ids:
            add(kpi.owner_id, Holding("KPI they own", f"{kpi.code} {kpi.title}", edit))
        if kpi.deputy_id in person_ids:
            add(kpi.deputy_id, Holding("KPI they deputise", f"{kpi.code} {kpi.title}", edit))
    returns = (
        KpiReturn.objects.filter(kpi__owner_id__in=person_ids, state__in=IN_PROGRESS, period__state=PeriodState.OPEN)
        .select_related("kpi", "period")
        .order_by("kpi__code", "period__year", "period__quarter")
    )
    for kpi_return in returns:
        add(
            kpi_return.kpi.owner_id,
            Holding(
                "Return in progress (reassign the KPI's owner)",
                f"{kpi_return.kpi.code} {kpi_return.period.label}: {kpi_return.get_state_display()}",
                reverse("kpis:kpi-edit", args=[kpi_return.kpi.code]),
            ),
        )
    escalations = Escalation.objects.filter(owner_id__in=person_ids, closed_at__isnull=True).select_related(
        "kpi", "period"
    )
    for escalation in escalations:
        add(
            escalation.owner_id,
            Holding(
                "Open escalation they own",
                str(escalation),
                reverse("kpis:escalation-detail", args=[escalation.pk]),
            ),
        )
    return found
