"""The permission policy: one place that answers "may this user do this, and where?".

Views ask ``has_capability`` before doing anything and read through
``Model.objects.restrict(user, capability)`` (``accounts.querysets``, which asks
``scope_of``) so an out-of-scope object is simply not found.
Services ask ``can`` again before writing. Deny by default: a capability no role grants
is refused.

``docs/permissions.md`` shows ``grants_markdown()`` and who may grant which role
(``ROLE_GRANTERS``, written by ``manage.py permissions_doc``); a test keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accounts.roles import Role


class System:
    """The council's own processes acting with no person behind them: the quarterly cycle's
    steps and the demo loader. Services take it as ``by`` where a person would be; ``can``
    lets it do what the service asks, and the audit log records it as "system". A request's
    user is never the system, so no page reaches this; and ``None`` is no actor at all, so a
    service called without one is refused rather than waved through."""

    pk = None
    is_authenticated = False
    is_active = True
    display_name = "the system"

    def __repr__(self) -> str:
        return "SYSTEM"

    __str__ = __repr__


#: The one system actor.
SYSTEM = System()


def person_of(actor):
    """The person behind an actor, for a "made by" column; the system is no person (None)."""
    return None if isinstance(actor, System) else actor


class Capability(StrEnum):
    VIEW_HOME = "view_home"
    VIEW_COUNCIL_PLAN = "view_council_plan"
    VIEW_ORGANISATION = "view_organisation"
    MANAGE_ORGANISATION = "manage_organisation"
    VIEW_AUDIT_LOG = "view_audit_log"
    USE_ADMIN = "use_admin"
    USE_API = "use_api"
    MANAGE_API_TOKENS = "manage_api_tokens"
    VIEW_PLANS = "view_plans"
    EDIT_PLANS = "edit_plans"
    MANAGE_COUNCIL_PLAN = "manage_council_plan"
    VIEW_RISKS = "view_risks"
    EDIT_RISKS = "edit_risks"
    VIEW_KPIS = "view_kpis"
    MANAGE_KPIS = "manage_kpis"
    MANAGE_PERIODS = "manage_periods"
    VIEW_RETURNS = "view_returns"
    ENTER_RETURNS = "enter_returns"
    REVIEW_RETURNS = "review_returns"
    VIEW_ESCALATIONS = "view_escalations"
    ESCALATE = "escalate"
    DECIDE_ESCALATIONS = "decide_escalations"
    VIEW_DASHBOARDS = "view_dashboards"
    VIEW_DRAFT_REPORTS = "view_draft_reports"
    VIEW_PUBLISHED_REPORTS = "view_published_reports"
    MANAGE_REPORTS = "manage_reports"
    VIEW_DATA_QUALITY_REPORT = "view_data_quality_report"
    MANAGE_ROLES = "manage_roles"
    EXPORT_PERSONAL_DATA = "export_personal_data"


@dataclass(frozen=True)
class Grant:
    capability: Capability
    roles: frozenset[Role] | None  # None: every signed-in person, with or without a role
    description: str
    #: Heads of units hold it for the units they head (a team manager keeps the team plan).
    heads_too: bool = False
    #: Refused to people whose only roles are these (councillors on scrutiny are not staff).
    not_for_only: frozenset[Role] = frozenset()


GRANTS: tuple[Grant, ...] = (
    Grant(Capability.VIEW_HOME, None, "See their own home page: roles, units, line reports, Council Plan"),
    Grant(Capability.VIEW_COUNCIL_PLAN, None, "Read Council Plans (they are published documents)"),
    Grant(
        Capability.VIEW_ORGANISATION,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.DIRECTORATE_LEAD, Role.SERVICE_LEAD}),
        "Read the organisation: directorates, services, teams, heads and role holders",
    ),
    Grant(
        Capability.MANAGE_ORGANISATION,
        frozenset({Role.PERFORMANCE_ADMIN}),
        "Import the organisation and people from HR (joiners, movers, leavers); hand over leavers' work",
    ),
    Grant(Capability.VIEW_AUDIT_LOG, frozenset({Role.PERFORMANCE_ADMIN}), "Search the audit log"),
    Grant(
        Capability.USE_ADMIN, frozenset({Role.PERFORMANCE_ADMIN}), "Open the Django admin (read-only for governed data)"
    ),
    Grant(Capability.USE_API, None, "Use the read-only API, scoped as the pages are, and make their own API tokens"),
    Grant(
        Capability.MANAGE_API_TOKENS,
        frozenset({Role.PERFORMANCE_ADMIN}),
        "See and revoke anyone's API tokens (for example a leaver's)",
    ),
    Grant(
        Capability.VIEW_PLANS,
        None,
        "Read directorate, service and team plans, objectives, the thread and gaps views",
        not_for_only=frozenset({Role.SCRUTINY}),
    ),
    Grant(
        Capability.EDIT_PLANS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.DIRECTORATE_LEAD, Role.SERVICE_LEAD}),
        "Keep plans: objectives, progress updates, risks (heads of units: their own unit's plan)",
        heads_too=True,
    ),
    Grant(
        Capability.VIEW_RISKS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.DIRECTORATE_LEAD, Role.SERVICE_LEAD}),
        "Read the risk registers: corporate (council-wide roles), their directorate's or service's "
        "(risk owners: the risks they own)",
    ),
    Grant(
        Capability.EDIT_RISKS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.DIRECTORATE_LEAD, Role.SERVICE_LEAD}),
        "Keep risks in their registers: score, controls, actions, reviews; escalate a risk one "
        "register up; import risks",
    ),
    Grant(
        Capability.MANAGE_COUNCIL_PLAN,
        frozenset({Role.PERFORMANCE_ADMIN}),
        "Keep Council Plans: levels, nodes, import and export",
    ),
    Grant(
        Capability.VIEW_KPIS,
        None,
        "Read the KPI data dictionary: definitions, versions, targets",
        not_for_only=frozenset({Role.SCRUTINY}),
    ),
    Grant(
        Capability.MANAGE_KPIS,
        frozenset({Role.PERFORMANCE_ADMIN}),
        "Keep the data dictionary: KPIs, versions, targets, benchmarks, imports",
    ),
    Grant(Capability.MANAGE_PERIODS, frozenset({Role.PERFORMANCE_ADMIN}), "Run reporting periods: open, close, report"),
    Grant(
        Capability.VIEW_RETURNS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.DIRECTORATE_LEAD, Role.SERVICE_LEAD}),
        "Read returns, live and provisional (KPI owners and deputies: their own KPIs' returns)",
    ),
    Grant(
        Capability.ENTER_RETURNS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.SERVICE_LEAD}),
        "Enter and submit returns (admins on a service's behalf, audited)",
    ),
    Grant(
        Capability.REVIEW_RETURNS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.DIRECTORATE_LEAD}),
        "Approve or return returns; allow a late return",
    ),
    Grant(
        Capability.VIEW_ESCALATIONS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.DIRECTORATE_LEAD}),
        "Read the escalation register",
    ),
    Grant(
        Capability.ESCALATE,
        frozenset({Role.PERFORMANCE_ADMIN, Role.DIRECTORATE_LEAD}),
        "Escalate a KPI to CMT, update and close escalations, record why a KPI Red twice is not escalated",
    ),
    Grant(
        Capability.DECIDE_ESCALATIONS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT}),
        "Record CMT's decision on an escalation, ask for an update, close it with a resolution",
    ),
    Grant(
        Capability.VIEW_DASHBOARDS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.DIRECTORATE_LEAD, Role.SERVICE_LEAD}),
        "Read the live dashboards: approved figures for the open period, labelled provisional",
    ),
    Grant(
        Capability.VIEW_DRAFT_REPORTS,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET}),
        "Read draft reports and download their DRAFT PDFs",
    ),
    Grant(
        Capability.VIEW_PUBLISHED_REPORTS,
        None,
        "Read published reports and download their PDFs (scrutiny members see nothing else of performance)",
    ),
    Grant(
        Capability.MANAGE_REPORTS,
        frozenset({Role.PERFORMANCE_ADMIN}),
        "Build the draft report, write priority narratives, publish",
    ),
    Grant(
        Capability.VIEW_DATA_QUALITY_REPORT,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT}),
        "Read a period's data quality report for the audit committee, as a page and a PDF: caveated, late, "
        "sent back, revised and unavailable figures",
    ),
    Grant(
        Capability.MANAGE_ROLES,
        frozenset({Role.PERFORMANCE_ADMIN}),
        "Find people, grant and remove their roles (which roles: see who may grant which role)",
    ),
    Grant(
        Capability.EXPORT_PERSONAL_DATA,
        frozenset({Role.PERFORMANCE_ADMIN}),
        "Export everything the service holds about one person (a subject access request), audited",
    ),
)

_GRANT_BY_CAPABILITY = {grant.capability: grant for grant in GRANTS}

#: Roles whose scope is the whole council; the others are scoped to a unit.
COUNCIL_WIDE_ROLES = frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.SCRUTINY})


def role_assignments(user) -> list:
    """The user's role assignments, loaded once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_pmf_role_assignments", None)
    if cached is None:
        cached = list(user.role_assignments.select_related("org_unit"))
        user._pmf_role_assignments = cached
    return cached


