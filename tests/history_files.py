"""Five years of quarterly history for twenty KPIs, as a council moving in brings it: the data
dictionary file, the targets file and the history ("values") file, in the layouts of
docs/imports.md. The same arguments give the same files, byte for byte.

The KPIs mix units (percentages, one of them entered as a ratio with its numerator and
denominator, counts, a rate per 10,000, money, days) and polarities (higher, lower, and one
data-only); one quarter of one KPI was published as not available, and some figures carry
the commentary published with them. Every figure has a target, except the data-only KPI's,
so the dashboards can show RAG and direction of travel for the whole history::

    files = history_files.build(services=["S1", "S2"], owners=["service_lead"])
    files.dictionary, files.targets, files.history  # CSV text, header first
    files.write(tmp_path)  # {"dictionary": .../dictionary.csv, "targets": ..., "values": ...}

Import them in that order (the targets and the history name the dictionary's KPIs). The
history's quarters (2020/21 Q1 to 2024/25 Q4 by default) must come before the first period
the cycle runs; the import makes their historic periods.

Used by the history import's tests and the end-to-end browser test of a council moving in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from kpis.calendar import quarter_bounds

#: The KPI whose one quarter was published as not available, and that quarter's position.
NOT_AVAILABLE = ("HX-07", 9)
#: The KPI entered as a ratio (numerator over denominator, as a percentage).
RATIO = "HX-02"
#: The KPI with no target: its figures are data only.
DATA_ONLY = "HX-20"


@dataclass(frozen=True)
class HistoryKpi:
    """One KPI of the files: what the dictionary says of it, and how its figures run."""

    code: str
    title: str
    unit: str
    polarity: str
    decimal_places: int
    start: Decimal  # the first quarter's figure
    step: Decimal  # how far it moves a quarter, on average
    rate_per: int | None = None
    is_ratio: bool = False

    @property
    def places(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimal_places)


_KPIS = (
    HistoryKpi("HX-01", "Household waste recycled", "percentage", "higher", 1, Decimal("38.0"), Decimal("0.4")),
    HistoryKpi(
        "HX-02", "Assessments completed in 28 days", "percentage", "higher", 1, Decimal(0), Decimal(0), is_ratio=True
    ),
    HistoryKpi("HX-03", "Rough sleepers on a snapshot night", "number", "lower", 0, Decimal("42"), Decimal("-1")),
    HistoryKpi("HX-04", "Children in care", "rate", "lower", 1, Decimal("71.0"), Decimal("-0.3"), rate_per=10000),
    HistoryKpi("HX-05", "Council tax collected", "percentage", "higher", 1, Decimal("94.0"), Decimal("0.1")),
    HistoryKpi(
        "HX-06", "Days to process a housing benefit claim", "days", "lower", 1, Decimal("24.0"), Decimal("-0.2")
    ),
    HistoryKpi(
        "HX-07", "Planning applications decided in time", "percentage", "higher", 1, Decimal("81.0"), Decimal("0.3")
    ),
    HistoryKpi("HX-08", "Missed bin collections", "number", "lower", 0, Decimal("1900"), Decimal("-12")),
    HistoryKpi("HX-09", "Savings delivered", "currency", "higher", 0, Decimal("400000"), Decimal("25000")),
    HistoryKpi("HX-10", "Sickness absence per employee", "days", "lower", 2, Decimal("9.80"), Decimal("-0.05")),
    HistoryKpi("HX-11", "Calls answered within a minute", "percentage", "higher", 1, Decimal("68.0"), Decimal("0.5")),
    HistoryKpi("HX-12", "Potholes repaired in 28 days", "percentage", "higher", 1, Decimal("72.0"), Decimal("0.6")),
    HistoryKpi("HX-13", "Library visits", "number", "higher", 0, Decimal("52000"), Decimal("600")),
    HistoryKpi("HX-14", "Fly-tipping incidents", "number", "lower", 0, Decimal("640"), Decimal("-4")),
    HistoryKpi(
        "HX-15", "Re-referrals to children's social care", "percentage", "lower", 1, Decimal("24.0"), Decimal("-0.2")
    ),
    HistoryKpi("HX-16", "Adults in settled accommodation", "percentage", "higher", 1, Decimal("61.0"), Decimal("0.3")),
    HistoryKpi("HX-17", "Apprenticeship starts", "number", "higher", 0, Decimal("35"), Decimal("1")),
    HistoryKpi("HX-18", "Complaints answered in 10 days", "percentage", "higher", 1, Decimal("77.0"), Decimal("0.4")),
    HistoryKpi("HX-19", "Invoices paid in 30 days", "percentage", "higher", 1, Decimal("90.0"), Decimal("0.2")),
    HistoryKpi("HX-20", "Population (mid-year estimate)", "number", "none", 0, Decimal("181000"), Decimal("150")),
)

DICTIONARY_COLUMNS = [
    "code",
    "title",
    "definition",
    "calculation_method",
    "owning_service",
    "owner",
    "unit",
    "polarity",
    "frequency",
    "data_period_type",
    "cumulative_basis",
    "decimal_places",
    "tolerance_type",
    "tolerance_amount",
    "rate_per",
    "is_ratio",
    "numerator_label",
    "denominator_label",
    "allows_over_100",
    "annual_reporting_quarter",
    "portfolio",
    "source_system",
    "is_statutory",
    "is_council_plan_measure",
    "effective_from",
]
TARGET_COLUMNS = ["kpi_code", "for_date", "value", "is_year_to_date", "note"]
HISTORY_COLUMNS = [
    "kpi_code",
    "year",
    "quarter",
    "data_period_label",
    "data_period_end",
    "data_period_start",
    "value",
    "numerator",
    "denominator",
    "not_available",
    "not_available_reason",
    "commentary",
    "note",
]


@dataclass(frozen=True)
class HistoryFiles:
    """The three files, as CSV text, and what they hold."""

    dictionary: str
    targets: str
    history: str
    kpis: tuple[HistoryKpi, ...]
    quarters: tuple[tuple[int, int], ...]

    def write(self, directory: Path) -> dict[str, Path]:
        """The files written into ``directory`` (for a browser to upload), by import kind:
        ``dictionary.csv``, ``targets.csv`` and ``values.csv``."""
        paths = {}
        for kind, text in (("dictionary", self.dictionary), ("targets", self.targets), ("values", self.history)):
            paths[kind] = Path(directory) / f"{kind}.csv"
            paths[kind].write_text(text, encoding="utf-8")
        return paths


def kpis(count: int = 20) -> tuple[HistoryKpi, ...]:
    return _KPIS[:count]


def quarters(first_year: int = 2020, years: int = 5) -> tuple[tuple[int, int], ...]:
    """(financial year, quarter), oldest first: 2020/21 Q1 to 2024/25 Q4 by default."""
    return tuple((year, quarter) for year in range(first_year, first_year + years) for quarter in (1, 2, 3, 4))


def figure(kpi: HistoryKpi, index: int) -> Decimal:
    """The KPI's figure for the ``index``-th quarter: a steady trend with a seasonal wobble
    (so directions of travel go both ways), in the KPI's unit and places."""
    wobble = Decimal((0, 1, -1, 2)[index % 4]) * abs(kpi.step or Decimal(1))
    value = kpi.start + kpi.step * index + wobble
    if kpi.unit == "percentage":
        value = min(max(value, Decimal(0)), Decimal(100))
    return value.quantize(kpi.places)


