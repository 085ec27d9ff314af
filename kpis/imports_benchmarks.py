"""Imports for benchmarking against other councils, in the layouts the publishers use: the
councils (the mySociety local authority lookup), comparator groups, the mapping of a published
indicator to a KPI, and every council's values from Oflog (``ASC_data.csv``), DfE LAIT (the long
values file), OHID Fingertips (the csv download) and LG Inform (a report's data download).

Like every import (``core.imports``) each file is checked row by row and applied all or nothing.
A value file's rows are matched to a KPI by the indicator code in the row: rows of indicators
that are not mapped to a KPI are read and checked but not stored, so a publisher's whole file
can be imported as it comes. England and region rows become the KPI's England or region
``Benchmark``; council rows become ``BenchmarkValue`` rows for every council. Columns are
documented in docs/imports.md ("Benchmarking against other councils").
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from core.imports import CellError, Column, ImportKind, choice, number, text
from kpis.data_periods import data_period_ending
from kpis.models import (
    BenchmarkIndicator,
    BenchmarkSource,
    BenchmarkValue,
    Council,
    CouncilKind,
    DataPeriodType,
    GroupKind,
    Kpi,
)

#: Cells that publishers use for "no figure" (suppressed, not applicable, not collected).
NOT_PUBLISHED = {"", "na", "n/a", "..", ".", ":", "x", "c", "z", "-", "*", "null", "none"}

#: Area rows that are England as a whole rather than a council.
ENGLAND_NAMES = {"england"}
#: ONS codes of areas that are not councils (wards E05, England E92, regions E12): published
#: beside councils, they are read and left out.
WARD_CODE = re.compile(r"^[EWSN]05", re.ASCII)


def published_number(value: str) -> Decimal | None:
    """A published figure, or None where the publisher marks it as not published. Kept to the
    4 decimal places figures are stored to, rounding half up: some downloads write a figure
    through a binary float ("92.600000000000009" for 92.6), which is not a precision anyone
    published."""
    if value.strip().lower() in NOT_PUBLISHED:
        return None
    return number(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def gss_code(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[EWSNK][0-9]{8}", value, re.ASCII):
        raise CellError(f"“{value}” is not an ONS GSS code (a letter and eight digits, like E08000030)")
    return value


# --- Reading a publisher's period ---------------------------------------------------------------

_QUARTER = re.compile(r"(\d{4})/(\d{2}) Q([1-4])")
_SPAN = re.compile(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})")
_YEAR = re.compile(r"(\d{4})")


def period_end(published: str, kpi: Kpi) -> datetime.date:
    """The last day of the data period a publisher writes as ``published``, read the way the
    KPI's data periods run. A range ("2021/22 Q1 - 2025/26 Q3", cumulative Fingertips figures)
    ends where its last part ends; notes in brackets ("2016-17 (OT)", "2018 (Rev)") are dropped.
    A year is the year that ends then: "2025" or "2024-25" is the financial year to 31 March
    2025, the academic year to 31 August 2025 or the calendar year to 31 December, by the KPI."""
    cleaned = re.sub(r"\([^)]*\)", "", published).strip()
    last = cleaned.split(" - ")[-1].strip()
    quarter = _QUARTER.fullmatch(last)
    if quarter:
        start_year, q = int(quarter.group(1)), int(quarter.group(3))
        month = 3 + 3 * q
        year = start_year + (month > 12)
        month = month - 12 if month > 12 else month
        following = datetime.date(year + (month == 12), month % 12 + 1, 1)
        return following - datetime.timedelta(days=1)
    span = _SPAN.fullmatch(last)
    if span:
        first, second = span.group(1), span.group(2)
        end_year = int(second) if len(second) == 4 else int(first[:2] + second)
        if end_year < int(first):
            end_year += 100
    elif _YEAR.fullmatch(last):
        end_year = int(last)
    else:
        raise CellError(f"“{published}” is not a period this import reads (a year, 2024-25, 2024/25 or 2024/25 Q2)")
    if kpi.data_period_type == DataPeriodType.ACADEMIC_YEAR:
        return datetime.date(end_year, 8, 31)
    if kpi.data_period_type == DataPeriodType.CALENDAR_YEAR:
        return datetime.date(end_year, 12, 31)
    return datetime.date(end_year, 3, 31)


def _label(kpi: Kpi, end: datetime.date) -> str:
    """The data period named as the KPI names its own ("2022/23 outturn")."""
    version = kpi.version_for(end)
    return data_period_ending(kpi, version, end).label if version else str(end)


# --- What the checks read --------------------------------------------------------------------


def load_context() -> dict:
    councils = list(Council.objects.all())
    by_code = {c.gss_code: c for c in councils}
    for council in councils:  # published files may still use a code a council had before
        for old in filter(None, (code.strip() for code in council.former_gss_codes.split(","))):
            by_code.setdefault(old, council)
    return {
        "councils": by_code,
        "council_names": {c.name.lower(): c for c in councils},
        "regions": {c.region.lower(): c.region for c in councils if c.region},
        "kpis": {k.code: k for k in Kpi.objects.prefetch_related("versions")},
        "indicators": {
            (i.source, i.code): i
            for i in BenchmarkIndicator.objects.filter(kpi__isnull=False)
            .select_related("kpi")
            .prefetch_related("kpi__versions")
        },
    }


# --- Councils -----------------------------------------------------------------------------------

#: The mySociety lookup's local-authority-type codes, as the council kinds.
KIND_CODES = {
    "LBO": CouncilKind.LONDON_BOROUGH,
    "MD": CouncilKind.METROPOLITAN_DISTRICT,
    "UA": CouncilKind.UNITARY,
    "CTY": CouncilKind.COUNTY,
    "NMD": CouncilKind.DISTRICT,
}


def _apply_councils(*, by, rows: list[dict]) -> int:
    from kpis.services.benchmarking import councils_set

    return councils_set(
        by=by,
        councils=[
            Council(
                gss_code=row["gss-code"],
                name=row["nice-name"],
                region=row.get("region") or "",
                kind=KIND_CODES.get(row.get("local-authority-type") or "", CouncilKind.OTHER),
                former_gss_codes=row.get("former-gss-codes") or "",
            )
            for row in rows
        ],
    )


COUNCILS = ImportKind(
    slug="councils",
    title="Councils (for benchmarking)",
    description="The councils benchmark values are published for, from the mySociety local authority lookup.",
    columns=(
        Column("gss-code", gss_code, example="E08000037"),
        Column("nice-name", text, example="Gateshead"),
        Column("region", text, required=False, example="North East"),
        Column("local-authority-type", text, required=False, help="LBO, MD, UA, CTY or NMD", example="MD"),
        # Gateshead's code changed in 2013 with its boundary: a file from before then uses the old one.
        Column("former-gss-codes", text, required=False, help="older codes, comma separated", example="E08000020"),
    ),
    check_row=lambda row, context: None,
    apply=_apply_councils,
    key=lambda row: (row["gss-code"],),
)


# --- Comparator groups ----------------------------------------------------------------------------


def _check_group_row(row: dict, context: dict) -> str | None:
    for column in ("council_code", "member_code"):
        if row[column] not in context["councils"]:
            return f"{column}: no council with the GSS code {row[column]}; import the councils first"
    return None  # a row naming the council itself is left out (NN.json lists each council first)


def _apply_groups(*, by, rows: list[dict]) -> int:
    from kpis.services.benchmarking import comparator_group_set

    councils = load_context()["councils"]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["council_code"], row["group_kind"], row.get("name") or ""), []).append(row)
    for (code, kind, name), members in groups.items():
        comparator_group_set(
            by=by,
            council=councils[code],
            kind=kind,
            name=name,
            source=members[0].get("source") or "",
            members=[councils[m["member_code"]] for m in members],
        )
    return len(rows)


COMPARATOR_GROUPS = ImportKind(
    slug="comparator_groups",
    title="Comparator groups",
    description="Each council's nearest neighbours, statistical neighbours or own groups: one row a member; "
    "each group named in the file gets exactly the members listed.",
    columns=(
        Column("council_code", gss_code, example="E08000030"),
        Column("group_kind", choice([k.value for k in GroupKind]), example="council_defined"),
        Column("member_code", gss_code, example="E08000027"),
        Column("name", text, required=False, help="for a council-defined group: its name", example="Black Country"),
        Column("source", text, required=False, example="Chosen by Walsall Council: the four Black Country boroughs"),
    ),
    check_row=_check_group_row,
    apply=_apply_groups,
    key=lambda row: (row["council_code"], row["group_kind"], row.get("name") or "", row["member_code"]),
    context=load_context,
)


# --- Indicators mapped to KPIs --------------------------------------------------------------------


def _check_indicator_row(row: dict, context: dict) -> str | None:
    if row["kpi_code"] not in context["kpis"]:
        return f"kpi_code: no KPI with the code {row['kpi_code']}"
    kpi = context["kpis"][row["kpi_code"]]
    mapped = next((i for i in context["indicators"].values() if i.kpi_id == kpi.pk), None)
    if mapped is not None and (mapped.source, mapped.code) != (row["source"], row["indicator_code"]):
        return f"kpi_code: {kpi.code} is already compared on {mapped}; a KPI is compared on one indicator"
    return None


def _apply_indicators(*, by, rows: list[dict]) -> int:
    from kpis.services.benchmarking import benchmark_indicator_set

    kpis = load_context()["kpis"]
    for row in rows:
        benchmark_indicator_set(
            by=by,
            source=row["source"],
            code=row["indicator_code"],
            kpi=kpis[row["kpi_code"]],
            group_kind=row.get("group_kind") or GroupKind.NEAREST_NEIGHBOURS,
            title=row.get("title") or "",
        )
    return len(rows)


BENCHMARK_INDICATORS = ImportKind(
    slug="benchmark_indicators",
    title="Benchmark indicators",
    description="Which published indicator each KPI is compared on, and within which group of councils.",
    columns=(
        Column("source", choice([s.value for s in BenchmarkSource]), example="oflog"),
        Column("indicator_code", text, example="ASC5"),
        Column("kpi_code", text, example="ASC-01"),
        Column("group_kind", choice([k.value for k in GroupKind]), required=False, example="nearest_neighbours"),
        Column(
            "title", text, required=False, example="Adult social care: people who have control over their daily life"
        ),
    ),
    check_row=_check_indicator_row,
    apply=_apply_indicators,
    key=lambda row: (row["source"], row["indicator_code"]),
    context=load_context,
)


# --- Published values, one layout per publisher -------------------------------------------------


def value_kind(
    *,
    slug: str,
    title: str,
    source: BenchmarkSource,
    columns: tuple[Column, ...],
    indicator: str,
    period: str,
    value: str,
    area: Callable[[dict, dict], tuple[str, object] | str | None],
    place: tuple[str, ...],
    description: str,
) -> ImportKind:
    """An import of one publisher's layout. ``area`` reads a row's place: ("council", Council),
    ("england", None) or ("region", name), None for a row that is not a council (a ward), or a
    problem as "column: message". ``place`` names the columns that, with the indicator and the
    period, make a row unique (a breakdown column too, where the publisher has one)."""

    def classify(row: dict, context: dict):
        mapped = context["indicators"].get((source.value, row[indicator]))
        if mapped is None or row.get(value) is None:
            return None, None, None  # not mapped to a KPI, or no figure published: read, not stored
        place = area(row, context)
        if isinstance(place, str):
            return place, None, None
        try:
            end = period_end(row[period], mapped.kpi)
        except CellError as error:
            return f"{period}: {error}", None, None
        return None, (mapped, end), place

    def check_row(row: dict, context: dict) -> str | None:
        problem, _, _ = classify(row, context)
        return problem

    def apply(*, by, rows: list[dict]) -> int:
        from kpis.services.benchmarking import benchmark_values_set
        from kpis.services.dictionary import benchmark_set

        context = load_context()
        values = []
        comparators = 0
        for row in rows:
            _, found, place = classify(row, context)
            if found is None or place is None:
                continue
            mapped, end = found
            label = _label(mapped.kpi, end)
            where, what = place
            if where == "council":
                values.append(
                    BenchmarkValue(
                        indicator=mapped, council=what, period_end=end, data_period_label=label, value=row[value]
                    )
                )
            else:
                comparators += 1
                benchmark_set(
                    by=by,
                    kpi=mapped.kpi,
                    period_end=end,
                    comparator="England" if where == "england" else what,
                    data_period_label=label,
                    value=row[value],
                    source=f"{source.label} ({row[indicator]})",
                )
        return benchmark_values_set(by=by, values=values, reason=f"{title} import") + comparators

    return ImportKind(
        slug=slug,
        title=title,
        description=description,
        columns=columns,
        check_row=check_row,
        apply=apply,
        key=lambda row: (row[indicator], row[period], *(row.get(name) for name in place)),
        context=load_context,
    )


def _council_by_code(column: str):
    def area(row: dict, context: dict):
        code = row[column]
        if WARD_CODE.match(code):
            return None
        council = context["councils"].get(code)
        if council is None:
            return f"{column}: no council with the GSS code {code}; import the councils first"
        return "council", council

    return area


OFLOG = value_kind(
    slug="benchmark_oflog",
    title="Benchmark values: Oflog",
    source=BenchmarkSource.OFLOG,
    description="Every council's values from Oflog's data download (ASC_data.csv and files like it).",
    columns=(
        Column("financial year", text, example="2022-23"),
        Column("local authority code", gss_code, example="E08000030"),
        Column("code", text, help="Oflog's measure code, mapped to a KPI", example="ASC5"),
        Column("value", published_number, help="blank or NA: no figure published", example="75.0", blank_ok=True),
        Column("local authority name", text, required=False, example="Walsall"),
        Column("measure", text, required=False, example="People who have control over their daily life"),
        Column("grouping", text, required=False, example="Adult social care"),
        Column("entity_name", text, required=False, example="Walsall"),
        Column("region", text, required=False, example="West Midlands"),
        Column("median", published_number, required=False, example="74.0"),
        Column("mads_from_median", published_number, required=False, example="0.3"),
        Column("rank_order", text, required=False, example="Higher is better"),
    ),
    indicator="code",
    period="financial year",
    value="value",
    area=_council_by_code("local authority code"),
    place=("local authority code",),
)


def _lait_area(row: dict, context: dict):
    name = row["la and regions"].strip().lower()
    if name in ENGLAND_NAMES:
        return "england", None
    if name in context["regions"]:
        return "region", context["regions"][name]
    council = context["council_names"].get(name)
    if council is None:
        return f"la and regions: no council named {row['la and regions']}; import the councils first"
    return "council", council


LAIT = value_kind(
    slug="benchmark_lait",
    title="Benchmark values: DfE LAIT",
    source=BenchmarkSource.DFE_LAIT,
    description="Values from the DfE Local Authority Interactive Tool's long download, by council name.",
    columns=(
        Column("short desc", text, help="LAIT's indicator code, mapped to a KPI", example="ReReferral"),
        Column("years", text, example="2025"),
        Column("la and regions", text, example="Walsall"),
        Column("values", published_number, example="19.7", blank_ok=True),
        Column(
            "data item",
            text,
            required=False,
            example="Re-referrals to children's social care within 12 months of a previous referral (%)",
        ),
        Column("la number", text, required=False, example="335"),
        Column("region", text, required=False, example="West Midlands"),
    ),
    indicator="short desc",
    period="years",
    value="values",
    area=_lait_area,
    place=("la and regions",),
)


def _area_by_gss(code: str, name: str, kind: str = ""):
    """Where a row's value is for, in the files that name areas by GSS code: England
    (E92000001, or an area type of country), a region (E12…, or an area type of region) by its
    name, else a council."""
    council = _council_by_code(code)

    def area(row: dict, context: dict):
        area_type = (row.get(kind) or "").strip().lower() if kind else ""
        if area_type in {"country", "england"} or row[code] == "E92000001":
            return "england", None
        if area_type.startswith("region") or row[code].startswith("E12"):
            return "region", row.get(name) or row[code]
        return council(row, context)

    return area


FINGERTIPS = value_kind(
    slug="benchmark_fingertips",
    title="Benchmark values: OHID Fingertips",
    source=BenchmarkSource.FINGERTIPS,
    description="Values from an OHID Fingertips csv download for all councils, matched by the indicator column.",
    columns=(
        Column("area_code", text, example="E08000030"),
        Column("period", text, example="2023"),
        Column(
            "indicator",
            text,
            help="the indicator as published (its name, or its Fingertips ID), mapped to a KPI",
            example="Smoking Prevalence in adults (aged 18 and over) - current smokers (APS)",
        ),
        Column("value", published_number, example="14.6", blank_ok=True),
        Column("area_name", text, required=False, example="Walsall"),
        Column("area_type", text, required=False, help="Country, Region, UA, District, County", example="District"),
        Column("measure", text, required=False, example="Percentage"),
        Column("unit", text, required=False, example="%"),
        Column("compared_to_england", text, required=False, example="Worse"),
        Column("inequality", text, required=False, example="NA"),
    ),
    indicator="indicator",
    period="period",
    value="value",
    area=_area_by_gss("area_code", "area_name", kind="area_type"),
    place=("area_code", "inequality"),
)


LG_INFORM = value_kind(
    slug="benchmark_lg_inform",
    title="Benchmark values: LG Inform",
    source=BenchmarkSource.LG_INFORM,
    description="Values from an LG Inform report's data download (one row per area, metric and period).",
    columns=(
        Column("area code", text, example="E08000030"),
        Column("metric id", text, help="LG Inform's metric id, mapped to a KPI", example="3219"),
        Column("period", text, example="2022/23"),
        Column("value", published_number, example="71.2", blank_ok=True),
        Column("area", text, required=False, example="Walsall"),
        Column("metric", text, required=False, example="Employment rate - aged 16-64"),
    ),
    indicator="metric id",
    period="period",
    value="value",
    area=_area_by_gss("area code", "area"),
    place=("area code",),
)

#: Registered in the import index by ``kpis.imports.KINDS``.
BENCHMARK_KINDS = {
    kind.slug: kind for kind in (COUNCILS, COMPARATOR_GROUPS, BENCHMARK_INDICATORS, OFLOG, LAIT, FINGERTIPS, LG_INFORM)
}
