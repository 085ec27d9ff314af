"""The golden thread: down from a Council Plan node, and the gaps where it is broken."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.decorators import requires
from accounts.policy import Capability
from planning.models import CouncilPlan, PlanNode, financial_year_label, financial_year_of
from planning.selectors import attach_risks, council_plan_tree, gaps, thread_down


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return financial_year_of(timezone.localdate())


@requires(Capability.VIEW_PLANS)
def thread_index(request):
    plan = CouncilPlan.objects.current()
    return render(
        request,
        "planning/thread_index.html",
        {"plan": plan, "tree": council_plan_tree(plan) if plan else [], "plans": CouncilPlan.objects.all()},
    )


@requires(Capability.VIEW_PLANS)
def thread_node(request, pk: int):
    node = get_object_or_404(PlanNode.objects.select_related("plan"), pk=pk)
    root = thread_down(node)
    attach_risks(root, request.user)
    ancestors = []
    parent_id = node.parent_id
    parents = {n.pk: n for n in PlanNode.objects.filter(plan_id=node.plan_id)} if parent_id else {}
    while parent_id:
        ancestors.insert(0, parents[parent_id])
        parent_id = parents[parent_id].parent_id
    for each in ancestors:
        each.plan = node.plan
    return render(request, "planning/thread_node.html", {"root": root, "node": node, "ancestors": ancestors})


@requires(Capability.VIEW_PLANS)
def gaps_view(request):
    year = _year(request)
    plan = CouncilPlan.objects.current(timezone.localdate())
    found = gaps(plan, year=year)
    return render(
        request,
        "planning/gaps.html",
        {
            "gaps": found,
            "plan": plan,
            "year": year,
            "year_label": financial_year_label(year),
            "today": timezone.localdate(),
        },
    )
