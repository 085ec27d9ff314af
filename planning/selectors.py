"""Reads for planning pages, shaped for the thread and gaps views.

Every function here makes a fixed number of queries however large the council is: trees are
loaded whole and assembled in Python, and chains of objectives are followed with one
recursive query. Tests pin the counts.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from accounts.policy import Capability, has_capability
from core.numbers import small_count_label
from planning.extensions import extra_gaps, measures_for
from planning.models import CicObjective, CouncilPlan, Objective, ObjectiveStatus, PlanNode, Risk, UnitPlan


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


# --- Upwards: from an objective to the Council Plan ----------------------------------------


@dataclass
class ObjectivePath:
    objectives: list[Objective]  # from the highest objective down to the one asked about
    council_plan_nodes: list[PlanNode]  # from the top-level node down to the linked node


def _node_chain(node: PlanNode | None, nodes_by_id: dict[int, PlanNode]) -> list[PlanNode]:
    chain: list[PlanNode] = []
    while node is not None:
        chain.append(node)
        node = nodes_by_id.get(node.parent_id) if node.parent_id else None
    return list(reversed(chain))


def _upward_links(objective_ids: list[int]) -> dict[int, tuple[int | None, int | None]]:
    """{objective id: (parent objective id, Council Plan node id)} for the objectives and
    everything above them, in one recursive query."""
    if not objective_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE up(id, parent_objective_id, council_plan_node_id) AS (
                SELECT id, parent_objective_id, council_plan_node_id
                FROM planning_objective WHERE id = ANY(%s)
                UNION
                SELECT o.id, o.parent_objective_id, o.council_plan_node_id
                FROM planning_objective o JOIN up ON o.id = up.parent_objective_id
            )
            SELECT id, parent_objective_id, council_plan_node_id FROM up
            """,
            [list(objective_ids)],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def objective_path_up(objective: Objective) -> ObjectivePath:
    """From an objective up through the objectives above it to the Council Plan: 3 queries."""
    links = _upward_links([objective.pk])
    chain_ids, current, node_id = [], objective.pk, None
    while current is not None:
        chain_ids.append(current)
        parent_id, node_id = links.get(current, (None, None))
        current = parent_id
    objectives = {objective.pk: objective}
    for each in Objective.objects.filter(pk__in=chain_ids[1:]).select_related("plan__unit", "owner"):
        objectives[each.pk] = each
    ordered = [objectives[oid] for oid in reversed(chain_ids) if oid in objectives]
    nodes: list[PlanNode] = []
    if node_id is not None:
        linked = PlanNode.objects.select_related("plan").get(pk=node_id)
        nodes_by_id = {n.pk: n for n in PlanNode.objects.filter(plan_id=linked.plan_id)}
        nodes = _node_chain(nodes_by_id[linked.pk], nodes_by_id)
        for node in nodes:
            node.plan = linked.plan
    return ObjectivePath(objectives=ordered, council_plan_nodes=nodes)


def priorities_for(objectives: list[Objective]) -> dict[int, PlanNode]:
    """The top-level Council Plan node each objective serves, however it is linked: 2 queries."""
    links = _upward_links([o.pk for o in objectives])
    top_node_id: dict[int, int] = {}
    for objective in objectives:
        current, node_id, guard = objective.pk, None, 0
        while current is not None and guard < 50:
            parent_id, node_id = links.get(current, (None, None))
            current, guard = parent_id, guard + 1
        if node_id is not None:
            top_node_id[objective.pk] = node_id
    if not top_node_id:
        return {}
    plan_ids = PlanNode.objects.filter(pk__in=set(top_node_id.values())).values("plan_id")
    nodes_by_id = {n.pk: n for n in PlanNode.objects.filter(plan_id__in=plan_ids).select_related("plan")}
    return {oid: _node_chain(nodes_by_id[nid], nodes_by_id)[0] for oid, nid in top_node_id.items()}


