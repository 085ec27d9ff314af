"""Dashboards (live, provisional figures), the period's report (draft, narratives, publish),
and reports as snapshots with their PDFs."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts.decorators import requires
from accounts.policy import Capability, has_capability, portfolios_of, scope_of
from core.forms import GovukFormMixin, ServiceErrorsMixin
from core.numbers import record_id
from core.tabular import download
from core.views import submit
from kpis.models import Kpi, PeriodState, ReportingPeriod
from kpis.workflow import REPORTED, TransitionRefused
from planning.models import PlanNode
from reporting.alerts import notification_preference_set, timing_of
from reporting.content import chart_from
from reporting.cycle import plan, run_step, sync_steps
from reporting.data_quality import data_quality_report
from reporting.models import Alert, CycleStep, Notification, ReportFile, Snapshot, SnapshotKind, StepState, Timing
from reporting.pages import SCORECARD_ORDERS, DashboardFilters, period_asked
from reporting.pdf import render_data_quality
from reporting.selectors import plan_for, published_over_time
from reporting.services import draft_build, narrative_save, report_publish
from reporting.warming import cached_dashboard, cached_exceptions, cached_overview, cached_scorecard


def _kpis_in_scope(user):
    """Council-wide roles see every KPI; directorate and service leads their own area's."""
    return Kpi.objects.restrict(user, Capability.VIEW_DASHBOARDS).filter(is_active=True)


def _period(request) -> ReportingPeriod | None:
    return period_asked(request.GET)


@requires(Capability.VIEW_DASHBOARDS)
def overview(request):
    """The council at a glance: for each priority, KPIs by RAG and by direction of travel,
    open escalations and returns outstanding. The sections come from the shared cache when
    they were computed at the current figures (ADR 0025)."""
    period = _period(request)
    plan = plan_for(period) if period else None
    overview = cached_overview(period, plan, scope_of(request.user, Capability.VIEW_DASHBOARDS))
    return render(
        request,
        "reporting/overview.html",
        {
            "period": period,
            "plan": plan,
            "council": overview.get("council"),
            "sections": overview.get("sections", []),
            "periods": ReportingPeriod.objects.opened()[:12],
        },
    )


@requires(Capability.VIEW_DASHBOARDS)
def dashboard(request):
    """Each KPI with its latest value and data period, target, RAG, direction of travel, trend,
    commentary and benchmark. The filters live in the URL, so a view can be bookmarked; with
    htmx only the results are swapped. The page's filters and results come from the shared
    cache when they were computed at the current figures (ADR 0025)."""
    page = cached_dashboard(
        request.GET, scope_of(request.user, Capability.VIEW_DASHBOARDS), portfolios_of(request.user)
    )
    if getattr(request, "htmx", False):
        response = HttpResponse(page["results"])
    else:
        # Both fragments are our own templates, rendered (and escaped) by reporting.pages.
        shown = {**page, "filters": mark_safe(page["filters"]), "results": mark_safe(page["results"])}  # noqa: S308
        response = render(request, "reporting/dashboard.html", shown)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The exceptions ----------------------------------------------------------------------------


@requires(Capability.VIEW_DASHBOARDS)
def exceptions_view(request):
    """The exception report on screen, as the pack prints it: every Red KPI (Red two periods
    running first) and every Council Plan measure that worsened, with commentary, actions,
    owner and escalation; of the KPIs the person may see."""
    period = _period(request)
    plan = plan_for(period) if period else None
    priorities = list(plan.nodes.active().priorities()) if plan else []
    found = cached_exceptions(period, plan, priorities, scope_of(request.user, Capability.VIEW_DASHBOARDS))
    return render(request, "reporting/exceptions.html", {"period": period, "plan": plan, "exceptions": found})


# --- The scorecard ---------------------------------------------------------------------------

SCORECARD_COLUMNS = [
    "priority",
    "kpi_code",
    "kpi_title",
    "value",
    "data_period",
    "target",
    "rag",
    "on_previous_period",
    "on_same_period_last_year",
    "rank_among_neighbours",
    "spc_variation",
    "spc_assurance",
    "out_of_date",
]