def roles_of(user) -> set[Role]:
    return {Role(assignment.role) for assignment in role_assignments(user)}


def portfolios_of(user) -> list[str]:
    """The Cabinet portfolios a person holds, in order: what their dashboards show first."""
    return sorted({a.portfolio for a in role_assignments(user) if a.role == Role.CABINET and a.portfolio})


def headed_unit_paths(user) -> list[str]:
    """Paths of the units this person heads, loaded once per user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_pmf_headed_paths", None)
    if cached is None:
        cached = list(user.headed_units.values_list("path", flat=True))
        user._pmf_headed_paths = cached
    return cached


def has_capability(user, capability: Capability) -> bool:
    """Does any of the user's roles grant this capability, somewhere?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    grant = _GRANT_BY_CAPABILITY[capability]
    roles = roles_of(user)
    if grant.not_for_only and roles and roles <= grant.not_for_only:
        return False
    if grant.roles is None or roles & grant.roles:
        return True
    return grant.heads_too and bool(headed_unit_paths(user))


@dataclass(frozen=True)
class Scope:
    """Where a person may use a capability they hold: the whole council, or the subtrees of
    the units their scoped roles sit on plus, for grants that reach heads of units, the units
    they head (that unit only: a head keeps their own unit's plan, not those below it)."""

    council_wide: bool = False
    subtrees: tuple[str, ...] = ()
    units: tuple[str, ...] = ()

    def covers(self, unit) -> bool:
        if self.council_wide:
            return True
        return unit.path in self.units or any(unit.path.startswith(path) for path in self.subtrees)


