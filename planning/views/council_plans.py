"""Council Plan pages: the list, one plan's tree, and the performance admin's editing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.decorators import requires
from accounts.policy import Capability, has_capability
from core.forms import ImportForm
from core.imports import check_and_apply
from core.tabular import download
from core.views import redirect_after_save, render_page, submit
from planning.forms import CouncilPlanForm, CouncilPlanImportForm, PlanNodeForm
from planning.imports import new_plan_import, new_plan_template_csv, structure_import, summary
from planning.models import CouncilPlan, PlanNode
from planning.selectors import council_plan_tree
from planning.services import (
    council_plan_create,
    council_plan_update,
    plan_node_create,
    plan_node_move,
    plan_node_retire,
    plan_node_update,
)
from planning.tabular import COLUMNS, structure_rows


@requires(Capability.VIEW_COUNCIL_PLAN)
def council_plan_list(request):
    plans = CouncilPlan.objects.restrict(request.user, Capability.VIEW_COUNCIL_PLAN).annotate(
        node_count=Count("nodes", filter=Q(nodes__retired_at__isnull=True))
    )
    return render(
        request,
        "planning/council_plan_list.html",
        {"plans": plans, "can_manage": has_capability(request.user, Capability.MANAGE_COUNCIL_PLAN)},
    )


@requires(Capability.VIEW_COUNCIL_PLAN)
def council_plan_detail(request, pk: int):
    plan = get_object_or_404(CouncilPlan.objects.restrict(request.user, Capability.VIEW_COUNCIL_PLAN), pk=pk)
    can_manage = has_capability(request.user, Capability.MANAGE_COUNCIL_PLAN) and not plan.is_read_only()
    return render(
        request,
        "planning/council_plan_detail.html",
        {
            "plan": plan,
            "tree": council_plan_tree(plan, include_retired=can_manage),
            "read_only": plan.is_read_only(),
            "can_manage": can_manage,
            "can_view_thread": has_capability(request.user, Capability.VIEW_PLANS),
        },
    )


@requires(Capability.MANAGE_COUNCIL_PLAN)
def council_plan_create_view(request):
    form = CouncilPlanForm(request.POST or None)
    plan = submit(request, form, lambda form: council_plan_create(by=request.user, **form.service_values()))
    if plan is not None:
        messages.success(request, f"{plan} created. Add its {plan.level_names[0].lower()} nodes next.")
        return redirect("planning:council-plan-detail", pk=plan.pk)
    return render(request, "planning/council_plan_form.html", {"form": form, "plan": None})


def _plan(request, pk: int) -> CouncilPlan:
    return get_object_or_404(CouncilPlan.objects.restrict(request.user, Capability.VIEW_COUNCIL_PLAN), pk=pk)


def _read_only_redirect(request, plan: CouncilPlan):
    """An ended plan is a record: send the person back to it with the reason."""
    messages.info(request, f"{plan} has ended. It is kept as a record and cannot be changed.")
    return redirect("planning:council-plan-detail", pk=plan.pk)


@requires(Capability.MANAGE_COUNCIL_PLAN)
def council_plan_edit(request, pk: int):
    plan = _plan(request, pk)
    if plan.is_read_only():
        return _read_only_redirect(request, plan)
    form = CouncilPlanForm(request.POST or None, instance=plan)
    saved = submit(request, form, lambda form: council_plan_update(by=request.user, plan=plan, **form.service_values()))
    if saved is not None:
        messages.success(request, "Council Plan saved.")
        return redirect("planning:council-plan-detail", pk=plan.pk)
    return render(request, "planning/council_plan_form.html", {"form": form, "plan": plan})


@requires(Capability.MANAGE_COUNCIL_PLAN)
def plan_node_add(request, pk: int):
    plan = _plan(request, pk)
    parent_id = request.POST.get("parent") or request.GET.get("parent")
    parent = get_object_or_404(PlanNode, pk=parent_id, plan=plan) if parent_id else None
    form = PlanNodeForm(request.POST or None)
    node = submit(
        request, form, lambda form: plan_node_create(by=request.user, plan=plan, parent=parent, **form.cleaned_data)
    )
    if node is not None:
        messages.success(request, f"{node.level_name} {node.code} added.")
        return redirect_after_save(request, "planning:council-plan-detail", pk=plan.pk)
    level = plan.level_name(parent.depth + 1 if parent else 0)
    return render_page(
        request,
        "planning/plan_node_form.html",
        {"form": form, "plan": plan, "parent": parent, "level": level, "node": None},
        partial="form",
    )


@requires(Capability.MANAGE_COUNCIL_PLAN)
def plan_node_edit(request, pk: int, node_pk: int):
    plan = _plan(request, pk)
    node = get_object_or_404(PlanNode, pk=node_pk, plan=plan)
    form = PlanNodeForm(request.POST or None, instance=node)
    saved = submit(request, form, lambda form: plan_node_update(by=request.user, node=node, **form.cleaned_data))
    if saved is not None:
        messages.success(request, f"{node.level_name} {form.cleaned_data['code']} saved.")
        return redirect_after_save(request, "planning:council-plan-detail", pk=plan.pk)
    return render_page(
        request,
        "planning/plan_node_form.html",
        {"form": form, "plan": plan, "parent": node.parent, "level": node.level_name, "node": node},
        partial="form",
    )


@requires(Capability.MANAGE_COUNCIL_PLAN)
@require_POST
def plan_node_move_view(request, pk: int, node_pk: int):
    plan = _plan(request, pk)
    node = get_object_or_404(PlanNode, pk=node_pk, plan=plan)
    try:
        plan_node_move(by=request.user, node=node, direction=request.POST.get("direction", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("planning:council-plan-detail", kwargs={"pk": plan.pk}) + f"#node-{node.pk}")


@requires(Capability.MANAGE_COUNCIL_PLAN)
def plan_node_retire_view(request, pk: int, node_pk: int):
    plan = _plan(request, pk)
    node = get_object_or_404(PlanNode, pk=node_pk, plan=plan, retired_at__isnull=True)
    if request.method == "POST":
        try:
            plan_node_retire(by=request.user, node=node)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{node.level_name} {node.code} and everything below it retired.")
        return redirect("planning:council-plan-detail", pk=plan.pk)
    below = PlanNode.objects.filter(plan=plan, parent=node).count()
    linked = node.objectives.count()
    return render(
        request, "planning/plan_node_retire.html", {"plan": plan, "node": node, "below": below, "linked": linked}
    )


@requires(Capability.MANAGE_COUNCIL_PLAN)
def council_plan_export(request, pk: int, fmt: str):
    plan = get_object_or_404(CouncilPlan.objects.restrict(request.user, Capability.VIEW_COUNCIL_PLAN), pk=pk)
    return download(request, fmt, slugify(plan.title) or "council-plan", COLUMNS, structure_rows(plan))


@requires(Capability.MANAGE_COUNCIL_PLAN)
def council_plan_import_view(request, pk: int):
    plan = _plan(request, pk)
    if plan.is_read_only():
        return _read_only_redirect(request, plan)
    form = ImportForm(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        checked, _ = check_and_apply(by=request.user, kind=structure_import(plan), uploaded=form.cleaned_data["file"])
        if not checked.problems:
            added, changed = summary(checked.rows)
            messages.success(request, f"Imported: {added} node{'s' if added != 1 else ''} added, {changed} changed.")
            return redirect("planning:council-plan-detail", pk=plan.pk)
    status = 400 if checked and checked.problems else 200
    return render(
        request, "planning/council_plan_import.html", {"form": form, "plan": plan, "checked": checked}, status=status
    )


@requires(Capability.MANAGE_COUNCIL_PLAN)
def council_plan_import_new(request):
    """A whole Council Plan from one spreadsheet: the plan's details on the form, its levels
    and tree in the file."""
    form = CouncilPlanImportForm(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        checked, _ = check_and_apply(
            by=request.user, kind=new_plan_import(form.details()), uploaded=form.cleaned_data["file"]
        )
        if not checked.problems:
            plan = CouncilPlan.objects.get(title=form.cleaned_data["title"])
            counts = dict(plan.nodes.values_list("depth").annotate(count=Count("pk")))
            parts = ", ".join(f"{counts.get(depth, 0)} {name}" for depth, name in enumerate(plan.level_names))
            messages.success(request, f"{plan} imported: {parts}.")
            return redirect("planning:council-plan-detail", pk=plan.pk)
    return render(
        request,
        "planning/council_plan_import_new.html",
        {"form": form, "checked": checked},
        status=400 if checked and checked.problems else 200,
    )


@requires(Capability.MANAGE_COUNCIL_PLAN)
def council_plan_import_template(request):
    response = HttpResponse(new_plan_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="council-plan-template.csv"'
    return response
