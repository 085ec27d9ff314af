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
from kpis.import_columns import FIGURE_COLUMNS
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


def _dictionary_context() -> dict:
    """What the dictionary's rows are checked against, and the Council Plan in force today,
    whose node codes link a KPI to the plan."""
    from planning.models import CouncilPlan

    plan = CouncilPlan.objects.current()
    nodes = {node.code: node for node in plan.nodes.active()} if plan else {}
    return load_context() | {"plan": plan, "plan_nodes": nodes}


def _codes(value: str) -> list[str]:
    """Codes separated by semicolons (a comma separates a CSV's cells)."""
    codes = [code.strip() for code in text(value).split(";")]
    return [code for code in codes if code]


#: Kpi and KpiVersion fields whose own limits (lengths, digits) a row is held to before saving.
_KPI_LIMITED = ("code", "title", "portfolio", "source_system", "benchmark_source", "tolerance_amount")
_KPI_LIMITED += ("end_of_plan_target",)
_VERSION_LIMITED = ("numerator_label", "denominator_label")


def _check_dictionary_row(row: dict, context: dict) -> str | None:
    if row["owning_service"] not in context["services"]:
        return f"owning_service: no service with the code {row['owning_service']}"
    for name in ("owner", "deputy"):
        if row.get(name) and row[name] not in context["people"]:
            return f"{name}: no active person with the user name {row[name]}"
    missing = [code for code in row.get("council_plan_nodes") or [] if code not in context["plan_nodes"]]
    if missing:
        plan = context["plan"]
        where = f"in {plan.title}" if plan else "(there is no Council Plan in force today)"
        return f"council_plan_nodes: no Council Plan node {', '.join(missing)} {where}"
    if row["tolerance_type"] != "none" and row.get("tolerance_amount") is None:
        return "tolerance_amount: give the tolerance, or set tolerance_type to none"
    for model, names in ((Kpi, _KPI_LIMITED), (KpiVersion, _VERSION_LIMITED)):
        for name in names:
            if row.get(name) in (None, ""):
                continue
            try:  # the model's own limits (lengths, digits), told here rather than failing on save
                model._meta.get_field(name).clean(row[name], None)
            except ValidationError as error:
                return f"{name}: {error.messages[0]}"
    try:  # the rules the KPI form's service applies (``Kpi.clean``, ``KpiVersion.clean``)
        Kpi(**{k: v for k, v in _kpi_fields(row, context).items() if k not in {"owning_service", "owner"}}).clean()
        KpiVersion(**_version_fields(row)).clean()
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
        defining = _version_fields(row)
        if current and any(getattr(current, name) != given for name, given in defining.items()):
            return "calculation_method: the definition changed; add a new version on the KPI's page"
    return None


def _kpi_fields(row: dict, context: dict) -> dict:
    """The KPI's own fields from a row: every field the KPI form sets (``Kpi.EDITABLE_FIELDS``);
    a blank optional cell gives the form's default."""
    return {
        "title": row["title"],
        "definition": row["definition"],
        "why_it_matters": row.get("why_it_matters") or "",
        "source_system": row.get("source_system") or "",
        "benchmark_source": row.get("benchmark_source") or "",
        "owning_service": context["services"].get(row["owning_service"]),
        "owner": context["people"].get(row["owner"]),
        "deputy": context["people"].get(row.get("deputy") or ""),
        "portfolio": row.get("portfolio") or "",
        "is_statutory": bool(row.get("is_statutory")),
        "is_council_plan_measure": bool(row.get("is_council_plan_measure")),
        "frequency": row["frequency"],
        "data_period_type": row["data_period_type"],
        "annual_reporting_quarter": int(row.get("annual_reporting_quarter") or 1),
        "decimal_places": int(row["decimal_places"]),
        "tolerance_type": row["tolerance_type"],
        "tolerance_amount": row.get("tolerance_amount"),
        "allows_over_100": bool(row.get("allows_over_100")),
        "end_of_plan_target": row.get("end_of_plan_target"),
        "end_of_plan_target_date": row.get("end_of_plan_target_date"),
    }


def _apply_dictionary(*, by, rows: list[dict]) -> int:
    from kpis.services.dictionary import kpi_create, kpi_update

    context = _dictionary_context()
    for row in rows:
        fields = _kpi_fields(row, context)
        nodes = [context["plan_nodes"][code] for code in row.get("council_plan_nodes") or []]
        existing = context["kpis"].get(row["code"])
        if existing:
            # Links to the Council Plan are added by a file, never removed by a blank cell.
            kept = set(existing.council_plan_nodes.all())
            kpi_update(by=by, kpi=existing, council_plan_nodes=[*kept, *(n for n in nodes if n not in kept)], **fields)
        else:
            kpi_create(
                by=by,
                code=row["code"],
                effective_from=row.get("effective_from") or datetime.date(2000, 4, 1),
                version=_version_fields(row),
                council_plan_nodes=nodes,
                **fields,
            )
    return len(rows)


