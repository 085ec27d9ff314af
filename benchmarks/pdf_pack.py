"""The PDF pack at the size of a full quarterly report: 4 priorities of 25 KPIs, each with a
12-quarter trend (with its SPC drawn in, as ``kpis.spc`` finds it), commentary and actions.
Prints, in one run:

1. seconds for the whole pack (charts + HTML + WeasyPrint), for WeasyPrint alone on the same
   final HTML, and their ratio, so a change can be put down to the charts or to the layout;
2. seconds per priority PDF, with the charts drawn once and shared with the pack, as the
   snapshot service renders them;
3. whether rendering the same content twice gives the same bytes.

The content is made up in the shape ``reporting.content`` builds, so no database is needed:

    .venv/bin/python benchmarks/pdf_pack.py

The target is the whole pack in 10 s or less (DESIGN §6). Figures go into docs/performance.md
by hand.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace

from common import configure

PRIORITIES, KPIS_EACH, POINTS = 4, 25, 12
RUNS = 3
RAG_ORDER = ("red", "amber", "green", "data_only", "no_value")


def synthetic_content() -> dict:
    """A draft report: 4 priorities × 25 KPIs, every RAG, some with breakdowns and one
    without data per priority, as ``reporting.content.build`` would write them."""
    rags = [("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("data_only", "Data only")]
    priorities = []
    for p in range(1, PRIORITIES + 1):
        kpis = []
        for k in range(KPIS_EACH):
            code = f"P{p}-{k:02d}"
            rag, rag_label = rags[k % len(rags)] if k else ("no_value", "No value")
            points = [] if k == 0 else _trend(p, k)
            kpis.append(
                {
                    "code": code,
                    "title": f"Percentage of residents satisfied with service {code}",
                    "directorate": "Place",
                    "portfolio": "Communities",
                    "is_council_plan_measure": k % 2 == 0,
                    "value": points[-1][1] if points else None,
                    "value_text": f"{points[-1][1]}%" if points else "no data",
                    "data_period_label": "2025/26 Q2" if points else "",
                    "status": "no_data" if not points else "approved",
                    "status_text": "No data yet" if not points else "",
                    "provisional": False,
                    "target_text": "75.0%" if points else "no target",
                    "timescale": "75.0% for 2025/26 Q2; end-of-plan target 80.0% by March 2028" if points else "",
                    "rag": rag,
                    "rag_label": rag_label,
                    "direction": "improving" if k % 3 else "worsening",
                    "direction_label": "Improving" if k % 3 else "Worsening",
                    "direction_last_year": "no_change",
                    "direction_last_year_label": "No change",
                    "commentary": "\n".join(
                        ["Performance rose after the new triage service started."] * (1 + k % 3)
                        + ["Demand stays high in the north of the borough."]
                    ),
                    "actions": "Recruit two more assessors by December." if rag == "red" else "",
                    "benchmark_text": "West Midlands average 72.4% (2024/25)" if k % 4 == 1 else "",
                    "neighbours": _neighbours(k) if points and k % 2 else {},
                    "definition": {"version": 1, "calculation_method": "Survey", "unit": "Percentage"},
                    "chart": {
                        "title": f"Residents satisfied {code}",
                        "decimal_places": 1,
                        "prefix": "",
                        "suffix": "%",
                        "axis_title": "Percentage",
                        "points": points,
                    },
                    "breakdowns": (
                        [{"name": "Ward", "cells": [["North", "fewer than 5"], ["South", "12"], ["East", "31"]]}]
                        if k % 5 == 2
                        else []
                    ),
                }
            )
        counts = {rag: sum(1 for kpi in kpis if kpi["rag"] == rag) for rag, _ in [*rags, ("no_value", "")]}
        labels = dict([*rags, ("no_value", "No value")])
        priorities.append(
            {
                "id": p,
                "code": f"P{p}",
                "title": f"Priority {p}: people live well in safe communities",
                "narrative": "Most measures held steady this quarter.\n\nThree are off target; the actions are below.",
                "summary": [[rag, labels[rag], counts[rag]] for rag in RAG_ORDER],
                "kpis": kpis,
            }
        )
    every = [kpi for priority in priorities for kpi in priority["kpis"]]
    for kpi in every:
        kpi.update(_with_spc(kpi))
    totals = {rag: sum(1 for kpi in every if kpi["rag"] == rag) for rag in RAG_ORDER}
    labels = {"green": "Green", "amber": "Amber", "red": "Red", "data_only": "Data only", "no_value": "No value"}
    escalation = {
        "owner": "Sam Patel",
        "due": "31 December 2025",
        "status": "Open",
        "reason": "Two quarters Red",
        "actions": "Recovery plan agreed with the service",
    }
    summary = {
        "kpis": len(every),
        "rag": [[rag, labels[rag], totals[rag]] for rag in RAG_ORDER],
        "improving": sum(1 for kpi in every if kpi["direction"] == "improving"),
        "no_change": 0,
        "worsening": sum(1 for kpi in every if kpi["direction"] == "worsening"),
        "changed": [
            {
                "code": kpi["code"],
                "title": kpi["title"],
                "from": "amber",
                "from_label": "Amber",
                "to": "red",
                "to_label": "Red",
            }
            for kpi in every[2::12]
        ],
        "escalations": [{"code": kpi["code"], "title": kpi["title"], **escalation} for kpi in every[2::8]],
    }
    exceptions = [
        {
            "code": kpi["code"],
            "priorities": [kpi["code"].split("-")[0]],
            "reasons": ["Red"] if kpi["rag"] == "red" else ["Worsening Council Plan measure"],
            "owner": "Sam Patel",
            "kpi": kpi,
            "escalation": escalation if i % 2 else None,
        }
        for i, kpi in enumerate(
            k for k in every if k["rag"] == "red" or (k["is_council_plan_measure"] and k["direction"] == "worsening")
        )
    ]
    return {
        "summary": summary,
        "exceptions": exceptions,
        "council": "Walsall Council",
        "period": {"id": 1, "label": "2025/26 Q2"},
        "kind": "draft",
        "status_label": "Draft for CMT",
        "as_at": "2025-10-14T09:30:00+01:00",
        "plan": "Council Plan 2025-2028",
        "priorities": priorities,
        "unapproved": [],
        "missing_commentary": [],
    }


def _neighbours(k: int) -> dict:
    """Half the KPIs ranked among 16 nearest neighbours, as ``position_content`` writes it."""
    from kpis.benchmarking import ordinal

    number = k % 16 + 1
    rank = ordinal(number)
    quartile = ("top", "second", "third", "bottom")[(number - 1) // 4]
    return {
        "text": (
            f"{rank} of 16 among nearest neighbours ({quartile} quartile), 2024/25; "
            "nearest neighbours' average 71.2%; Oflog"
        ),
        "rank_text": f"{rank} of 16 among nearest neighbours ({quartile} quartile)",
        "short_text": f"{rank} of 16, {quartile} quartile",
        "national_short_text": f"{ordinal(number * 9)} of 153 nationally",
        "national_text": f"{ordinal(number * 9)} of 153 councils with data",
        "average_text": "Nearest neighbours' average 71.2%",
        "average_value_text": "71.2%",
        "data_period_label": "2024/25",
        "source": "Oflog",
        "group_quartile": (number - 1) // 4 + 1,
        "national_quartile": (number - 1) // 4 + 1,
    }


def _trend(p: int, k: int) -> list[list]:
    quarters = [f"{2022 + (q + 2) // 4}/{23 + (q + 2) // 4} Q{(q + 2) % 4 + 1}" for q in range(POINTS)]
    return [[label, f"{60 + (p * 7 + k * 3 + q * 1.7) % 30:.1f}", "75"] for q, label in enumerate(quarters)]


def _with_spc(kpi: dict) -> dict:
    """The KPI's chart with its SPC drawn in and the icons in words, as ``reporting.content``
    stores them, worked out by the KPIs' own rules from the trend's points."""
    from decimal import Decimal

    from core.charts import chart_content, chart_from_content
    from kpis import spc
    from kpis.figures import spc_lines
    from kpis.results import Polarity

    points = kpi["chart"]["points"]
    if not points:
        return {}
    found = spc.analyse(
        [spc.SpcPoint(label, Decimal(value), target=Decimal(target)) for label, value, target in points],
        polarity=Polarity.HIGHER_IS_BETTER,
        target=Decimal(points[-1][2]),
    )
    chart = chart_from_content(kpi["chart"])
    lines = spc_lines(found, [point.label for point in chart.points], chart.decimal_places)
    if lines is None:
        return {}
    return {
        "chart": chart_content(replace(chart, spc=lines)),
        "spc_variation": found.variation.label,
        "spc_variation_text": found.variation_text,
        "spc_assurance": found.assurance.label if found.assurance else "",
        "spc_assurance_text": found.assurance_text,
    }


def best(run, runs: int = RUNS) -> tuple[float, float, object]:
    """The fastest of ``runs`` as (wall seconds, CPU seconds, last result): other work on the
    machine only ever adds, and CPU time shows how much of the wall time was waiting for a core."""
    samples, result = [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        samples.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall, cpu = min(samples)
    return wall, cpu, result


def main() -> None:
    configure()
    import io
    import logging
    import os

    from pypdf import PdfReader

    from reporting import pdf

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per page otherwise
    content = synthetic_content()
    kpis = sum(len(p["kpis"]) for p in content["priorities"])
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    started = time.perf_counter()
    pdf.write_pdf(pdf.priority_html(content, "P1"))  # imports matplotlib and WeasyPrint, loads fonts
    print(f"warm-up (imports, fonts, first priority): {time.perf_counter() - started:.2f} s")

    whole, whole_cpu, pack = best(lambda: pdf.render_pack(content))
    charts_s, charts_cpu, charts = best(lambda: pdf.chart_images(content))
    html_s, html_cpu, html = best(lambda: pdf.pack_html(content, charts))
    weasy, weasy_cpu, _ = best(lambda: pdf.write_pdf(html))

    pages = len(PdfReader(io.BytesIO(pack)).pages)
    print(f"pack: {kpis} KPIs, {pages} pages, {len(pack) / 1024:.0f} KiB")
    print(f"{'step':45} {'wall s':>7} {'CPU s':>7} {'ratio':>7}")
    rows = [
        ("whole pack (charts + HTML + WeasyPrint)", whole, whole_cpu),
        ("  charts alone (matplotlib SVG)", charts_s, charts_cpu),
        ("  HTML alone (templates)", html_s, html_cpu),
        ("  WeasyPrint alone on the same HTML", weasy, weasy_cpu),
    ]
    for name, wall, cpu in rows:
        print(f"{name:45} {wall:7.2f} {cpu:7.2f} {wall / weasy:7.2f}")
    print(f"whole pack / WeasyPrint alone: {whole / weasy:.2f}")
    print(f"target: whole pack <= 10 s: {'met' if whole <= 10 else 'NOT met'}")

    per_priority = []
    for priority in content["priorities"]:
        wall, _, _ = best(lambda code=priority["code"]: pdf.render_priority(content, code, charts))
        per_priority.append(wall)
    mean = sum(per_priority) / len(per_priority)
    print(f"priority PDF with shared charts: {mean:.2f} s each (slowest {max(per_priority):.2f})")
    alone, _, _ = best(lambda: pdf.render_priority(content, "P2"), runs=1)
    print(f"priority PDF drawing its own charts: {alone:.2f} s")

    again = pdf.render_pack(content, charts)
    print(f"same bytes when rendered again: {hashlib.sha256(again).digest() == hashlib.sha256(pack).digest()}")


if __name__ == "__main__":
    main()
