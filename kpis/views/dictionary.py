"""The KPI data dictionary: a searchable, filterable list and each KPI's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.decorators import requires
from accounts.models import OrgUnit, User
from accounts.policy import Capability, can, has_capability
from core.views import submit
from kpis.benchmarking import benchmark_history, neighbour_averages, position_content
from kpis.breakdowns import bar_chart_uri, equalities_tables
from kpis.figures import judged_figures, kpi_trend, read_figures, spc_shown, spc_summary, value_text
from kpis.forms import BreakdownForm, HandOverForm, KpiFilterForm, KpiForm, KpiVersionForm, TargetForm
from kpis.models import Frequency, Kpi, KpiReturn, ReturnState
from kpis.results import Rag
from kpis.services.dictionary import (
    breakdown_set,
    kpi_create,
    kpi_update,
    kpi_version_create,
    kpis_hand_over,
    target_set,
)
from kpis.workflow import revisable
from planning.models import PlanNode, Risk

PAGE_SIZE = 100


def _latest_approved(kpis: list[Kpi], readable) -> dict[int, KpiReturn]:
    """Each KPI's latest approved figure among those the person may read (``readable``):
    published figures for everyone, live ones only within the scope of ``view_returns``.
    PostgreSQL picks the latest (``DISTINCT ON``), so forty quarters of history are not read to
    show one figure (issue 16)."""
    approved = (
        readable.filter(kpi__in=kpis, state=ReturnState.APPROVED)
        .select_related("version")
        .order_by("kpi_id", "-data_period_end")
        .distinct("kpi_id")
    )
    latest = {kpi_return.kpi_id: kpi_return for kpi_return in approved}
    kpi_by_id = {kpi.pk: kpi for kpi in kpis}
    for kpi_return in latest.values():
        kpi_return.kpi = kpi_by_id[kpi_return.kpi_id]
    return latest


@requires(Capability.VIEW_KPIS)
def kpi_list(request):
    form = KpiFilterForm(request.GET or None)
    kpis = Kpi.objects.restrict(request.user, Capability.VIEW_KPIS).select_related("owning_service__parent", "owner")
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("q"):
        q = filters["q"]
        kpis = kpis.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(definition__icontains=q))
    if filters.get("directorate"):
        kpis = kpis.filter(owning_service__parent__code=filters["directorate"])
    if filters.get("portfolio"):
        kpis = kpis.filter(portfolio=filters["portfolio"])
    if filters.get("frequency"):
        kpis = kpis.filter(frequency=filters["frequency"])
    if filters.get("node"):
        kpis = kpis.filter(council_plan_nodes__code=filters["node"]).distinct()
    if filters.get("council_plan_measure"):
        kpis = kpis.filter(is_council_plan_measure=True)
    kpis = kpis.order_by("code")
    if filters.get("rag"):
        kpis = list(kpis)
    else:
        # Without a RAG filter only the page on show is read, and its results worked out.
        page = Paginator(kpis, PAGE_SIZE).get_page(request.GET.get("page"))
        kpis = list(page)
    readable = KpiReturn.objects.restrict(request.user, Capability.VIEW_RETURNS)
    latest = _latest_approved(kpis, readable)
    results = judged_figures(list(latest.values()), among=readable)
    rows = []
    for kpi in kpis:
        kpi_return = latest.get(kpi.pk)
        result = results.get(kpi_return.pk) if kpi_return else None
        if filters.get("rag") and (result.rag.value if result else "none") != filters["rag"]:
            continue
        rows.append({"kpi": kpi, "latest": kpi_return, "result": result})
    if filters.get("rag"):
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        page.object_list = rows
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "kpis/kpi_list.html",
        {
            "form": form,
            "rows": page,
            "page": page,
            "query": query.urlencode(),
            "directorates": OrgUnit.objects.filter(kind="directorate").order_by("name"),
            "portfolios": sorted(set(Kpi.objects.exclude(portfolio="").values_list("portfolio", flat=True))),
            "frequencies": Frequency.choices,
            "nodes": PlanNode.objects.filter(kpis__isnull=False).distinct().order_by("code"),
            "rags": Rag.filter_choices(),
            "filters": filters,
            "can_manage": has_capability(request.user, Capability.MANAGE_KPIS),
            "sees_live_returns": has_capability(request.user, Capability.VIEW_RETURNS),
        },
    )


@requires(Capability.VIEW_KPIS)
def kpi_detail(request, code: str):
    kpi = get_object_or_404(
        Kpi.objects.restrict(request.user, Capability.VIEW_KPIS)
        .select_related("owning_service__parent", "owner", "deputy")
        .prefetch_related(Prefetch("council_plan_nodes", queryset=PlanNode.objects.select_related("plan"))),
        code=code,
    )
    versions = list(kpi.versions.order_by("-effective_from"))
    readable = KpiReturn.objects.restrict(request.user, Capability.VIEW_RETURNS)
    returns = list(
        readable.filter(kpi=kpi)
        .exclude(state=ReturnState.NOT_STARTED)
        .select_related("version", "period")
        .order_by("-data_period_end")
    )
    for kpi_return in returns:
        kpi_return.kpi = kpi
    figures = read_figures(returns, among=readable)
    results = figures.judged
    latest_version = next((r.version for r in returns if r.state == ReturnState.APPROVED), None)
    current = versions[0] if versions else None
    history = benchmark_history([kpi.pk], polarities={kpi.pk: current.polarity}).get(kpi.pk, []) if current else []
    return render(
        request,
        "kpis/kpi_detail.html",
        {
            "kpi": kpi,
            "versions": versions,
            "current_version": versions[0] if versions else None,
            "targets": kpi.targets.order_by("for_date"),
            "benchmarks": kpi.benchmarks.order_by("-period_end", "comparator")[:12],
            "breakdowns": kpi.breakdowns.all(),
            "returns": returns,
            "results": results,
            "trend": kpi_trend(kpi, returns, results, neighbour_averages(history)),
            "spc": spc_shown(kpi, latest_version, spc_summary(figures, kpi.pk)),
            "can_escalate": can(request.user, Capability.ESCALATE, kpi.owning_service),
            "can_manage": has_capability(request.user, Capability.MANAGE_KPIS),
            "revisable": {r.pk for r in returns if revisable(r)},
            "can_see_returns": has_capability(request.user, Capability.VIEW_RETURNS),
            "neighbours": _neighbours(kpi, current, history),
            "can_see_risks": has_capability(request.user, Capability.VIEW_RISKS),
            "risks": Risk.objects.restrict(request.user, Capability.VIEW_RISKS)
            .open()
            .filter(kpis=kpi)
            .select_related("unit", "owner")
            .order_by("-current_likelihood", "-current_impact", "id"),
        },
    )


def _neighbours(kpi: Kpi, version, history: list) -> list[dict]:
    """The council's position among other councils in each data period, newest first."""

    def written(value):
        return value_text(value, version, kpi.decimal_places)

    return [{**position_content(p, written), "value_text": written(p.value)} for p in reversed(history)]


