"""What a person holds that someone must take over when they leave.

The organisation knows only the units a person heads; KPIs, returns, escalations, objectives
and CIC objectives belong to apps above it (``kpis``, ``planning``), which register a provider
here in their ``AppConfig.ready()`` so this layer never imports them (dependencies run one way).
A provider takes person ids and answers, for each, the things they hold, each with the page
where it is given to someone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from accounts.models import OrgUnit, RoleAssignment


@dataclass(frozen=True)
class Holding:
    kind: str  # what it is, as the hand-over page groups it: "KPI they own"
    label: str
    url: str  # where it is reassigned (or read)
    for_information: bool = False  # shown, nothing to reassign (a CIC objective stays with its person)


HoldingsProvider = Callable[[list[int]], dict[int, list[Holding]]]

_providers: list[HoldingsProvider] = []


def register_holdings(provider: HoldingsProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def holdings_of(person_ids: list[int]) -> dict[int, list[Holding]]:
    """{person id: [Holding]} from every registered provider; a few queries per provider,
    however many people."""
    found: dict[int, list[Holding]] = {}
    if not person_ids:
        return found
    for provider in _providers:
        for person_id, items in provider(list(person_ids)).items():
            found.setdefault(person_id, []).extend(items)
    return found


def organisation_holdings(person_ids: list[int]) -> dict[int, list[Holding]]:
    """Units a person heads and roles they hold: a leaver's roles stop working with their
    account, but someone else needs them."""
    found: dict[int, list[Holding]] = {}
    assignments = RoleAssignment.objects.filter(user_id__in=person_ids).select_related("org_unit")
    for assignment in assignments.order_by("role"):
        unit = assignment.org_unit
        url = reverse("accounts:org-unit-detail", args=[unit.code]) if unit else reverse("accounts:org-unit-list")
        found.setdefault(assignment.user_id, []).append(Holding("Role they hold", str(assignment), url))
    for unit in OrgUnit.objects.filter(head_id__in=person_ids, is_active=True).order_by("path"):
        found.setdefault(unit.head_id, []).append(
            Holding(
                f"{unit.get_kind_display()} they head",
                f"{unit.code} {unit.name} (set its new head in the organisation file)",
                reverse("accounts:org-unit-detail", args=[unit.code]),
            )
        )
    return found
