"""The return workflow: one explicit state machine (see docs/adr/0009-return-workflow.md).

    not started ─save─▶ draft ─submit─▶ submitted ─approve─▶ approved
                          ▲                 │
                          └──save── returned ◀─send back (with a reason)
    not started / draft / returned ─mark not available─▶ not available ─save─▶ draft

Every transition is checked here (is it allowed from this state?) and carried out by a
service in ``kpis.services.returns``, which checks who may do it and writes the audit record
with the transition's name and reason.
"""

from __future__ import annotations

from enum import StrEnum

from kpis.models import ReturnState


class Action(StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    MARK_NOT_AVAILABLE = "mark_not_available"


S = ReturnState
TRANSITIONS: dict[tuple[str, Action], str] = {
    (S.NOT_STARTED, Action.SAVE): S.DRAFT,
    (S.DRAFT, Action.SAVE): S.DRAFT,
    (S.RETURNED, Action.SAVE): S.DRAFT,
    (S.NOT_AVAILABLE, Action.SAVE): S.DRAFT,
    (S.DRAFT, Action.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, Action.APPROVE): S.APPROVED,
    (S.SUBMITTED, Action.SEND_BACK): S.RETURNED,
    (S.NOT_STARTED, Action.MARK_NOT_AVAILABLE): S.NOT_AVAILABLE,
    (S.DRAFT, Action.MARK_NOT_AVAILABLE): S.NOT_AVAILABLE,
    (S.RETURNED, Action.MARK_NOT_AVAILABLE): S.NOT_AVAILABLE,
}


class TransitionRefused(Exception):
    """The action is not possible from the return's current state, or a guard refused it."""


def next_state(current: str, action: Action) -> str:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        label = ReturnState(current).label.lower()
        raise TransitionRefused(f"A return that is {label} cannot be {ACTION_PAST[action]}.") from None


def allowed_actions(current: str) -> set[Action]:
    return {action for (state, action) in TRANSITIONS if state == current}


ACTION_PAST = {
    Action.SAVE: "saved",
    Action.SUBMIT: "submitted",
    Action.APPROVE: "approved",
    Action.SEND_BACK: "returned",
    Action.MARK_NOT_AVAILABLE: "marked not available",
}
