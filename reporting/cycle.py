"""The quarterly reporting cycle (DESIGN §5): which steps a period has, when each is due, and
doing each due step exactly once.

A period's dates are the single source of truth; its steps' due times are worked out from
them (``plan``) at 07:00 on the day, and recomputed while a step waits, so an admin's change
of dates moves the steps. Celery beat calls ``tick`` every half-minute: it makes sure the
next four quarters' periods exist, performs every step that is due (so a missed tick catches
up), emails the day's notifications, sends again any report build whose message was lost
with Redis, and drains the outbox.

Each step is a row (``CycleStep``) locked while it runs; a step done is never done again, so
two ticks or two workers at once do the work once. A tick itself runs one at a time (an
advisory lock), so a second beat or a slow tick does no harm.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from accounts.policy import SYSTEM
from core import locks
from kpis.calendar import add_working_days, quarter_bounds, working_days_before
from kpis.models import KpiReturn, PeriodState, ReportingPeriod
from kpis.services.periods import period_advance, period_create
from kpis.workflow import AWAITING_REVIEW, OUTSTANDING
from planning.models import Risk
from reporting import notifications
from reporting.models import CycleStep, StepState
from reporting.services import builds_resend, draft_build, report_publish

logger = logging.getLogger(__name__)

#: Steps run at this local time on their day.
STEP_HOUR = 7
#: How many quarters ahead periods are made.
QUARTERS_AHEAD = 4

STEP_TITLES = {
    "open": "Open the period for returns",
    "remind-5": "Remind owners 5 working days before the deadline",
    "remind-1": "Remind owners 1 working day before the deadline",
    "close": "Close the period after the deadline",
    "chase": "Chase overdue returns, copying the directorate lead",
    "review": "Remind leads of returns waiting for review",
    "draft-report": "Build the draft report and tell CMT",
    "publish": "Publish and tell Cabinet and scrutiny",
}
#: The order of steps due at the same moment.
ORDER = ["open", "remind-5", "remind-1", "close", "chase", "review", "draft-report", "publish"]


class StepNotReady(Exception):
    """The step cannot run yet (for example the period is in the wrong state)."""


@dataclass(frozen=True)
class PlannedStep:
    key: str
    due: datetime.date

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def title(self) -> str:
        suffix = f" ({self.due:%-d %b})" if ":" in self.key else ""
        return STEP_TITLES[self.kind] + suffix


def at_step_hour(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(STEP_HOUR)))


def plan(period: ReportingPeriod) -> list[PlannedStep]:
    """The period's steps and the day each is due, from its dates."""
    deadline, review = period.return_deadline, period.review_deadline
    steps = [
        PlannedStep("open", period.opens_on),
        PlannedStep("remind-5", working_days_before(deadline, 5)),
        PlannedStep("remind-1", working_days_before(deadline, 1)),
        PlannedStep("close", deadline + datetime.timedelta(days=1)),
    ]
    day = add_working_days(deadline, 1)
    while day <= review:
        steps.append(PlannedStep(f"chase:{day.isoformat()}", day))
        steps.append(PlannedStep(f"review:{day.isoformat()}", day))
        day = add_working_days(day, 1)
    steps.append(PlannedStep("draft-report", review))
    if period.publish_on:
        steps.append(PlannedStep("publish", period.publish_on))
    return steps


def sync_steps(period: ReportingPeriod) -> list[CycleStep]:
    """Make the period's step rows match its dates; a waiting step moves with the dates, a
    done one stays as it happened."""
    planned = {p.key: p for p in plan(period)}
    existing = {s.key: s for s in CycleStep.objects.filter(period=period)}
    for key, step in planned.items():
        due_at = at_step_hour(step.due)
        row = existing.get(key)
        if row is None:
            CycleStep.objects.get_or_create(period=period, key=key, defaults={"due_at": due_at})
        elif row.state == StepState.WAITING and not row.due_fixed and row.due_at != due_at:
            CycleStep.objects.filter(pk=row.pk).update(due_at=due_at)
    stale = [s.pk for k, s in existing.items() if k not in planned and s.state == StepState.WAITING and not s.due_fixed]
    CycleStep.objects.filter(pk__in=stale).delete()
    return list(CycleStep.objects.filter(period=period))


