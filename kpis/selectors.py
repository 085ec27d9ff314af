"""Reads for KPI pages: results (RAG, direction) for many returns at once, in fixed queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpis.models import Kpi, KpiReturn, KpiVersion, ReturnState, Target
from kpis.results import Direction, Polarity, Rag, Tolerance, ToleranceType, direction, rag


@dataclass
class Result:
    kpi_return: KpiReturn
    target: Decimal | None
    rag: Rag
    previous: KpiReturn | None
    previous_rag: Rag | None
    direction: Direction
    last_year: KpiReturn | None = None
    direction_last_year: Direction = Direction.NO_COMPARISON


def _judge(kpi_return: KpiReturn, targets: dict) -> tuple[Decimal | None, Rag]:
    kpi, version = kpi_return.kpi, kpi_return.version
    target = targets.get((kpi.pk, kpi_return.data_period_end, version.is_cumulative))
    if target is None and not version.is_cumulative:
        target = targets.get((kpi.pk, kpi_return.data_period_end, True))
    status = rag(
        kpi_return.value,
        target,
        polarity=Polarity(version.polarity),
        decimal_places=kpi.decimal_places,
        tolerance=Tolerance(ToleranceType(kpi.tolerance_type), kpi.tolerance_amount),
    )
    return target, status


def results_for(returns: list[KpiReturn], among=None) -> dict[int, Result]:
    """RAG against the right target and direction against the previous approved value, for a
    list of returns: two queries however many there are. ``among`` is the person's scoped
    returns (``KpiReturn.objects.restrict(...)``) when they may not see every earlier figure,
    so a comparison never carries a figure they may not read."""
    if not returns:
        return {}
    kpi_ids = {r.kpi_id for r in returns}
    # Every approved value of the KPIs, as tuples: only the two each return is compared with
    # become model instances (a dashboard of 125 KPIs reads some 1,500 and keeps 250).
    history: dict[int, list[tuple]] = {}
    for row in (
        (KpiReturn.objects.all() if among is None else among)
        .filter(kpi_id__in=kpi_ids, state=ReturnState.APPROVED, value__isnull=False)
        .order_by("kpi_id", "-data_period_end")
        .values_list(*_PAST_FIELDS)
    ):
        history.setdefault(row[1], []).append(row)
    previous_of = {
        r.pk: _past(next((p for p in history.get(r.kpi_id, []) if p[4] < r.data_period_end), None)) for r in returns
    }
    ends = {r.data_period_end for r in returns} | {p.data_period_end for p in previous_of.values() if p}
    targets: dict[tuple[int, object, bool], Decimal] = {
        (t.kpi_id, t.for_date, t.is_year_to_date): t.value
        for t in Target.objects.filter(kpi_id__in=kpi_ids, for_date__in=ends)
    }
    results = {}
    for kpi_return in returns:
        target, status = _judge(kpi_return, targets)
        previous = previous_of[kpi_return.pk]
        last_year = _past(_same_period_last_year(kpi_return, history.get(kpi_return.kpi_id, [])))
        previous_rag = None
        if previous is not None:
            previous.kpi = kpi_return.kpi
            previous_rag = _judge(previous, targets)[1]
        # A cumulative KPI is compared only with the same point last year (DESIGN §4).
        moved = Direction.NO_COMPARISON if kpi_return.version.is_cumulative else _moved(kpi_return, previous)
        results[kpi_return.pk] = Result(
            kpi_return, target, status, previous, previous_rag, moved, last_year, _moved(kpi_return, last_year)
        )
    return results


def _moved(kpi_return: KpiReturn, earlier: KpiReturn | None) -> Direction:
    return direction(
        kpi_return.value,
        earlier.value if earlier else None,
        polarity=Polarity(kpi_return.version.polarity),
        decimal_places=kpi_return.kpi.decimal_places,
        same_definition=earlier is None or earlier.version_id == kpi_return.version_id,
    )


def _same_period_last_year(kpi_return: KpiReturn, history: list[tuple]) -> tuple | None:
    """The approved value for the data period ending a year before this one ends."""
    end = kpi_return.data_period_end
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    return next((past for past in history if past[4] == year_before), None)


#: What judging and comparing read of an earlier approved value, in this order.
_PAST_FIELDS = (
    "pk",
    "kpi_id",
    "version_id",
    "value",
    "data_period_end",
    "data_period_label",
    "version__polarity",
    "version__cumulative_basis",
)


def _past(row: tuple | None) -> KpiReturn | None:
    """An earlier approved value as a return loaded with just the fields judging it needs,
    the rest deferred, as ``.only()`` would load it."""
    if row is None:
        return None
    pk, kpi_id, version_id, value, end, label, polarity, basis = row
    kpi_return = _loaded(
        KpiReturn,
        id=pk,
        kpi_id=kpi_id,
        version_id=version_id,
        value=value,
        data_period_end=end,
        data_period_label=label,
    )
    kpi_return.version = _loaded(KpiVersion, id=version_id, kpi_id=kpi_id, polarity=polarity, cumulative_basis=basis)
    return kpi_return


def _loaded(model, **values):
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", names, [values[name] for name in names])


def returns_for_person(user, period):
    """The returns a person enters: KPIs they own or deputise, and, for a service lead, the
    KPIs of the services they lead (``enter_returns``, scoped as everywhere). A performance
    admin may enter any return, but their own list is of the KPIs they own."""
    from accounts.policy import Capability, scope_of

    returns = KpiReturn.objects.restrict(user, Capability.ENTER_RETURNS)
    scope = scope_of(user, Capability.ENTER_RETURNS)
    if scope is not None and scope.council_wide:
        returns = returns.owned_by(user)
    return (
        returns.filter(period=period).select_related("kpi__owning_service", "version", "period").order_by("kpi__code")
    )


def red_two_periods_running(returns: list[KpiReturn], results: dict[int, Result]) -> list[Kpi]:
    """KPIs Red now and Red in the previous approved value, with no open escalation and no
    recorded decision for this period: the lead must escalate or say why not."""
    from kpis.models import Escalation, RedRunDecision

    candidates = [
        r for r in returns if (result := results.get(r.pk)) and result.rag == Rag.RED and result.previous_rag == Rag.RED
    ]
    if not candidates:
        return []
    kpi_ids = [r.kpi_id for r in candidates]
    period_ids = {r.period_id for r in candidates}
    escalated = set(Escalation.objects.open().filter(kpi_id__in=kpi_ids).values_list("kpi_id", flat=True))
    decided = set(
        RedRunDecision.objects.filter(kpi_id__in=kpi_ids, period_id__in=period_ids).values_list("kpi_id", flat=True)
    )
    return [r.kpi for r in candidates if r.kpi_id not in escalated and r.kpi_id not in decided]
