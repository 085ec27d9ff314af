"""Council Plan structure as a table: export to CSV and Excel, import with a row-by-row report."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.tabular import RowProblem, read_with_columns
from planning.models import CouncilPlan, PlanNode

COLUMNS = ["code", "parent_code", "level", "title", "description", "retired"]
REQUIRED = ["code", "parent_code", "title"]


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


@dataclass
class ImportPlan:
    """What an import would do, or why it cannot: nothing is written unless ``problems`` is empty."""

    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[PlanNode, dict]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def check_structure_import(plan: CouncilPlan, uploaded) -> ImportPlan:
    """Validate every row before anything is saved: duplicate codes, unknown or later parents,
    too many levels, retired parents, missing values."""
    result = ImportPlan()
    header, rows, result.problems = read_with_columns(uploaded, REQUIRED)
    if result.problems:
        return result
    existing = {node.code: node for node in plan.nodes.all()}
    depth_of = {code: node.depth for code, node in existing.items()}
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):
        row = {name: (raw.get(name) or "").strip() for name in header}
        code, parent_code, title = row.get("code", ""), row.get("parent_code", ""), row.get("title", "")
        if not any(row.values()):
            continue
        if not code:
            result.problems.append(RowProblem(number, "code", "Enter a code"))
            continue
        if code in seen:
            result.problems.append(RowProblem(number, "code", f"Code {code} is used again (first on row {seen[code]})"))
            continue
        seen[code] = number
        if not title:
            result.problems.append(RowProblem(number, "title", "Enter a title"))
        if len(code) > 20:
            result.problems.append(RowProblem(number, "code", "Codes are at most 20 characters"))
        depth = 0
        if parent_code:
            if parent_code == code:
                result.problems.append(RowProblem(number, "parent_code", "A node cannot be its own parent"))
                continue
            if parent_code not in depth_of:
                result.problems.append(
                    RowProblem(number, "parent_code", f"Parent {parent_code} is not in the plan or an earlier row")
                )
                continue
            if parent_code in existing and existing[parent_code].retired_at:
                result.problems.append(RowProblem(number, "parent_code", f"Parent {parent_code} has been retired"))
            depth = depth_of[parent_code] + 1
        if depth >= len(plan.level_names):
            result.problems.append(
                RowProblem(number, "parent_code", f"This plan has only {len(plan.level_names)} levels")
            )
            continue
        if code in existing:
            node = existing[code]
            current_parent = node.parent.code if node.parent_id else ""
            if current_parent != parent_code:
                result.problems.append(
                    RowProblem(number, "parent_code", f"{code} already sits under {current_parent or 'the top'}")
                )
                continue
            changes = {
                name: row.get(name, getattr(node, name))
                for name in ("title", "description")
                if name in header and row.get(name, "") != getattr(node, name)
            }
            if changes:
                result.updates.append((node, changes))
        else:
            depth_of[code] = depth
            result.creates.append(
                {"code": code, "parent_code": parent_code, "title": title, "description": row.get("description", "")}
            )
    return result
