"""Entering, submitting, reviewing and escalating returns."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.policy import can, person_of
from audit.models import Action as AuditAction
from audit.services import audit_record, model_snapshot
from core import events
from kpis.data_periods import MADE_WITH, new_return
from kpis.data_quality import attestation_problems
from kpis.entry import NOTHING, ReturnEntry, entry_problems
from kpis.figures import judge, read_targets
from kpis.models import Kpi, KpiReturn, PeriodState, ReportingPeriod, ReturnState
from kpis.results import Rag
from kpis.services import parts as return_parts
from kpis.validation import check_entry, compute, unusual_movement
from kpis.workflow import BACKFILLABLE, TRANSITIONS, WHO, Action, TransitionRefused, next_state, revisable

UNUSUAL = "unusual"


def is_unusual_warning(error: ValidationError) -> bool:
    """Is this the "check it, then confirm" warning rather than an error?"""
    return any(e.code == UNUSUAL for e in getattr(error, "error_dict", {}).get("value", []))


class ReturnConflict(Exception):
    """Someone else saved this return after it was opened. Nothing was saved."""

    def __init__(self, current: KpiReturn, differences: list[tuple[str, object, object]]):
        self.current = current
        self.differences = differences
        who = current.updated_by.display_name if current.updated_by_id else "someone"
        when = timezone.localtime(current.updated_at).strftime("%H:%M on %-d %b") if current.updated_at else "earlier"
        super().__init__(f"{who} saved this return at {when}, after you opened it. Nothing of yours was saved.")


@dataclass
class EntryResult:
    kpi_return: KpiReturn
    warning: str | None = None


def may_enter(user, kpi: Kpi) -> bool:
    """The KPI's owner or deputy, a service lead for its service, or a performance admin."""
    if user.pk is not None and user.pk in {kpi.owner_id, kpi.deputy_id}:
        return True
    return can(user, WHO[Action.SAVE], kpi.owning_service)


def return_for(kpi: Kpi, period: ReportingPeriod) -> KpiReturn:
    """The return for a KPI in a period, made (not started) the first time it is needed."""
    existing = KpiReturn.objects.filter(kpi=kpi, period=period).select_related("version").first()
    if existing:
        return existing
    new = new_return(kpi, period)
    kpi_return, _ = KpiReturn.objects.get_or_create(
        kpi=kpi, period=period, defaults={name: getattr(new, name) for name in MADE_WITH}
    )
    return kpi_return


def history(kpi_return: KpiReturn, limit: int = 8) -> list[Decimal]:
    earlier = (
        KpiReturn.objects.filter(kpi=kpi_return.kpi_id, state=ReturnState.APPROVED, value__isnull=False)
        .exclude(pk=kpi_return.pk)
        .filter(data_period_end__lt=kpi_return.data_period_end)
        .order_by("-data_period_end")
        .values_list("value", flat=True)[:limit]
    )
    return list(reversed(list(earlier)))


def rag_for(kpi_return: KpiReturn) -> Rag:
    """The return's RAG as it stands, by the one target rule (``kpis.figures``): one query."""
    targets = read_targets([kpi_return.kpi_id], [kpi_return.data_period_end])
    return judge(kpi_return, targets)[1]


def _check_window(kpi_return: KpiReturn) -> None:
    period = kpi_return.period
    if period.state == PeriodState.OPEN:
        return
    if period.state == PeriodState.CLOSED and kpi_return.late_allowed:
        return
    if period.state == PeriodState.CLOSED:
        raise TransitionRefused(
            f"{period.label} has closed. Ask your directorate performance lead to allow a late return."
        )
    raise TransitionRefused(f"{period.label} is not open for returns.")


def _transition(
    kpi_return: KpiReturn,
    action: Action,
    *,
    by,
    reason: str = "",
    before: dict | None = None,
    after_extra: dict | None = None,
) -> None:
    new_state = next_state(kpi_return.state, action)
    before = before if before is not None else model_snapshot(kpi_return)
    kpi_return.state = new_state
    kpi_return.revision += 1
    kpi_return.updated_by = person_of(by)
    kpi_return.updated_at = timezone.now()
    kpi_return.save()
    audit_record(
        actor=by,
        action=AuditAction(f"return:{action.value}"),
        instance=kpi_return,
        before=before,
        after=model_snapshot(kpi_return) | (after_extra or {}),
        reason=reason,
    )


