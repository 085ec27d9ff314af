"""Council Plan structure and the risk register as tables, for export to CSV and Excel. The export is also a file the
imports read (``planning.imports``; the ``retired`` column is ignored there)."""

from __future__ import annotations

from collections.abc import Iterator

from planning.models import CouncilPlan, PlanNode

COLUMNS = ["code", "parent_code", "level", "title", "description", "retired"]


def structure_rows(plan: CouncilPlan) -> list[list]:
    nodes = list(plan.nodes.select_related("parent").order_by("depth", "order", "code"))
    by_parent: dict[int | None, list[PlanNode]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    rows: list[list] = []

    def walk(parent_id):
        for node in by_parent.get(parent_id, []):
            rows.append(
                [
                    node.code,
                    node.parent.code if node.parent_id else "",
                    plan.level_name(node.depth),
                    node.title,
                    node.description,
                    node.retired_at.isoformat() if node.retired_at else "",
                ]
            )
            walk(node.pk)

    walk(None)
    return rows


#: The risk register's columns: the export is a file the risk import reads back (the score
#: and band columns are ignored there; they follow from likelihood and impact).
RISK_COLUMNS = [
    "reference",
    "register",
    "level",
    "title",
    "cause",
    "event",
    "effect",
    "owner",
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "current_score",
    "controls",
    "review_date",
    "status",
    "objectives",
    "kpis",
    "actions",
]


def risk_rows(risks) -> Iterator[list]:
    """One row a risk; objectives by id and KPIs by code, each list split by semicolons. A
    generator, so a download streams as the risks are read."""
    for risk in risks:
        yield [
            risk.reference,
            risk.unit.code,
            risk.level.label if risk.level else "",
            risk.title,
            risk.cause,
            risk.event,
            risk.effect,
            risk.owner.username if risk.owner_id else "",
            risk.inherent_likelihood,
            risk.inherent_impact,
            risk.current_likelihood,
            risk.current_impact,
            risk.target_likelihood,
            risk.target_impact,
            risk.current_text,
            risk.controls,
            risk.review_date.isoformat() if risk.review_date else "",
            risk.status,
            "; ".join(str(o.pk) for o in risk.objectives.all()),
            "; ".join(k.code for k in sorted(risk.kpis.all(), key=lambda k: k.code)),
            "; ".join(
                f"{a.description} ({a.owner.display_name}, due {a.due_date.isoformat()}"
                + (", done)" if a.completed_on else ")")
                for a in risk.actions.all()
            ),
        ]
