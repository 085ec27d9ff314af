"""Council Plan structure as a table, for export to CSV and Excel. The export is also a file the
imports read (``planning.imports``; the ``retired`` column is ignored there)."""

from __future__ import annotations

from planning.models import CouncilPlan, PlanNode

COLUMNS = ["code", "parent_code", "level", "title", "description", "retired"]


def structure_rows(plan: CouncilPlan) -> list[list]:
    nodes = list(plan.nodes.select_related("parent").order_by("depth", "order", "code"))
    by_parent: dict[int | None, list[PlanNode]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    rows: list[list] = []

    def walk(parent_id):
        for node in by_parent.get(parent_id, []):
            rows.append(
                [
                    node.code,
                    node.parent.code if node.parent_id else "",
                    plan.level_name(node.depth),
                    node.title,
                    node.description,
                    node.retired_at.isoformat() if node.retired_at else "",
                ]
            )
            walk(node.pk)

    walk(None)
    return rows