def _tell(kind: str, kpi_return: KpiReturn, by) -> None:
    """The people the return concerns hear of it at once (``core.events``; reporting tells them)."""
    events.emit(kind, return_id=kpi_return.pk, by=getattr(person_of(by), "pk", None))


def _lock(kpi_return: KpiReturn) -> KpiReturn:
    # Only inner joins here: after waiting for the lock, PostgreSQL re-reads the locked row but
    # not the rows outer-joined to its old version, so who saved it is looked up afterwards.
    return (
        KpiReturn.objects.select_for_update(of=("self",))
        .select_related("kpi__owning_service", "period", "version")
        .get(pk=kpi_return.pk)
    )


@transaction.atomic
def return_save(
    *, by, kpi_return: KpiReturn, revision: int, entry: ReturnEntry = NOTHING, confirm_unusual: bool = False
) -> EntryResult:
    """Save an entry as a draft. Refused, with what changed, if someone saved since. A
    monthly return's own figure is made from its months by the quarter rule; a ratio's from
    its numerator and denominator."""
    return _save_entry(by=by, kpi_return=kpi_return, revision=revision, entry=entry, confirm_unusual=confirm_unusual)


def _save_entry(*, by, kpi_return: KpiReturn, revision: int, entry: ReturnEntry, confirm_unusual: bool) -> EntryResult:
    """``return_save`` inside the caller's transaction: a submission saves and submits in
    one transaction without a savepoint between (two round trips fewer at quarter end)."""
    current = _lock(kpi_return)
    if not may_enter(by, current.kpi):
        raise PermissionDenied("You do not enter returns for this KPI.")
    breakdowns = list(current.kpi.breakdowns.all())
    saved_parts = return_parts.stored(current, breakdowns)
    changes, parts = entry.changes(), entry.parts
    if current.revision != revision:
        differences = [
            (name, getattr(current, name), given) for name, given in changes.items() if getattr(current, name) != given
        ]
        if parts is not None:
            differences += return_parts.differences(saved_parts, parts, breakdowns)
        raise ReturnConflict(current, differences)
    _check_window(current)
    errors = entry_problems(current, entry, breakdowns)
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(current) | return_parts.snapshot(current, saved_parts, breakdowns)
    for name, given in changes.items():
        setattr(current, name, given)
    monthly = current.kpi.is_monthly and parts is not None
    if monthly:
        figure = return_parts.quarter(current, parts.months)
        current.value, current.numerator, current.denominator = figure.value, figure.numerator, figure.denominator
    elif current.version.is_ratio:
        current.value = compute(current.version, current.numerator, current.denominator).value
    warning = unusual_movement(current.value, history(current))
    if warning and not confirm_unusual:
        raise ValidationError({"value": ValidationError(warning, code=UNUSUAL)})
    after_parts = {}
    if parts is not None:
        return_parts.record(current, parts, monthly=monthly, breakdowns=breakdowns)
        after_parts = return_parts.snapshot(current, return_parts.stored(current, breakdowns), breakdowns)
    _transition(current, Action.SAVE, by=by, before=before, after_extra=after_parts)
    return EntryResult(current, warning)


def submission_problems(kpi_return: KpiReturn) -> dict[str, str]:
    """What stops a saved return being submitted: a missing figure or month, commentary a
    Council Plan measure or a Red figure needs, and the data quality attestation (every
    dimension of the policy answered, with a reason for any not met)."""
    problems: dict[str, str] = return_parts.missing_months(kpi_return)
    figure_missing = kpi_return.value is None and not kpi_return.no_eligible_cases
    if figure_missing and not problems:
        field = "numerator" if kpi_return.version.is_ratio else "value"
        problems[field] = "Enter the figure before submitting, or mark the return not available"
    needs_commentary = kpi_return.kpi.is_council_plan_measure or (
        kpi_return.value is not None and rag_for(kpi_return) == Rag.RED
    )
    if needs_commentary and not kpi_return.commentary.strip():
        why = "a Council Plan measure" if kpi_return.kpi.is_council_plan_measure else "Red against its target"
        problems["commentary"] = f"Add commentary: this KPI is {why}"
    problems.update(attestation_problems(kpi_return.data_quality))
    return problems


