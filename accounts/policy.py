"""The permission policy: one place that answers "may this user do this, and where?".

Views ask ``has_capability`` before doing anything and read through ``visible_to(user)``
querysets (which call ``scoped_unit_paths``) so an out-of-scope object is simply not found.
Services ask ``can`` again before writing. Deny by default: a capability no role grants
is refused.

``docs/permissions.md`` shows ``grants_markdown()``; a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accounts.models import Role, RoleAssignment


class Capability(StrEnum):
    VIEW_HOME = "view_home"
    VIEW_COUNCIL_PLAN = "view_council_plan"
    VIEW_ORGANISATION = "view_organisation"
    VIEW_AUDIT_LOG = "view_audit_log"
    USE_ADMIN = "use_admin"
    USE_API = "use_api"


@dataclass(frozen=True)
class Grant:
    capability: Capability
    roles: frozenset[Role] | None  # None: every signed-in person, with or without a role
    description: str


GRANTS: tuple[Grant, ...] = (
    Grant(Capability.VIEW_HOME, None, "See their own home page: roles, units, line reports, Council Plan"),
    Grant(Capability.VIEW_COUNCIL_PLAN, None, "Read Council Plans (they are published documents)"),
    Grant(
        Capability.VIEW_ORGANISATION,
        frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.DIRECTORATE_LEAD, Role.SERVICE_LEAD}),
        "Read the organisation: directorates, services, teams, heads and role holders",
    ),
    Grant(Capability.VIEW_AUDIT_LOG, frozenset({Role.PERFORMANCE_ADMIN}), "Search the audit log"),
    Grant(
        Capability.USE_ADMIN, frozenset({Role.PERFORMANCE_ADMIN}), "Open the Django admin (read-only for governed data)"
    ),
    Grant(Capability.USE_API, None, "Use the read-only API, scoped as the pages are"),
)

_GRANT_BY_CAPABILITY = {grant.capability: grant for grant in GRANTS}

#: Roles whose scope is the whole council; the others are scoped to a unit.
COUNCIL_WIDE_ROLES = frozenset({Role.PERFORMANCE_ADMIN, Role.CMT, Role.CABINET, Role.SCRUTINY})


def role_assignments(user) -> list[RoleAssignment]:
    """The user's role assignments, loaded once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_pmf_role_assignments", None)
    if cached is None:
        cached = list(RoleAssignment.objects.for_user(user))
        user._pmf_role_assignments = cached
    return cached


def roles_of(user) -> set[Role]:
    return {Role(assignment.role) for assignment in role_assignments(user)}


def has_capability(user, capability: Capability) -> bool:
    """Does any of the user's roles grant this capability, somewhere?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    grant = _GRANT_BY_CAPABILITY[capability]
    if grant.roles is None:
        return True
    return bool(roles_of(user) & grant.roles)


def scoped_unit_paths(user, capability: Capability) -> list[str] | None:
    """Where the user may use a capability: ``None`` means council-wide, otherwise the
    materialised paths of the units (and everything below them) their roles sit on."""
    grant = _GRANT_BY_CAPABILITY[capability]
    assignments = [
        assignment
        for assignment in role_assignments(user)
        if grant.roles is None or Role(assignment.role) in grant.roles
    ]
    if grant.roles is None or any(Role(a.role) in COUNCIL_WIDE_ROLES for a in assignments):
        return None
    return sorted({a.org_unit.path for a in assignments if a.org_unit_id})


def can(user, capability: Capability, unit=None) -> bool:
    """May the user use ``capability`` on something owned by ``unit``? Services call this
    again after the view has, so a rule holds however the write is reached."""
    if not has_capability(user, capability):
        return False
    if unit is None:
        return True
    paths = scoped_unit_paths(user, capability)
    return paths is None or any(unit.path.startswith(path) for path in paths)


def grants_markdown() -> str:
    """The capability × role table, with each cell saying the scope, as docs/permissions.md shows it."""
    roles = list(Role)
    header = "| capability | " + " | ".join(role.label for role in roles) + " | no role |"
    rule = "| --- " * (len(roles) + 2) + "|"
    lines = [header, rule]
    for grant in GRANTS:
        cells = []
        for role in roles:
            if grant.roles is None:
                cells.append("all")
            elif role in grant.roles:
                cells.append("council" if role in COUNCIL_WIDE_ROLES else "own units")
            else:
                cells.append("—")
        cells.append("all" if grant.roles is None else "—")
        lines.append(f"| {grant.description} (`{grant.capability.value}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines)
