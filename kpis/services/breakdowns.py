"""Breakdown history: the values per category of figures already approved, imported from the
reports and systems that held them before this service (the ``breakdown-values`` import)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.policy import Capability
from audit.models import Action
from audit.services import audit_record
from core.services import require
from kpis.models import Breakdown, BreakdownValue, KpiReturn, ReturnState


@transaction.atomic
def breakdown_history_set(*, by, kpi_return: KpiReturn, breakdown: Breakdown, cells: dict[str, Decimal]) -> None:
    """Record an approved figure's values per category, audited with the cells before and
    after. Only an approved figure takes history; a published one keeps the values it was
    published with (a cell is added, never changed), so open data never changes silently."""
    require(by, Capability.MANAGE_KPIS)
    kpi_return = KpiReturn.objects.select_for_update().select_related("period").get(pk=kpi_return.pk)
    if kpi_return.state != ReturnState.APPROVED:
        raise ValidationError("Only an approved figure takes breakdown history.")
    if breakdown.kpi_id != kpi_return.kpi_id:
        raise ValidationError("The breakdown is not one of this KPI's.")
    unknown = sorted(set(cells) - set(breakdown.categories))
    if unknown:
        raise ValidationError(f"Not a category of the breakdown by {breakdown.name.lower()}: {', '.join(unknown)}")
    held = {v.category: v for v in BreakdownValue.objects.filter(kpi_return=kpi_return, breakdown=breakdown)}
    if kpi_return.period.figures_published:
        changed = sorted(c for c, value in cells.items() if c in held and held[c].value != value)
        if changed:
            raise ValidationError(f"{kpi_return} is published and already holds other values for {', '.join(changed)}.")
    before = {c: str(v.value) for c, v in held.items()}
    for category, value in cells.items():
        BreakdownValue.objects.update_or_create(
            kpi_return=kpi_return, breakdown=breakdown, category=category, defaults={"value": value}
        )
    audit_record(
        actor=by,
        action=Action.UPDATE,
        instance=kpi_return,
        before={"breakdown": breakdown.name, "cells": before},
        after={"breakdown": breakdown.name, "cells": before | {c: str(v) for c, v in cells.items()}},
        reason="Breakdown history imported",
    )