@requires(Capability.MANAGE_KPIS)
def kpi_create_view(request):
    form = KpiForm(request.POST or None)

    def save(form):
        return kpi_create(
            by=request.user,
            code=form.cleaned_data["code"],
            effective_from=form.cleaned_data["effective_from"],
            version=form.version_values(),
            council_plan_nodes=form.cleaned_data["council_plan_nodes"],
            objectives=form.cleaned_data["objectives"],
            **form.kpi_values(),
        )

    kpi = submit(request, form, save)
    if kpi is not None:
        messages.success(request, f"{kpi.code} added to the data dictionary.")
        return redirect("kpis:kpi-detail", code=kpi.code)
    return render(
        request,
        "layouts/form_page.html",
        {
            "form": form,
            "heading": "Add a KPI",
            "caption": "KPI data dictionary",
            "cancel_url": reverse("kpis:kpi-list"),
        },
    )


@requires(Capability.MANAGE_KPIS)
def kpi_edit(request, code: str):
    kpi = get_object_or_404(Kpi, code=code)
    form = KpiForm(request.POST or None, instance=kpi)
    saved = submit(
        request,
        form,
        lambda form: kpi_update(
            by=request.user,
            kpi=kpi,
            council_plan_nodes=form.cleaned_data["council_plan_nodes"],
            objectives=form.cleaned_data["objectives"],
            **form.kpi_values(),
        ),
    )
    if saved is not None:
        messages.success(request, f"{kpi.code} saved.")
        return redirect("kpis:kpi-detail", code=kpi.code)
    return render(request, "layouts/form_page.html", _form_context(form, kpi, f"Edit {kpi.code}"))


@requires(Capability.MANAGE_KPIS)
def kpi_version_add(request, code: str):
    kpi = get_object_or_404(Kpi, code=code)
    current = kpi.versions.order_by("-number").first()
    initial = {
        name: getattr(current, name) for name in KpiVersionForm.Meta.fields if current and name != "change_reason"
    }
    initial.pop("effective_from", None)
    form = KpiVersionForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda form: kpi_version_create(by=request.user, kpi=kpi, **form.cleaned_data),
    )
    if saved is not None:
        messages.success(request, f"Version {saved.number} of {kpi.code} added.")
        return redirect("kpis:kpi-detail", code=kpi.code)
    context = _form_context(form, kpi, f"New version of {kpi.code}")
    context["intro"] = "A change to the method, polarity, unit or basis starts a new version from the date you give."
    return render(request, "layouts/form_page.html", context)