def ratio_parts(index: int) -> tuple[Decimal, Decimal]:
    """The ratio KPI's numerator and denominator for a quarter: 200 assessments or so, of
    which a rising share in 28 days, so the value (their percentage) is exact to 1 decimal."""
    denominator = Decimal(200 + 10 * (index % 3))
    numerator = (
        denominator * (Decimal("0.70") + Decimal("0.01") * index + Decimal((0, 2, -1, 1)[index % 4]) / 100)
    ).quantize(Decimal(1))
    return numerator, denominator


def target(kpi: HistoryKpi, index: int) -> Decimal:
    """A target the figures sometimes meet and sometimes miss: the trend without its wobble,
    nudged half a step the hard way."""
    value = kpi.start + kpi.step * index + kpi.step / 2
    if kpi.is_ratio:
        value = Decimal(70) + index + Decimal("0.5")
    if kpi.unit == "percentage":
        value = min(max(value, Decimal(0)), Decimal(100))
    return value.quantize(kpi.places)


def dictionary_csv(*, services: Sequence[str], owners: Sequence[str], count: int = 20, first_year: int = 2020) -> str:
    """The data dictionary file: one row per KPI, owned by ``services`` and ``owners`` in turn."""
    rows = []
    for number, kpi in enumerate(kpis(count)):
        rows.append(
            {
                "code": kpi.code,
                "title": kpi.title,
                "definition": f"{kpi.title}, as reported to Cabinet each quarter",
                "calculation_method": "Numerator over denominator" if kpi.is_ratio else f"{kpi.title} in the quarter",
                "owning_service": services[number % len(services)],
                "owner": owners[number % len(owners)],
                "unit": kpi.unit,
                "polarity": kpi.polarity,
                "frequency": "quarterly",
                "data_period_type": "quarter",
                "cumulative_basis": "none",
                "decimal_places": str(kpi.decimal_places),
                "tolerance_type": "absolute" if kpi.polarity != "none" else "none",
                "tolerance_amount": str(abs(kpi.step) * 2) if kpi.polarity != "none" and kpi.step else "",
                "rate_per": str(kpi.rate_per or ""),
                "is_ratio": "yes" if kpi.is_ratio else "no",
                "numerator_label": "Assessments completed in 28 days" if kpi.is_ratio else "",
                "denominator_label": "Assessments completed" if kpi.is_ratio else "",
                "allows_over_100": "no",
                "annual_reporting_quarter": "1",
                "portfolio": ("Environment", "Adults and Health", "Children", "Resources")[number % 4],
                "source_system": "The old performance spreadsheet",
                "is_statutory": "yes" if number % 3 == 0 else "no",
                "is_council_plan_measure": "no",
                "effective_from": f"{first_year}-04-01",
            }
        )
    for row in rows:  # a ratio's tolerance: two percentage points
        if row["code"] == RATIO:
            row["tolerance_amount"] = "2"
    return _csv(DICTIONARY_COLUMNS, rows)