# --- Downwards: from a Council Plan node to objectives and CIC counts ------------------------


@dataclass
class ObjectiveBranch:
    objective: Objective
    cic_count: int
    children: list[ObjectiveBranch] = field(default_factory=list)
    measures: list = field(default_factory=list)
    risks: list = field(default_factory=list)

    @property
    def cic_total(self) -> int:
        return self.cic_count + sum(child.cic_total for child in self.children)

    @property
    def cic_label(self) -> str:
        return small_count_label(self.cic_total)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ThreadNode:
    node: PlanNode
    objectives: list[ObjectiveBranch] = field(default_factory=list)
    children: list[ThreadNode] = field(default_factory=list)
    measures: list = field(default_factory=list)

    def branches(self):
        for branch in self.objectives:
            yield from branch.walk()
        for child in self.children:
            yield from child.branches()

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        counts = Counter(branch.objective.status for branch in self.branches())
        return [(status.value, status.label, counts.get(status.value, 0)) for status in ObjectiveStatus]

    @property
    def objective_total(self) -> int:
        return sum(1 for _ in self.branches())

    @property
    def cic_label(self) -> str:
        return small_count_label(sum(branch.cic_count for branch in self.branches()))

    @property
    def level_counts(self) -> list[tuple[str, int]]:
        """How many objectives sit at each level of the organisation below this node."""
        counts = Counter(branch.objective.plan.unit.get_kind_display() for branch in self.branches())
        return [(kind, counts[kind]) for kind in ("Directorate", "Service", "Team") if counts[kind]]


