"""Reporting periods for performance admins: dates and lifecycle, one button per step."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import requires
from accounts.policy import Capability
from core.views import submit
from kpis.forms import PeriodCreateForm, PeriodDatesForm
from kpis.models import ReportingPeriod, ReturnState
from kpis.services.periods import period_advance, period_create, period_update_dates
from kpis.workflow import STEP_NAMES, TransitionRefused, next_step


@requires(Capability.MANAGE_PERIODS)
def period_list(request):
    periods = ReportingPeriod.objects.annotate(
        total=Count("returns"),
        approved=Count("returns", filter=Q(returns__state=ReturnState.APPROVED)),
    ).order_by("-year", "-quarter")
    form = PeriodCreateForm(request.POST or None)
    created = submit(request, form, lambda form: period_create(by=request.user, **form.cleaned_data))
    if created is not None:
        messages.success(request, f"{created.label} created with default dates.")
        return redirect("kpis:period-detail", pk=created.pk)
    if form.is_bound and not form.errors and created is None:
        form.add_error("quarter", "That quarter already has a reporting period")
    return render(request, "kpis/period_list.html", {"periods": periods, "form": form})


@requires(Capability.MANAGE_PERIODS)
def period_detail(request, pk: int):
    period = get_object_or_404(ReportingPeriod, pk=pk)
    form = PeriodDatesForm(request.POST or None, instance=period)
    saved = submit(request, form, lambda form: period_update_dates(by=request.user, period=period, **form.cleaned_data))
    if saved is not None:
        messages.success(request, "Dates saved.")
        return redirect("kpis:period-detail", pk=period.pk)
    step = next_step(period)
    counts = dict.fromkeys(ReturnState, 0)
    for state, count in period.returns.values_list("state").annotate(n=Count("id")).values_list("state", "n"):
        counts[ReturnState(state)] = count
    return render(
        request,
        "kpis/period_detail.html",
        {
            "period": period,
            "form": form,
            "next_step": step,
            "next_step_name": STEP_NAMES.get(step) if step else None,
            "counts": [(state.label, counts[state]) for state in ReturnState],
        },
    )


@requires(Capability.MANAGE_PERIODS)
@require_POST
def period_advance_view(request, pk: int):
    period = get_object_or_404(ReportingPeriod, pk=pk)
    try:
        period_advance(by=request.user, period=period, to=request.POST.get("to", ""))
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        period.refresh_from_db()
        messages.success(request, f"{period.label} is now {period.get_state_display().lower()}.")
    return redirect("kpis:period-detail", pk=period.pk)
