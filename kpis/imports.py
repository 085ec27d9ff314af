"""Imports for the data dictionary, targets, period values (historic backfill) and benchmarks.

Each import reads a CSV or Excel file, checks every row and reports every problem with its row
number and column; only a file with no problems is applied, in one transaction. Nothing is
ever half-imported. The columns are documented in docs/imports.md and each kind has a
downloadable template.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from accounts.models import OrgUnit, User
from core.imports import (  # noqa: F401 - the shared import API is reached from here too
    CellError,
    Checked,
    Column,
    ImportKind,
    ImportRefused,
    apply_import,
    check_file,
    choice,
    date,
    number,
    optional_number,
    text,
    whole_number,
    yes_no,
)
from core.number_input import MAX_DECIMAL_PLACES
from kpis.models import (
    CumulativeBasis,
    DataPeriodType,
    Frequency,
    Kpi,
    KpiReturn,
    KpiVersion,
    PeriodState,
    QuarterRule,
    ReportingPeriod,
    Unit,
)
from kpis.results import Polarity, ToleranceType
from kpis.services.returns import is_published
from kpis.workflow import TransitionRefused

#: What the services raise when a row checked a moment ago is refused on applying it.
REFUSALS = (ValidationError, TransitionRefused)


def load_context(*, history: bool = False) -> dict:
    context = {
        "kpis": {kpi.code: kpi for kpi in Kpi.objects.prefetch_related("versions")},
        "services": {u.code: u for u in OrgUnit.objects.filter(kind="service")},
        "people": {u.username: u for u in User.objects.filter(is_active=True)},
        "periods": {(p.year, p.quarter): p for p in ReportingPeriod.objects.all()},
    }
    if history:  # read once for the history rule, rather than twice a row
        returns = KpiReturn.objects.exclude(period__state=PeriodState.OPEN)
        context["returns"] = {(r.kpi_id, r.period_id): r for r in returns}
        context["published_periods"] = {p.pk for p in context["periods"].values() if is_published(p)}
    return context


# --- The data dictionary ------------------------------------------------------------------------


def _check_dictionary_row(row: dict, context: dict) -> str | None:
    if row["owning_service"] not in context["services"]:
        return f"owning_service: no service with the code {row['owning_service']}"
    for name in ("owner", "deputy"):
        if row.get(name) and row[name] not in context["people"]:
            return f"{name}: no active person with the user name {row[name]}"
    if row["tolerance_type"] != "none" and row.get("tolerance_amount") is None:
        return "tolerance_amount: give the tolerance, or set tolerance_type to none"
    for name in ("code", "title", "portfolio", "source_system", "tolerance_amount"):
        if row.get(name) in (None, ""):
            continue
        try:  # the model's own limits (lengths, digits), told here rather than failing on save
            Kpi._meta.get_field(name).clean(row[name], None)
        except ValidationError as error:
            return f"{name}: {error.messages[0]}"
    version = KpiVersion(**_version_fields(row))
    try:
        version.clean()
    except ValidationError as error:
        column, messages = next(iter(error.message_dict.items()))
        return f"{column}: {messages[0]}"
    if row["code"] in context["kpis"]:
        from kpis.services.dictionary import tolerance_problems

        kpi = context["kpis"][row["code"]]
        problems = tolerance_problems(kpi=kpi, tolerance_type=row["tolerance_type"])
        if problems:
            return next(f"{column}: {message}" for column, message in problems.items())
        current = kpi.version_for(datetime.date.max)
        defining = ("unit", "polarity", "cumulative_basis", "calculation_method")
        if current and any(str(getattr(current, name)) != str(row[name]) for name in defining):
            return "calculation_method: the definition changed; add a new version on the KPI's page"
    return None


def _apply_dictionary(*, by, rows: list[dict]) -> int:
    from kpis.services.dictionary import kpi_create, kpi_update

    context = load_context()
    for row in rows:
        fields = {
            "title": row["title"],
            "definition": row["definition"],
            "why_it_matters": row.get("why_it_matters") or "",
            "source_system": row.get("source_system") or "",
            "owning_service": context["services"][row["owning_service"]],
            "owner": context["people"][row["owner"]],
            "deputy": context["people"].get(row.get("deputy") or ""),
            "portfolio": row.get("portfolio") or "",
            "is_statutory": bool(row.get("is_statutory")),
            "is_council_plan_measure": bool(row.get("is_council_plan_measure")),
            "frequency": row["frequency"],
            "data_period_type": row["data_period_type"],
            "decimal_places": int(row["decimal_places"]),
            "tolerance_type": row["tolerance_type"],
            "tolerance_amount": row.get("tolerance_amount"),
        }
        existing = context["kpis"].get(row["code"])
        if existing:
            kpi_update(by=by, kpi=existing, **fields)
        else:
            kpi_create(
                by=by,
                code=row["code"],
                effective_from=row.get("effective_from") or datetime.date(2000, 4, 1),
                version=_version_fields(row),
                **fields,
            )
    return len(rows)


def _version_fields(row: dict) -> dict:
    return {
        "calculation_method": row["calculation_method"],
        "unit": row["unit"],
        "rate_per": row.get("rate_per"),
        "polarity": row["polarity"],
        "cumulative_basis": row["cumulative_basis"],
        "quarter_rule": row.get("quarter_rule") or QuarterRule.LAST_MONTH,
    }


DICTIONARY = ImportKind(
    slug="dictionary",
    title="Data dictionary",
    description="Adds KPIs, or updates the descriptive fields of existing ones (a change to the "
    "definition needs a new version on the KPI's page).",
    columns=(
        Column("code", text),
        Column("title", text),
        Column("definition", text),
        Column("calculation_method", text),
        Column("owning_service", text, help="the service's code"),
        Column("owner", text, help="user name"),
        Column("unit", choice([u.value for u in Unit])),
        Column("polarity", choice([p.value for p in Polarity])),
        Column("frequency", choice([f.value for f in Frequency])),
        Column("data_period_type", choice([d.value for d in DataPeriodType])),
        Column("cumulative_basis", choice([c.value for c in CumulativeBasis])),
        Column("decimal_places", choice(["0", "1", "2", "3", "4"])),
        Column("tolerance_type", choice([t.value for t in ToleranceType])),
        Column("tolerance_amount", optional_number, required=False),
        Column("rate_per", lambda value: whole_number(value) if value.strip() else None, required=False),
        Column("deputy", text, required=False),
        Column("portfolio", text, required=False),
        Column("why_it_matters", text, required=False),
        Column("source_system", text, required=False),
        Column("is_statutory", yes_no, required=False),
        Column("is_council_plan_measure", yes_no, required=False),
        Column("effective_from", date, required=False),
        Column(
            "quarter_rule",
            choice([q.value for q in QuarterRule]),
            required=False,
            help="monthly KPIs: how three months make the quarter (default last_month)",
        ),
    ),
    check_row=_check_dictionary_row,
    apply=_apply_dictionary,
    key=lambda row: (row["code"],),
    context=load_context,
    refusals=REFUSALS,
)


# --- Targets ---------------------------------------------------------------------------------------


def _check_kpi(row: dict, context: dict) -> str | None:
    if row["kpi_code"] not in context["kpis"]:
        return f"kpi_code: no KPI with the code {row['kpi_code']}"
    return None


def _check_target_row(row: dict, context: dict) -> str | None:
    from kpis.services.dictionary import target_problems

    problem = _check_kpi(row, context)
    if problem:
        return problem
    problems = target_problems(kpi=context["kpis"][row["kpi_code"]], for_date=row["for_date"], value=row["value"])
    return next((f"{column}: {message}" for column, message in problems.items()), None)


def _apply_targets(*, by, rows: list[dict]) -> int:
    from kpis.services.dictionary import target_set

    kpis = load_context()["kpis"]
    for row in rows:
        target_set(
            by=by,
            kpi=kpis[row["kpi_code"]],
            for_date=row["for_date"],
            value=row["value"],
            is_year_to_date=bool(row.get("is_year_to_date")),
            note=row.get("note") or "",
        )
    return len(rows)


TARGETS = ImportKind(
    slug="targets",
    title="Targets",
    description="Sets the target for each KPI and date (replacing any target already set for that date).",
    columns=(
        Column("kpi_code", text),
        Column("for_date", date, help="the last day of the period the target is for"),
        Column("value", number),
        Column("is_year_to_date", yes_no, required=False),
        Column("note", text, required=False),
    ),
    check_row=_check_target_row,
    apply=_apply_targets,
    key=lambda row: (row["kpi_code"], row["for_date"]),
    context=load_context,
    refusals=REFUSALS,
)


# --- Period values (historic backfill) ----------------------------------------------------------------


def _check_value_row(row: dict, context: dict) -> str | None:
    problem = _check_kpi(row, context)
    if problem:
        return problem
    key = (row["year"], row["quarter"])
    period = context["periods"].get(key)
    if period is None:
        return f"quarter: there is no {row['year']}/{str(row['year'] + 1)[-2:]} Q{row['quarter']} reporting period"
    from kpis.services.returns import backfill_problems

    kpi = context["kpis"][row["kpi_code"]]
    problems = backfill_problems(
        kpi=kpi,
        period=period,
        value=row["value"],
        data_period_end=row["data_period_end"],
        data_period_start=row.get("data_period_start"),
        existing=context["returns"].get((kpi.pk, period.pk)),
        published=period.pk in context["published_periods"],
    )
    return next((f"{column}: {message}" for column, message in problems.items()), None)


def _apply_values(*, by, rows: list[dict]) -> int:
    from kpis.data_periods import DataPeriod
    from kpis.services.returns import return_backfill

    context = load_context()
    for row in rows:
        end = row["data_period_end"]
        return_backfill(
            by=by,
            kpi=context["kpis"][row["kpi_code"]],
            period=context["periods"][(row["year"], row["quarter"])],
            value=row["value"],
            note=row.get("note") or "Imported history",
            data_period=DataPeriod(row["data_period_label"], row.get("data_period_start") or end, end),
            commentary=row.get("commentary") or "",
            actions=row.get("actions") or "",
        )
    return len(rows)


VALUES = ImportKind(
    slug="values",
    title="Period values (history)",
    description="Loads published figures as approved returns in closed periods, for history and trends.",
    columns=(
        Column("kpi_code", text),
        Column("year", whole_number, help="the financial year of the reporting period, e.g. 2024 for 2024/25"),
        Column("quarter", choice(["1", "2", "3", "4"])),
        Column("data_period_label", text),
        Column("data_period_end", date),
        Column("value", number),
        Column("data_period_start", date, required=False),
        Column("note", text, required=False),
        Column("commentary", text, required=False, help="the commentary published with the figure"),
        Column("actions", text, required=False, help="the actions published with the figure"),
    ),
    check_row=lambda row, context: _check_value_row({**row, "quarter": int(row["quarter"])}, context),
    apply=lambda *, by, rows: _apply_values(by=by, rows=[{**r, "quarter": int(r["quarter"])} for r in rows]),
    key=lambda row: (row["kpi_code"], row["year"], row["quarter"]),  # one figure per KPI and reporting period
    context=lambda: load_context(history=True),
    refusals=REFUSALS,
)


# --- Benchmarks ---------------------------------------------------------------------------------------


def _check_benchmark_row(row: dict, context: dict) -> str | None:
    """A comparator comes from another body, so it keeps its own precision up to what is stored."""
    from kpis.validation import places_problem

    problem = _check_kpi(row, context)
    if problem:
        return problem
    problem = places_problem(row["value"], MAX_DECIMAL_PLACES)
    return f"value: {problem}" if problem else None


def _apply_benchmarks(*, by, rows: list[dict]) -> int:
    from kpis.services.dictionary import benchmark_set

    kpis = load_context()["kpis"]
    for row in rows:
        benchmark_set(
            by=by,
            kpi=kpis[row["kpi_code"]],
            period_end=row["period_end"],
            comparator=row["comparator"],
            data_period_label=row["data_period_label"],
            value=row["value"],
            source=row.get("source") or "",
        )
    return len(rows)


BENCHMARKS = ImportKind(
    slug="benchmarks",
    title="Benchmarks",
    description="Comparator values (England, region, neighbours) for each KPI and data period.",
    columns=(
        Column("kpi_code", text),
        Column("data_period_label", text),
        Column("period_end", date),
        Column("comparator", text),
        Column("value", number),
        Column("source", text, required=False),
    ),
    check_row=_check_benchmark_row,
    apply=_apply_benchmarks,
    key=lambda row: (row["kpi_code"], row["period_end"], row["comparator"]),
    context=load_context,
    refusals=REFUSALS,
)

KINDS = {kind.slug: kind for kind in (DICTIONARY, TARGETS, VALUES, BENCHMARKS)}

from kpis.imports_benchmarks import BENCHMARK_KINDS  # noqa: E402 - benchmarking kinds, in their own module

KINDS.update(BENCHMARK_KINDS)