@transaction.atomic
def return_submit(
    *, by, kpi_return: KpiReturn, revision: int, entry: ReturnEntry = NOTHING, confirm_unusual: bool = False
) -> EntryResult:
    """Save (as a draft), then submit for review, in one transaction: all or nothing."""
    result = _save_entry(by=by, kpi_return=kpi_return, revision=revision, entry=entry, confirm_unusual=confirm_unusual)
    current = result.kpi_return
    problems = submission_problems(current)
    if problems:
        raise ValidationError(problems)
    current.submitted_by = person_of(by)
    current.submitted_at = timezone.now()
    _transition(current, Action.SUBMIT, by=by)
    return result


def not_available_problems(*, reason: str, expected_date, expected_needed: bool = True) -> dict[str, str]:
    """Field → message for a figure marked not available: it says why, and, while the cycle
    still chases it, when it is expected. The return form (``return_mark_not_available``) and
    history (``backfill_problems``, where the report it was published in may not have said
    when, so ``expected_needed`` is False) ask this one rule."""
    errors = {}
    if not (reason or "").strip():
        errors["not_available_reason"] = "Say why the figure is not available"
    if expected_needed and not expected_date:
        errors["expected_date"] = "Give the date the figure is expected"
    return errors


@transaction.atomic
def return_mark_not_available(*, by, kpi_return: KpiReturn, revision: int, reason: str, expected_date) -> KpiReturn:
    current = _lock(kpi_return)
    if not may_enter(by, current.kpi):
        raise PermissionDenied("You do not enter returns for this KPI.")
    if current.revision != revision:
        raise ReturnConflict(current, [])
    _check_window(current)
    errors = not_available_problems(reason=reason, expected_date=expected_date)
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(current)
    current.not_available_reason, current.expected_date = reason, expected_date
    current.value = current.numerator = current.denominator = None
    _transition(current, Action.MARK_NOT_AVAILABLE, by=by, reason=reason, before=before)
    return current


def _reviewable(by, kpi_return: KpiReturn) -> KpiReturn:
    """The return, locked, if ``by`` reviews it and its period's report is not yet published:
    a figure approved after publication would read as published without ever having been in
    the published report, so from then on a figure changes only by a revision."""
    current = _lock(kpi_return)
    if not can(by, WHO[Action.APPROVE], current.kpi.owning_service):
        raise PermissionDenied("You do not review returns for this service.")
    if current.period.state == PeriodState.PUBLISHED:
        raise TransitionRefused(
            f"{current.period.label} has been published; its returns are no longer reviewed. "
            "A published figure changes only by a revision with a reason."
        )
    return current


@transaction.atomic
def return_approve(*, by, kpi_return: KpiReturn, quality_checked: bool, quality_note: str = "") -> KpiReturn:
    """Approve a submitted return. The reviewer confirms their own data quality check of the
    figure (the policy's second pair of eyes), with a note if they want one; both are kept on
    the return and in the audit record."""
    if not quality_checked:
        raise ValidationError({"quality_checked": "Confirm you have checked the figure's data quality"})
    current = _reviewable(by, kpi_return)
    if by.pk is not None and current.submitted_by_id == by.pk:
        raise TransitionRefused("You cannot approve a return you submitted yourself.")
    current.approved_by, current.approved_at = person_of(by), timezone.now()
    current.review_quality_checked, current.review_quality_note = True, (quality_note or "").strip()
    _transition(current, Action.APPROVE, by=by, reason=current.review_quality_note)
    _tell(events.Kind.RETURN_APPROVED, current, by)
    return current


