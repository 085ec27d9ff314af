"""The data dictionary: KPIs, their versions and targets."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.policy import Capability
from audit.models import Action
from audit.services import audit_record, audit_saved, model_snapshot
from core.services import apply_changes, require
from kpis.models import Benchmark, Breakdown, Kpi, KpiVersion, Target
from kpis.results import ToleranceType
from kpis.services.periods import returns_for_new_kpi
from kpis.validation import check_value

KPI_EDITABLE = {*Kpi.EDITABLE_FIELDS, "is_active"}
VERSION_FIELDS = set(KpiVersion.DEFINITION_FIELDS)
#: What decides whether a KPI reports in a period (``kpis.data_periods.is_due``): a change to
#: any of them may make it due in the open period.
DUE_FIELDS = ("is_active", "frequency", "annual_reporting_quarter")


def _kpi_snapshot(kpi: Kpi) -> dict:
    snapshot = model_snapshot(kpi)
    snapshot["council_plan_nodes"] = sorted(kpi.council_plan_nodes.values_list("pk", flat=True)) if kpi.pk else []
    snapshot["objectives"] = sorted(kpi.objectives.values_list("pk", flat=True)) if kpi.pk else []
    return snapshot


@transaction.atomic
def kpi_create(*, by, code: str, effective_from, version: dict, council_plan_nodes=(), objectives=(), **fields) -> Kpi:
    """A new KPI with its first version, and its return in the open period if it is due there
    (the form and the dictionary import both come here)."""
    require(by, Capability.MANAGE_KPIS)
    apply_changes(Kpi(), fields, KPI_EDITABLE)
    kpi = Kpi(code=code, **fields)
    kpi.full_clean()
    kpi.save()
    kpi.council_plan_nodes.set(council_plan_nodes)
    kpi.objectives.set(objectives)
    audit_record(actor=by, action=Action.CREATE, instance=kpi, after=_kpi_snapshot(kpi))
    kpi_version_create(by=by, kpi=kpi, effective_from=effective_from, change_reason="First version", **version)
    returns_for_new_kpi(kpi)
    return kpi


@transaction.atomic
def kpi_update(*, by, kpi: Kpi, council_plan_nodes=None, objectives=None, **changes) -> Kpi:
    require(by, Capability.MANAGE_KPIS)
    kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
    before = _kpi_snapshot(kpi)
    apply_changes(kpi, changes, KPI_EDITABLE)
    kpi.full_clean()
    problems = tolerance_problems(kpi=kpi, tolerance_type=kpi.tolerance_type)
    if problems:
        raise ValidationError(problems)
    kpi.save()
    if council_plan_nodes is not None:
        kpi.council_plan_nodes.set(council_plan_nodes)
    if objectives is not None:
        kpi.objectives.set(objectives)
    audit_record(actor=by, action=Action.UPDATE, instance=kpi, before=before, after=_kpi_snapshot(kpi))
    if any(before[name] != getattr(kpi, name) for name in DUE_FIELDS):
        returns_for_new_kpi(kpi)
    return kpi


@transaction.atomic
def kpis_hand_over(*, by, from_person, to_person) -> int:
    """Give every KPI ``from_person`` owns or deputises to ``to_person`` (a leaver's hand-over),
    each through ``kpi_update`` so each change is audited as an edit would be. Where the new
    person already owns a KPI the leaver deputised, the KPI is left with no deputy."""
    from django.db.models import Q

    require(by, Capability.MANAGE_KPIS)
    if not to_person.is_active:
        raise ValidationError({"to_person": f"{to_person.display_name} has left; choose someone still here."})
    if to_person.pk == from_person.pk:
        raise ValidationError({"to_person": "Choose someone else."})
    count = 0
    for kpi in Kpi.objects.filter(Q(owner=from_person) | Q(deputy=from_person)).order_by("code"):
        changes = {}
        if kpi.owner_id == from_person.pk:
            changes["owner"] = to_person
            if kpi.deputy_id == to_person.pk:
                changes["deputy"] = None
        if kpi.deputy_id == from_person.pk:
            changes["deputy"] = None if kpi.owner_id == to_person.pk else to_person
        kpi_update(by=by, kpi=kpi, **changes)
        count += 1
    return count


@transaction.atomic
def kpi_version_create(*, by, kpi: Kpi, effective_from, change_reason: str = "", **fields) -> KpiVersion:
    """A change to the method, polarity, unit or basis: a new version from a period's start.
    The history stays; values either side of the change are not comparable."""
    require(by, Capability.MANAGE_KPIS)
    apply_changes(KpiVersion(), fields, VERSION_FIELDS)
    latest = kpi.versions.order_by("-number").first()
    if latest and effective_from <= latest.effective_from:
        raise ValidationError(
            {"effective_from": f"A new version must start after the current one ({latest.effective_from:%-d %b %Y})."}
        )
    if latest and not any(fields.get(name, getattr(latest, name)) != getattr(latest, name) for name in VERSION_FIELDS):
        raise ValidationError("Nothing in the definition changed, so no new version is needed.")
    version = KpiVersion(
        kpi=kpi,
        number=(latest.number + 1) if latest else 1,
        effective_from=effective_from,
        change_reason=change_reason,
        **fields,
    )
    version.full_clean()
    version.save()
    audit_record(actor=by, action=Action.CREATE, instance=version, after=model_snapshot(version), reason=change_reason)
    return version


#: A relative tolerance is a share of the target, so a target of 0 leaves it meaning nothing
#: (and a RAG that cannot be worked out). Refused both ways round with the same words.
RELATIVE_TOLERANCE_ZERO_TARGET = (
    "A relative tolerance is a percentage of the target, so it cannot work with a target of 0: "
    "use an absolute tolerance, or a target other than 0"
)


def tolerance_problems(*, kpi: Kpi, tolerance_type: str) -> dict[str, str]:
    """Field → message when a KPI with a target of 0 would get a relative tolerance. The KPI
    form (through ``kpi_update``) and the dictionary import ask this one function."""
    if tolerance_type == ToleranceType.RELATIVE.value and kpi.pk and kpi.targets.filter(value=0).exists():
        return {"tolerance_type": RELATIVE_TOLERANCE_ZERO_TARGET}
    return {}


def target_problems(*, kpi: Kpi, for_date, value) -> dict[str, str]:
    """Field → message for a target the KPI cannot be judged against: a figure the KPI itself
    could not report (too many decimals, a percentage over 100). The target form, the targets
    import and ``target_set`` all ask this one function."""
    if value is None or for_date is None:
        return {}
    version = kpi.version_for(for_date)
    problem = check_value(kpi, version, value) if version else None
    if problem is None and value == 0 and kpi.tolerance_type == ToleranceType.RELATIVE.value:
        problem = RELATIVE_TOLERANCE_ZERO_TARGET
    return {"value": problem} if problem else {}


@transaction.atomic
def target_set(*, by, kpi: Kpi, for_date, value, is_year_to_date: bool = False, note: str = "") -> Target:
    require(by, Capability.MANAGE_KPIS)
    problems = target_problems(kpi=kpi, for_date=for_date, value=value)
    if problems:
        raise ValidationError(problems)
    target = Target.objects.select_for_update().filter(kpi=kpi, for_date=for_date).first()
    before = model_snapshot(target) if target else None
    if target is None:
        target = Target(kpi=kpi, for_date=for_date)
    target.value, target.is_year_to_date, target.note = value, is_year_to_date, note
    target.full_clean()
    target.save()
    audit_saved(actor=by, instance=target, before=before)
    return target


@transaction.atomic
def benchmark_set(*, by, kpi: Kpi, period_end, comparator: str, data_period_label: str, value, source: str = ""):
    """A comparator value for a KPI's data period, added or replaced, and audited."""
    require(by, Capability.MANAGE_KPIS)
    benchmark = (
        Benchmark.objects.select_for_update().filter(kpi=kpi, period_end=period_end, comparator=comparator).first()
    )
    before = model_snapshot(benchmark) if benchmark else None
    if benchmark is None:
        benchmark = Benchmark(kpi=kpi, period_end=period_end, comparator=comparator)
    benchmark.data_period_label, benchmark.value, benchmark.source = data_period_label, value, source
    benchmark.full_clean()
    benchmark.save()
    audit_saved(actor=by, instance=benchmark, before=before)
    return benchmark


@transaction.atomic
def breakdown_set(
    *,
    by,
    kpi: Kpi,
    name: str,
    categories: list[str],
    breakdown: Breakdown | None = None,
    holds_counts: bool | None = None,
) -> Breakdown:
    """Add a breakdown to a KPI, or rename it and change its categories. A category that
    already holds values in a return cannot be removed: the values would lose their meaning."""
    require(by, Capability.MANAGE_KPIS)
    cleaned = [c.strip() for c in categories if c.strip()]
    duplicates = sorted({c for c in cleaned if cleaned.count(c) > 1})
    if duplicates:
        raise ValidationError({"categories": f"Each category once only: {', '.join(duplicates)} appears twice."})
    if not cleaned:
        raise ValidationError({"categories": "Give at least one category."})
    if breakdown is not None:
        breakdown = Breakdown.objects.select_for_update().get(pk=breakdown.pk, kpi=kpi)
        in_use = sorted(
            set(breakdown.values.exclude(category__in=cleaned).values_list("category", flat=True).distinct())
        )
        if in_use:
            raise ValidationError(
                {"categories": f"Returns already hold values for {', '.join(in_use)}; keep those categories."}
            )
    before = model_snapshot(breakdown) if breakdown else None
    breakdown = breakdown or Breakdown(kpi=kpi)
    breakdown.name, breakdown.categories = name.strip(), cleaned
    if holds_counts is not None:
        breakdown.holds_counts = holds_counts
    breakdown.full_clean()
    breakdown.save()
    audit_saved(actor=by, instance=breakdown, before=before)
    return breakdown
