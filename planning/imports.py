"""Council Plan imports: a whole new plan from one spreadsheet, or more of an existing plan's tree.

Both read one row per part of the plan (``code``, ``parent_code``, ``level``, ``title``,
``description``) through the shared import machinery (``core.imports``): every row is checked,
every problem is reported with its row, and nothing is applied unless the whole file passes.

One check of the tree serves both. A parent may be on any row, before or after its children, so
a file can be sorted any way a performance team likes; the codes may not go round in a circle;
and every row at one depth carries the same level name. A new plan takes its level names from
the file, in the council's own words, by depth (Priority / Outcome / Marker of success, or
Ambition / Priority / Objective); an existing plan's rows must use the names it already has.
The columns are documented in docs/imports.md ("Council Plan").
"""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError

from accounts.policy import Capability
from core.imports import CellError, Column, ImportKind, text
from core.tabular import RowProblem
from planning.models import MAX_LEVELS, CouncilPlan, PlanNode

CODE_LENGTH = PlanNode._meta.get_field("code").max_length
LEVEL_LENGTH = CouncilPlan._meta.get_field("level_names").base_field.max_length
REPEATED = "Code {code} is used again (first on row {first})"


def _code(value: str) -> str:
    value = text(value)
    if len(value) > CODE_LENGTH:
        raise CellError(f"Codes are at most {CODE_LENGTH} characters")
    return value


def _level(value: str) -> str:
    value = " ".join(text(value).split())
    if len(value) > LEVEL_LENGTH:
        raise CellError(f"A level name is at most {LEVEL_LENGTH} characters")
    return value


#: The template's example rows: one of each level, each under the one before.
EXAMPLE_ROWS = (
    ("P1", "", "Priority", "A fair and growing local economy", "What we will do for the economy."),
    ("P1.O1", "P1", "Outcome", "More residents in good, secure work", ""),
    ("P1.O1.M1", "P1.O1", "Marker of success", "The employment rate matches the England average", ""),
)


def _columns(*, level_required: bool) -> tuple[Column, ...]:
    code, parent_code, level, title, description = EXAMPLE_ROWS[1]
    return (
        Column(
            "code",
            _code,
            help=f"the part's own code, unique in the plan, at most {CODE_LENGTH} characters",
            example=code,
        ),
        Column(
            "parent_code",
            text,
            required=False,
            help="the code of the part it sits under, on any row; empty at the top",
            example=parent_code,
        ),
        Column(
            "level",
            _level,
            required=level_required,
            help="what the council calls this level; the same on every row at its depth",
            example=level,
        ),
        Column("title", text, example=title),
        Column("description", text, required=False, example=description),
    )


NEW_PLAN_COLUMNS = _columns(level_required=True)
STRUCTURE_COLUMNS = _columns(level_required=False)


def new_plan_template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.name for column in NEW_PLAN_COLUMNS])
    writer.writerows(EXAMPLE_ROWS)
    return buffer.getvalue()


def _check_row(row: dict, context: dict) -> str | None:
    try:
        PlanNode._meta.get_field("title").clean(row["title"], None)
    except ValidationError as error:
        return f"title: {error.messages[0]}"
    if row.get("parent_code") == row["code"]:
        return "parent_code: A part cannot sit under itself"
    return None