@transaction.atomic
def return_send_back(*, by, kpi_return: KpiReturn, reason: str) -> KpiReturn:
    if not reason.strip():
        raise ValidationError({"reason": "Say what needs to change"})
    current = _reviewable(by, kpi_return)
    current.returned_reason = reason
    _transition(current, Action.SEND_BACK, by=by, reason=reason)
    _tell(events.Kind.RETURN_SENT_BACK, current, by)
    return current


@transaction.atomic
def return_allow_late(*, by, kpi_return: KpiReturn, reason: str = "") -> KpiReturn:
    current = _reviewable(by, kpi_return)
    if current.period.state != PeriodState.CLOSED:
        raise TransitionRefused("Late returns are allowed only after the period has closed.")
    before = model_snapshot(current, fields=["late_allowed"])
    current.late_allowed = True
    current.save(update_fields=["late_allowed"])
    audit_record(
        actor=by,
        action=AuditAction.RETURN_ALLOW_LATE,
        instance=current,
        before=before,
        after={"late_allowed": True},
        reason=reason,
    )
    return current


def is_published(period: ReportingPeriod) -> bool:
    """Has a report of this period been published? Its state says so, and so does a published
    snapshot (a historic period can hold one while staying closed)."""
    if period.state == PeriodState.PUBLISHED:
        return True
    snapshots = getattr(period, "snapshots", None)  # reporting's snapshots, when that app is installed
    return snapshots is not None and snapshots.filter(kind="published").exists()


#: ``backfill_problems`` reads the existing return itself unless given it (None: there is none).
LOOK_UP = object()
#: What a stored figure is rounded to (``KpiReturn.value`` keeps 4 decimals).
STORED = Decimal("0.0001")


@dataclass(frozen=True)
class HistoricFigure:
    """One quarter's published figure as history gives it: a value, or a ratio's numerator and
    denominator, or "not available" with the reason it was published with."""

    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    not_available_reason: str | None = None  # given (even blank): the figure was not available
    expected_date: object = None

    @property
    def not_available(self) -> bool:
        return self.not_available_reason is not None

    def stored(self, version) -> tuple:
        """(value, numerator, denominator) as the return keeps them: a ratio's value made
        from its parts, as the return form makes it (``compute``)."""
        if self.not_available:
            return (None, None, None)
        if version is not None and version.is_ratio:
            made = compute(version, self.numerator, self.denominator).value
            return (None if made is None else made.quantize(STORED), self.numerator, self.denominator)
        return (self.value, self.numerator, self.denominator)


def _same_figure(kpi_return: KpiReturn, figure: HistoricFigure, version) -> bool:
    """Is ``figure`` what the return already holds (so recording it again changes nothing)?
    ``version`` is the definition the figure is read under."""
    if figure.not_available:
        return kpi_return.state == ReturnState.NOT_AVAILABLE and (
            kpi_return.not_available_reason,
            kpi_return.expected_date,
        ) == (figure.not_available_reason, figure.expected_date)
    held = (kpi_return.value, kpi_return.numerator, kpi_return.denominator)
    return kpi_return.state == ReturnState.APPROVED and held == figure.stored(version)


def _figure_problems(kpi: Kpi, version, figure: HistoricFigure) -> dict[str, str]:
    """What is wrong with a historic figure by the return form's rules (``check_entry``, the
    rule ``entry_problems`` applies to a typed entry, and ``not_available_problems``), with
    what history adds: it is a figure or not available, never blank."""
    given = {n: getattr(figure, n) for n in ("value", "numerator", "denominator") if getattr(figure, n) is not None}
    if figure.not_available:
        if given:
            return {
                next(iter(given)): "A figure published as not available has no value; leave value, "
                "numerator and denominator blank"
            }
        return not_available_problems(
            reason=figure.not_available_reason, expected_date=figure.expected_date, expected_needed=False
        )
    if version is None:
        return {}
    if not version.is_ratio:
        if figure.numerator is not None or figure.denominator is not None:
            name = "numerator" if figure.numerator is not None else "denominator"
            return {name: f"{kpi.code} is not entered as a ratio; leave numerator and denominator blank"}
        if figure.value is None:
            return {"value": "Enter the figure, or mark it not available"}
        return check_entry(kpi, version, value=figure.value, numerator=None, denominator=None)
    if figure.numerator is None and figure.denominator is None:
        return {"numerator": f"{kpi.code} is a ratio: enter its numerator and denominator, or mark it not available"}
    problems = check_entry(kpi, version, value=None, numerator=figure.numerator, denominator=figure.denominator)
    if problems or figure.value is None:
        return problems
    made = compute(version, figure.numerator, figure.denominator).value
    _, _, exponent = figure.value.as_tuple()
    places = Decimal(1).scaleb(min(exponent, 0)) if isinstance(exponent, int) else STORED
    if made is None or made.quantize(places, rounding=ROUND_HALF_UP) != figure.value:
        shown = "no value: a denominator of 0 means no eligible cases"
        if made is not None:
            shown = f"{made.quantize(STORED).normalize():f}"
        return {
            "value": f"{figure.value.normalize():f} is not what the numerator and denominator make ({shown}); "
            "leave value blank for a ratio, or give the value they make"
        }
    return {}


