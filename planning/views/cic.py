"""CIC objectives: an employee's own, and those of the people they line manage. Nobody else
reads the words, performance admins included; everyone else sees counts only."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.decorators import requires
from accounts.models import User
from accounts.policy import Capability
from core.views import submit
from planning.forms import CicNoteForm, CicObjectiveForm
from planning.models import CicObjective
from planning.services import cic_note_add, cic_objective_create, cic_objective_update

#: CIC objectives of the people someone line manages, and those people, shown a page at a time.
CIC_PAGE_SIZE = 50


@requires(Capability.VIEW_PLANS)
def cic_list(request):
    user = request.user
    mine = CicObjective.objects.filter(employee=user).select_related("objective__plan__unit")
    reports = (
        CicObjective.objects.readable_by(user)
        .exclude(employee=user)
        .select_related("employee", "objective__plan__unit")
        .order_by("employee__last_name", "employee__first_name", "created_at")
    )
    team = User.objects.managed_by(user).filter(is_active=True).order_by("last_name", "first_name")
    # Paged: a head of service's line management chain holds thousands of people and their
    # objectives (a manager of 75 had 375 on one page, 734 ms at the largest councils).
    return render(
        request,
        "planning/cic_list.html",
        {
            "mine": mine,
            "reports": Paginator(reports, CIC_PAGE_SIZE).get_page(request.GET.get("page")),
            "team": Paginator(team, CIC_PAGE_SIZE).get_page(request.GET.get("people")),
        },
    )


def _employee_for(request) -> User:
    """Whose CIC objective is being added: yourself, or someone in your line management chain."""
    username = request.POST.get("employee") or request.GET.get("employee")
    if not username or username == request.user.username:
        return request.user
    return get_object_or_404(User.objects.managed_by(request.user), username=username)


@requires(Capability.VIEW_PLANS)
def cic_add(request):
    employee = _employee_for(request)
    form = CicObjectiveForm(request.POST or None, employee=employee, initial={"status": "not_started"})
    cic = submit(
        request, form, lambda form: cic_objective_create(by=request.user, employee=employee, **form.cleaned_data)
    )
    if cic is not None:
        messages.success(request, "CIC objective added.")
        return redirect("planning:cic-detail", pk=cic.pk)
    return render(request, "planning/cic_form.html", {"form": form, "employee": employee, "cic": None})


def _readable(request, pk: int) -> CicObjective:
    return get_object_or_404(
        CicObjective.objects.readable_by(request.user).select_related("employee", "objective__plan__unit"), pk=pk
    )


@requires(Capability.VIEW_PLANS)
def cic_detail(request, pk: int):
    cic = _readable(request, pk)
    return render(
        request,
        "planning/cic_detail.html",
        {
            "cic": cic,
            "notes": cic.notes.select_related("recorded_by"),
            "note_form": CicNoteForm(initial={"date": timezone.localdate()}),
        },
    )


@requires(Capability.VIEW_PLANS)
def cic_edit(request, pk: int):
    cic = _readable(request, pk)
    form = CicObjectiveForm(request.POST or None, instance=cic, employee=cic.employee)
    saved = submit(request, form, lambda form: cic_objective_update(by=request.user, cic=cic, **form.cleaned_data))
    if saved is not None:
        messages.success(request, "CIC objective saved.")
        return redirect("planning:cic-detail", pk=cic.pk)
    return render(request, "planning/cic_form.html", {"form": form, "employee": cic.employee, "cic": cic})


@requires(Capability.VIEW_PLANS)
def cic_note_add_view(request, pk: int):
    cic = _readable(request, pk)
    form = CicNoteForm(request.POST or None, initial={"date": timezone.localdate()})
    saved = submit(request, form, lambda form: cic_note_add(by=request.user, cic=cic, **form.cleaned_data))
    if saved is not None:
        messages.success(request, "Progress note added.")
        return redirect("planning:cic-detail", pk=cic.pk)
    return render(request, "planning/cic_note_form.html", {"form": form, "cic": cic})
