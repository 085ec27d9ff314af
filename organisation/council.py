"""Starting a council in an empty database: its root unit and its first performance admin.
Everything after that (the organisation, people, plans, KPIs, history) is done in the browser
by that admin, so this is the one step that needs a command line."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import OrgUnit, OrgUnitKind, User
from accounts.policy import SYSTEM
from accounts.roles import Role
from organisation.services import org_unit_create, role_assignment_create, user_create


@dataclass(frozen=True)
class NewCouncil:
    """What the command gathers (arguments, environment or prompts) before anything is written."""

    name: str
    code: str
    admin_first_name: str
    admin_last_name: str
    admin_email: str
    admin_username: str
    admin_password: str | None = None


def existing_council() -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=OrgUnitKind.COUNCIL).first()


@transaction.atomic
def council_start(*, new: NewCouncil) -> tuple[OrgUnit, User]:
    """The council's root unit and its first performance admin, in one transaction, audited
    as the system. Refuses a database that already has a council: a second root would split
    the organisation, and the demo's or a live council's data must never be mixed in. The
    admin needs an email: single sign-on matches people by it."""
    council = existing_council()
    if council is not None:
        raise ValidationError(
            f"This database already has a council, {council.name} ({council.code}). "
            "A new council needs an empty database: migrate a new one and run this again."
        )
    if not new.admin_email.strip():
        raise ValidationError({"admin_email": "The first performance admin needs an email address."})
    council = org_unit_create(
        by=SYSTEM, kind=OrgUnitKind.COUNCIL, code=new.code.strip(), name=new.name.strip(), parent=None
    )
    admin = user_create(
        by=SYSTEM,
        username=new.admin_username.strip(),
        first_name=new.admin_first_name.strip(),
        last_name=new.admin_last_name.strip(),
        email=new.admin_email.strip(),
        job_title="Performance admin",
        org_unit=council,
        password=new.admin_password,
    )
    role_assignment_create(by=SYSTEM, user=admin, role=Role.PERFORMANCE_ADMIN)
    return council, admin
