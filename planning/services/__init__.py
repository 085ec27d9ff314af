"""Writes to planning data. Each service checks the rule, saves and audits in one transaction."""

from planning.services.cic import cic_note_add, cic_objective_create, cic_objective_update
from planning.services.council_plans import (
    CouncilPlanReadOnly,
    council_plan_create,
    council_plan_create_with_tree,
    council_plan_import,
    council_plan_update,
    plan_node_create,
    plan_node_move,
    plan_node_retire,
    plan_node_update,
)
from planning.services.plans import (
    objective_create,
    objective_update,
    progress_update_add,
    unit_plan_create,
    unit_plan_update,
)
from planning.services.risks import (
    risk_action_add,
    risk_action_complete,
    risk_create,
    risk_escalate,
    risk_review,
    risk_update,
)

__all__ = [
    "CouncilPlanReadOnly",
    "cic_note_add",
    "cic_objective_create",
    "cic_objective_update",
    "council_plan_create",
    "council_plan_create_with_tree",
    "council_plan_import",
    "council_plan_update",
    "objective_create",
    "objective_update",
    "plan_node_create",
    "plan_node_move",
    "plan_node_retire",
    "plan_node_update",
    "progress_update_add",
    "risk_action_add",
    "risk_action_complete",
    "risk_create",
    "risk_escalate",
    "risk_review",
    "risk_update",
    "unit_plan_create",
    "unit_plan_update",
]