def _a(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _depths(rows: list[dict], existing: dict[str, PlanNode], broken: set[str]) -> tuple[dict, list[list[str]]]:
    """Each row's depth, following parents through the file and the plan. A row under a broken
    row, or in a circle, has no depth (None); the circles are returned to be reported."""
    by_code = {row["code"]: row for row in rows}
    known: dict[str, int | None] = {}
    circles: list[list[str]] = []
    for row in rows:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current = row["code"]
        while True:
            if current in known:
                base = known[current]
                break
            if current in existing:
                known[current] = base = existing[current].depth
                break
            if current in on_path:
                circles.append(path[on_path[current] :])
                base = None
                break
            if current in broken:
                known[current] = base = None
                break
            on_path[current] = len(path)
            path.append(current)
            parent = by_code[current].get("parent_code")
            if not parent:
                base = -1
                break
            current = parent
        for steps, code in enumerate(reversed(path), start=1):
            known[code] = None if base is None else base + steps
    return known, circles


def _check_tree(rows: list[dict], context: dict) -> list[RowProblem]:
    """The rows together: parents, circles, depth and level names (see the module's docstring)."""
    if "parent_code" not in context["columns"]:
        return [RowProblem(1, "parent_code", "Missing column(s): parent_code")]
    plan: CouncilPlan | None = context["plan"]
    existing: dict[str, PlanNode] = context["existing"]
    by_code = {row["code"]: row for row in rows}
    problems: list[RowProblem] = []
    broken: set[str] = set()
    for row in rows:
        code, parent = row["code"], row.get("parent_code") or ""
        if parent and parent not in by_code and parent not in existing:
            where = "in the plan or in the file" if plan else "in the file"
            problems.append(RowProblem(row["_row"], "parent_code", f"No part has the code {parent} {where}"))
            broken.add(code)
        elif parent in existing and existing[parent].retired_at:
            problems.append(RowProblem(row["_row"], "parent_code", f"Parent {parent} has been retired"))
        if code in existing:
            node = existing[code]
            current = node.parent.code if node.parent_id else ""
            if current != parent:
                message = f"{code} already sits under {current or 'the top'}; a part cannot be moved by import"
                problems.append(RowProblem(row["_row"], "parent_code", message))
    depths, circles = _depths(rows, existing, broken)
    for circle in circles:
        route = " → ".join([*circle, circle[0]])
        for code in circle:
            problems.append(
                RowProblem(by_code[code]["_row"], "parent_code", f"The parents go round in a circle: {route}")
            )
    limit = len(plan.level_names) if plan else MAX_LEVELS
    names: dict[int, tuple[str, int]] = {}  # a new plan's level names: depth -> (name, first row)
    for row in rows:
        depth = depths.get(row["code"])
        if depth is None:
            continue
        row["_depth"] = depth
        if depth >= limit:
            message = f"This plan has only {limit} levels" if plan else f"A Council Plan has at most {limit} levels"
            problems.append(RowProblem(row["_row"], "parent_code", message))
            continue
        problem = _level_problem(row, depth, plan, names, by_code)
        if problem:
            problems.append(RowProblem(row["_row"], "level", problem))
    if plan is None:
        problems.extend(_check_new_plan(rows, names, context["details"], problems))
    else:
        _note_changes(rows, existing, described="description" in context["columns"])
    return problems


def _level_problem(row: dict, depth: int, plan: CouncilPlan | None, names: dict, by_code: dict) -> str | None:
    """A row's level name against its depth: the plan's own names, or (a new plan) the name the
    first row at that depth gave."""
    level = row.get("level")
    if not level:
        return None
    parent = row.get("parent_code")
    if depth == 0:
        where = "A row with no parent"
    elif plan:
        where = f"A row under {_a(plan.level_name(depth - 1))}"
    else:
        where = f"A row under {_a(by_code[parent].get('level') or 'part')}"
    if plan:
        expected = plan.level_name(depth)
        return None if expected.lower() == level.lower() else f"{where} is {_a(expected)} in this plan, not “{level}”"
    if depth in names:
        name, first = names[depth]
        return None if name.lower() == level.lower() else f"{where} is {_a(name)} (row {first}), not “{level}”"
    for other, (name, first) in names.items():
        if name.lower() == level.lower():
            return f"“{level}” is the name of the {_ordinal(other + 1)} level (row {first}); each level needs its own"
    names[depth] = (level, row["_row"])
    return None


def _check_new_plan(rows, names, details, problems) -> list[RowProblem]:
    """The plan's own rules (``CouncilPlan.clean``) on the levels the file gives."""
    if not rows:
        return [RowProblem(1, "", "The file has no rows below its header")]
    if problems:
        return []  # the levels are not known for sure until the tree is right
    level_names = [names[depth][0] for depth in sorted(names)]
    try:
        CouncilPlan(**details, level_names=level_names).full_clean()
    except ValidationError as error:
        found = []
        for field, messages in error.message_dict.items():
            for message in messages:
                if field == "level_names":
                    levels = ", ".join(level_names)
                    found.append(RowProblem(1, "level", f"The file's levels, from the top, are {levels}: {message}"))
                else:
                    found.append(RowProblem(1, "", f"The plan's {field.replace('_', ' ')}: {message}"))
        return found
    return []


def _note_changes(rows: list[dict], existing: dict[str, PlanNode], *, described: bool) -> None:
    """What each row of an existing plan's file will do: add a part, change one, or nothing.
    An empty description clears it only when the file has the column."""
    for row in rows:
        if described and row.get("description") is None:
            row["description"] = ""
        node = existing.get(row["code"])
        if node is None:
            row["_changes"] = None
            continue
        row["_changes"] = {
            name: row[name]
            for name in ("title", "description")
            if row.get(name) is not None and row[name] != getattr(node, name)
        }


def level_names_of(rows: list[dict]) -> list[str]:
    """A checked new plan's level names, from the top down: each depth's first row's name."""
    names: dict[int, str] = {}
    for row in sorted(rows, key=lambda row: row["_row"]):
        names.setdefault(row["_depth"], row["level"])
    return [names[depth] for depth in sorted(names)]


def _parents_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (row["_depth"], row["_row"]))


