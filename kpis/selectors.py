"""Reads for KPI pages: results (RAG, direction) for many returns at once, in fixed queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpis.data_periods import data_period_ending, months_before, previous_period_end
from kpis.models import Kpi, KpiReturn, KpiVersion, ReturnState, Target
from kpis.results import Direction, Polarity, Rag, Tolerance, ToleranceType, comparison_text, direction, rag


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
    #: The data periods compared with ("2025/26 Q1"), named even when they have no figure.
    previous_label: str = ""
    last_year_label: str = ""

    @property
    def previous_text(self) -> str:
        return comparison_text(self.direction, self.previous_label, has_figure=self.previous is not None)

    @property
    def last_year_text(self) -> str:
        return comparison_text(self.direction_last_year, self.last_year_label, has_figure=self.last_year is not None)


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
    """RAG against the right target, and direction against the figure for the previous data
    period and for the same period last year, for a list of returns: two queries however
    many there are. Only those periods' approved figures are compared with: across a gap
    there is no comparison, and the result names the period that has no figure (ADR 0008).
    ``among`` is the person's scoped returns (``KpiReturn.objects.restrict(...)``) when they
    may not see every earlier figure, so a comparison never carries a figure they may not
    read."""
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
    previous_of = {r.pk: _compared_with(r, previous_period_end(r.kpi, r.data_period_end), history) for r in returns}
    last_year_of = {r.pk: _compared_with(r, months_before(r.data_period_end, 12), history) for r in returns}
    ends = {r.data_period_end for r in returns} | {p.data_period_end for p, _ in previous_of.values() if p}
    targets: dict[tuple[int, object, bool], Decimal] = {
        (t.kpi_id, t.for_date, t.is_year_to_date): t.value
        for t in Target.objects.filter(kpi_id__in=kpi_ids, for_date__in=ends)
    }
    results = {}
    for kpi_return in returns:
        target, status = _judge(kpi_return, targets)
        previous, previous_label = previous_of[kpi_return.pk]
        last_year, last_year_label = last_year_of[kpi_return.pk]
        previous_rag = None
        if previous is not None:
            previous.kpi = kpi_return.kpi
            previous_rag = _judge(previous, targets)[1]
        # A cumulative KPI is compared only with the same point last year (DESIGN §4).
        moved = Direction.CUMULATIVE if kpi_return.version.is_cumulative else _moved(kpi_return, previous)
        results[kpi_return.pk] = Result(
            kpi_return,
            target,
            status,
            previous,
            previous_rag,
            moved,
            last_year,
            _moved(kpi_return, last_year),
            "" if kpi_return.version.is_cumulative else previous_label,
            last_year_label,
        )
    return results


def _compared_with(kpi_return: KpiReturn, end, history: dict[int, list[tuple]]) -> tuple[KpiReturn | None, str]:
    """The approved figure for the data period ending on ``end``, if any, and that period's
    label: the figure's own, or the one a return for that period would carry."""
    row = next((past for past in history.get(kpi_return.kpi_id, []) if past[4] == end), None)
    if row is not None:
        return _past(row), row[5]
    return None, data_period_ending(kpi_return.kpi, kpi_return.version, end).label


def _moved(kpi_return: KpiReturn, earlier: KpiReturn | None) -> Direction:
    return direction(
        kpi_return.value,
        earlier.value if earlier else None,
        polarity=Polarity(kpi_return.version.polarity),
        decimal_places=kpi_return.kpi.decimal_places,
        same_definition=earlier is None or earlier.version_id == kpi_return.version_id,
    )


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


def values_before(kpi_return: KpiReturn, limit: int = 5) -> list[tuple[str, Decimal]]:
    """The approved figures for the data periods before this return's, newest first, each with
    its data period's label, as the return page lists them."""
    return list(
        KpiReturn.objects.filter(kpi=kpi_return.kpi_id, state=ReturnState.APPROVED, value__isnull=False)
        .exclude(pk=kpi_return.pk)
        .filter(data_period_end__lt=kpi_return.data_period_end)
        .order_by("-data_period_end")
        .values_list("data_period_label", "value")[:limit]
    )


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
