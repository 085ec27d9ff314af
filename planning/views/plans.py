"""Directorate, service and team plans: reading them, and keeping them for one's own units."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.decorators import requires
from accounts.models import OrgUnit
from accounts.policy import Capability, can, has_capability
from core.numbers import small_count_label
from core.views import redirect_after_save, render_page, submit
from planning.forms import ObjectiveForm, ProgressUpdateForm, UnitPlanForm
from planning.models import Objective, ObjectiveStatus, UnitPlan, financial_year_of
from planning.selectors import objective_path_up, priorities_for, risks_for_plan
from planning.services import (
    objective_create,
    objective_update,
    progress_update_add,
    unit_plan_create,
    unit_plan_update,
)


def editable_units(user):
    """The units whose plans this person keeps: the scope of ``edit_plans``, as everywhere."""
    return OrgUnit.objects.restrict(user, Capability.EDIT_PLANS).filter(
        kind__in=["directorate", "service", "team"], is_active=True
    )


@requires(Capability.VIEW_PLANS)
def plan_list(request):
    years = sorted(set(UnitPlan.objects.values_list("year", flat=True)), reverse=True)
    current = financial_year_of(timezone.localdate())
    try:
        year = int(request.GET.get("year") or (current if current in years else (years[0] if years else current)))
    except ValueError:
        year = current
    plans = (
        UnitPlan.objects.restrict(request.user, Capability.VIEW_PLANS)
        .filter(year=year)
        .select_related("unit", "unit__parent")
        .annotate(
            objective_count=Count("objectives", distinct=True),
            at_risk=Count("objectives", filter=Q(objectives__status__in=["at_risk", "off_track"]), distinct=True),
        )
        .order_by("unit__path")
    )
    return render(
        request,
        "planning/plan_list.html",
        {
            "plans": plans,
            "year": year,
            "years": years,
            "can_create": has_capability(request.user, Capability.EDIT_PLANS),
        },
    )


@requires(Capability.EDIT_PLANS)
def plan_create(request):
    units = editable_units(request.user)
    initial = {"year": financial_year_of(timezone.localdate())}
    form = UnitPlanForm(request.POST or None, units=units, initial=initial)
    plan = submit(request, form, lambda form: unit_plan_create(by=request.user, **form.cleaned_data))
    if plan is not None:
        messages.success(request, f"{plan.kind_label} created. Add its objectives.")
        return redirect("planning:plan-detail", pk=plan.pk)
    return render(request, "planning/plan_form.html", {"form": form, "plan": None})


def _objectives_for(plan: UnitPlan):
    return (
        plan.objectives.select_related("owner", "council_plan_node", "parent_objective__plan__unit")
        .prefetch_related(Prefetch("contributes_to", queryset=Objective.objects.select_related("plan__unit")))
        .annotate(cic_count=Count("cic_objectives", distinct=True))
        .order_by("order", "id")
    )


@requires(Capability.VIEW_PLANS)
def plan_detail(request, pk: int):
    plan = get_object_or_404(
        UnitPlan.objects.restrict(request.user, Capability.VIEW_PLANS).select_related("unit__head"), pk=pk
    )
    objectives = list(_objectives_for(plan))
    register = plan.unit.parent if plan.unit.kind == "team" else plan.unit  # a team's risks are its service's
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "objectives": objectives,
            "risks": risks_for_plan(plan, request.user),
            "can_see_risks": has_capability(request.user, Capability.VIEW_RISKS),
            "register": register,
            "can_add_risk": can(request.user, Capability.EDIT_RISKS, register),
            "can_edit": can(request.user, Capability.EDIT_PLANS, plan.unit),
            "today": timezone.localdate(),
            "status_counts": _status_counts(objectives),
        },
    )


def _status_counts(objectives) -> list[tuple[str, int]]:
    counts = dict.fromkeys(ObjectiveStatus, 0)
    for objective in objectives:
        counts[ObjectiveStatus(objective.status)] += 1
    return [(status.label, counts[status]) for status in ObjectiveStatus]


@requires(Capability.VIEW_PLANS)
def plan_on_a_page(request, pk: int):
    """One printable page: the plan's objectives grouped by the Council Plan priority they serve."""
    plan = get_object_or_404(
        UnitPlan.objects.restrict(request.user, Capability.VIEW_PLANS).select_related("unit__head"), pk=pk
    )
    objectives = list(_objectives_for(plan))
    priority_of = priorities_for(objectives)
    groups: dict = {}
    for objective in objectives:
        groups.setdefault(priority_of.get(objective.pk), []).append(objective)
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, item[0].order if item[0] else 0))
    return render(
        request,
        "planning/plan_on_a_page.html",
        {"plan": plan, "groups": ordered, "risks": risks_for_plan(plan, request.user)[:5]},
    )