def thread_down(node: PlanNode) -> ThreadNode:
    """Everything that hangs below a Council Plan node: its child nodes, the objectives linked
    to each, the objectives below those at every level, and CIC counts. 4 queries."""
    plan_nodes = list(PlanNode.objects.filter(plan_id=node.plan_id).active().order_by("depth", "order", "code"))
    views = {n.pk: ThreadNode(n) for n in plan_nodes}
    for n in plan_nodes:
        n.plan = node.plan
        if n.parent_id in views and n.pk != node.pk:
            views[n.parent_id].children.append(views[n.pk])
    root = views.get(node.pk) or ThreadNode(node)
    subtree_ids = [tn.node.pk for tn in _walk_nodes(root)]

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE down(id) AS (
                SELECT id FROM planning_objective WHERE council_plan_node_id = ANY(%s)
                UNION
                SELECT o.id FROM planning_objective o JOIN down ON o.parent_objective_id = down.id
            )
            SELECT id FROM down
            """,
            [subtree_ids],
        )
        objective_ids = [row[0] for row in cursor.fetchall()]
    objectives = list(
        Objective.objects.filter(pk__in=objective_ids)
        .select_related("plan__unit", "owner")
        .order_by("plan__unit__path", "order", "id")
    )
    cic_counts = dict(
        CicObjective.objects.filter(objective_id__in=objective_ids)
        .values_list("objective_id")
        .annotate(n=Count("id"))
        .values_list("objective_id", "n")
    )
    branches = {o.pk: ObjectiveBranch(o, cic_counts.get(o.pk, 0)) for o in objectives}
    for branch in branches.values():
        objective = branch.objective
        if objective.parent_objective_id in branches:
            branches[objective.parent_objective_id].children.append(branch)
        elif objective.council_plan_node_id in views:
            views[objective.council_plan_node_id].objectives.append(branch)
    by_node, by_objective = measures_for(subtree_ids, objective_ids)
    for node_id, items in by_node.items():
        if node_id in views:
            views[node_id].measures = items
    for objective_id, items in by_objective.items():
        branches[objective_id].measures = items
    return root


def _walk_branches(branches):
    for branch in branches:
        yield branch
        yield from _walk_branches(branch.children)


def attach_risks(root: ThreadNode, user) -> None:
    """Put on each objective of the thread the open risks linked to it that ``user`` may see
    (none for a person without ``view_risks``). One query."""
    branches = {b.objective.pk: b for tn in _walk_nodes(root) for b in _walk_branches(tn.objectives)}
    if not branches or not has_capability(user, Capability.VIEW_RISKS):
        return
    readable = Risk.objects.restrict(user, Capability.VIEW_RISKS).open().values("pk")
    links = (
        Risk.objectives.through.objects.filter(objective_id__in=list(branches), risk_id__in=readable)
        .select_related("risk")
        .order_by("-risk__current_likelihood", "-risk__current_impact", "risk_id")
    )
    for link in links:
        branches[link.objective_id].risks.append(link.risk)


def _walk_nodes(thread_node: ThreadNode):
    yield thread_node
    for child in thread_node.children:
        yield from _walk_nodes(child)


# --- Gaps ----------------------------------------------------------------------------------


@dataclass
class Gaps:
    unlinked_objectives: list[Objective]
    nodes_without_objectives: list[PlanNode]
    plans_without_objectives: list[UnitPlan]
    overdue_objectives: list[Objective]
    extra: list = field(default_factory=list)


def gaps(plan: CouncilPlan | None, *, year: int, today: datetime.date | None = None) -> Gaps:
    """Where the thread is broken, for one Council Plan and one financial year: 5 queries."""
    today = today or timezone.localdate()
    objectives = Objective.objects.filter(plan__year=year).select_related("plan__unit", "owner")
    unlinked = list(objectives.unlinked().order_by("plan__unit__path", "order"))
    overdue = list(objectives.overdue(today).order_by("due_date", "plan__unit__path"))
    empty_plans = list(
        UnitPlan.objects.filter(year=year)
        .annotate(n=Count("objectives"))
        .filter(n=0)
        .select_related("unit")
        .order_by("unit__path")
    )
    uncovered: list[PlanNode] = []
    if plan is not None:
        nodes = list(plan.nodes.active().order_by("depth", "order", "code"))
        linked = set(
            Objective.objects.filter(plan__year=year, council_plan_node__plan=plan).values_list(
                "council_plan_node_id", flat=True
            )
        )
        children: dict[int | None, list[PlanNode]] = {}
        for n in nodes:
            n.plan = plan
            children.setdefault(n.parent_id, []).append(n)

        def covered(n: PlanNode) -> bool:
            return n.pk in linked or any(covered(c) for c in children.get(n.pk, []))

        uncovered = [n for n in nodes if not covered(n)]
    return Gaps(unlinked, uncovered, empty_plans, overdue, extra_gaps())


def cic_objective_choices(employee):
    """The objectives a person's CIC objective may contribute to: those of their own team and
    of the units above it (their service), never another team's or another service's. The
    form offers these and the service refuses anything else; with no unit, none."""
    objectives = Objective.objects.filter(plan__unit__kind__in=["team", "service"]).select_related("plan__unit")
    if employee.org_unit_id is None:
        return objectives.none()
    from accounts.models import OrgUnit

    paths = OrgUnit.objects.get(pk=employee.org_unit_id).ancestor_paths
    return objectives.filter(plan__unit__path__in=paths).order_by("plan__unit__path", "order")


def risks_for_plan(plan, user):
    """The open risks a plan shows: those in its unit's register (a team plan: its service's)
    and those linked to its objectives, as far as the reader may see risks, highest first."""
    unit_ids = [plan.unit_id] + ([plan.unit.parent_id] if plan.unit.kind == "team" else [])
    readable = Risk.objects.restrict(user, Capability.VIEW_RISKS).open()
    linked = readable.filter(Q(unit_id__in=unit_ids) | Q(objectives__plan=plan)).values("pk")
    return list(
        Risk.objects.filter(pk__in=linked)
        .select_related("unit", "owner")
        .order_by("-current_likelihood", "-current_impact", "id")
    )
