"""Reporting periods: made with default dates, then moved through their lifecycle by a
performance admin (or, later, by the quarterly cycle), each step audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.policy import Capability
from audit.models import Action
from audit.services import audit_record, model_snapshot
from core.services import apply_changes, require
from kpis.calendar import quarter_bounds
from kpis.models import PeriodState, ReportingPeriod
from kpis.workflow import TransitionRefused, next_step


def first_live_period() -> ReportingPeriod | None:
    """The earliest period the cycle runs (not historic): history lies before it."""
    return ReportingPeriod.objects.filter(historic=False).order_by("year", "quarter").first()


def historic_period_problem(
    year: int, quarter: int, *, today: datetime.date, first_live: ReportingPeriod | None
) -> str | None:
    """Why a quarter cannot be made a historic period, or None. A historic period holds figures
    reported before this service, and the cycle leaves it alone, so it must lie wholly in the
    past: its quarter has ended (before ``today``), and it comes before the first period the
    cycle runs (``first_live``), so the cycle's own quarters never have a gap it will not fill.
    ``period_create`` and the history import ask this one rule."""
    label = ReportingPeriod(year=year, quarter=quarter).label
    end = quarter_bounds(year, quarter)[1]
    if end >= today:
        return (
            f"{label} has not ended (it ends {end:%-d %b %Y}); history is loaded only for quarters that have "
            "ended, and its figures are entered as returns when its period opens"
        )
    if first_live is not None and (year, quarter) > (first_live.year, first_live.quarter):
        return (
            f"{label} comes after {first_live.label}, the first period the cycle runs; history makes periods "
            f"only for quarters before it, so add {label} on the reporting periods page"
        )
    return None


def new_period(year: int, quarter: int, *, historic: bool = False, **dates) -> ReportingPeriod:
    """A period (not yet saved) with its default dates from the council's calendar; a historic
    one is made closed, holding history."""
    values = ReportingPeriod.default_dates(year, quarter)
    values.update({k: v for k, v in dates.items() if v})
    state = PeriodState.CLOSED if historic else PeriodState.SCHEDULED
    return ReportingPeriod(year=year, quarter=quarter, state=state, historic=historic, **values)


@transaction.atomic
def period_create(*, by, year: int, quarter: int, historic: bool = False, **dates) -> ReportingPeriod:
    """A new period with default dates. ``historic`` makes a closed period to hold backfilled
    history (values reported before this service was used), which the cycle leaves alone; only
    a quarter wholly in the past (``historic_period_problem``) may be one."""
    require(by, Capability.MANAGE_PERIODS)
    if historic:
        problem = historic_period_problem(year, quarter, today=timezone.localdate(), first_live=first_live_period())
        if problem:
            raise ValidationError({"quarter": problem[0].upper() + problem[1:]})
    period = new_period(year, quarter, historic=historic, **dates)
    period.full_clean()
    period.save()
    audit_record(actor=by, action=Action.CREATE, instance=period, after=model_snapshot(period))
    return period


@transaction.atomic
def period_update_dates(*, by, period: ReportingPeriod, **dates) -> ReportingPeriod:
    require(by, Capability.MANAGE_PERIODS)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    before = model_snapshot(period)
    apply_changes(period, dates, {"opens_on", "return_deadline", "review_deadline", "publish_on"})
    period.full_clean()
    period.save()
    audit_record(actor=by, action=Action.UPDATE, instance=period, before=before, after=model_snapshot(period))
    return period


@transaction.atomic
def period_advance(*, by, period: ReportingPeriod, to: str, report_frozen: bool = False) -> ReportingPeriod:
    """Move a period one step on: scheduled → open → closed → draft report → published.
    Idempotent: asking for the state it is already in changes nothing. Only publishing the
    report (``reporting.services.report_publish``, which freezes its snapshot first) may
    move a period to published."""
    require(by, Capability.MANAGE_PERIODS)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state == to:
        return period
    if to == PeriodState.PUBLISHED and not report_frozen:
        raise TransitionRefused("Publish from the period's report page: publishing freezes the report first.")
    if next_step(period) != to:
        raise TransitionRefused(
            f"{period.label} is {period.get_state_display().lower()}; it cannot go to "
            f"{PeriodState(to).label.lower()} from there."
        )
    if to == PeriodState.OPEN and ReportingPeriod.objects.filter(state=PeriodState.OPEN).exclude(pk=period.pk).exists():
        raise TransitionRefused("Another period is still open. Close it first.")
    before = {"state": period.state}
    period.state = to
    period.save(update_fields=["state"])
    created = create_returns(period) if to == PeriodState.OPEN else 0
    after = {"state": to, "returns_created": created} if created else {"state": to}
    audit_record(actor=by, action=Action(f"period:{to}"), instance=period, before=before, after=after)
    return period


def create_returns(period: ReportingPeriod, *, kpis=None) -> int:
    """A not-started return for every active KPI due this period (or for those of ``kpis``
    that are), in one insert. The one rule for which KPIs report in a period: opening the
    period asks it for them all, adding a KPI while the period is open asks it for that one
    (``returns_for_new_kpi``). Safe to run again: existing returns are left alone."""
    from kpis.data_periods import is_due, new_return
    from kpis.models import Kpi, KpiReturn

    candidates = Kpi.objects.filter(is_active=True)
    if kpis is not None:
        candidates = candidates.filter(pk__in=[kpi.pk for kpi in kpis])
    existing = set(KpiReturn.objects.filter(period=period, kpi__in=candidates).values_list("kpi_id", flat=True))
    new = []
    for kpi in candidates.prefetch_related("versions"):
        if kpi.pk in existing or not is_due(kpi, period):
            continue
        version = kpi.version_for(period.end)
        if version is None:
            continue
        new.append(new_return(kpi, period, version=version))
    KpiReturn.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def returns_for_new_kpi(kpi) -> int:
    """A KPI added while a period is open (or switched back on, or made due this quarter) is
    reported in that period at once, as if it had been there when the period opened; with no
    period open, the next one to open makes its return."""
    period = ReportingPeriod.objects.current_open()
    return create_returns(period, kpis=[kpi]) if period else 0
