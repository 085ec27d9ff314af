"""Reads for Council Plans, shaped for the pages that show them."""

from __future__ import annotations

from dataclasses import dataclass, field

from planning.models import CouncilPlan, PlanNode


@dataclass
class NodeView:
    node: PlanNode
    children: list[NodeView] = field(default_factory=list)


def council_plan_tree(plan: CouncilPlan, *, include_retired: bool = False) -> list[NodeView]:
    """The whole tree of a plan in one query, however deep or wide it is."""
    nodes = plan.nodes.all() if include_retired else plan.nodes.active()
    views = {node.pk: NodeView(node) for node in nodes.order_by("depth", "order", "code")}
    roots: list[NodeView] = []
    for view in views.values():
        view.node.plan = plan
        parent = views.get(view.node.parent_id)
        (parent.children if parent else roots).append(view)
    return roots