def _version_fields(row: dict) -> dict:
    """The first version's fields from a row: every field of a definition
    (``KpiVersion.DEFINITION_FIELDS``)."""
    return {
        "calculation_method": row["calculation_method"],
        "is_ratio": bool(row.get("is_ratio")),
        "numerator_label": row.get("numerator_label") or "",
        "denominator_label": row.get("denominator_label") or "",
        "unit": row["unit"],
        "rate_per": row.get("rate_per"),
        "polarity": row["polarity"],
        "cumulative_basis": row["cumulative_basis"],
        "cumulative_since": row.get("cumulative_since"),
        "quarter_rule": row.get("quarter_rule") or QuarterRule.LAST_MONTH,
    }


DICTIONARY = ImportKind(
    slug="dictionary",
    title="Data dictionary",
    description="Adds KPIs, or updates the descriptive fields of existing ones (a change to the "
    "definition needs a new version on the KPI's page).",
    columns=(
        Column("code", text, example="ASC-01"),
        Column("title", text, example="Adult social care assessments completed in 28 days"),
        Column("definition", text, example="Share of new assessments completed within 28 days of the request"),
        Column("calculation_method", text, example="Assessments completed in 28 days / all assessments completed"),
        Column("owning_service", text, help="the service's code", example="ASC"),
        Column("owner", text, help="user name", example="imogen.hart"),
        Column("unit", choice([u.value for u in Unit]), example="percentage"),
        Column("polarity", choice([p.value for p in Polarity]), example="higher"),
        Column("frequency", choice([f.value for f in Frequency]), example="quarterly"),
        Column("data_period_type", choice([d.value for d in DataPeriodType]), example="quarter"),
        Column("cumulative_basis", choice([c.value for c in CumulativeBasis]), example="none"),
        Column("decimal_places", choice(["0", "1", "2", "3", "4"]), example="1"),
        Column("tolerance_type", choice([t.value for t in ToleranceType]), example="absolute"),
        Column("tolerance_amount", optional_number, required=False, example="2.5"),
        Column("rate_per", lambda value: whole_number(value) if value.strip() else None, required=False),
        Column("is_ratio", yes_no, required=False, example="yes"),
        Column("numerator_label", text, required=False, example="Assessments completed in 28 days"),
        Column("denominator_label", text, required=False, example="Assessments completed"),
        Column("allows_over_100", yes_no, required=False, example="no"),
        Column("cumulative_since", date, required=False),
        Column("annual_reporting_quarter", choice(["1", "2", "3", "4"]), required=False, example="1"),
        Column("deputy", text, required=False),
        Column("portfolio", text, required=False, example="Adult Social Care"),
        Column("why_it_matters", text, required=False),
        Column("source_system", text, required=False, example="Mosaic"),
        Column("benchmark_source", text, required=False),
        Column("is_statutory", yes_no, required=False, example="yes"),
        Column("is_council_plan_measure", yes_no, required=False, example="no"),
        Column("council_plan_nodes", _codes, required=False),
        Column("end_of_plan_target", optional_number, required=False),
        Column("end_of_plan_target_date", date, required=False),
        Column("effective_from", date, required=False, example="2020-04-01"),
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
    context=_dictionary_context,
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
        Column("kpi_code", text, example="ASC-01"),
        Column("for_date", date, help="the last day of the period the target is for", example="2025-09-30"),
        Column("value", number, example="85"),
        Column("is_year_to_date", yes_no, required=False, example="no"),
        Column("note", text, required=False, example="Agreed by Cabinet, March 2025"),
    ),
    check_row=_check_target_row,
    apply=_apply_targets,
    key=lambda row: (row["kpi_code"], row["for_date"]),
    context=load_context,
    refusals=REFUSALS,
)


# --- Period values (historic backfill) ----------------------------------------------------------------


def _history_context() -> dict:
    from django.utils import timezone

    from kpis.services.periods import first_live_period

    return load_context(history=True) | {"today": timezone.localdate(), "first_live": first_live_period()}


def _figure(row: dict):
    from kpis.services.returns import HistoricFigure

    unavailable = bool(row.get("not_available"))
    return HistoricFigure(
        value=row.get("value"),
        numerator=row.get("numerator"),
        denominator=row.get("denominator"),
        not_available_reason=(row.get("not_available_reason") or "") if unavailable else None,
        expected_date=row.get("expected_date") if unavailable else None,
    )


