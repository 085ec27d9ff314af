"""What the council overview and the KPI dashboard show, computed from a scope and a query
alone, never from the person asking (ADR 0025).

Everyone whose dashboards cover the same part of the council (the same ``Scope``) and asks
the same question sees the same results, so the results are cached once for them all in the
shared cache (``reporting.warming``), and the worker can compute them ahead of the first
visit after a change without anyone's request.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template.loader import render_to_string

from accounts.models import OrgUnit, OrgUnitKind
from accounts.policy import Scope
from core.forms import GovukFormMixin
from core.numbers import record_id
from kpis.models import Kpi, ReportingPeriod
from kpis.results import Rag
from planning.models import PlanNode
from reporting.content import exceptions, kpi_content, open_escalations
from reporting.selectors import dashboard_rows, overview_sections, plan_for, rag_summary, reported_kpis

#: KPIs a dashboard page shows, each with its chart; the RAG counts cover every KPI matched.
DASHBOARD_PAGE_SIZE = 20


def kpis_within(scope: Scope | None):
    """The active KPIs a dashboard covers for ``scope``: what ``Kpi.objects.restrict`` gives
    anyone with that scope (no one reaches a KPI's dashboard figures without a role)."""
    return Kpi.objects.within(scope).filter(is_active=True)


def period_asked(params: QueryDict) -> ReportingPeriod | None:
    """The period named in the query, if it has opened; else the one a dashboard shows first."""
    period_id = record_id(params.get("period"))
    if period_id is not None:
        return ReportingPeriod.objects.opened().filter(pk=period_id).first()
    return ReportingPeriod.objects.current_or_latest()


def overview_results(period: ReportingPeriod | None, plan, scope: Scope | None, *, judged=None) -> dict:
    """The overview's council total and priority sections for the KPIs in ``scope``; ``plan``
    is the period's (``plan_for``); ``judged`` as ``reporting.selectors.judged_rows``."""
    if period is None:
        return {}
    return overview_sections(period, plan, kpis_within(scope), judged=judged)


class DashboardFilters(GovukFormMixin, forms.Form):
    priority = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Priority")
    directorate = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Directorate")
    portfolio = forms.ChoiceField(required=False, label="Cabinet portfolio")
    rag = forms.ChoiceField(
        required=False,
        label="RAG",
        choices=[("", "Any"), *Rag.filter_choices()],
    )
    measures = forms.BooleanField(required=False, label="Council Plan measures only")

    def __init__(self, *args, priorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = [("", "All priorities"), *[(p.pk, f"{p.code} {p.title}") for p in priorities]]
        directorates = OrgUnit.objects.filter(kind=OrgUnitKind.DIRECTORATE).order_by("name")
        self.fields["directorate"].choices = [("", "All directorates"), *[(d.pk, d.name) for d in directorates]]
        portfolios = Kpi.objects.exclude(portfolio="").values_list("portfolio", flat=True).distinct().order_by()
        self.fields["portfolio"].choices = [("", "All portfolios"), *[(p, p) for p in sorted(portfolios)]]


def dashboard_page(params: QueryDict, scope: Scope | None, portfolios: list[str], *, judged=None) -> dict:
    """The dashboard's filters and results as HTML, with what the page around them shows,
    for the query ``params``, the KPIs in ``scope`` and a Cabinet member's ``portfolios``
    (shown first). Rendered without a request: nothing in it is the person's own. ``judged``
    as ``reporting.selectors.judged_rows``, for the period the query asks for."""
    period = period_asked(params)
    plan = plan_for(period) if period else None
    priorities = list(plan.nodes.active().priorities()) if plan else []
    filters = DashboardFilters(params or None, priorities=priorities)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    results = _dashboard_results(params, scope, portfolios, period, plan, priorities, chosen, judged)
    return {
        "period_label": period.label if period else "",
        "provisional": bool(period and not period.figures_published),
        "heading": results["heading"],
        "filters": render_to_string("reporting/_dashboard_filters.html", {"filters": filters, "period": period}),
        "results": render_to_string("reporting/_dashboard_results.html", results),
    }


def _dashboard_results(params, scope, portfolios, period, plan, priorities, chosen: dict, judged) -> dict:
    rows = dashboard_rows(period, plan, kpis_within(scope), chosen, judged=judged) if period else []
    portfolios = [] if chosen.get("portfolio") else portfolios
    if portfolios:  # a Cabinet member's own portfolio first, as their home page promises
        rows.sort(key=lambda row: row.kpi.portfolio not in portfolios)
    page = Paginator(rows, DASHBOARD_PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return {
        "cards": [(kpi_content(row), row.chart()) for row in page],
        "page": page,
        "query": query.urlencode(),
        "summary": rag_summary(rows),
        "heading": _dashboard_heading(chosen, priorities),
        "portfolios_first": [p for p in portfolios if any(row.kpi.portfolio == p for row in rows)],
    }


def _dashboard_heading(chosen: dict, priorities: list[PlanNode]) -> str:
    if chosen.get("priority"):
        node = next((p for p in priorities if p.pk == chosen["priority"]), None)
        if node:
            return f"{node.code} {node.title}"
    if chosen.get("directorate"):
        unit = OrgUnit.objects.filter(pk=chosen["directorate"]).first()
        if unit:
            return unit.name
    if chosen.get("portfolio"):
        return f"Portfolio: {chosen['portfolio']}"
    return "All KPIs"


# --- The scorecard and the exceptions ---------------------------------------------------------

#: How the scorecard can be ordered within each priority: the query value, its label, the key.
SCORECARD_ORDERS = {
    "code": ("KPI code", lambda k: k["code"]),
    "rag": ("RAG, Red first", lambda k: (SCORECARD_RAG_ORDER.get(k["rag"], 9), k["code"])),
    "direction": (
        "Direction, worsening first",
        lambda k: (SCORECARD_DIRECTION_ORDER.get(k["direction"], 9), k["code"]),
    ),
}
SCORECARD_RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "cannot_judge": 3, "data_only": 4, "no_value": 5}
SCORECARD_DIRECTION_ORDER = {"worsening": 0, "no_change": 1, "improving": 2}


def scorecard_results(period, plan, priorities: list[PlanNode], scope: Scope | None, chosen: dict, order: str) -> dict:
    """The scorecard's lines for ``scope``: one per KPI, grouped by priority (a KPI under two
    priorities is in both), ordered within each. With a plan, the KPIs reported against it, as
    the pack's scorecard: the rest of a large council's data dictionary (1,900 of 2,000 KPIs)
    took 10 s to judge and draw; the dashboard lists those, 20 a page."""
    within = kpis_within(scope)
    kpis = reported_kpis(plan, within) if priorities else within
    elsewhere = within.exclude(pk__in=kpis.values("pk")).count() if priorities else 0
    rows = dashboard_rows(period, plan, kpis, chosen) if period else []
    key = SCORECARD_ORDERS[order][1]
    groups = []
    for priority in priorities:
        members = sorted(
            ((kpi_content(row), row.chart()) for row in rows if priority.pk in row.priority_ids),
            key=lambda pair: key(pair[0]),
        )
        groups.append({"priority": priority, "rows": members})
    unlinked = sorted(
        ((kpi_content(row), row.chart()) for row in rows if not row.priority_ids), key=lambda pair: key(pair[0])
    )
    if unlinked:
        groups.append({"priority": None, "rows": unlinked})
    return {"groups": groups, "not_in_the_plan": elsewhere}


def exceptions_results(period, plan, priorities: list[PlanNode], scope: Scope | None) -> list:
    """The exception report for ``scope``, as the pack prints it: every Red KPI (Red two
    periods running first) and every Council Plan measure that worsened, with commentary,
    actions, owner and escalation. With a plan, only the KPIs reported against it are read."""
    within = kpis_within(scope)
    kpis = reported_kpis(plan, within) if priorities else within
    rows = dashboard_rows(period, plan, kpis, {}) if period else []
    reported = [row for row in rows if row.priority_ids] if priorities else rows
    contents = {row.kpi.code: kpi_content(row) for row in reported}
    return exceptions(reported, priorities, contents, open_escalations(reported))