def ensure_periods(today: datetime.date) -> list[ReportingPeriod]:
    """The current quarter and the next four exist, with their default dates."""
    made = []
    year, quarter = _financial_quarter(today)
    for _ in range(QUARTERS_AHEAD + 1):
        if not ReportingPeriod.objects.filter(year=year, quarter=quarter).exists():
            made.append(period_create(by=SYSTEM, year=year, quarter=quarter))
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    return made


def _financial_quarter(day: datetime.date) -> tuple[int, int]:
    year = day.year if day.month >= 4 else day.year - 1
    for quarter in range(1, 5):
        start, end = quarter_bounds(year, quarter)
        if start <= day <= end:
            return year, quarter
    raise AssertionError(day)


def tick(now: datetime.datetime | None = None) -> dict:
    """Everything due, once. Returns what it did, for the log.

    One tick runs at a time across every worker: a tick that finds another running (a second
    beat's, or the next one sent while a slow one works) leaves the work to it, and the tick
    after catches up whatever has fallen due since. Without this, two ticks at once would both
    find next year's periods missing and both try to make them."""
    with locks.held(locks.CYCLE_TICK, wait=False) as alone:
        if not alone:
            return {"skipped": "another tick is running"}
        return _tick(now)


def _tick(now: datetime.datetime | None) -> dict:
    from reporting.outbox import drain

    now = now or timezone.now()
    done = {"periods_made": len(ensure_periods(timezone.localdate(now))), "steps": []}
    periods = ReportingPeriod.objects.exclude(state=PeriodState.PUBLISHED).filter(historic=False)
    for period in periods.order_by("year", "quarter"):
        sync_steps(period)
        due = CycleStep.objects.filter(period=period, state=StepState.WAITING, due_at__lte=now)
        for step in sorted(due, key=lambda s: (s.due_at, ORDER.index(s.key.split(":", 1)[0]))):
            if run_step(step.pk, now=now):
                done["steps"].append(f"{period.label} {step.key}")
    done["risk_reviews"] = remind_overdue_risk_reviews(timezone.localdate(now))
    done["emailed"] = notifications.send_due()
    done["builds_resent"] = builds_resend(now=now)
    try:
        done["outbox"] = drain()
    except Exception as error:  # Redis still down: next tick
        logger.warning("outbox not drained: %s", error)
    return done


def remind_overdue_risk_reviews(day: datetime.date) -> int:
    """Put each open risk whose review date has passed in its owner's message for ``day``.

    Runs at every tick and is idempotent: a line already in the day's message is not added
    again, and once the day's message has been emailed nothing more is added for that day
    (tomorrow's tick puts the still-overdue risks in tomorrow's). Returns how many owners
    were told something new or again."""
    from reporting.models import Notification

    overdue = list(Risk.objects.review_overdue(day).filter(owner__is_active=True).select_related("owner"))
    if not overdue:
        return 0
    emailed = set(Notification.objects.filter(day=day, emailed_at__isnull=False).values_list("user_id", flat=True))
    by_owner: dict[User, list[Risk]] = defaultdict(list)
    for risk in overdue:
        if risk.owner_id not in emailed:
            by_owner[risk.owner].append(risk)
    with transaction.atomic():
        for owner, risks in by_owner.items():
            notifications.add(
                owner,
                day,
                [
                    (
                        f"Risk review overdue: {risk.reference} {risk.title} (due {risk.review_date:%-d %B})",
                        reverse("planning:risk-detail", args=[risk.pk]),
                    )
                    for risk in risks
                ],
            )
    return len(by_owner)


