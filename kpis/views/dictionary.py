"""The KPI data dictionary: a searchable, filterable list and each KPI's page."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render

from accounts.models import OrgUnit
from accounts.policy import Capability, can, has_capability
from core.views import requires
from kpis.forms import KpiFilterForm
from kpis.models import Frequency, Kpi, KpiReturn, ReturnState
from kpis.results import Rag
from kpis.selectors import results_for
from planning.models import PlanNode


def _latest_approved(kpis: list[Kpi]) -> dict[int, KpiReturn]:
    latest: dict[int, KpiReturn] = {}
    approved = (
        KpiReturn.objects.filter(kpi__in=kpis, state=ReturnState.APPROVED)
        .select_related("version")
        .order_by("kpi_id", "-data_period_end")
    )
    for kpi_return in approved:
        latest.setdefault(kpi_return.kpi_id, kpi_return)
    kpi_by_id = {kpi.pk: kpi for kpi in kpis}
    for kpi_return in latest.values():
        kpi_return.kpi = kpi_by_id[kpi_return.kpi_id]
    return latest


@requires(Capability.VIEW_KPIS)
def kpi_list(request):
    form = KpiFilterForm(request.GET or None)
    kpis = Kpi.objects.visible_to(request.user).select_related("owning_service__parent", "owner")
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("q"):
        q = filters["q"]
        kpis = kpis.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(definition__icontains=q))
    if filters.get("directorate"):
        kpis = kpis.filter(owning_service__parent__code=filters["directorate"])
    if filters.get("portfolio"):
        kpis = kpis.filter(portfolio=filters["portfolio"])
    if filters.get("frequency"):
        kpis = kpis.filter(frequency=filters["frequency"])
    if filters.get("node"):
        kpis = kpis.filter(council_plan_nodes__code=filters["node"]).distinct()
    if filters.get("council_plan_measure"):
        kpis = kpis.filter(is_council_plan_measure=True)
    kpis = list(kpis.order_by("code"))
    latest = _latest_approved(kpis)
    results = results_for(list(latest.values()))
    rows = []
    for kpi in kpis:
        kpi_return = latest.get(kpi.pk)
        result = results.get(kpi_return.pk) if kpi_return else None
        if filters.get("rag") and (result.rag.value if result else "none") != filters["rag"]:
            continue
        rows.append({"kpi": kpi, "latest": kpi_return, "result": result})
    return render(
        request,
        "kpis/kpi_list.html",
        {
            "form": form,
            "rows": rows,
            "directorates": OrgUnit.objects.filter(kind="directorate").order_by("name"),
            "portfolios": sorted(set(Kpi.objects.exclude(portfolio="").values_list("portfolio", flat=True))),
            "frequencies": Frequency.choices,
            "nodes": PlanNode.objects.filter(kpis__isnull=False).distinct().order_by("code"),
            "rags": [(r.value, r.short_label) for r in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.DATA_ONLY)],
            "filters": filters,
        },
    )


@requires(Capability.VIEW_KPIS)
def kpi_detail(request, code: str):
    kpi = get_object_or_404(
        Kpi.objects.visible_to(request.user)
        .select_related("owning_service__parent", "owner", "deputy")
        .prefetch_related(Prefetch("council_plan_nodes", queryset=PlanNode.objects.select_related("plan"))),
        code=code,
    )
    versions = list(kpi.versions.order_by("-effective_from"))
    returns = list(
        KpiReturn.objects.visible_to(request.user)
        .filter(kpi=kpi)
        .exclude(state=ReturnState.NOT_STARTED)
        .select_related("version", "period")
        .order_by("-data_period_end")
    )
    for kpi_return in returns:
        kpi_return.kpi = kpi
    return render(
        request,
        "kpis/kpi_detail.html",
        {
            "kpi": kpi,
            "versions": versions,
            "current_version": versions[0] if versions else None,
            "targets": kpi.targets.order_by("for_date"),
            "benchmarks": kpi.benchmarks.order_by("-period_end", "comparator")[:12],
            "returns": returns,
            "results": results_for(returns),
            "can_escalate": can(request.user, Capability.ESCALATE, kpi.owning_service),
            "can_see_returns": has_capability(request.user, Capability.VIEW_RETURNS),
        },
    )
