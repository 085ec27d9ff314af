"""Pages that span the apps: each person's home page, the accessibility statement, health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render

from accounts.decorators import requires
from accounts.models import OrgUnit, Role, User
from accounts.policy import COUNCIL_WIDE_ROLES, Capability, has_capability, role_assignments
from audit.models import AuditEvent
from planning.models import CouncilPlan
from pmf.health import health_response

RECENT_CHANGES = 5
PUBLISHED_REPORTS = 4
#: Roles whose home page offers the returns export (they review or oversee returns).
RETURNS_READERS = frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.DIRECTORATE_LEAD})


@requires(Capability.VIEW_HOME)
def home(request):
    """What this person is responsible for now, drawn from their roles and their units."""
    user = request.user
    assignments = role_assignments(user)
    roles = {Role(a.role) for a in assignments}
    scoped_units = [a.org_unit for a in assignments if a.org_unit_id]
    units_below = (
        OrgUnit.objects.filter(parent__in=scoped_units)
        .select_related("head", "parent")
        .order_by("parent__name", "name")
        if scoped_units
        else []
    )
    plan = CouncilPlan.objects.current()
    priorities = list(plan.nodes.active().priorities().order_by("order", "code")) if plan else []
    context = {
        "assignments": assignments,
        "is_council_wide": bool(roles & COUNCIL_WIDE_ROLES),
        "roles": roles,
        "Role": Role,
        "scoped_units": scoped_units,
        "units_below": units_below,
        "headed_units": list(user.headed_units.order_by("name")),
        "direct_reports": list(user.direct_reports.filter(is_active=True).order_by("last_name", "first_name")),
        "line_manager": user.line_manager,
        "plan": plan,
        "priorities": priorities,
        "portfolios": sorted({a.portfolio for a in assignments if a.portfolio}),
    }
    if Role.SCRUTINY in roles:
        from reporting.models import Snapshot

        # Published reports are for everyone who may read them: the latest few, newest first.
        context["published_reports"] = list(
            Snapshot.objects.published().select_related("period").order_by("-created_at")[:PUBLISHED_REPORTS]
        )
    if roles & RETURNS_READERS and has_capability(user, Capability.VIEW_RETURNS):
        from kpis.models import ReportingPeriod

        # Where leads and CMT work from: the returns they can see, as a spreadsheet.
        context["returns_period"] = ReportingPeriod.objects.current_or_latest()
        context["returns_export"] = True
    if has_capability(user, Capability.VIEW_AUDIT_LOG):
        context["recent_changes"] = list(AuditEvent.objects.all()[:RECENT_CHANGES])
        context["counts"] = {
            "directorates": OrgUnit.objects.filter(kind="directorate").count(),
            "services": OrgUnit.objects.filter(kind="service").count(),
            "teams": OrgUnit.objects.filter(kind="team").count(),
            "people": User.objects.filter(is_active=True).count(),
        }
    return render(request, "home.html", context)


@login_not_required
def accessibility_statement(request):
    return render(request, "accessibility.html")


@login_not_required
def health(request):
    """Named in the URL map for reverse() and the permission matrix; the middleware in
    ``pmf.health`` answers first, so this runs only if that middleware is removed."""
    return health_response(request)