def _check_value_row(row: dict, context: dict) -> str | None:
    from kpis.services.periods import historic_period_problem, new_period
    from kpis.services.returns import backfill_problems

    problem = _check_kpi(row, context)
    if problem:
        return problem
    if not row.get("not_available"):
        for name in ("not_available_reason", "expected_date"):
            if row.get(name):
                return f"{name}: only a figure marked not_available has a reason and an expected date"
    key = (row["year"], row["quarter"])
    period = context["periods"].get(key)
    if period is None:
        # A quarter wholly in the past gets its historic period when the file is applied.
        problem = historic_period_problem(*key, today=context["today"], first_live=context["first_live"])
        if problem:
            return f"quarter: {problem}"
        period = context["periods"][key] = new_period(*key, historic=True)
    kpi = context["kpis"][row["kpi_code"]]
    problems = backfill_problems(
        kpi=kpi,
        period=period,
        figure=_figure(row),
        data_period_end=row["data_period_end"],
        data_period_start=row.get("data_period_start"),
        existing=context["returns"].get((kpi.pk, period.pk)) if period.pk else None,
        published=period.pk in context["published_periods"],
    )
    return next((f"{column}: {message}" for column, message in problems.items()), None)


def _apply_values(*, by, rows: list[dict]) -> int:
    from kpis.data_periods import DataPeriod
    from kpis.services.periods import period_create
    from kpis.services.returns import return_backfill

    context = load_context()
    periods = context["periods"]
    for row in rows:
        key = (row["year"], row["quarter"])
        if key not in periods:  # checked as wholly in the past: made now, in the same transaction
            periods[key] = period_create(by=by, year=row["year"], quarter=row["quarter"], historic=True)
        end = row["data_period_end"]
        return_backfill(
            by=by,
            kpi=context["kpis"][row["kpi_code"]],
            period=periods[key],
            figure=_figure(row),
            note=row.get("note") or "Imported history",
            data_period=DataPeriod(row["data_period_label"], row.get("data_period_start") or end, end),
            commentary=row.get("commentary") or "",
            actions=row.get("actions") or "",
        )
    return len(rows)


VALUES = ImportKind(
    slug="values",
    title="Period values (history)",
    description="Loads published figures as approved returns in closed periods, for history and trends, making "
    "the historic reporting periods it needs for quarters before those the cycle runs.",
    columns=(
        *FIGURE_COLUMNS,
        Column("data_period_label", text, help="the source's own label for the figure", example="2023/24 Q2"),
        Column("data_period_end", date, help="the last day of the period the figure measures", example="2023-09-30"),
        Column("value", number, required=False, help="the figure in the KPI's unit", example="82.5"),
        Column("numerator", number, required=False, help="a ratio KPI's numerator", example="165"),
        Column("denominator", number, required=False, help="a ratio KPI's denominator", example="200"),
        Column(
            "not_available", yes_no, required=False, help="yes: the figure was published as not available", example="no"
        ),
        Column("not_available_reason", text, required=False, help="why the figure was not available"),
        Column("expected_date", date, required=False, help="when a figure not available was expected"),
        Column("data_period_start", date, required=False, example="2023-07-01"),
        Column("note", text, required=False, help="the data quality note kept with the figure"),
        Column(
            "commentary",
            text,
            required=False,
            help="the commentary published with the figure",
            example="Up on last quarter after the new triage process",
        ),
        Column("actions", text, required=False, help="the actions published with the figure"),
    ),
    check_row=lambda row, context: _check_value_row({**row, "quarter": int(row["quarter"])}, context),
    apply=lambda *, by, rows: _apply_values(by=by, rows=[{**r, "quarter": int(r["quarter"])} for r in rows]),
    key=lambda row: (row["kpi_code"], row["year"], row["quarter"]),  # one figure per KPI and reporting period
    context=_history_context,
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
        Column("kpi_code", text, example="ASC-01"),
        Column("data_period_label", text, example="2024/25"),
        Column("period_end", date, example="2025-03-31"),
        Column("comparator", text, example="England"),
        Column("value", number, example="79.4"),
        Column("source", text, required=False, example="NHS England, ASCOF 2024/25"),
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


def _register_more_kinds() -> None:
    """Kinds kept in modules of their own (they import this one's shared API)."""
    from kpis.breakdown_imports import BREAKDOWN_VALUES

    KINDS[BREAKDOWN_VALUES.slug] = BREAKDOWN_VALUES


_register_more_kinds()