def backfill_problems(
    *,
    kpi: Kpi,
    period: ReportingPeriod,
    value=None,
    numerator=None,
    denominator=None,
    data_period_end=None,
    data_period_start=None,
    figure: HistoricFigure | None = None,
    existing: KpiReturn | None | object = LOOK_UP,
    published: bool | None = None,
) -> dict[str, str]:
    """Field → message for a historic figure that cannot be recorded as given. The history
    import asks this for every row before applying any; ``return_backfill`` asks it again, so
    the rule lives here once:

    - a period that is open takes returns, not history; one that has not opened takes nothing;
    - a figure measures a data period that ended by the end of the quarter it is reported in,
      and starts before it ends (so a typed 2205 never becomes everyone's latest figure);
    - a return in the workflow (a draft, submitted) is not overwritten;
    - a published figure changes only through a revision with a reason (``return_revise``);
      the same figure again is not a change, so re-importing a file does nothing;
    - the figure passes the rules the return form applies for the definition in force then: a
      value, or a ratio's numerator and denominator (its value made from them), or "not
      available" with the reason (``figure``; ``value``, ``numerator`` and ``denominator``
      are the short way to give a figure).
    """
    figure = figure or HistoricFigure(value, numerator, denominator)
    if period.state == PeriodState.OPEN:
        return {"quarter": "that period is open; enter its values as returns"}
    if data_period_end is not None and data_period_end > period.end:
        return {
            "data_period_end": f"{data_period_end:%-d %b %Y} is after {period.label} ends ({period.end:%-d %b %Y}); "
            "a quarter reports figures for periods that have ended"
        }
    if data_period_start is not None and data_period_end is not None and data_period_start > data_period_end:
        return {"data_period_start": "The data period cannot start after it ends"}
    if period.state == PeriodState.SCHEDULED and not period.historic:
        return {"quarter": f"{period.label} has not opened yet; a figure is approved only after its period"}
    if existing is LOOK_UP:  # a caller checking many rows passes what it has already read
        existing = KpiReturn.objects.filter(kpi=kpi, period=period).first()
    if published is None:
        published = period.pk is not None and is_published(period)
    version = kpi.version_for(data_period_end or period.end)
    unchanged = existing is not None and _same_figure(existing, figure, version)
    if existing is not None and existing.state not in BACKFILLABLE and not unchanged:
        return {"quarter": f"{kpi.code} {period.label} is {existing.get_state_display().lower()}; not overwritten"}
    # A figure everyone already reads as published (``ReportingPeriod.figures_published``) also
    # changes only by a revision, though a historic period may still take more KPIs' history.
    approved = existing is not None and existing.state == ReturnState.APPROVED
    if not unchanged and (published or (approved and period.figures_published)):
        if approved:
            shown = "no figure" if existing.value is None else f"{existing.value.normalize():f}"
            return {
                "value": f"{kpi.code} {period.label} was published as {shown}; a published figure changes only "
                "through a revision with a reason (Revise on the return's page)"
            }
        return {
            "value": f"{period.label} is published without a figure for {kpi.code}; a published report does not change"
        }
    return _figure_problems(kpi, version, figure)


