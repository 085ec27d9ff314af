"""Council Plan pages: the list of plans and one plan's tree."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from accounts.policy import Capability
from core.views import requires
from planning.models import CouncilPlan
from planning.selectors import council_plan_tree


@requires(Capability.VIEW_COUNCIL_PLAN)
def council_plan_list(request):
    plans = CouncilPlan.objects.visible_to(request.user).annotate(
        node_count=Count("nodes", filter=Q(nodes__retired_at__isnull=True))
    )
    return render(request, "planning/council_plan_list.html", {"plans": plans})


@requires(Capability.VIEW_COUNCIL_PLAN)
def council_plan_detail(request, pk: int):
    plan = get_object_or_404(CouncilPlan.objects.visible_to(request.user), pk=pk)
    return render(
        request,
        "planning/council_plan_detail.html",
        {"plan": plan, "tree": council_plan_tree(plan), "read_only": plan.is_read_only()},
    )