@requires(Capability.MANAGE_KPIS)
def kpi_target_add(request, code: str):
    kpi = get_object_or_404(Kpi, code=code)
    form = TargetForm(request.POST or None, kpi=kpi)
    saved = submit(request, form, lambda form: target_set(by=request.user, kpi=kpi, **form.cleaned_data))
    if saved is not None:
        messages.success(request, f"Target for {saved.for_date:%-d %b %Y} saved.")
        return redirect("kpis:kpi-detail", code=kpi.code)
    return render(request, "layouts/form_page.html", _form_context(form, kpi, f"Set a target for {kpi.code}"))


@requires(Capability.MANAGE_KPIS)
def kpi_breakdown_edit(request, code: str, pk: int | None = None):
    """Add a breakdown (by ward, by a protected characteristic) or change one's categories."""
    kpi = get_object_or_404(Kpi, code=code)
    breakdown = get_object_or_404(kpi.breakdowns, pk=pk) if pk is not None else None
    initial = (
        {"name": breakdown.name, "categories": "\n".join(breakdown.categories), "holds_counts": breakdown.holds_counts}
        if breakdown
        else None
    )
    form = BreakdownForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda form: breakdown_set(
            by=request.user,
            kpi=kpi,
            name=form.cleaned_data["name"],
            categories=form.cleaned_categories(),
            breakdown=breakdown,
            holds_counts=form.cleaned_data["holds_counts"],
        ),
    )
    if saved is not None:
        messages.success(request, f"Breakdown by {saved.name.lower()} saved.")
        return redirect("kpis:kpi-detail", code=kpi.code)
    heading = f"Change the breakdown by {breakdown.name.lower()}" if breakdown else f"Add a breakdown to {kpi.code}"
    return render(request, "layouts/form_page.html", _form_context(form, kpi, heading))


def _form_context(form, kpi: Kpi, heading: str) -> dict:
    return {
        "form": form,
        "heading": heading,
        "caption": kpi.title,
        "cancel_url": reverse("kpis:kpi-detail", kwargs={"code": kpi.code}),
    }


@requires(Capability.MANAGE_KPIS)
def kpis_hand_over_view(request, pk: int):
    """Give every KPI a person owns or deputises (a leaver, usually) to one other person."""
    person = get_object_or_404(User, pk=pk)
    held = Kpi.objects.filter(Q(owner=person) | Q(deputy=person)).order_by("code")
    form = HandOverForm(request.POST or None)
    saved = submit(
        request,
        form,
        lambda form: kpis_hand_over(by=request.user, from_person=person, to_person=form.cleaned_data["to_person"]),
    )
    if saved is not None:
        messages.success(request, f"{saved} KPI{'s' if saved != 1 else ''} of {person.display_name} handed over.")
        return redirect("kpis:kpi-list")
    codes = ", ".join(kpi.code for kpi in held) or "none"
    return render(
        request,
        "layouts/form_page.html",
        {
            "form": form,
            "heading": f"Hand over {person.display_name}'s KPIs",
            "caption": "KPI data dictionary",
            "intro": f"The KPIs they own or deputise: {codes}. Each is changed and audited as an edit would be.",
            "submit_label": "Hand over",
            "cancel_url": reverse("kpis:kpi-list"),
        },
    )


#: How many data periods the equalities view sets side by side.
EQUALITIES_PERIODS = 8


@requires(Capability.VIEW_KPIS)
def kpi_equalities(request, code: str):
    """A KPI's breakdowns (by ward, by protected characteristic) over time, each category beside
    the council's figure: the view the equality duty asks for. Staff read the values as entered;
    published outputs suppress small counts (ADR 0022)."""
    kpi = get_object_or_404(Kpi.objects.restrict(request.user, Capability.VIEW_KPIS), code=code)
    readable = KpiReturn.objects.restrict(request.user, Capability.VIEW_RETURNS)
    returns = list(
        readable.filter(kpi=kpi, state=ReturnState.APPROVED, breakdown_values__isnull=False)
        .distinct()
        .select_related("version", "period")
        .order_by("-data_period_end")[:EQUALITIES_PERIODS]
    )[::-1]
    for kpi_return in returns:
        kpi_return.kpi = kpi

    def write(kpi_return, value):
        return value_text(value, kpi_return.version, kpi.decimal_places)

    tables = equalities_tables(list(kpi.breakdowns.all()), returns, write)
    charts = []
    for table in tables:
        if not table.columns:
            charts.append("")
            continue
        latest = table.columns[-1]
        labels = [c for c in table.breakdown.categories if c in latest.values]
        charts.append(
            bar_chart_uri(
                labels,
                [latest.values[c] for c in labels],
                [latest.cells[c] for c in labels],
                None if table.counts else latest.kpi_return.value,
            )
        )
    return render(
        request,
        "kpis/kpi_equalities.html",
        {"kpi": kpi, "tables": list(zip(tables, charts, strict=True))},
    )
