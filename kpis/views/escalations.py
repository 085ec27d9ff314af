"""The escalation register: raised by directorate leads, read by CMT and Cabinet."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts.decorators import requires
from accounts.models import User
from accounts.policy import Capability, can
from core.views import submit
from kpis.forms import EscalationCloseForm, EscalationForm, EscalationUpdateForm, RedRunForm
from kpis.models import Escalation, Kpi, ReportingPeriod
from kpis.services.escalations import (
    escalation_add_update,
    escalation_close,
    escalation_raise,
    red_run_not_escalated,
)


@requires(Capability.VIEW_ESCALATIONS)
def escalation_list(request):
    escalations = (
        Escalation.objects.restrict(request.user, Capability.VIEW_ESCALATIONS)
        .select_related("kpi__owning_service__parent", "period", "owner", "raised_by")
        .order_by("closed_at", "due_date")
    )
    show = request.GET.get("show", "open")
    if show == "open":
        escalations = escalations.open()
    return render(request, "kpis/escalation_list.html", {"escalations": escalations, "show": show})


def _escalatable_kpi(request, code: str) -> Kpi:
    kpi = get_object_or_404(
        Kpi.objects.restrict(request.user, Capability.VIEW_KPIS).select_related("owning_service"), code=code
    )
    if not can(request.user, Capability.ESCALATE, kpi.owning_service):
        raise Http404("No such KPI in your scope")
    return kpi


@requires(Capability.ESCALATE)
def escalation_create(request, code: str):
    kpi = _escalatable_kpi(request, code)
    period = ReportingPeriod.objects.current_or_latest()
    form = EscalationForm(request.POST or None, initial={"owner": kpi.owner_id})
    form.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("last_name", "first_name")
    escalation = submit(
        request, form, lambda form: escalation_raise(by=request.user, kpi=kpi, period=period, **form.cleaned_data)
    )
    if escalation is not None:
        messages.success(request, f"{kpi.code} escalated to CMT.")
        return redirect("kpis:escalation-detail", pk=escalation.pk)
    return render(request, "kpis/escalation_form.html", {"form": form, "kpi": kpi, "period": period})


@requires(Capability.VIEW_ESCALATIONS)
def escalation_detail(request, pk: int):
    escalation = get_object_or_404(
        Escalation.objects.restrict(request.user, Capability.VIEW_ESCALATIONS).select_related(
            "kpi__owning_service", "period", "owner", "raised_by"
        ),
        pk=pk,
    )
    may_act = can(request.user, Capability.ESCALATE, escalation.kpi.owning_service)
    update_form = EscalationUpdateForm(request.POST if request.POST.get("action") == "update" else None)
    close_form = EscalationCloseForm(request.POST if request.POST.get("action") == "close" else None)
    if request.method == "POST" and may_act:
        try:
            if update_form.is_bound and update_form.is_valid():
                escalation_add_update(by=request.user, escalation=escalation, note=update_form.cleaned_data["note"])
                messages.success(request, "Update recorded.")
                return redirect("kpis:escalation-detail", pk=escalation.pk)
            if close_form.is_bound and close_form.is_valid():
                escalation_close(
                    by=request.user, escalation=escalation, resolution=close_form.cleaned_data["resolution"]
                )
                messages.success(request, "Escalation closed.")
                return redirect("kpis:escalation-detail", pk=escalation.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(
        request,
        "kpis/escalation_detail.html",
        {
            "escalation": escalation,
            "updates": escalation.updates.select_related("recorded_by"),
            "may_act": may_act,
            "update_form": update_form,
            "close_form": close_form,
        },
    )


@requires(Capability.ESCALATE)
def red_run_decision(request, code: str):
    kpi = _escalatable_kpi(request, code)
    period = ReportingPeriod.objects.current_or_latest()
    form = RedRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            red_run_not_escalated(by=request.user, kpi=kpi, period=period, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, f"Recorded why {kpi.code} is not being escalated.")
            return redirect("kpis:review-queue")
    return render(request, "kpis/red_run_form.html", {"form": form, "kpi": kpi, "period": period})
