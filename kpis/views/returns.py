"""My returns, the return form, and the directorate lead's review queue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.decorators import requires
from accounts.policy import Capability, has_capability
from core.numbers import record_id
from core.views import submit
from kpis.data_quality import attested, caveat_of
from kpis.figures import judged_figures, read_figures
from kpis.forms import ApproveForm, NotAvailableForm, ReturnForm, RevisionForm, SendBackForm
from kpis.models import KpiReturn, PeriodState, ReportingPeriod, ReturnState
from kpis.selectors import red_two_periods_running, returns_for_person
from kpis.services import parts as return_parts
from kpis.services.returns import (
    ReturnConflict,
    may_enter,
    return_allow_late,
    return_approve,
    return_mark_not_available,
    return_revise,
    return_save,
    return_send_back,
    return_submit,
)
from kpis.workflow import AWAITING_REVIEW, EDITABLE, HANDED_IN, TransitionRefused

REVIEW_PAGE_SIZE = 100


def _period(request) -> ReportingPeriod | None:
    period_id = record_id(request.GET.get("period"))
    if period_id is not None:
        return ReportingPeriod.objects.filter(pk=period_id).first()
    return (
        ReportingPeriod.objects.current_open()
        or ReportingPeriod.objects.filter(state=PeriodState.CLOSED).order_by("-year", "-quarter").first()
    )


@requires(Capability.VIEW_KPIS)
def my_returns(request):
    """The GOV.UK task list for the period: every KPI this person enters, its state, its data
    period and when it is due."""
    period = _period(request)
    returns = list(returns_for_person(request.user, period)) if period else []
    return render(
        request,
        "kpis/my_returns.html",
        {
            "period": period,
            "returns": returns,
            "done": sum(1 for r in returns if r.state in HANDED_IN),
            "today": timezone.localdate(),
        },
    )


def _enterable(request, pk: int) -> KpiReturn:
    kpi_return = get_object_or_404(
        KpiReturn.objects.restrict(request.user, Capability.VIEW_RETURNS).select_related(
            "kpi__owning_service", "version", "period"
        ),
        pk=pk,
    )
    if not may_enter(request.user, kpi_return.kpi):
        raise PermissionDenied("You do not enter returns for this KPI.")
    return kpi_return


def _mark_not_available(request, kpi_return: KpiReturn, form: NotAvailableForm):
    return_mark_not_available(
        by=request.user,
        kpi_return=kpi_return,
        revision=form.cleaned_data["revision"],
        reason=form.cleaned_data["not_available_reason"] or "",
        expected_date=form.cleaned_data["expected_date"],
    )
    messages.success(request, f"{kpi_return.kpi.code} marked not available.")
    return redirect("kpis:my-returns")


def _save(request, kpi_return: KpiReturn, form: ReturnForm):
    return_save(**_entered(request, kpi_return, form))
    messages.success(request, f"{kpi_return.kpi.code} saved as a draft.")
    return redirect("kpis:return-edit", pk=kpi_return.pk)


def _submit(request, kpi_return: KpiReturn, form: ReturnForm):
    return_submit(**_entered(request, kpi_return, form))
    messages.success(request, f"{kpi_return.kpi.code} submitted for review.")
    return redirect("kpis:my-returns")


def _entered(request, kpi_return: KpiReturn, form: ReturnForm) -> dict:
    return {
        "by": request.user,
        "kpi_return": kpi_return,
        "revision": form.cleaned_data["revision"],
        "entry": form.entry(),
        "confirm_unusual": form.cleaned_data.get("confirm_unusual", False),
    }


#: The return page's buttons: each takes the bound form, calls one service and redirects.
ENTRY_ACTIONS = {"save": _save, "submit": _submit, "not_available": _mark_not_available}


@requires(Capability.VIEW_KPIS)
def return_edit(request, pk: int):
    """The return form: form → service → redirect; a refusal keeps what was typed, with the
    service's reasons on the fields (or, after a conflict, what was saved since)."""
    kpi_return = _enterable(request, pk)
    action = request.POST.get("action")
    form = ReturnForm(request.POST or None, kpi_return=kpi_return)
    na_form = NotAvailableForm(
        request.POST if action == "not_available" else None, initial={"revision": kpi_return.revision}
    )
    conflict = None
    bound = na_form if action == "not_available" else form
    if request.method == "POST" and action in ENTRY_ACTIONS and bound.is_valid():
        try:
            return ENTRY_ACTIONS[action](request, kpi_return, bound)
        except ValidationError as error:
            bound.add_service_errors(error)
        except ReturnConflict as error:
            conflict = error
            if bound is form:
                form.reopen_at(error.current.revision)
        except TransitionRefused as error:
            messages.error(request, str(error))
    figures = read_figures([kpi_return])
    return render(
        request,
        "kpis/return_form.html",
        {
            "kpi_return": kpi_return,
            "kpi": kpi_return.kpi,
            "form": form,
            "na_form": na_form,
            "conflict": conflict,
            "result": figures.judged.get(kpi_return.pk),
            "history": figures.earlier(kpi_return, limit=5),
            "parts": return_parts.for_display(kpi_return, form.breakdowns),
            "editable": kpi_return.state in EDITABLE,
            "caveat": caveat_of(kpi_return),
        },
        status=409 if conflict else 200,
    )