@requires(Capability.EDIT_PLANS)
def plan_edit(request, pk: int):
    plan = get_object_or_404(UnitPlan.objects.restrict(request.user, Capability.EDIT_PLANS), pk=pk)
    form = UnitPlanForm(request.POST or None, instance=plan)
    saved = submit(request, form, lambda form: unit_plan_update(by=request.user, plan=plan, **form.cleaned_data))
    if saved is not None:
        messages.success(request, "Plan saved.")
        return redirect("planning:plan-detail", pk=plan.pk)
    return render(request, "planning/plan_form.html", {"form": form, "plan": plan})


@requires(Capability.EDIT_PLANS)
def objective_add(request, pk: int):
    plan = get_object_or_404(
        UnitPlan.objects.restrict(request.user, Capability.EDIT_PLANS).select_related("unit"), pk=pk
    )
    initial = {"start_date": plan.start_date, "due_date": plan.end_date, "status": ObjectiveStatus.NOT_STARTED}
    form = ObjectiveForm(request.POST or None, plan=plan, initial=initial)
    objective = submit(
        request, form, lambda form: objective_create(by=request.user, plan=plan, **form.service_values())
    )
    if objective is not None:
        messages.success(request, f"Objective “{objective}” added.")
        return redirect_after_save(request, "planning:plan-detail", pk=plan.pk)
    return render_page(
        request, "planning/objective_form.html", {"form": form, "plan": plan, "objective": None}, partial="form"
    )


@requires(Capability.VIEW_PLANS)
def objective_detail(request, pk: int):
    objective = get_object_or_404(
        Objective.objects.restrict(request.user, Capability.VIEW_PLANS).select_related(
            "plan__unit", "owner", "council_plan_node__plan"
        ),
        pk=pk,
    )
    children = (
        objective.child_objectives.select_related("plan__unit", "owner")
        .annotate(cic_count=Count("cic_objectives"))
        .order_by("plan__unit__path", "order")
    )
    return render(
        request,
        "planning/objective_detail.html",
        {
            "objective": objective,
            "path": objective_path_up(objective),
            "children": children,
            "contributes_to": objective.contributes_to.select_related("plan__unit"),
            "contributors": objective.contributors.select_related("plan__unit"),
            "updates": objective.progress_updates.select_related("recorded_by"),
            "cic_count": small_count_label(objective.cic_objectives.count()),
            "can_edit": can(request.user, Capability.EDIT_PLANS, objective.plan.unit),
            "progress_form": ProgressUpdateForm(initial={"date": timezone.localdate(), "status": objective.status}),
            "today": timezone.localdate(),
        },
    )


def _editable_objective(request, pk: int) -> Objective:
    return get_object_or_404(
        Objective.objects.restrict(request.user, Capability.EDIT_PLANS).select_related("plan__unit"), pk=pk
    )


@requires(Capability.EDIT_PLANS)
def objective_edit(request, pk: int):
    objective = _editable_objective(request, pk)
    form = ObjectiveForm(request.POST or None, instance=objective, plan=objective.plan)
    saved = submit(
        request, form, lambda form: objective_update(by=request.user, objective=objective, **form.service_values())
    )
    if saved is not None:
        messages.success(request, "Objective saved.")
        return redirect_after_save(request, "planning:objective-detail", pk=objective.pk)
    return render_page(
        request,
        "planning/objective_form.html",
        {"form": form, "plan": objective.plan, "objective": objective},
        partial="form",
    )


@requires(Capability.EDIT_PLANS)
def progress_add(request, pk: int):
    objective = _editable_objective(request, pk)
    form = ProgressUpdateForm(request.POST or None, initial={"date": timezone.localdate(), "status": objective.status})
    saved = submit(
        request, form, lambda form: progress_update_add(by=request.user, objective=objective, **form.cleaned_data)
    )
    if saved is not None:
        messages.success(request, "Progress update added.")
        return redirect_after_save(request, "planning:objective-detail", pk=objective.pk)
    return render_page(request, "planning/progress_form.html", {"form": form, "objective": objective}, partial="form")