def targets_csv(*, count: int = 20, first_year: int = 2020, years: int = 5) -> str:
    """A target for every KPI (but the data-only one) and quarter, for the quarter's last day."""
    rows = [
        {
            "kpi_code": kpi.code,
            "for_date": quarter_bounds(year, quarter)[1].isoformat(),
            "value": str(target(kpi, index)),
            "is_year_to_date": "no",
            "note": "From the Council Plan's delivery plan",
        }
        for kpi in kpis(count)
        if kpi.code != DATA_ONLY
        for index, (year, quarter) in enumerate(quarters(first_year, years))
    ]
    return _csv(TARGET_COLUMNS, rows)


def history_csv(*, count: int = 20, first_year: int = 2020, years: int = 5) -> str:
    """Every KPI's figure for every quarter: ``count`` × 4 × ``years`` rows (400 by default)."""
    rows = []
    for kpi in kpis(count):
        for index, (year, quarter) in enumerate(quarters(first_year, years)):
            start, end = quarter_bounds(year, quarter)
            row = {
                "kpi_code": kpi.code,
                "year": str(year),
                "quarter": str(quarter),
                "data_period_label": f"{year}/{str(year + 1)[-2:]} Q{quarter}",
                "data_period_end": end.isoformat(),
                "data_period_start": start.isoformat(),
                "note": "From the 2020-25 performance reports",
            }
            if (kpi.code, index) == NOT_AVAILABLE:
                row["not_available"] = "yes"
                row["not_available_reason"] = "The case management system was being replaced"
            elif kpi.is_ratio:
                numerator, denominator = ratio_parts(index)
                row["numerator"], row["denominator"] = str(numerator), str(denominator)
                if index % 2:  # half the rows give the value as well, checked against its parts
                    row["value"] = str((numerator / denominator * 100).quantize(Decimal("0.1"), ROUND_HALF_UP))
            else:
                row["value"] = str(figure(kpi, index))
            if index % 4 == 3:
                row["commentary"] = f"{kpi.title}: year end, {_moved(kpi, index)} on the quarter before"
            rows.append(row)
    return _csv(HISTORY_COLUMNS, rows)


def build(
    *, services: Sequence[str], owners: Sequence[str], count: int = 20, first_year: int = 2020, years: int = 5
) -> HistoryFiles:
    """The three files for ``count`` KPIs and ``years`` financial years from ``first_year``."""
    return HistoryFiles(
        dictionary=dictionary_csv(services=services, owners=owners, count=count, first_year=first_year),
        targets=targets_csv(count=count, first_year=first_year, years=years),
        history=history_csv(count=count, first_year=first_year, years=years),
        kpis=kpis(count),
        quarters=quarters(first_year, years),
    )


def _moved(kpi: HistoryKpi, index: int) -> str:
    if kpi.is_ratio:
        return "steady"
    return "up" if figure(kpi, index) > figure(kpi, index - 1) else "down"


def _csv(columns: Sequence[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return buffer.getvalue()