def _scorecard(request) -> dict:
    """One line per KPI, grouped by priority (a KPI under two priorities is in both), with the
    dashboard's filters and an order; what the page and its CSV and Excel downloads show."""
    period = _period(request)
    plan = plan_for(period) if period else None
    priorities = list(plan.nodes.active().priorities()) if plan else []
    filters = DashboardFilters(request.GET or None, priorities=priorities)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    order = request.GET.get("order") if request.GET.get("order") in SCORECARD_ORDERS else "code"
    scope = scope_of(request.user, Capability.VIEW_DASHBOARDS)
    results = cached_scorecard(period, plan, priorities, scope, chosen, order)
    return {
        "period": period,
        "plan": plan,
        "filters": filters,
        "groups": results["groups"],
        "order": order,
        "not_in_the_plan": results["not_in_the_plan"],
    }


@requires(Capability.VIEW_DASHBOARDS)
def scorecard(request):
    board = _scorecard(request)
    query = request.GET.copy()
    query.pop("order", None)
    return render(
        request,
        "reporting/scorecard.html",
        {
            **board,
            "orders": [(value, label) for value, (label, _) in SCORECARD_ORDERS.items()],
            "query": query.urlencode(),
            "full_query": request.GET.urlencode(),
        },
    )


@requires(Capability.VIEW_DASHBOARDS)
def scorecard_export(request, fmt: str):
    board = _scorecard(request)
    rows = [
        [
            f"{group['priority'].code} {group['priority'].title}" if group["priority"] else "Not in the Council Plan",
            k["code"],
            k["title"],
            k["value_text"],
            k["data_period_label"],
            k["target_text"],
            k["rag_label"],
            k["direction_text"],
            k["direction_last_year_text"],
            (k.get("neighbours") or {}).get("short_text", ""),
            k["spc_variation"],
            k["spc_assurance"],
            "yes" if k["out_of_date_text"] else "no",
        ]
        for group in board["groups"]
        for k, _ in group["rows"]
    ]
    return download(request, fmt, "scorecard", SCORECARD_COLUMNS, rows)


# --- The period's report --------------------------------------------------------------------


@requires(Capability.VIEW_DRAFT_REPORTS)
def report(request, pk: int):
    """The period's report: the draft and its PDFs, what is still missing, the priority
    narratives, and (for the performance admin) build, rebuild and publish."""
    period = get_object_or_404(ReportingPeriod, pk=pk)
    plan = plan_for(period)
    priorities = list(plan.nodes.active().priorities()) if plan else []
    narratives = {n.node_id: n for n in period.narratives.select_related("updated_by")}
    snapshots = Snapshot.objects.filter(period=period).select_related("build").order_by("-created_at")
    draft = next((s for s in snapshots if s.kind == SnapshotKind.DRAFT), None)
    published = next((s for s in snapshots if s.kind == SnapshotKind.PUBLISHED), None)
    return render(
        request,
        "reporting/report.html",
        {
            "period": period,
            "priorities": [(p, narratives.get(p.pk)) for p in priorities],
            "draft": draft,
            "draft_files": draft.files.defer("pdf").order_by("kind", "key") if draft else [],
            "published": published,
            "can_manage": has_capability(request.user, Capability.MANAGE_REPORTS),
            "can_read_data_quality": has_capability(request.user, Capability.VIEW_DATA_QUALITY_REPORT),
            "ready_for_report": period.state == PeriodState.DRAFT_REPORT,
        },
    )


class NarrativeForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label="Narrative",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="What CMT and Cabinet should know about this priority this quarter. Shown as written, as plain text.",
        error_messages={"required": "Write the narrative for this priority"},
    )


