"""Writes to Council Plans. The golden thread issue adds editing screens on top of these."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record, model_snapshot
from planning.models import CouncilPlan, PlanNode


class CouncilPlanReadOnly(ValidationError):
    """Raised when someone tries to change a plan whose period has ended."""


@transaction.atomic
def council_plan_create(
    *,
    by,
    title: str,
    start_date,
    end_date,
    vision: str,
    level_names: list[str],
    vision_label: str = "Vision",
    description: str = "",
    is_demo: bool = False,
) -> CouncilPlan:
    plan = CouncilPlan(
        title=title,
        start_date=start_date,
        end_date=end_date,
        vision=vision,
        vision_label=vision_label,
        level_names=[name.strip() for name in level_names],
        description=description,
        is_demo=is_demo,
    )
    plan.full_clean()
    plan.save()
    audit_record(actor=by, action="create", instance=plan, after=model_snapshot(plan))
    return plan


@transaction.atomic
def plan_node_create(
    *,
    by,
    plan: CouncilPlan,
    code: str,
    title: str,
    parent: PlanNode | None = None,
    description: str = "",
    order: int = 0,
    allow_read_only: bool = False,
) -> PlanNode:
    """Add a node. ``allow_read_only`` is for loading a past plan as a record (the demo's
    2022-25 plan); a person editing through the service never gets it."""
    if plan.is_read_only() and not allow_read_only:
        raise CouncilPlanReadOnly(f"{plan} has ended and is kept as a record; it cannot be changed.")
    node = PlanNode(plan=plan, parent=parent, code=code, title=title, description=description, order=order)
    node.full_clean(exclude=["depth"])
    node.save()
    audit_record(actor=by, action="create", instance=node, after=model_snapshot(node))
    return node
