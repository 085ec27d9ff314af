"""The navigation bar, built from what the signed-in person's roles let them open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from accounts.policy import Capability, has_capability
from kpis.selectors import enters_returns


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: Capability
    section: str  # the first path segment that marks the item as current
    #: A further test of the person, where the capability opens the page to more people
    #: than have a use for it (every member of staff may open "My returns"; it is in the
    #: menu of those who enter returns).
    shown_to: Callable | None = None

    def shown(self, user) -> bool:
        return has_capability(user, self.capability) and (self.shown_to is None or self.shown_to(user))

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV_ITEMS = (
    NavItem("Home", "home", Capability.VIEW_HOME, ""),
    NavItem("Council Plans", "planning:council-plan-list", Capability.VIEW_COUNCIL_PLAN, "council-plans"),
    NavItem("Plans", "planning:plan-list", Capability.VIEW_PLANS, "plans"),
    NavItem("Golden thread", "planning:thread-index", Capability.VIEW_PLANS, "thread"),
    NavItem("Gaps", "planning:gaps", Capability.VIEW_PLANS, "gaps"),
    NavItem("CIC objectives", "planning:cic-list", Capability.VIEW_PLANS, "cic"),
    NavItem("Risks", "planning:risk-register", Capability.VIEW_RISKS, "risks"),
    NavItem("KPIs", "kpis:kpi-list", Capability.VIEW_KPIS, "kpis"),
    NavItem("My returns", "kpis:my-returns", Capability.VIEW_KPIS, "returns", shown_to=enters_returns),
    NavItem("Review", "kpis:review-queue", Capability.REVIEW_RETURNS, "review"),
    NavItem("Dashboards", "reporting:overview", Capability.VIEW_DASHBOARDS, "dashboards"),
    NavItem("Reports", "reporting:report-list", Capability.VIEW_PUBLISHED_REPORTS, "reports"),
    NavItem("Escalations", "kpis:escalation-list", Capability.VIEW_ESCALATIONS, "escalations"),
    NavItem("Periods", "kpis:period-list", Capability.MANAGE_PERIODS, "periods"),
    NavItem("Imports", "kpis:import-index", Capability.MANAGE_KPIS, "imports"),
    NavItem("Organisation", "accounts:org-unit-list", Capability.VIEW_ORGANISATION, "organisation"),
    NavItem("Audit log", "audit:event-list", Capability.VIEW_AUDIT_LOG, "audit"),
)


def navigation_for(request) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    section = request.path_info.strip("/").split("/", 1)[0]
    return [
        {"label": item.label, "url": item.url, "current": item.section == section}
        for item in NAV_ITEMS
        if item.shown(user)
    ]
