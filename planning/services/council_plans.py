"""Writes to Council Plans: the plan, its levels and its tree of nodes."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.policy import Capability
from audit.models import Action
from audit.services import audit_record, audit_record_many, model_snapshot
from core.services import apply_changes, require
from planning.models import CouncilPlan, PlanNode


class CouncilPlanReadOnly(ValidationError):
    """Raised when someone tries to change a plan whose period has ended."""


def _refuse_if_read_only(plan: CouncilPlan) -> None:
    if plan.pk and plan.is_read_only():
        raise CouncilPlanReadOnly(f"{plan} has ended and is kept as a record; it cannot be changed.")


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
    require(by, Capability.MANAGE_COUNCIL_PLAN)
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
    audit_record(actor=by, action=Action.CREATE, instance=plan, after=model_snapshot(plan))
    return plan


COUNCIL_PLAN_EDITABLE = {"title", "start_date", "end_date", "vision", "vision_label", "level_names", "description"}


@transaction.atomic
def council_plan_update(*, by, plan: CouncilPlan, **changes) -> CouncilPlan:
    require(by, Capability.MANAGE_COUNCIL_PLAN)
    plan = CouncilPlan.objects.select_for_update().get(pk=plan.pk)
    _refuse_if_read_only(plan)
    before = model_snapshot(plan)
    deepest = plan.nodes.order_by("-depth").values_list("depth", flat=True).first()
    apply_changes(plan, changes, COUNCIL_PLAN_EDITABLE)
    plan.full_clean()
    if deepest is not None and deepest >= len(plan.level_names):
        raise ValidationError(
            {"level_names": f"The plan has nodes {deepest + 1} levels deep; keep at least that many."}
        )
    plan.save()
    audit_record(actor=by, action=Action.UPDATE, instance=plan, before=before, after=model_snapshot(plan))
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
    order: int | None = None,
    allow_read_only: bool = False,
) -> PlanNode:
    """Add a node. ``allow_read_only`` is for loading a past plan as a record (the demo's
    2022-25 plan); a person editing through a page never gets it."""
    require(by, Capability.MANAGE_COUNCIL_PLAN)
    if not allow_read_only:
        _refuse_if_read_only(plan)
    if order is None:
        siblings = PlanNode.objects.filter(plan=plan, parent=parent)
        order = (siblings.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    node = PlanNode(plan=plan, parent=parent, code=code, title=title, description=description, order=order)
    node.full_clean(exclude=["depth"])
    node.save()
    audit_record(actor=by, action=Action.CREATE, instance=node, after=model_snapshot(node))
    return node


@transaction.atomic
def plan_node_update(*, by, node: PlanNode, **changes) -> PlanNode:
    require(by, Capability.MANAGE_COUNCIL_PLAN)
    node = PlanNode.objects.select_for_update().select_related("plan").get(pk=node.pk)
    _refuse_if_read_only(node.plan)
    before = model_snapshot(node)
    apply_changes(node, changes, {"code", "title", "description"})
    node.full_clean(exclude=["depth"])
    node.save()
    audit_record(actor=by, action=Action.UPDATE, instance=node, before=before, after=model_snapshot(node))
    return node


@transaction.atomic
def plan_node_move(*, by, node: PlanNode, direction: str) -> PlanNode:
    """Swap a node with its neighbour among its siblings ("up" or "down")."""
    require(by, Capability.MANAGE_COUNCIL_PLAN)
    if direction not in {"up", "down"}:
        raise ValidationError("Move a node up or down.")
    node = PlanNode.objects.select_related("plan").get(pk=node.pk)
    _refuse_if_read_only(node.plan)
    siblings = list(
        PlanNode.objects.select_for_update().filter(plan=node.plan_id, parent=node.parent_id).order_by("order", "code")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == node.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return node
    siblings[index], siblings[target] = siblings[target], siblings[index]
    changes = []
    for position, sibling in enumerate(siblings, start=1):
        if sibling.order != position:
            before = {"order": sibling.order}
            sibling.order = position
            changes.append((sibling, before, {"order": position}))
    PlanNode.objects.bulk_update([c[0] for c in changes], ["order"])

    audit_record_many(actor=by, action=Action.REORDER, changes=changes)
    return next(s for s in siblings if s.pk == node.pk)


@transaction.atomic
def plan_node_retire(*, by, node: PlanNode, on: datetime.date | None = None) -> PlanNode:
    """Retire a node and everything below it: kept for history, refused for new links."""
    require(by, Capability.MANAGE_COUNCIL_PLAN)
    node = PlanNode.objects.select_related("plan").get(pk=node.pk)
    _refuse_if_read_only(node.plan)
    on = on or timezone.localdate()
    nodes = list(PlanNode.objects.filter(plan=node.plan_id).active())
    by_parent: dict[int | None, list[PlanNode]] = {}
    for each in nodes:
        by_parent.setdefault(each.parent_id, []).append(each)
    retiring, stack = [], [node.pk]
    while stack:
        current = stack.pop()
        retiring.extend(n for n in nodes if n.pk == current)
        stack.extend(child.pk for child in by_parent.get(current, []))
    for each in retiring:
        each.retired_at = on
    PlanNode.objects.bulk_update(retiring, ["retired_at"])

    audit_record_many(
        actor=by,
        action=Action.RETIRE,
        changes=[(each, {"retired_at": None}, {"retired_at": on.isoformat()}) for each in retiring],
    )
    return next(each for each in retiring if each.pk == node.pk)


@transaction.atomic
def council_plan_create_with_tree(
    *,
    by,
    level_names: list[str],
    nodes: list[dict],
    title: str,
    start_date,
    end_date,
    vision: str,
    vision_label: str = "Vision",
    description: str = "",
) -> CouncilPlan:
    """A new Council Plan with its whole tree (``planning.imports.new_plan_import``): all of it
    or none. ``nodes`` (code, parent_code, title, description) come parents first; siblings keep
    their order. A plan whose period has ended can be loaded this way as a record of the past,
    as the demo loads its 2022-25 plan; it cannot be edited afterwards."""
    plan = council_plan_create(
        by=by,
        title=title,
        start_date=start_date,
        end_date=end_date,
        vision=vision,
        vision_label=vision_label,
        level_names=level_names,
        description=description,
    )
    _add_nodes(by=by, plan=plan, nodes=nodes, existing={}, allow_read_only=True)
    return plan


def _add_nodes(*, by, plan: CouncilPlan, nodes: list[dict], existing: dict, allow_read_only: bool = False) -> None:
    by_code = dict(existing)
    for row in nodes:
        parent = by_code[row["parent_code"]] if row["parent_code"] else None
        by_code[row["code"]] = plan_node_create(
            by=by,
            plan=plan,
            code=row["code"],
            title=row["title"],
            description=row["description"],
            parent=parent,
            allow_read_only=allow_read_only,
        )


@transaction.atomic
def council_plan_import(*, by, plan: CouncilPlan, nodes: list[dict], changes: dict[str, dict]) -> tuple[int, int]:
    """More of an existing plan's tree (``planning.imports.structure_import``): all of it or none.
    ``nodes`` (code, parent_code, title, description) are added, parents first; ``changes``
    maps an existing code to its new title and description.

    Returns (nodes added, nodes changed)."""
    require(by, Capability.MANAGE_COUNCIL_PLAN)
    _refuse_if_read_only(plan)
    existing = {node.code: node for node in plan.nodes.all()}
    _add_nodes(by=by, plan=plan, nodes=nodes, existing=existing)
    for code, fields in changes.items():
        plan_node_update(by=by, node=existing[code], **fields)
    return len(nodes), len(changes)
