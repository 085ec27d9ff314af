"""The return workflow and the period lifecycle: the two state machines of a quarter, in one
place (see docs/adr/0009-return-workflow.md).

    not started ─save─▶ draft ─submit─▶ submitted ─approve─▶ approved ◀─┐ revise
                          ▲                 │                  │  └────┘ (published only)
                          └──save── returned ◀─send back (with a reason)
    not started / draft / returned ─mark not available─▶ not available ─save─▶ draft
    not started / approved ─backfill (history loaded from elsewhere)─▶ approved
    not started ─backfill not available (history published without a figure)─▶ not available

Every transition is checked here (is it allowed from this state?) and carried out by a
service in ``kpis.services.returns``, which checks who may do it (``WHO``) and any guard
written beside the transition, and writes the audit record with the transition's name and
reason. The state groups below are the one answer to "which returns are editable,
outstanding, done"; pages, the cycle and the selectors ask them rather than listing states.

A period moves one step at a time along ``LIFECYCLE`` (``kpis.services.periods``).
"""

from __future__ import annotations

from enum import StrEnum

from accounts.policy import Capability
from kpis.models import PeriodState, ReturnState


class Action(StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    MARK_NOT_AVAILABLE = "mark_not_available"
    #: A historic figure recorded as approved (the history import, the demo loader).
    BACKFILL = "backfill"
    #: A historic quarter whose figure was published as not available, with the reason given.
    BACKFILL_NOT_AVAILABLE = "backfill_not_available"
    #: An approved figure changed after its report was published, with a reason.
    REVISE = "revise"


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
    # Guard: the period is closed or historic, and a published figure changes only by revision
    # (kpis.services.returns.backfill_problems). A return in the workflow is never overwritten.
    (S.NOT_STARTED, Action.BACKFILL): S.APPROVED,
    (S.APPROVED, Action.BACKFILL): S.APPROVED,
    (S.NOT_STARTED, Action.BACKFILL_NOT_AVAILABLE): S.NOT_AVAILABLE,
    # Guard: the period's report is published (kpis.services.returns.return_revise).
    (S.APPROVED, Action.REVISE): S.APPROVED,
}

#: Who may take each action. Entering is also open to the KPI's owner and deputy
#: (``kpis.services.returns.may_enter``); approving also needs someone other than the submitter.
WHO: dict[Action, Capability] = {
    Action.SAVE: Capability.ENTER_RETURNS,
    Action.SUBMIT: Capability.ENTER_RETURNS,
    Action.MARK_NOT_AVAILABLE: Capability.ENTER_RETURNS,
    Action.APPROVE: Capability.REVIEW_RETURNS,
    Action.SEND_BACK: Capability.REVIEW_RETURNS,
    Action.BACKFILL: Capability.MANAGE_KPIS,
    Action.BACKFILL_NOT_AVAILABLE: Capability.MANAGE_KPIS,
    Action.REVISE: Capability.MANAGE_KPIS,
}


def _from(action: Action) -> frozenset[str]:
    return frozenset(state for (state, taken) in TRANSITIONS if taken == action)


# --- The state groups ------------------------------------------------------------------------

#: The service may still type into it: the return form is shown.
EDITABLE = _from(Action.SAVE)
#: Not yet with the reviewer and not explained as not available: reminded and chased.
OUTSTANDING = frozenset({S.NOT_STARTED, S.DRAFT, S.RETURNED})
#: Waiting for a directorate lead's review.
AWAITING_REVIEW = _from(Action.APPROVE)
#: Handed in: done as far as the person entering it is concerned (the task list's count).
HANDED_IN = frozenset({S.SUBMITTED, S.APPROVED})
#: Settled for the report: a figure approved, or an accepted reason why there is none.
SETTLED = frozenset({S.APPROVED, S.NOT_AVAILABLE})
#: A historic figure may be recorded over it (never over a return in the workflow).
BACKFILLABLE = _from(Action.BACKFILL)


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


def revisable(kpi_return) -> bool:
    """May this figure be revised: approved, and published (its period's report published, or
    history in a historic period, which everyone reads as published)? The guard on ``revise``:
    the KPI page offers Revise where this holds; ``return_revise`` asks it again."""
    return Action.REVISE in allowed_actions(kpi_return.state) and kpi_return.period.figures_published


ACTION_PAST = {
    Action.SAVE: "saved",
    Action.SUBMIT: "submitted",
    Action.APPROVE: "approved",
    Action.SEND_BACK: "returned",
    Action.MARK_NOT_AVAILABLE: "marked not available",
    Action.BACKFILL: "loaded from history",
    Action.BACKFILL_NOT_AVAILABLE: "loaded from history as not available",
    Action.REVISE: "revised",
}


# --- The period lifecycle --------------------------------------------------------------------

#: A period's states in order; it moves one step at a time (``kpis.services.periods.period_advance``).
LIFECYCLE = [
    PeriodState.SCHEDULED,
    PeriodState.OPEN,
    PeriodState.CLOSED,
    PeriodState.DRAFT_REPORT,
    PeriodState.PUBLISHED,
]
#: The button that takes a period to each state.
STEP_NAMES = {
    PeriodState.OPEN: "Open for returns",
    PeriodState.CLOSED: "Close",
    PeriodState.DRAFT_REPORT: "Start the draft report",
    PeriodState.PUBLISHED: "Publish",
}
#: Periods whose report exists (a draft or the published one).
REPORTED = frozenset({PeriodState.DRAFT_REPORT, PeriodState.PUBLISHED})


def next_step(period) -> str | None:
    """The state a period moves to next, or None once published."""
    index = LIFECYCLE.index(PeriodState(period.state))
    return LIFECYCLE[index + 1] if index + 1 < len(LIFECYCLE) else None
