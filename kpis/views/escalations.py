"""The escalation register: raised by directorate leads, read by CMT and Cabinet."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import requires
from accounts.policy import Capability, can
from core.views import submit
from kpis.forms import EscalationCloseForm, EscalationCmtForm, EscalationForm, EscalationUpdateForm, RedRunForm
from kpis.models import Escalation, Kpi, ReportingPeriod
from kpis.selectors import escalation_owners
from kpis.services.escalations import (
    escalation_add_update,
    escalation_ask_update,
    escalation_close,
    escalation_decide,
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
    form.fields["owner"].queryset = escalation_owners(kpi)
    escalation = submit(
        request, form, lambda form: escalation_raise(by=request.user, kpi=kpi, period=period, **form.cleaned_data)
    )
    if escalation is not None:
        messages.success(request, f"{kpi.code} escalated to CMT.")
        return redirect("kpis:escalation-detail", pk=escalation.pk)
    return render(request, "kpis/escalation_form.html", {"form": form, "kpi": kpi, "period": period})


def _readable_escalation(request, pk: int) -> Escalation:
    return get_object_or_404(
        Escalation.objects.restrict(request.user, Capability.VIEW_ESCALATIONS).select_related(
            "kpi__owning_service", "period", "owner", "raised_by"
        ),
        pk=pk,
    )


@requires(Capability.VIEW_ESCALATIONS)
def escalation_detail(request, pk: int):
    escalation = _readable_escalation(request, pk)
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
    return _detail_page(request, escalation, update_form=update_form, close_form=close_form, may_act=may_act)


def _detail_page(request, escalation, *, may_act, update_form=None, close_form=None, cmt_form=None):
    return render(
        request,
        "kpis/escalation_detail.html",
        {
            "escalation": escalation,
            "updates": escalation.updates.select_related("recorded_by"),
            "may_act": may_act,
            "may_decide": can(request.user, Capability.DECIDE_ESCALATIONS),
            "update_form": update_form or EscalationUpdateForm(),
            "close_form": close_form or EscalationCloseForm(),
            "cmt_form": cmt_form or EscalationCmtForm(),
        },
    )


#: The service each of CMT's choices calls, and what the page says when it is done.
CMT_ACTIONS = {
    "decide": (lambda by, esc, note: escalation_decide(by=by, escalation=esc, decision=note), "Decision recorded."),
    "ask": (lambda by, esc, note: escalation_ask_update(by=by, escalation=esc, request=note), "Update asked for."),
    "close": (lambda by, esc, note: escalation_close(by=by, escalation=esc, resolution=note), "Escalation closed."),
}


@require_POST
@requires(Capability.DECIDE_ESCALATIONS)
def escalation_cmt(request, pk: int):
    """CMT acts on an escalation: a decision, a request for an update, or closing it. Each
    is audited and told to the people it concerns (``kpis.services.escalations``)."""
    escalation = _readable_escalation(request, pk)
    form = EscalationCmtForm(request.POST)
    if form.is_valid():
        service, done = CMT_ACTIONS[form.cleaned_data["action"]]
        try:
            service(request.user, escalation, form.cleaned_data["note"])
        except ValidationError as error:
            # The service names its own field (decision, request, resolution); here it is the note.
            form.add_service_errors(
                ValidationError({"note": error.messages}) if hasattr(error, "error_dict") else error
            )
        else:
            messages.success(request, done)
            return redirect("kpis:escalation-detail", pk=escalation.pk)
    may_act = can(request.user, Capability.ESCALATE, escalation.kpi.owning_service)
    return _detail_page(request, escalation, may_act=may_act, cmt_form=form)


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