@transaction.atomic
def return_backfill(
    *,
    by,
    kpi: Kpi,
    period: ReportingPeriod,
    value=None,
    numerator=None,
    denominator=None,
    figure: HistoricFigure | None = None,
    note: str = "",
    data_period=None,
    commentary: str = "",
    actions: str = "",
) -> KpiReturn:
    """Record a historic, already-published figure as an approved return (history loaded from
    elsewhere), or as not available with the reason it was published with, with the commentary
    and actions published with it, so they show wherever the figure does. A ratio's value is
    made from its numerator and denominator, as the return form makes it. Refuses what
    ``backfill_problems`` refuses; the same figure again is a no-op (in a published period its
    words stay as published too)."""
    figure = figure or HistoricFigure(value, numerator, denominator)
    action = Action.BACKFILL_NOT_AVAILABLE if figure.not_available else Action.BACKFILL
    if not can(by, WHO[action]):
        raise PermissionDenied("Only performance admins load history.")
    kpi_return = return_for(kpi, period)
    current = _lock(kpi_return)
    period = current.period  # as it is now, read with the lock
    problems = backfill_problems(
        kpi=kpi,
        period=period,
        figure=figure,
        data_period_end=data_period.end if data_period else None,
        data_period_start=data_period.start if data_period and data_period.start.year > 1900 else None,
        existing=current,
    )
    if problems:
        raise ValidationError(problems)
    same_period = data_period is None or (current.data_period_label, current.data_period_end) == (
        data_period.label,
        data_period.end,
    )
    version = kpi.version_for(data_period.end if data_period else period.end)
    unchanged = _same_figure(current, figure, version)
    same_words = (current.commentary, current.actions) == (commentary, actions)
    if unchanged and ((same_period and same_words) or period.figures_published or is_published(period)):
        return current  # the same figure again: nothing to record
    if current.state not in _from_states(action):
        raise TransitionRefused(f"{kpi.code} {period.label} is {current.get_state_display().lower()}; not overwritten.")
    before = model_snapshot(current)
    current.value, current.numerator, current.denominator = figure.stored(version)
    if figure.not_available:
        current.not_available_reason, current.expected_date = figure.not_available_reason, figure.expected_date
    current.commentary, current.actions = commentary, actions
    current.data_quality_note = note
    if data_period is not None:  # the source's own label for the figure, kept exactly
        current.data_period_label, current.data_period_end = data_period.label, data_period.end
        if data_period.start.year > 1900:
            current.data_period_start = data_period.start
    if not figure.not_available:
        current.approved_by, current.approved_at = person_of(by), timezone.now()
    _transition(current, action, by=by, reason=note or figure.not_available_reason or "", before=before)
    return current


def _from_states(action: Action) -> set[str]:
    return {state for state in ReturnState if (state, action) in TRANSITIONS}


@transaction.atomic
def return_revise(*, by, kpi_return: KpiReturn, reason: str, value=None, numerator=None, denominator=None):
    """Change an approved figure after its report was published: performance admins only,
    with a reason. The published snapshot keeps the old figure; the next report shows the old
    value, the new value and the reason."""
    from kpis.models import ReturnRevision

    if not can(by, WHO[Action.REVISE]):
        raise PermissionDenied("Only performance admins revise a published figure.")
    current = _lock(kpi_return)
    if not revisable(current):
        raise TransitionRefused("Only an approved figure in a published report is revised this way.")
    errors = check_entry(current.kpi, current.version, value=value, numerator=numerator, denominator=denominator)
    if not reason.strip():
        errors["reason"] = "Say why the published figure is being revised"
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(current)
    old_value = current.value
    if current.version.is_ratio:
        current.numerator, current.denominator = numerator, denominator
        current.value = compute(current.version, numerator, denominator).value
    else:
        current.value = value
    _transition(current, Action.REVISE, by=by, reason=reason, before=before)
    revision = ReturnRevision.objects.create(
        kpi_return=current, old_value=old_value, new_value=current.value, reason=reason, revised_by=person_of(by)
    )
    _tell(events.Kind.RETURN_REVISED, current, by)
    return revision
