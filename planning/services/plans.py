"""Writes to directorate, service and team plans: the plan, its objectives, progress.

The rules of the golden thread live here: an objective's dates sit inside its plan's year,
its owner works in the unit, and its one upward link goes to a current Council Plan node or
to an objective of a unit above, never sideways, down, or round in a cycle.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import OrgUnit, User
from accounts.policy import Capability, person_of
from audit.models import Action
from audit.services import audit_record, model_snapshot
from core.services import apply_changes, require
from planning.models import Objective, PlanNode, ProgressUpdate, UnitPlan


def directorate_path(unit: OrgUnit) -> str | None:
    """The path of the directorate a unit sits in (``/C/D1/`` for ``/C/D1/S1/T1/``)."""
    codes = [code for code in unit.path.split("/") if code]
    return "/" + "/".join(codes[:2]) + "/" if len(codes) >= 2 else None


@transaction.atomic
def unit_plan_create(*, by, unit: OrgUnit, year: int, title: str, summary: str = "") -> UnitPlan:
    require(by, Capability.EDIT_PLANS, unit)
    if unit.kind not in {"directorate", "service", "team"}:
        raise ValidationError({"unit": "Plans belong to a directorate, a service or a team."})
    plan = UnitPlan(unit=unit, year=year, title=title, summary=summary)
    plan.full_clean()
    plan.save()
    audit_record(actor=by, action=Action.CREATE, instance=plan, after=model_snapshot(plan))
    return plan


@transaction.atomic
def unit_plan_update(*, by, plan: UnitPlan, **changes) -> UnitPlan:
    plan = UnitPlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    require(by, Capability.EDIT_PLANS, plan.unit)
    before = model_snapshot(plan)
    apply_changes(plan, changes, {"title", "summary"})
    plan.full_clean()
    plan.save()
    audit_record(actor=by, action=Action.UPDATE, instance=plan, before=before, after=model_snapshot(plan))
    return plan


def validate_objective(objective: Objective, contributes_to: list[Objective] | None = None) -> None:
    """Every rule of an objective's place in the thread, each message on its own field."""
    errors: dict[str, list[str]] = {}
    plan = objective.plan
    unit = plan.unit

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if objective.start_date and not plan.start_date <= objective.start_date <= plan.end_date:
        fail("start_date", f"The start date must be within the plan's year, {plan.year_label} (1 April to 31 March).")
    if objective.due_date and not plan.start_date <= objective.due_date <= plan.end_date:
        fail("due_date", f"The due date must be within the plan's year, {plan.year_label} (1 April to 31 March).")
    if objective.start_date and objective.due_date and objective.due_date < objective.start_date:
        fail("due_date", "The due date must be the same as or after the start date.")

    owner: User | None = objective.owner if objective.owner_id else None
    if owner is not None:
        works_here = owner.org_unit_id and owner.org_unit.path.startswith(unit.path)
        heads_here = unit.head_id == owner.pk
        if not (works_here or heads_here):
            fail("owner", f"Choose an owner who works in {unit.name}.")

    node: PlanNode | None = objective.council_plan_node if objective.council_plan_node_id else None
    parent: Objective | None = objective.parent_objective if objective.parent_objective_id else None
    if node and parent:
        fail("parent_objective", "Link to a Council Plan node or to an objective above, not both.")
    if node is not None:
        if node.retired_at:
            fail("council_plan_node", f"“{node}” has been retired; link to a current part of the Council Plan.")
        elif node.plan.end_date < plan.start_date or node.plan.start_date > plan.end_date:
            fail("council_plan_node", f"{node.plan} does not cover {plan.year_label}.")
    if parent is not None:
        parent_unit = parent.plan.unit
        if objective.pk and parent.pk == objective.pk:
            fail("parent_objective", "An objective cannot be linked to itself.")
        elif not (unit.path.startswith(parent_unit.path) and parent_unit.path != unit.path):
            where = "below" if parent_unit.path.startswith(unit.path) else "beside"
            fail(
                "parent_objective",
                f"The objective above must belong to a unit above {unit.name}; "
                f"{parent_unit.name} is {where} it, not above.",
            )
        elif objective.pk and _would_cycle(objective.pk, parent):
            fail("parent_objective", "That link would make a cycle: the objective above already hangs below this one.")

    for target in contributes_to or []:
        if objective.pk and target.pk == objective.pk:
            fail("contributes_to", "An objective cannot contribute to itself.")
        elif directorate_path(target.plan.unit) == directorate_path(unit):
            fail(
                "contributes_to",
                f"“{target}” is in the same directorate; use the upward link for objectives in your own directorate.",
            )
        elif objective.pk and _contribution_cycle(objective.pk, target.pk):
            fail(
                "contributes_to", f"Contributing to “{target}” would make a cycle: it already contributes to this one."
            )
    if errors:
        raise ValidationError(errors)


