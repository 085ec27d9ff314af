"""What the KPI app adds to the golden thread pages: the KPIs that measure each Council Plan
node and objective, and "KPIs in no plan" on the gaps page. One query each."""

from __future__ import annotations

from django.urls import reverse

from kpis.models import Kpi
from planning.extensions import ExtraGap, Measure


def _measure(kpi: Kpi) -> Measure:
    return Measure(f"{kpi.code} {kpi.title}", reverse("kpis:kpi-detail", kwargs={"code": kpi.code}))


def measures(node_ids: list[int], objective_ids: list[int]):
    by_node: dict[int, list[Measure]] = {}
    by_objective: dict[int, list[Measure]] = {}
    links = Kpi.council_plan_nodes.through.objects.filter(plannode_id__in=node_ids).select_related("kpi")
    for link in links.order_by("kpi__code"):
        by_node.setdefault(link.plannode_id, []).append(_measure(link.kpi))
    objective_links = Kpi.objectives.through.objects.filter(objective_id__in=objective_ids).select_related("kpi")
    for link in objective_links.order_by("kpi__code"):
        by_objective.setdefault(link.objective_id, []).append(_measure(link.kpi))
    return by_node, by_objective


def kpis_in_no_plan() -> ExtraGap:
    orphans = Kpi.objects.filter(is_active=True, council_plan_nodes__isnull=True, objectives__isnull=True).order_by(
        "code"
    )
    return ExtraGap(
        heading="KPIs in no plan",
        empty_text="Every KPI measures a part of the Council Plan or an objective.",
        items=[_measure(kpi) for kpi in orphans.distinct()],
    )
