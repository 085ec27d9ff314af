"""Columns more than one import reads, named once so their words and examples agree."""

from __future__ import annotations

from core.imports import Column, choice, text, whole_number

#: The columns that name a KPI's figure in a reporting period: the history's and its breakdowns'.
FIGURE_COLUMNS = (
    Column("kpi_code", text, help="the KPI's code", example="ASC-01"),
    Column(
        "year",
        whole_number,
        help="the financial year of the reporting period, e.g. 2024 for 2024/25",
        example="2023",
    ),
    Column("quarter", choice(["1", "2", "3", "4"]), help="1 to 4, the reporting quarter", example="2"),
)
