"""Ranks, quartiles and neighbours' averages for every council, KPI and data period at once
(``kpis.benchmarking.positions_table``), at the size of the whole of England and more: no
database, only the pandas computation the pages, the PDF and the scorecard rely on.

    .venv/bin/python benchmarks/neighbours.py

Each council has 15 nearest neighbours, as Oflog's CIPFA groups do. Figures go into
docs/performance.md by hand.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmf.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from kpis.benchmarking import positions_table  # noqa: E402

RUNS = 5
NEIGHBOURS = 15


def tables(councils: int, kpis: int, periods: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    names = [f"E{index:08d}" for index in range(councils)]
    index = pd.MultiIndex.from_product([range(kpis), names, range(periods)], names=["kpi", "council", "period_end"])
    values = index.to_frame(index=False).assign(value=rng.normal(70, 10, len(index)).round(1))
    values = values.sample(frac=0.95, random_state=seed)  # some councils publish nothing some years
    members = [(c, "nn", names[m]) for i, c in enumerate(names) for m in rng.choice(councils, NEIGHBOURS + 1) if m != i]
    groups = pd.DataFrame(members, columns=["council", "kind", "member"]).drop_duplicates()
    polarity = pd.Series(["higher" if k % 3 else "lower" for k in range(kpis)])
    return values, groups, polarity, pd.Series("nn", index=range(kpis))


def main() -> None:
    print("| councils | KPIs | periods | values | every council's groups: median | fastest", end="")
    print(" | one council's group (a page) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for councils, kpis, periods in ((157, 7, 8), (317, 20, 8), (317, 100, 12)):
        values, groups, polarity, kinds = tables(councils, kpis, periods)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            positions_table(values, groups, polarity, kinds)
            times.append(time.perf_counter() - started)
        times.sort()
        one = groups[groups["council"] == groups["council"].iloc[0]]
        page = []
        for _ in range(RUNS):
            started = time.perf_counter()
            positions_table(values, one, polarity, kinds)
            page.append(time.perf_counter() - started)
        page.sort()
        print(
            f"| {councils} | {kpis} | {periods} | {len(values):,} | {times[RUNS // 2]:.2f} s | {times[0]:.2f} s "
            f"| {page[RUNS // 2]:.2f} s |"
        )


if __name__ == "__main__":
    main()
