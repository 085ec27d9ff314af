"""The workflow owns every state: every way a return's state changes is in the transition
table, the state groups come from there, and the system acts as itself, never as nobody."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.policy import SYSTEM, Capability, can
from audit.models import Action as AuditAction
from audit.models import AuditEvent
from audit.services import audit_record
from core.services import require
from kpis.entry import ReturnEntry
from kpis.models import KpiReturn, PeriodState, ReportingPeriod, ReturnState
from kpis.services.periods import period_create
from kpis.services.returns import return_backfill, return_save
from kpis.workflow import (
    BACKFILLABLE,
    EDITABLE,
    OUTSTANDING,
    TRANSITIONS,
    WHO,
    Action,
    TransitionRefused,
    allowed_actions,
    next_state,
    revisable,
)


def test_every_workflow_action_is_in_the_table_with_who_may_take_it():
    assert set(WHO) == set(Action) == {action for (_, action) in TRANSITIONS}
    assert next_state(ReturnState.NOT_STARTED, Action.BACKFILL) == ReturnState.APPROVED
    assert allowed_actions(ReturnState.APPROVED) == {Action.BACKFILL, Action.REVISE}
    with pytest.raises(TransitionRefused):
        next_state(ReturnState.SUBMITTED, Action.BACKFILL)


def test_the_state_groups_follow_the_table():
    assert {state for (state, action) in TRANSITIONS if action == Action.SAVE} == EDITABLE
    assert ReturnState.NOT_AVAILABLE in EDITABLE
    assert ReturnState.NOT_AVAILABLE not in OUTSTANDING
    assert {ReturnState.NOT_STARTED, ReturnState.APPROVED} == BACKFILLABLE


def test_only_an_approved_figure_in_a_published_report_is_revisable():
    published = ReportingPeriod(state=PeriodState.PUBLISHED)
    assert revisable(KpiReturn(state=ReturnState.APPROVED, period=published))
    assert not revisable(KpiReturn(state=ReturnState.APPROVED, period=ReportingPeriod(state=PeriodState.CLOSED)))
    assert not revisable(KpiReturn(state=ReturnState.SUBMITTED, period=published))


def test_a_backfill_is_a_transition_audited_as_the_system(world):
    historic = period_create(by=SYSTEM, year=2018, quarter=3, historic=True)
    kpi_return = return_backfill(by=SYSTEM, kpi=world.kpis["s1"], period=historic, value=Decimal("19.4"))
    assert kpi_return.state == ReturnState.APPROVED
    assert kpi_return.approved_by is None
    event = AuditEvent.objects.filter(action="return:backfill").latest("pk")
    assert (event.actor_id, event.actor_name) == (None, "system")


def test_nobody_named_is_refused_where_the_system_is_allowed(world):
    assert can(SYSTEM, Capability.MANAGE_PERIODS)
    require(SYSTEM, Capability.MANAGE_PERIODS)
    with pytest.raises(PermissionDenied):
        require(None, Capability.MANAGE_PERIODS)
    with pytest.raises(PermissionDenied):
        period_create(by=None, year=2031, quarter=1)
    historic = period_create(by=SYSTEM, year=2018, quarter=2, historic=True)
    with pytest.raises(PermissionDenied):
        return_backfill(by=None, kpi=world.kpis["s1"], period=historic, value=Decimal("19.4"))


def test_the_system_entering_a_return_is_recorded_as_no_person(world):
    kpi_return = world.kpis["return_s1"]
    assert world.kpis["period"].state == PeriodState.OPEN
    entry = ReturnEntry(value=Decimal("12"))
    saved = return_save(by=SYSTEM, kpi_return=kpi_return, revision=kpi_return.revision, entry=entry)
    assert saved.kpi_return.updated_by is None


def test_an_audit_action_is_one_of_the_named_actions(world):
    with transaction.atomic():
        with pytest.raises(TypeError):
            audit_record(actor=SYSTEM, action="made-up", instance=world.d1)
        with pytest.raises(TypeError):
            audit_record(actor=None, action=AuditAction.UPDATE, instance=world.d1)
        event = audit_record(actor=SYSTEM, action=AuditAction.UPDATE, instance=world.d1)
    assert event.action == "update"
    assert event.actor_name == "system"
