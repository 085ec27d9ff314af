"""Load the demo council: Walsall's organisation (fictional people), the real 2022-25 Council
Plan as a past, read-only plan, and a 2025-29 demo plan under the real 2025-29 vision.

Idempotent: running it again changes nothing that is already there, so the run command can
call it on every start. Everything is written through the services, so it is audited.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import OrgUnit, RoleAssignment, User
from accounts.services import (
    org_unit_create,
    org_unit_set_head,
    role_assignment_create,
    user_create,
    user_set_line_manager,
)
from planning.models import CouncilPlan, PlanNode
from planning.services import council_plan_create, plan_node_create

BASE = Path(settings.BASE_DIR)
ORGANISATION_FILE = BASE / "accounts" / "demo" / "organisation.json"
PLAN_FILES = [
    BASE / "planning" / "demo" / "council_plan_2022_25.json",
    BASE / "planning" / "demo" / "council_plan_2025_29.json",
]
#: Demo only: every demo person signs in with this password (it is in the README).
DEMO_PASSWORD = "walsall-demo-2025"  # noqa: S105


class Command(BaseCommand):
    help = "Load (or top up) the demo council. Safe to run repeatedly."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = self.load_organisation()
            created += self.load_plans()
        self.write_sign_ins()
        self.stdout.write(f"Demo council ready ({created} records added).")

    # --- organisation -------------------------------------------------------------------

    def load_organisation(self) -> int:
        data = json.loads(ORGANISATION_FILE.read_text(encoding="utf-8"))
        existing_units = {unit.code: unit for unit in OrgUnit.objects.all()}
        created = 0

        def walk(node: dict, parent: OrgUnit | None) -> None:
            nonlocal created
            unit = existing_units.get(node["code"])
            if unit is None:
                unit = org_unit_create(by=None, kind=node["kind"], code=node["code"], name=node["name"], parent=parent)
                existing_units[unit.code] = unit
                created += 1
            for child in node.get("children", []):
                walk(child, unit)

        walk(data, None)

        people = data["people"]
        # Demo people share one password, so hash it once: Argon2 is deliberately slow.
        password_hash = make_password(DEMO_PASSWORD)
        users = {user.username: user for user in User.objects.filter(username__in=[p["username"] for p in people])}
        for person in people:
            if person["username"] not in users:
                users[person["username"]] = user_create(
                    by=None,
                    username=person["username"],
                    first_name=person["first_name"],
                    last_name=person["last_name"],
                    email=f"{person['username']}@example.org",
                    job_title=person.get("job_title", ""),
                    org_unit=existing_units.get(person.get("unit")) if person.get("unit") else None,
                    password_hash=password_hash,
                )
                created += 1
        held = set(RoleAssignment.objects.values_list("user__username", "role", "org_unit__code"))
        for person in people:
            user = users[person["username"]]
            manager = users.get(person.get("line_manager")) if person.get("line_manager") else None
            if user.line_manager_id != (manager.pk if manager else None):
                user_set_line_manager(by=None, user=user, line_manager=manager)
            for role in person.get("roles", []):
                if (person["username"], role["role"], role.get("unit")) in held:
                    continue
                role_assignment_create(
                    by=None,
                    user=user,
                    role=role["role"],
                    org_unit=existing_units[role["unit"]] if role.get("unit") else None,
                    portfolio=role.get("portfolio", ""),
                )
                created += 1
            for code in person.get("head_of", []):
                unit = existing_units[code]
                if unit.head_id != user.pk:
                    org_unit_set_head(by=None, unit=unit, head=user)
        return created

    # --- Council Plans ------------------------------------------------------------------

    def load_plans(self) -> int:
        created = 0
        for path in PLAN_FILES:
            data = json.loads(path.read_text(encoding="utf-8"))
            plan = CouncilPlan.objects.filter(title=data["title"]).first()
            is_demo = "demo_note" in data
            if plan is None:
                description = data.get("demo_note") or f"Source: {data['source']}."
                plan = council_plan_create(
                    by=None,
                    title=data["title"],
                    start_date=datetime.date.fromisoformat(data["start_date"]),
                    end_date=datetime.date.fromisoformat(data["end_date"]),
                    vision=data["vision"],
                    vision_label=data.get("vision_label", "Vision"),
                    level_names=data["level_names"],
                    description=description,
                    is_demo=is_demo,
                )
                created += 1
            existing = {node.code: node for node in PlanNode.objects.filter(plan=plan)}

            def walk(nodes: list[dict], parent: PlanNode | None, plan: CouncilPlan = plan, existing=existing) -> int:
                added = 0
                for order, item in enumerate(nodes, start=1):
                    node = existing.get(item["code"])
                    if node is None:
                        node = plan_node_create(
                            by=None,
                            plan=plan,
                            code=item["code"],
                            title=item["title"],
                            description=item.get("description", ""),
                            parent=parent,
                            order=order,
                            allow_read_only=True,
                        )
                        existing[node.code] = node
                        added += 1
                    added += walk(item.get("children", []), node)
                return added

            created += walk(data["nodes"], None)
        return created

    # --- sign-ins -----------------------------------------------------------------------

    def write_sign_ins(self) -> None:
        """A file the run command prints: who to sign in as to see each role."""
        lines = [f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
        assignments = list(RoleAssignment.objects.select_related("user", "org_unit").order_by("role", "user__username"))
        role_count: dict[int, int] = {}
        for assignment in assignments:
            role_count[assignment.user_id] = role_count.get(assignment.user_id, 0) + 1
        # One person per role, preferring people who hold just that role, so each sign-in shows one view.
        chosen: dict[str, RoleAssignment] = {}
        for assignment in sorted(assignments, key=lambda a: (role_count[a.user_id], a.user.username)):
            chosen.setdefault(assignment.role, assignment)
        for role in sorted(chosen):
            assignment = chosen[role]
            lines.append(f"  {assignment.user.username:<22} {assignment}")
        employee = (
            User.objects.filter(role_assignments__isnull=True, line_manager__isnull=False).order_by("username").first()
        )
        if employee:
            lines.append(f"  {employee.username:<22} Employee with no performance role")
        path = Path(settings.VAR_DIR) / "demo-sign-ins.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