def run_step(step_id: int, *, now: datetime.datetime | None = None, by=SYSTEM, early: bool = False) -> bool:
    """Do one step if it is still waiting (and due, unless ``early``); True if this call did
    it. Locked, so a second worker waits, then finds it done. ``by`` is the system when beat
    runs it, the performance admin who pressed "Run now" otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        step = CycleStep.objects.select_for_update().select_related("period").get(pk=step_id)
        if step.state in {StepState.DONE, StepState.SKIPPED}:
            return False
        if step.due_at > now and not early:
            return False
        step.attempts += 1
        started = time.perf_counter()
        try:
            with transaction.atomic():
                state, summary = STEPS[step.key.split(":", 1)[0]](step.period, now, by)
        except StepNotReady as reason:
            step.error = str(reason)
            step.save(update_fields=["attempts", "error"])
            return False
        except Exception as error:
            logger.exception("cycle step %s failed", step)
            step.state, step.error = StepState.FAILED, f"{type(error).__name__}: {error}"
            step.save(update_fields=["attempts", "state", "error"])
            return False
        seconds = time.perf_counter() - started
        step.state, step.done_at, step.error = state, now, ""
        step.summary = summary if seconds < 1 else f"{summary} ({seconds:.1f} s)"
        step.save(update_fields=["attempts", "state", "done_at", "error", "summary"])
    return True


# --- The steps -------------------------------------------------------------------------------


def _open(period: ReportingPeriod, now, by) -> tuple[str, str]:
    if period.state != PeriodState.SCHEDULED:
        return StepState.SKIPPED, f"Already {period.get_state_display().lower()}"
    open_now = ReportingPeriod.objects.filter(state=PeriodState.OPEN).exclude(pk=period.pk).first()
    if open_now is not None:
        period_advance(by=by, period=open_now, to=PeriodState.CLOSED)
    period_advance(by=by, period=period, to=PeriodState.OPEN)
    return StepState.DONE, f"Opened: {period.returns.count()} returns to make"


def _remind(period: ReportingPeriod, now, by) -> tuple[str, str]:
    if period.state != PeriodState.OPEN:
        return StepState.SKIPPED, "The period is not open"
    day = timezone.localdate(now)
    people = _owners_of(_not_submitted(period))
    for person, returns in people.items():
        notifications.add(
            person,
            day,
            [(f"{r.kpi.code} {r.kpi.title}: due {period.return_deadline:%-d %B}", _return_link(r)) for r in returns],
        )
    return StepState.DONE, f"Reminders sent to {len(people)} {'person' if len(people) == 1 else 'people'}"


def _close(period: ReportingPeriod, now, by) -> tuple[str, str]:
    if period.state != PeriodState.OPEN:
        return StepState.SKIPPED, f"Already {period.get_state_display().lower()}"
    period_advance(by=by, period=period, to=PeriodState.CLOSED)
    late = _not_submitted(period).count()
    return StepState.DONE, f"Closed with {late} return{'s' if late != 1 else ''} not submitted"


def _chase(period: ReportingPeriod, now, by) -> tuple[str, str]:
    if period.state not in {PeriodState.OPEN, PeriodState.CLOSED}:
        return StepState.SKIPPED, "Past the review stage"
    day = timezone.localdate(now)
    overdue = list(_not_submitted(period))
    owners = _owners_of(overdue)
    leads = _leads_for(overdue)
    for person, returns in owners.items():
        notifications.add(person, day, [(f"Overdue: {r.kpi.code} {r.kpi.title}", _return_link(r)) for r in returns])
    for lead, returns in leads.items():
        notifications.add(
            lead,
            day,
            [(f"Overdue in your directorate: {r.kpi.code} ({r.kpi.owner.display_name})", "") for r in returns],
        )
    return StepState.DONE, f"Chased {len(overdue)} overdue returns: {len(owners) + len(leads)} people told"


def _review(period: ReportingPeriod, now, by) -> tuple[str, str]:
    day = timezone.localdate(now)
    waiting = list(
        KpiReturn.objects.filter(period=period, state__in=AWAITING_REVIEW).select_related(
            "kpi__owning_service", "kpi__owner"
        )
    )
    leads = _leads_for(waiting)
    for lead, returns in leads.items():
        notifications.add(
            lead,
            day,
            [
                (f"Waiting for your review: {r.kpi.code} {r.kpi.title}", reverse("kpis:return-review", args=[r.pk]))
                for r in returns
            ],
        )
    return StepState.DONE, f"Review reminders sent to {len(leads)} lead{'s' if len(leads) != 1 else ''}"


def _draft_report(period: ReportingPeriod, now, by) -> tuple[str, str]:
    if period.state == PeriodState.OPEN:
        period_advance(by=by, period=period, to=PeriodState.CLOSED)
        period.refresh_from_db()
    if period.state == PeriodState.CLOSED:
        period_advance(by=by, period=period, to=PeriodState.DRAFT_REPORT)
        period.refresh_from_db()
    if period.state != PeriodState.DRAFT_REPORT:
        return StepState.SKIPPED, f"Already {period.get_state_display().lower()}"
    draft_build(by=by, period=period)  # the step runs once, so this is the cycle's one build
    link = reverse("reporting:report", args=[period.pk])
    cmt = _people_with(Role.CMT)
    for person in cmt:
        notifications.add(person, timezone.localdate(now), [(f"The draft {period.label} report is ready", link)])
    return StepState.DONE, f"Draft report built; {len(cmt)} CMT members told"


def _publish(period: ReportingPeriod, now, by) -> tuple[str, str]:
    if period.state not in {PeriodState.DRAFT_REPORT, PeriodState.PUBLISHED}:
        raise StepNotReady(f"{period.label} is {period.get_state_display().lower()}; the draft report comes first")
    snapshot = report_publish(by=by, period=period)
    link = reverse("reporting:snapshot", args=[snapshot.pk])
    readers = _people_with(Role.CABINET, Role.SCRUTINY)
    for person in readers:
        notifications.add(person, timezone.localdate(now), [(f"The {period.label} report is published", link)])
    return StepState.DONE, f"Published; {len(readers)} Cabinet and scrutiny members told"


STEPS = {
    "open": _open,
    "remind-5": _remind,
    "remind-1": _remind,
    "close": _close,
    "chase": _chase,
    "review": _review,
    "draft-report": _draft_report,
    "publish": _publish,
}


# --- Who is told -----------------------------------------------------------------------------


def _not_submitted(period: ReportingPeriod):
    return KpiReturn.objects.filter(period=period, state__in=OUTSTANDING).select_related(
        "kpi__owner", "kpi__owning_service"
    )


def _owners_of(returns) -> dict[User, list[KpiReturn]]:
    people: dict[User, list[KpiReturn]] = defaultdict(list)
    for kpi_return in returns:
        people[kpi_return.kpi.owner].append(kpi_return)
    return people


def _leads_for(returns) -> dict[User, list[KpiReturn]]:
    """The directorate performance leads of the returns' services."""
    directorates = {r.kpi.owning_service.parent_id for r in returns}
    leads: dict[int, list[User]] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(
        role=Role.DIRECTORATE_LEAD, org_unit_id__in=directorates
    ).select_related("user"):
        leads[assignment.org_unit_id].append(assignment.user)
    told: dict[User, list[KpiReturn]] = defaultdict(list)
    for kpi_return in returns:
        for lead in leads.get(kpi_return.kpi.owning_service.parent_id, []):
            told[lead].append(kpi_return)
    return told


def _people_with(*roles: str) -> list[User]:
    return list(User.objects.filter(role_assignments__role__in=roles, is_active=True).distinct().order_by("pk"))


def _return_link(kpi_return: KpiReturn) -> str:
    return reverse("kpis:return-edit", args=[kpi_return.pk])