@requires(Capability.MANAGE_REPORTS)
def narrative_edit(request, pk: int, node_pk: int):
    period = get_object_or_404(ReportingPeriod, pk=pk)
    plan = plan_for(period)
    node = get_object_or_404(PlanNode, pk=node_pk, plan=plan, depth=0) if plan else None
    if node is None:
        raise Http404("No Council Plan for this period")
    existing = period.narratives.filter(node=node).first()
    form = NarrativeForm(request.POST or None, initial={"text": existing.text if existing else ""})
    saved = submit(
        request,
        form,
        lambda form: narrative_save(by=request.user, period=period, node=node, text=form.cleaned_data["text"]),
    )
    if saved is not None:
        messages.success(request, f"Narrative for {node.code} saved. Rebuild the draft to include it in the PDFs.")
        return redirect("reporting:report", pk=period.pk)
    return render(
        request,
        "layouts/form_page.html",
        {
            "form": form,
            "heading": f"Narrative for {node.code} {node.title}",
            "caption": f"{period.label} report",
            "cancel_url": reverse("reporting:report", kwargs={"pk": period.pk}),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@requires(Capability.MANAGE_REPORTS)
def draft_build_view(request, pk: int):
    period = get_object_or_404(ReportingPeriod, pk=pk)
    try:
        draft_build(by=request.user, period=period)
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Draft report built. Its PDFs are being made; this page shows when they are ready.")
    return redirect("reporting:report", pk=period.pk)


@require_POST
@requires(Capability.MANAGE_REPORTS)
def publish_view(request, pk: int):
    period = get_object_or_404(ReportingPeriod, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Confirm that the report is ready to publish.")
        return redirect("reporting:report", pk=period.pk)
    try:
        snapshot = report_publish(by=request.user, period=period)
    except (TransitionRefused, ValidationError) as error:
        messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        return redirect("reporting:report", pk=period.pk)
    messages.success(request, f"{period.label} published. The figures are frozen; the final PDFs are being made.")
    return redirect("reporting:snapshot", pk=snapshot.pk)


# --- Reports as snapshots --------------------------------------------------------------------


@requires(Capability.VIEW_PUBLISHED_REPORTS)
def report_list(request):
    # Not the content: a report's is about 250 KiB of JSON, and the list read all of them
    # (1 s for 20 reports at the largest councils).
    snapshots = (
        Snapshot.objects.restrict(request.user, Capability.VIEW_PUBLISHED_REPORTS)
        .select_related("period", "build")
        .defer("content")
    )
    periods = (
        ReportingPeriod.objects.filter(state__in=REPORTED)
        if has_capability(request.user, Capability.VIEW_DRAFT_REPORTS)
        else ReportingPeriod.objects.none()
    )
    return render(request, "reporting/report_list.html", {"snapshots": snapshots, "periods": periods})


def _visible_snapshot(request, pk: int) -> Snapshot:
    return get_object_or_404(
        Snapshot.objects.restrict(request.user, Capability.VIEW_PUBLISHED_REPORTS).select_related("period", "build"),
        pk=pk,
    )


@requires(Capability.VIEW_PUBLISHED_REPORTS)
def snapshot_detail(request, pk: int):
    """The report exactly as frozen: rendered from the snapshot's content alone."""
    snapshot = _visible_snapshot(request, pk)
    content = snapshot.content
    priorities = [
        {**priority, "cards": [(k, chart_from(k)) for k in priority["kpis"]]} for priority in content["priorities"]
    ]
    return render(
        request,
        "reporting/snapshot.html",
        {
            "snapshot": snapshot,
            "content": content,
            "priorities": priorities,
            "files": snapshot.files.defer("pdf").order_by("kind", "key"),
        },
    )


PUBLISHED_FIGURE_COLUMNS = [
    "Report",
    "Published on",
    "KPI",
    "Title",
    "Data period",
    "Value",
    "Figure as published",
    "Target",
    "RAG",
    "Direction",
    "Commentary",
]


def _published_figures(request, code: str):
    """The KPI across the published reports the person reads (everyone reads published ones);
    a code no published report shows does not exist here."""
    published = Snapshot.objects.restrict(request.user, Capability.VIEW_PUBLISHED_REPORTS).published()
    figures = published_over_time(code, published)
    if not figures:
        raise Http404("No published report shows that KPI")
    return figures


@requires(Capability.VIEW_PUBLISHED_REPORTS)
def kpi_published(request, code: str):
    """One KPI compared across the published reports, as each published it: for scrutiny,
    who read published reports and nothing else."""
    figures = _published_figures(request, code)
    return render(request, "reporting/kpi_published.html", {"figures": figures, "latest": figures[-1].kpi})


@requires(Capability.VIEW_PUBLISHED_REPORTS)
def kpi_published_export(request, code: str, fmt: str):
    figures = _published_figures(request, code)
    rows = [
        [
            f.period_label,
            f.published_on.isoformat(),
            f.kpi["code"],
            f.kpi["title"],
            f.kpi["data_period_label"],
            f.kpi["value"],
            f.kpi["value_text"],
            f.kpi["target_text"],
            f.kpi["rag_label"],
            f.kpi["direction_text"],
            f.kpi["commentary"],
        ]
        for f in figures
    ]
    return download(request, fmt, f"{code}-published-figures", PUBLISHED_FIGURE_COLUMNS, rows)


@requires(Capability.VIEW_PUBLISHED_REPORTS)
def snapshot_progress(request, pk: int):
    """The build's progress and the files, for htmx to poll until the build finishes."""
    snapshot = _visible_snapshot(request, pk)
    return render(
        request,
        "reporting/_files.html",
        {"snapshot": snapshot, "files": snapshot.files.defer("pdf").order_by("kind", "key")},
    )


@requires(Capability.VIEW_PUBLISHED_REPORTS)
def file_download(request, pk: int):
    report_file = get_object_or_404(
        ReportFile.objects.select_related("snapshot__period").filter(
            snapshot__in=Snapshot.objects.restrict(request.user, Capability.VIEW_PUBLISHED_REPORTS)
        ),
        pk=pk,
    )
    response = HttpResponse(bytes(report_file.pdf), content_type=report_file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{report_file.filename}"'
    response["X-Content-SHA256"] = report_file.sha256
    return response


# --- The data quality report ------------------------------------------------------------------


@requires(Capability.VIEW_DATA_QUALITY_REPORT)
def data_quality(request, pk: int):
    """A period's data quality report for the audit committee (``reporting.data_quality``)."""
    period = get_object_or_404(ReportingPeriod, pk=pk)
    return render(request, "reporting/data_quality.html", {"period": period, "report": data_quality_report(period)})


@requires(Capability.VIEW_DATA_QUALITY_REPORT)
def data_quality_pdf(request, pk: int):
    """The same report as a tagged PDF, made as it is asked for: it holds tables only, no
    charts, so it takes a moment, and it is the database as it stands, not a snapshot."""
    period = get_object_or_404(ReportingPeriod, pk=pk)
    response = HttpResponse(render_data_quality(data_quality_report(period)), content_type="application/pdf")
    filename = f"data-quality-{period.label.replace('/', '-').replace(' ', '-')}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The cycle and notifications ---------------------------------------------------------------


@requires(Capability.MANAGE_PERIODS)
def cycle(request, pk: int):
    """The period's cycle as a timeline: each step done, next or failed, when, and what it did."""
    period = get_object_or_404(ReportingPeriod, pk=pk)
    if request.method == "POST":
        step_id = request.POST.get("step", "")
        step = get_object_or_404(CycleStep, pk=record_id(step_id) or 0, period=period)
        done = run_step(step.pk, by=request.user, early=request.POST.get("early") == "yes")
        step.refresh_from_db()
        if done:
            messages.success(request, f"Done: {step.summary}")
        else:
            messages.error(request, step.error or "That step is not due yet, or was already done.")
        return redirect("reporting:cycle", pk=period.pk)
    steps = sync_steps(period) if period.state != PeriodState.PUBLISHED else list(period.cycle_steps.all())
    titles = {p.key: p.title for p in plan(period)}
    now = timezone.now()
    upcoming = next((s for s in sorted(steps, key=lambda s: s.due_at) if s.state == StepState.WAITING), None)
    return render(
        request,
        "reporting/cycle.html",
        {
            "period": period,
            "steps": [(s, titles.get(s.key, s.key), s.due_at <= now) for s in sorted(steps, key=lambda s: s.due_at)],
            "upcoming": upcoming,
        },
    )


@requires(Capability.VIEW_HOME)
def notification_list(request):
    """What was told at once (the latest first), then the daily messages."""
    return render(
        request,
        "reporting/notifications.html",
        {
            "alerts": Alert.objects.filter(user=request.user, immediate=True)[:30],
            "notifications": Notification.objects.filter(user=request.user)[:60],
            "timing": timing_of(request.user),
        },
    )


class NotificationSettingsForm(GovukFormMixin, forms.Form):
    timing = forms.ChoiceField(
        label="When should we tell you that a return was sent back, approved or revised, or about an escalation?",
        choices=Timing.choices,
        widget=forms.RadioSelect,
    )


@requires(Capability.VIEW_HOME)
def notification_settings(request):
    """The signed-in person's own choice: told at once, or only in the daily message."""
    form = NotificationSettingsForm(request.POST or None, initial={"timing": timing_of(request.user)})
    if submit(
        request, form, lambda form: notification_preference_set(by=request.user, timing=form.cleaned_data["timing"])
    ):
        messages.success(request, "Your choice is saved.")
        return redirect("reporting:notifications")
    return render(request, "reporting/notification_settings.html", {"form": form})