def _validate_all(objective: Objective, contributes_to: list[Objective] | None) -> None:
    """The thread's rules and the model's own field checks, every message at once, so a form
    can show each next to its field. (The database constraints still stand behind them.)"""
    errors: dict[str, list[str]] = {}
    checks = (
        lambda: validate_objective(objective, contributes_to),
        lambda: objective.full_clean(exclude=["plan"], validate_constraints=False),
    )
    for check in checks:
        try:
            check()
        except ValidationError as problem:
            for field, messages in problem.message_dict.items():
                known = errors.setdefault(field, [])
                known.extend(message for message in messages if message not in known)
    if errors:
        raise ValidationError(errors)


def _would_cycle(objective_id: int, parent: Objective) -> bool:
    seen: set[int] = set()
    current: Objective | None = parent
    while current is not None and current.pk not in seen:
        if current.pk == objective_id:
            return True
        seen.add(current.pk)
        current = current.parent_objective
    return False


def _contribution_cycle(objective_id: int, target_id: int) -> bool:
    """Would ``objective → target`` close a loop of contributions?"""
    edges: dict[int, set[int]] = {}
    for source, destination in Objective.contributes_to.through.objects.values_list(
        "from_objective_id", "to_objective_id"
    ):
        edges.setdefault(source, set()).add(destination)
    stack, seen = [target_id], set()
    while stack:
        current = stack.pop()
        if current == objective_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(edges.get(current, ()))
    return False


OBJECTIVE_EDITABLE = set(Objective.EDITABLE_FIELDS)


def _fresh_links(fields: dict) -> dict:
    """Re-read linked rows inside the transaction: a node retired a moment ago must count."""
    fresh = dict(fields)
    if fresh.get("council_plan_node") is not None:
        fresh["council_plan_node"] = PlanNode.objects.select_related("plan").get(pk=fresh["council_plan_node"].pk)
    if fresh.get("parent_objective") is not None:
        fresh["parent_objective"] = Objective.objects.select_related("plan__unit").get(pk=fresh["parent_objective"].pk)
    return fresh


def _objective_snapshot(objective: Objective, contributes_to: list[Objective]) -> dict:
    snapshot = model_snapshot(objective)
    snapshot["contributes_to"] = sorted(target.pk for target in contributes_to)
    return snapshot


@transaction.atomic
def objective_create(*, by, plan: UnitPlan, contributes_to: list[Objective] | None = None, **fields) -> Objective:
    require(by, Capability.EDIT_PLANS, plan.unit)
    apply_changes(Objective(), fields, OBJECTIVE_EDITABLE)
    fields = _fresh_links(fields)
    order = (plan.objectives.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    objective = Objective(plan=plan, order=order, **fields)
    _validate_all(objective, contributes_to)
    objective.save()
    targets = list(contributes_to or [])
    objective.contributes_to.set(targets)
    audit_record(actor=by, action=Action.CREATE, instance=objective, after=_objective_snapshot(objective, targets))
    return objective


@transaction.atomic
def objective_update(
    *, by, objective: Objective, contributes_to: list[Objective] | None = None, **changes
) -> Objective:
    objective = Objective.objects.select_for_update().select_related("plan__unit").get(pk=objective.pk)
    require(by, Capability.EDIT_PLANS, objective.plan.unit)
    current_targets = list(objective.contributes_to.all())
    before = _objective_snapshot(objective, current_targets)
    apply_changes(objective, _fresh_links(changes), OBJECTIVE_EDITABLE)
    targets = current_targets if contributes_to is None else list(contributes_to)
    _validate_all(objective, targets)
    objective.save()
    objective.contributes_to.set(targets)
    after = _objective_snapshot(objective, targets)
    audit_record(actor=by, action=Action.UPDATE, instance=objective, before=before, after=after)
    return objective


@transaction.atomic
def progress_update_add(*, by, objective: Objective, date, note: str, status: str) -> ProgressUpdate:
    """Record progress; the objective takes the status of its latest update."""
    objective = Objective.objects.select_for_update().select_related("plan__unit").get(pk=objective.pk)
    require(by, Capability.EDIT_PLANS, objective.plan.unit)
    update = ProgressUpdate(objective=objective, date=date, note=note, status=status, recorded_by=person_of(by))
    update.full_clean()
    update.save()
    audit_record(actor=by, action=Action.CREATE, instance=update, after=model_snapshot(update))
    latest = objective.progress_updates.order_by("-date", "-id").first()
    if latest.pk == update.pk and objective.status != status:
        before = {"status": objective.status}
        objective.status = status
        objective.save(update_fields=["status"])
        audit_record(actor=by, action=Action.UPDATE, instance=objective, before=before, after={"status": status})
    return update
