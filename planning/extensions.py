"""Hooks through which apps that build on planning add to its pages without planning importing
them (dependencies run one way: kpis → planning). The KPI app registers the measures that hang
off Council Plan nodes and objectives, and its own gaps ("KPIs in no plan")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    label: str
    url: str


@dataclass(frozen=True)
class ExtraGap:
    heading: str
    empty_text: str
    items: list[Measure]


MeasuresProvider = Callable[[list[int], list[int]], tuple[dict[int, list[Measure]], dict[int, list[Measure]]]]
GapsProvider = Callable[[], ExtraGap]

_measures: list[MeasuresProvider] = []
_gaps: list[GapsProvider] = []


def register_measures(provider: MeasuresProvider) -> None:
    if provider not in _measures:
        _measures.append(provider)


def register_gaps(provider: GapsProvider) -> None:
    if provider not in _gaps:
        _gaps.append(provider)


def measures_for(node_ids: list[int], objective_ids: list[int]) -> tuple[dict, dict]:
    """({node id: [Measure]}, {objective id: [Measure]}) from every registered provider."""
    by_node: dict[int, list[Measure]] = {}
    by_objective: dict[int, list[Measure]] = {}
    for provider in _measures:
        nodes, objectives = provider(node_ids, objective_ids)
        for key, items in nodes.items():
            by_node.setdefault(key, []).extend(items)
        for key, items in objectives.items():
            by_objective.setdefault(key, []).extend(items)
    return by_node, by_objective


def extra_gaps() -> list[ExtraGap]:
    return [provider() for provider in _gaps]
