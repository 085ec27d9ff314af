"""What a leaver holds in plans: objectives and risks they own, the plans of units they head,
and (for information only: the words stay private) how many CIC objectives they have.
Registered with ``organisation.holdings``."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from organisation.holdings import Holding
from planning.models import CicObjective, Objective, ObjectiveStatus, Risk, UnitPlan


def plan_holdings(person_ids: list[int]) -> dict[int, list[Holding]]:
    found: dict[int, list[Holding]] = {}

    def add(person_id, holding):
        found.setdefault(person_id, []).append(holding)

    objectives = (
        Objective.objects.filter(owner_id__in=person_ids)
        .exclude(status=ObjectiveStatus.COMPLETE)
        .select_related("plan")
        .order_by("plan__year", "title")
    )
    for objective in objectives:
        add(
            objective.owner_id,
            Holding(
                "Objective they own",
                f"{objective.title} ({objective.plan.title})",
                reverse("planning:objective-edit", args=[objective.pk]),
            ),
        )
    for risk in Risk.objects.open().filter(owner_id__in=person_ids).select_related("unit"):
        add(
            risk.owner_id,
            Holding(
                "Risk they own",
                f"{risk.reference} {risk} ({risk.unit.name})",
                reverse("planning:risk-edit", args=[risk.pk]),
            ),
        )
    plans = UnitPlan.objects.filter(unit__head_id__in=person_ids, unit__is_active=True).select_related("unit")
    for plan in plans:
        add(
            plan.unit.head_id,
            Holding("Plan of a unit they head", plan.title, reverse("planning:plan-detail", args=[plan.pk])),
        )
    counts = (
        CicObjective.objects.filter(employee_id__in=person_ids)
        .values_list("employee_id")
        .annotate(count=Count("id"))
        .values_list("employee_id", "count")
    )
    for person_id, count in counts:
        add(
            person_id,
            Holding(
                "CIC objectives (stay with the person)",
                f"{count} CIC objective{'s' if count != 1 else ''}; private to them and their line management",
                "",
                for_information=True,
            ),
        )
    return found