@requires(Capability.REVIEW_RETURNS)
def review_queue(request):
    """Submitted returns first, a page at a time, counted and paged in the database; then the
    rest of the area's returns. Approved values are judged too, for the "Red two periods
    running" prompt."""
    period = _period(request)
    base = (
        KpiReturn.objects.restrict(request.user, Capability.REVIEW_RETURNS)
        .filter(period=period)
        .select_related("kpi__owning_service", "kpi__owner", "version", "submitted_by")
        .order_by("kpi__owning_service__path", "kpi__code")
        if period
        else KpiReturn.objects.none()
    )
    if request.method == "POST":
        chosen = [pk for pk in map(record_id, request.POST.getlist("approve")) if pk is not None]
        checked = request.POST.get("quality_checked") == "on"
        approved, refused = 0, []
        if chosen and not checked:
            chosen, refused = [], ["Confirm you have checked the data quality of the returns you ticked."]
        for kpi_return in base.filter(pk__in=chosen, state__in=AWAITING_REVIEW):
            try:
                return_approve(by=request.user, kpi_return=kpi_return, quality_checked=checked)
                approved += 1
            except (TransitionRefused, PermissionDenied) as error:
                refused.append(f"{kpi_return.kpi.code}: {error}")
        if approved:
            messages.success(request, f"{approved} return{'s' if approved != 1 else ''} approved.")
        for problem in refused:
            messages.error(request, problem)
        if not chosen and not refused:
            messages.error(request, "Choose at least one return to approve.")
        return redirect(f"{reverse('kpis:review-queue')}?period={period.pk}" if period else "kpis:review-queue")
    submitted_page = Paginator(base.filter(state__in=AWAITING_REVIEW), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    others_page = Paginator(base.exclude(state__in=AWAITING_REVIEW), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("others")
    )
    judged = list(submitted_page) + list(base.filter(state=ReturnState.APPROVED))
    results = judged_figures(judged)
    return render(
        request,
        "kpis/review_queue.html",
        {
            "period": period,
            "results": results,
            "submitted": submitted_page,
            "submitted_total": submitted_page.paginator.count,
            "others": others_page,
            "others_total": others_page.paginator.count,
            "red_runs": red_two_periods_running(judged, results),
            "can_escalate": has_capability(request.user, Capability.ESCALATE),
        },
    )


@requires(Capability.REVIEW_RETURNS)
def return_review(request, pk: int):
    kpi_return = get_object_or_404(
        KpiReturn.objects.restrict(request.user, Capability.REVIEW_RETURNS).select_related(
            "kpi__owning_service", "version", "period"
        ),
        pk=pk,
    )
    send_back_form = SendBackForm(request.POST if request.POST.get("action") == "send_back" else None)
    approve_form = ApproveForm(request.POST if request.POST.get("action") == "approve" else None)
    action = request.POST.get("action")
    if request.method == "POST":
        try:
            if action == "approve" and approve_form.is_valid():
                return_approve(
                    by=request.user,
                    kpi_return=kpi_return,
                    quality_checked=approve_form.cleaned_data["quality_checked"],
                    quality_note=approve_form.cleaned_data["quality_note"],
                )
                messages.success(request, f"{kpi_return.kpi.code} approved.")
                return redirect("kpis:review-queue")
            if action == "allow_late":
                return_allow_late(by=request.user, kpi_return=kpi_return, reason=request.POST.get("late_reason", ""))
                messages.success(request, f"A late return is allowed for {kpi_return.kpi.code}.")
                return redirect("kpis:return-review", pk=kpi_return.pk)
            if action == "send_back" and send_back_form.is_valid():
                return_send_back(by=request.user, kpi_return=kpi_return, reason=send_back_form.cleaned_data["reason"])
                messages.success(request, f"{kpi_return.kpi.code} returned to the service with your reason.")
                return redirect("kpis:review-queue")
        except ValidationError as error:
            approve_form.add_service_errors(error)
        except TransitionRefused as error:
            messages.error(request, str(error))
    result = judged_figures([kpi_return]).get(kpi_return.pk)
    return render(
        request,
        "kpis/return_review.html",
        {
            "kpi_return": kpi_return,
            "kpi": kpi_return.kpi,
            "result": result,
            "send_back_form": send_back_form,
            "approve_form": approve_form,
            "caveat": caveat_of(kpi_return),
            "attestation": attested(kpi_return),
            "parts": return_parts.for_display(kpi_return),
            "awaiting_review": kpi_return.state in AWAITING_REVIEW,
            # A closed period's return not yet handed in may be allowed in late (return_allow_late).
            "late_allowable": kpi_return.period.state == PeriodState.CLOSED
            and not kpi_return.late_allowed
            and kpi_return.state not in HANDED_IN,
        },
        status=400 if send_back_form.errors or approve_form.errors else 200,
    )


@requires(Capability.MANAGE_KPIS)
def return_revise_view(request, pk: int):
    """Revise an approved figure after its report was published, with a reason."""
    kpi_return = get_object_or_404(
        KpiReturn.objects.restrict(request.user, Capability.MANAGE_KPIS).select_related("kpi", "version", "period"),
        pk=pk,
    )
    form = RevisionForm(request.POST or None, kpi_return=kpi_return)
    try:
        saved = submit(
            request,
            form,
            lambda form: return_revise(
                by=request.user,
                kpi_return=kpi_return,
                reason=form.cleaned_data["reason"],
                **{k: form.cleaned_data.get(k) for k in ("value", "numerator", "denominator") if k in form.fields},
            ),
        )
    except TransitionRefused as error:
        messages.error(request, str(error))
        return redirect("kpis:kpi-detail", code=kpi_return.kpi.code)
    if saved is not None:
        label = f"{kpi_return.kpi.code} {kpi_return.data_period_label}"
        messages.success(request, f"{label} revised; the next report shows the old and the new value.")
        return redirect("kpis:kpi-detail", code=kpi_return.kpi.code)
    return render(
        request,
        "layouts/form_page.html",
        {
            "form": form,
            "heading": f"Revise the published {kpi_return.data_period_label} figure",
            "caption": f"{kpi_return.kpi.code} {kpi_return.kpi.title}: published as {kpi_return.value.normalize():f}"
            if kpi_return.value is not None
            else kpi_return.kpi.code,
            "cancel_url": reverse("kpis:kpi-detail", kwargs={"code": kpi_return.kpi.code}),
        },
        status=400 if form.errors else 200,
    )
