"""The risk register: corporate, directorate and service risks, read within one's scope and
kept by performance admins and the leads over the register (``edit_risks``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.decorators import requires
from accounts.models import OrgUnit
from accounts.policy import Capability, can, has_capability
from core.forms import ImportForm
from core.imports import check_and_apply
from core.tabular import download
from core.views import submit
from planning.forms import RiskActionForm, RiskEscalateForm, RiskForm, RiskReviewForm
from planning.models import LEVEL_OF_KIND, Risk, RiskLevel, RiskStatus
from planning.risk_imports import risk_import
from planning.risk_scores import BAND_FLOORS, IMPACT_WORDS, LIKELIHOOD_WORDS, band
from planning.services import risk_action_add, risk_create, risk_escalate, risk_review, risk_update
from planning.services.risks import escalation_target
from planning.tabular import RISK_COLUMNS, risk_rows


def register_units(user):
    """The registers this person keeps: council, directorates and services within their scope."""
    return OrgUnit.objects.restrict(user, Capability.EDIT_RISKS).filter(kind__in=list(LEVEL_OF_KIND), is_active=True)


def _readable(user):
    return Risk.objects.restrict(user, Capability.VIEW_RISKS).select_related("unit", "owner")


def _filtered(request):
    risks = _readable(request.user)
    level = request.GET.get("level", "")
    kinds = {value: kind for kind, value in LEVEL_OF_KIND.items()}
    if level in kinds:
        risks = risks.filter(unit__kind=kinds[level])
    status = request.GET.get("status", RiskStatus.OPEN)
    if status in RiskStatus.values:
        risks = risks.filter(status=status)
    return risks, level, status


def matrix(risks) -> list[dict]:
    """The 5 × 5 grid of current scores, likelihood down from 5, impact across: each cell
    with its score, band (in words) and the references of the risks in it."""
    cells: dict[tuple[int, int], list[str]] = {}
    for risk in risks:
        cells.setdefault((risk.current_likelihood, risk.current_impact), []).append(risk.reference)
    return [
        {
            "likelihood": likelihood,
            "likelihood_word": LIKELIHOOD_WORDS[likelihood],
            "cells": [
                {
                    "score": likelihood * impact,
                    "band": band(likelihood * impact),
                    "risks": cells.get((likelihood, impact), []),
                }
                for impact in range(1, 6)
            ],
        }
        for likelihood in range(5, 0, -1)
    ]


@requires(Capability.VIEW_RISKS)
def risk_register(request):
    risks, level, status = _filtered(request)
    risks = list(risks.order_by("-current_likelihood", "-current_impact", "unit__path", "id"))
    risks.sort(key=lambda r: (-r.current_score, r.unit.path, r.pk))
    return render(
        request,
        "planning/risk_register.html",
        {
            "risks": risks,
            "level": level,
            "status": status,
            "levels": RiskLevel.choices,
            "statuses": RiskStatus.choices,
            "matrix": matrix(risks),
            "impact_words": IMPACT_WORDS,
            "bands": [(floor, name) for floor, name in reversed(BAND_FLOORS)],
            "today": timezone.localdate(),
            "can_create": has_capability(request.user, Capability.EDIT_RISKS),
            "query": request.GET.urlencode(),
        },
    )


@requires(Capability.VIEW_RISKS)
def risk_export(request, fmt: str):
    risks, _level, _status = _filtered(request)
    risks = risks.prefetch_related("objectives", "kpis", "actions__owner").order_by("unit__path", "id")
    # read a chunk of risks (and their objectives, KPIs and actions) at a time as the file is sent
    return download(request, fmt, "risk-register", RISK_COLUMNS, risk_rows(risks.iterator(chunk_size=500)))


@requires(Capability.VIEW_PLANS)
def risk_detail(request, pk: int):
    """Every member of staff may ask; the scope answers. A risk's owner without a role (the
    person a review reminder goes to) reads their own risk; anyone else out of scope gets 404."""
    risk = get_object_or_404(_readable(request.user), pk=pk)
    return render(
        request,
        "planning/risk_detail.html",
        {
            "risk": risk,
            "actions": risk.actions.select_related("owner"),
            "escalations": risk.escalations.select_related("from_unit", "to_unit", "escalated_by"),
            "objectives": risk.objectives.select_related("plan__unit"),
            "kpis": risk.kpis.order_by("code"),
            "can_edit": can(request.user, Capability.EDIT_RISKS, risk.unit),
            "escalates_to": escalation_target(risk) if risk.status == RiskStatus.OPEN else None,
            "today": timezone.localdate(),
        },
    )


@requires(Capability.EDIT_RISKS)
def risk_add(request):
    units = register_units(request.user)
    initial = {}
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    form = RiskForm(request.POST or None, units=units, initial=initial)
    risk = submit(request, form, lambda form: risk_create(by=request.user, **form.service_values()))
    if risk is not None:
        messages.success(request, f"Risk {risk.reference} added to the register.")
        return redirect("planning:risk-detail", pk=risk.pk)
    return render(request, "planning/risk_form.html", {"form": form, "risk": None})


def _editable(request, pk: int) -> Risk:
    return get_object_or_404(
        Risk.objects.restrict(request.user, Capability.EDIT_RISKS).select_related("unit", "owner"), pk=pk
    )


@requires(Capability.EDIT_RISKS)
def risk_edit(request, pk: int):
    risk = _editable(request, pk)
    form = RiskForm(request.POST or None, instance=risk, units=register_units(request.user))
    saved = submit(request, form, lambda form: risk_update(by=request.user, risk=risk, **form.service_values()))
    if saved is not None:
        messages.success(request, "Risk saved.")
        return redirect("planning:risk-detail", pk=risk.pk)
    return render(request, "planning/risk_form.html", {"form": form, "risk": risk})


@requires(Capability.EDIT_RISKS)
def risk_review_view(request, pk: int):
    risk = _editable(request, pk)
    initial = {
        "current_likelihood": risk.current_likelihood,
        "current_impact": risk.current_impact,
        "controls": risk.controls,
    }
    form = RiskReviewForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda form: risk_review(
            by=request.user,
            risk=risk,
            next_review_date=form.cleaned_data["next_review_date"],
            current_likelihood=form.cleaned_data["current_likelihood"],
            current_impact=form.cleaned_data["current_impact"],
            controls=form.cleaned_data["controls"],
        ),
    )
    if saved is not None:
        messages.success(request, "Review recorded.")
        return redirect("planning:risk-detail", pk=risk.pk)
    return render(request, "planning/risk_step_form.html", {"form": form, "risk": risk, "step": "review"})


@requires(Capability.EDIT_RISKS)
def risk_escalate_view(request, pk: int):
    risk = _editable(request, pk)
    form = RiskEscalateForm(request.POST or None)
    saved = submit(
        request, form, lambda form: risk_escalate(by=request.user, risk=risk, reason=form.cleaned_data["reason"])
    )
    if saved is not None:
        messages.success(request, f"Risk escalated to the register of {saved.to_unit.name}.")
        return redirect("planning:risk-detail", pk=risk.pk)
    return render(
        request,
        "planning/risk_step_form.html",
        {"form": form, "risk": risk, "step": "escalate", "escalates_to": escalation_target(risk)},
    )


@requires(Capability.EDIT_RISKS)
def risk_action_add_view(request, pk: int):
    risk = _editable(request, pk)
    form = RiskActionForm(request.POST or None)
    saved = submit(request, form, lambda form: risk_action_add(by=request.user, risk=risk, **form.cleaned_data))
    if saved is not None:
        messages.success(request, "Action added.")
        return redirect("planning:risk-detail", pk=risk.pk)
    return render(request, "planning/risk_step_form.html", {"form": form, "risk": risk, "step": "action"})


@requires(Capability.EDIT_RISKS)
def risk_import_template(request):
    response = HttpResponse(risk_import(request.user).template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="risks-template.csv"'
    return response


@requires(Capability.EDIT_RISKS)
def risk_import_view(request):
    kind = risk_import(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["file"].help_text = "Columns: " + ", ".join(c.name for c in kind.columns)
    checked = None
    if request.method == "POST" and form.is_valid():
        checked, count = check_and_apply(by=request.user, kind=kind, uploaded=form.cleaned_data["file"])
        if count is not None:
            messages.success(request, f"Risk register: {count} row{'s' if count != 1 else ''} imported.")
            return redirect("planning:risk-register")
    status = 400 if checked is not None and checked.problems else 200
    return render(request, "planning/risk_import.html", {"form": form, "kind": kind, "checked": checked}, status=status)