def _node_fields(row: dict) -> dict:
    return {
        "code": row["code"],
        "parent_code": row.get("parent_code") or "",
        "title": row["title"],
        "description": row.get("description") or "",
    }


def new_plan_import(details: dict) -> ImportKind:
    """The import of a whole new Council Plan: its details (title, dates, vision) from the page's
    form or the command's options, its levels and tree from the file."""
    from planning.services import council_plan_create_with_tree

    def apply(*, by, rows: list[dict]) -> int:
        council_plan_create_with_tree(
            by=by,
            level_names=level_names_of(rows),
            nodes=[_node_fields(row) for row in _parents_first(rows)],
            **details,
        )
        return len(rows)

    return ImportKind(
        slug="council_plan",
        title="Council Plan",
        description="A new Council Plan: its levels, in the council's own words, and its tree.",
        columns=NEW_PLAN_COLUMNS,
        check_row=_check_row,
        check_rows=_check_tree,
        apply=apply,
        key=lambda row: (row["code"],),
        context=lambda: {"plan": None, "existing": {}, "details": details},
        capability=Capability.MANAGE_COUNCIL_PLAN,
        repeat_message=REPEATED,
    )


def structure_import(plan: CouncilPlan) -> ImportKind:
    """More of an existing plan's tree: new codes are added, existing ones get their title and
    description from the file (a part is never moved or removed by an import)."""
    from planning.services import council_plan_import

    def apply(*, by, rows: list[dict]) -> int:
        added, changed = council_plan_import(
            by=by,
            plan=plan,
            nodes=[_node_fields(row) for row in _parents_first(rows) if row["_changes"] is None],
            changes={row["code"]: row["_changes"] for row in rows if row["_changes"]},
        )
        return added + changed

    return ImportKind(
        slug="council_plan_structure",
        title="Council Plan structure",
        description="Adds parts to an existing Council Plan, or changes their titles and descriptions.",
        columns=STRUCTURE_COLUMNS,
        check_row=_check_row,
        check_rows=_check_tree,
        apply=apply,
        key=lambda row: (row["code"],),
        context=lambda: {
            "plan": plan,
            "existing": {node.code: node for node in plan.nodes.select_related("parent")},
        },
        capability=Capability.MANAGE_COUNCIL_PLAN,
        repeat_message=REPEATED,
    )


def summary(rows: list[dict]) -> tuple[int, int]:
    """(parts added, parts changed) by a checked structure import."""
    added = sum(1 for row in rows if row["_changes"] is None)
    return added, sum(1 for row in rows if row["_changes"])
