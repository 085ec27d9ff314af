"""Writes for benchmarking against other councils: the councils, their comparator groups, the
indicators mapped to KPIs and every council's published values. A published file holds
thousands of values, so they are written in one statement and audited in one insert."""

from __future__ import annotations

from django.db import transaction

from accounts.policy import Capability
from audit.models import Action
from audit.services import audit_record_many, audit_saved, model_snapshot
from core.services import require
from kpis.models import BenchmarkIndicator, BenchmarkValue, ComparatorGroup, Council


@transaction.atomic
def councils_set(*, by, councils: list[Council]) -> int:
    """Adds the councils, or updates those already known by their GSS code."""
    require(by, Capability.MANAGE_KPIS)
    saved = Council.objects.bulk_create(
        councils,
        update_conflicts=True,
        unique_fields=["gss_code"],
        update_fields=["name", "region", "kind", "former_gss_codes"],
    )
    audit_record_many(
        actor=by, action=Action.UPDATE, changes=[(c, None, model_snapshot(c)) for c in saved], reason="Council import"
    )
    return len(saved)


@transaction.atomic
def council_mark_own(*, by, council: Council) -> Council:
    """Which council this application runs for: its figures are the ones ranked."""
    require(by, Capability.MANAGE_KPIS)
    Council.objects.filter(is_this_council=True).exclude(pk=council.pk).update(is_this_council=False)
    before = model_snapshot(council)
    council.is_this_council = True
    council.save(update_fields=["is_this_council"])
    audit_saved(actor=by, instance=council, before=before)
    return council


@transaction.atomic
def comparator_group_set(
    *, by, council: Council, kind: str, name: str = "", source: str = "", members: list[Council]
) -> ComparatorGroup:
    """A council's group of one kind, its members replaced by ``members`` (never itself)."""
    require(by, Capability.MANAGE_KPIS)
    group, created = ComparatorGroup.objects.select_for_update().get_or_create(council=council, kind=kind, name=name)
    before = (
        None
        if created
        else {**model_snapshot(group), "members": sorted(group.members.values_list("gss_code", flat=True))}
    )
    group.source = source
    group.full_clean()
    group.save()
    group.members.set([m for m in members if m.pk != council.pk])
    audit_record_many(
        actor=by,
        action=Action.CREATE if created else Action.UPDATE,
        changes=[(group, before, {**model_snapshot(group), "members": sorted(m.gss_code for m in members)})],
    )
    return group


@transaction.atomic
def benchmark_indicator_set(*, by, source: str, code: str, kpi, group_kind: str, title: str = "") -> BenchmarkIndicator:
    """Maps a published indicator to the KPI it matches (one indicator per KPI)."""
    require(by, Capability.MANAGE_KPIS)
    indicator = BenchmarkIndicator.objects.select_for_update().filter(source=source, code=code).first()
    before = model_snapshot(indicator) if indicator else None
    if indicator is None:
        indicator = BenchmarkIndicator(source=source, code=code)
    indicator.kpi, indicator.group_kind, indicator.title = kpi, group_kind, title or indicator.title
    indicator.full_clean()
    indicator.save()
    audit_saved(actor=by, instance=indicator, before=before)
    return indicator


@transaction.atomic
def benchmark_values_set(*, by, values: list[BenchmarkValue], reason: str = "Benchmark import") -> int:
    """Adds every council's published values, replacing any already held for the same
    indicator, council and period. A publisher's file is one change to the record of each
    indicator it holds, so the audit log gets one entry per indicator (how many values, for
    which periods), not one per council's figure: the values themselves are the publisher's,
    and the file can be imported again."""
    require(by, Capability.MANAGE_KPIS)
    saved = BenchmarkValue.objects.bulk_create(
        values,
        update_conflicts=True,
        unique_fields=["indicator", "council", "period_end"],
        update_fields=["value", "data_period_label"],
        batch_size=2000,
    )
    by_indicator: dict[int, list[BenchmarkValue]] = {}
    for value in saved:
        by_indicator.setdefault(value.indicator_id, []).append(value)
    audit_record_many(
        actor=by,
        action=Action.UPDATE,
        changes=[
            (
                rows[0].indicator,
                None,
                {
                    "values": len(rows),
                    "councils": len({v.council_id for v in rows}),
                    "periods": sorted({v.data_period_label for v in rows}),
                },
            )
            for rows in by_indicator.values()
        ],
        reason=reason,
    )
    return len(saved)