COUNCIL = Scope(council_wide=True)


def scope_of(user, capability: Capability) -> Scope | None:
    """Where the user may use ``capability``; None when no role of theirs grants it."""
    if not has_capability(user, capability):
        return None
    grant = _GRANT_BY_CAPABILITY[capability]
    if grant.roles is None:
        return COUNCIL
    assignments = [a for a in role_assignments(user) if Role(a.role) in grant.roles]
    if any(Role(a.role) in COUNCIL_WIDE_ROLES for a in assignments):
        return COUNCIL
    subtrees = tuple(sorted({a.org_unit.path for a in assignments if a.org_unit_id}))
    headed = tuple(sorted(set(headed_unit_paths(user)) - set(subtrees))) if grant.heads_too else ()
    return Scope(subtrees=subtrees, units=headed)


def can(user, capability: Capability, unit=None) -> bool:
    """May the user use ``capability`` on something owned by ``unit``? Services call this
    again after the view has, so a rule holds however the write is reached. The system actor
    (the quarterly cycle, the demo loader) may; ``None`` (nobody named) may not."""
    if isinstance(user, System):
        return True
    scope = scope_of(user, capability)
    if scope is None:
        return False
    return unit is None or scope.covers(unit)


#: Who may grant and remove each role: the roles of the people who may. Holding
#: ``manage_roles`` opens the pages; this says which roles a holder may hand out. Nobody
#: changes their own roles (``role_change_refusal``), so a performance admin cannot make
#: themself anything, and two admins are needed to change an admin.
ROLE_GRANTERS: dict[Role, frozenset[Role]] = {role: frozenset({Role.PERFORMANCE_ADMIN}) for role in Role}


def role_change_refusal(by, person, role: Role | str) -> str | None:
    """Why ``by`` may not grant ``role`` to ``person``, or take it away (None: they may).
    The pages ask it to offer only what will be accepted; the organisation services ask it
    again before writing. The system actor (the demo loader, a start-up command) may."""
    if isinstance(by, System):
        return None
    if not has_capability(by, Capability.MANAGE_ROLES):
        return "Your roles do not let you grant or remove roles."
    if not roles_of(by) & ROLE_GRANTERS[Role(role)]:
        return f"Your roles do not let you grant or remove the {Role(role).label.lower()} role."
    if person.pk == by.pk:
        return "Nobody grants or removes their own roles: ask another performance admin."
    return None


def grants_markdown() -> str:
    """The capability × role table, with each cell saying the scope, as docs/permissions.md shows it."""
    roles = list(Role)
    header = "| capability | " + " | ".join(role.label for role in roles) + " | no role |"
    rule = "| --- " * (len(roles) + 2) + "|"
    lines = [header, rule]
    for grant in GRANTS:
        cells = []
        for role in roles:
            if grant.not_for_only and role in grant.not_for_only:
                cells.append("— (unless they hold another role)")
            elif grant.roles is None:
                cells.append("all")
            elif role in grant.roles:
                cells.append("council" if role in COUNCIL_WIDE_ROLES else "own units")
            else:
                cells.append("—")
        cells.append(
            "all" if grant.roles is None else ("heads of units: their own unit only" if grant.heads_too else "—")
        )
        lines.append(f"| {grant.description} (`{grant.capability.value}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines)
