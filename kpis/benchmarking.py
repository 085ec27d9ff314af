"""Where the council stands among other councils, for each KPI with benchmark data and each
data period: its rank and quartile among its comparator group (nearest or statistical
neighbours) and among every council in the data, and the neighbours' average.

The work is done with pandas over whole tables at once (every council, KPI and period in one
frame), never council by council in Python: ``positions_table`` takes the values, the groups
and the polarities as frames and returns every council's position; ``benchmark_positions`` reads
what one page needs in a fixed number of queries and asks it for one council.

The rules, said once here:

- **Rank 1 is best**, by the KPI's polarity (highest first when higher is better, lowest first
  when lower is better). A KPI with no polarity is not ranked; its neighbour average is still
  given.
- **Ties share the best rank** ("competition" ranking, 1, 2, 2, 4): two councils with the same
  published value are equally placed, and the next council is placed after both.
- **Quartile** is ``ceil(4 × rank ÷ councils ranked)``: 1 is the top (best) quartile. With
  16 councils ranks 1-4 are the top quartile, 13-16 the bottom.
- **Among neighbours** means the council and the members of its group that have a value for
  that period; "3rd of 16" counts the council itself.
- **Nationally** means every council in the imported data with a value for that indicator and
  period (Oflog and Fingertips publish every English council; a LAIT download may hold fewer,
  so the words say how many).
- **The neighbour average** is the mean of the neighbours' values, **excluding the council
  itself** (the usual convention: the council is compared with its neighbours, not with a
  group it is part of).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from kpis.models import (
    GROUP_WORDS,
    BenchmarkSource,
    BenchmarkValue,
    ComparatorGroup,
    Council,
    GroupKind,
    KpiVersion,
)
from kpis.results import Polarity

if TYPE_CHECKING:
    import pandas as pd

# pandas (and numpy) are imported where they are used: importing pandas takes most of a second,
# and every process that loads the URLs (web, Celery, management commands) would pay it at start.

QUARTILE_WORDS = {1: "top quartile", 2: "second quartile", 3: "third quartile", 4: "bottom quartile"}

#: The columns ``positions_table`` returns, one row per KPI, period and council.
POSITION_COLUMNS = [
    "kpi",
    "period_end",
    "council",
    "value",
    "group_rank",
    "group_count",
    "group_quartile",
    "neighbour_average",
    "neighbour_count",
    "national_rank",
    "national_count",
    "national_quartile",
]


def _quartile(rank: pd.Series, count: pd.Series) -> pd.Series:
    import numpy as np

    return np.ceil(4 * rank.astype("Float64") / count.astype("Float64")).astype("Int64")


def _signed(values: pd.DataFrame, polarity: pd.Series) -> pd.Series:
    """The value turned so that the smallest is best, or NaN where the KPI has no polarity."""
    sign = values["kpi"].map(polarity).map({Polarity.HIGHER_IS_BETTER.value: -1.0, Polarity.LOWER_IS_BETTER.value: 1.0})
    return values["value"] * sign


def positions_table(values: pd.DataFrame, groups: pd.DataFrame, polarity: pd.Series, kinds: pd.Series) -> pd.DataFrame:
    """Every council's position for every KPI and period, in one pass over whole tables.

    ``values``: columns kpi, council, period_end, value (float), one row per council's figure.
    ``groups``: columns council, kind, member: each council's comparator groups, without itself.
    ``polarity``: "higher", "lower" or "none", indexed by kpi.
    ``kinds``: which group kind each kpi is compared within, indexed by kpi.
    Councils without a group of the KPI's kind get a national position only.
    """
    import pandas as pd

    values = values.assign(signed=_signed(values, polarity))
    national = values.groupby(["kpi", "period_end"])["signed"]
    result = values[["kpi", "period_end", "council", "value"]].assign(
        national_rank=national.rank(method="min").astype("Int64"),
        national_count=national.transform("count").astype("Int64"),
    )
    result["national_quartile"] = _quartile(result["national_rank"], result["national_count"])

    # Each council's group is itself and its members: pair every council with each of them.
    owners = groups[["council", "kind"]].drop_duplicates()
    pairs = pd.concat([groups, owners.assign(member=owners["council"])], ignore_index=True)
    pairs = pairs.rename(columns={"council": "owner"})
    with_kind = values.assign(kind=values["kpi"].map(kinds))
    grouped = pairs.merge(with_kind, left_on=["kind", "member"], right_on=["kind", "council"])
    keys = ["kpi", "period_end", "owner"]
    ranks = grouped.groupby(keys)["signed"]
    grouped = grouped.assign(group_rank=ranks.rank(method="min"), group_count=ranks.transform("count"))
    own = grouped[grouped["member"] == grouped["owner"]][[*keys, "group_rank", "group_count"]]
    others = grouped[grouped["member"] != grouped["owner"]]
    averages = others.groupby(keys)["value"].agg(neighbour_average="mean", neighbour_count="count").reset_index()
    own = own.merge(averages, on=keys, how="left").rename(columns={"owner": "council"})
    result = result.merge(own, on=["kpi", "period_end", "council"], how="left")
    result["group_rank"] = result["group_rank"].astype("Int64")
    result["group_count"] = result["group_count"].astype("Int64")
    result["neighbour_count"] = result["neighbour_count"].fillna(0).astype("Int64")
    result["group_quartile"] = _quartile(result["group_rank"], result["group_count"])
    return result[POSITION_COLUMNS]


@dataclass(frozen=True)
class Position:
    """Where the council stands for one KPI in one data period, and where that came from."""

    kpi_id: int
    data_period_label: str
    period_end: datetime.date
    source: str  # "Oflog", "DfE LAIT"...
    group_kind: str
    value: Decimal
    group_rank: int | None
    group_count: int | None
    group_quartile: int | None
    neighbour_average: Decimal | None
    neighbour_count: int
    national_rank: int | None
    national_count: int
    national_quartile: int | None

    @property
    def group_words(self) -> str:
        return GROUP_WORDS.get(self.group_kind, "comparator councils")

    def rank_text(self) -> str:
        """ "3rd of 16 among nearest neighbours (top quartile)", or "" when not ranked (no
        polarity, or the council has no group of the indicator's kind)."""
        if self.group_rank is None:
            return ""
        return (
            f"{ordinal(self.group_rank)} of {self.group_count} among {self.group_words} "
            f"({QUARTILE_WORDS[self.group_quartile]})"
        )

    def national_text(self) -> str:
        if self.national_rank is None:
            return ""
        return (
            f"{ordinal(self.national_rank)} of {self.national_count} councils with data "
            f"({QUARTILE_WORDS[self.national_quartile]})"
        )

    def short_text(self) -> str:
        """The scorecard's column, under a heading that names what is ranked: "2nd of 16, top
        quartile" among the council's group, or "12th of 153 nationally, top quartile" when it
        has no group of the indicator's kind; "" when not ranked."""
        if self.group_rank is not None:
            return f"{ordinal(self.group_rank)} of {self.group_count}, {QUARTILE_WORDS[self.group_quartile]}"
        if self.national_rank is not None:
            return f"{self.national_short_text()}, {QUARTILE_WORDS[self.national_quartile]}"
        return ""

    def national_short_text(self) -> str:
        """ "36th of 153 nationally", or "" when not ranked."""
        if self.national_rank is None:
            return ""
        return f"{ordinal(self.national_rank)} of {self.national_count} nationally"

    def average_text(self, written: Callable[[Decimal], str]) -> str:
        if self.neighbour_average is None:
            return ""
        return f"{self.group_words.capitalize()}' average {written(self.neighbour_average)}"

    def text(self, written: Callable[[Decimal], str]) -> str:
        """The position in one line: "3rd of 16 among nearest neighbours (top quartile),
        2022/23; nearest neighbours' average 71.2%; Oflog"."""
        ranked = self.rank_text() or self.national_text() or "Not ranked (the KPI has no polarity)"
        parts = [ranked, self.data_period_label]
        first = ", ".join(parts)
        average = self.average_text(written)
        return "; ".join(
            part for part in (first, average[0].lower() + average[1:] if average else "", self.source) if part
        )


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def this_council() -> Council | None:
    return Council.objects.filter(is_this_council=True).first()


def _values(kpi_ids: Iterable[int], until: datetime.date | None) -> pd.DataFrame | None:
    """The KPIs' indicators' values for every council, in one query; None when there are none
    (and then pandas is not even imported)."""
    values = BenchmarkValue.objects.filter(indicator__kpi_id__in=kpi_ids)
    if until is not None:
        values = values.filter(period_end__lte=until)
    rows = list(
        values.values_list(
            "indicator__kpi_id",
            "indicator__group_kind",
            "indicator__source",
            "council_id",
            "period_end",
            "data_period_label",
            "value",
        )
    )
    if not rows:
        return None
    import pandas as pd

    columns = ["kpi", "kind", "source", "council", "period_end", "label", "exact"]
    return pd.DataFrame.from_records(rows, columns=columns)


def _groups(council: Council) -> pd.DataFrame:
    """The council's comparator groups, one row per member, in one query."""
    import pandas as pd

    members = ComparatorGroup.members.through.objects.filter(comparatorgroup__council=council).values_list(
        "comparatorgroup__council_id", "comparatorgroup__kind", "council_id"
    )
    return pd.DataFrame.from_records(list(members), columns=["council", "kind", "member"])


def _polarities(kpi_ids: Iterable[int]) -> dict[int, str]:
    """Each KPI's polarity in its latest definition (one query)."""
    polarity: dict[int, str] = {}
    for kpi_id, value in (
        KpiVersion.objects.filter(kpi_id__in=kpi_ids)
        .order_by("kpi_id", "-effective_from")
        .values_list("kpi_id", "polarity")
    ):
        polarity.setdefault(kpi_id, value)
    return polarity


def _int(value) -> int | None:
    import pandas as pd

    return None if pd.isna(value) else int(value)


def benchmark_history(
    kpi_ids: Iterable[int],
    council: Council | None = None,
    *,
    polarities: dict[int, str] | None = None,
    until: datetime.date | None = None,
) -> dict[int, list[Position]]:
    """Every data period's position of the council for each KPI with benchmark data, oldest
    first: four queries at most however many KPIs, councils and periods (three when the caller
    has the KPIs' polarities, from the versions it loaded). ``until`` leaves out data periods
    ending after it, so a report for an earlier quarter shows what was known then."""
    kpi_ids = list(kpi_ids)
    if not kpi_ids:
        return {}
    values = _values(kpi_ids, until)  # first: without benchmark data, one query is all it costs
    if values is None:
        return {}
    council = council or this_council()
    if council is None:
        return {}
    import pandas as pd

    groups = _groups(council)
    values["value"] = values["exact"].astype(float)
    polarity = pd.Series(polarities if polarities is not None else _polarities(kpi_ids), dtype=object)
    kinds = values.drop_duplicates("kpi").set_index("kpi")["kind"]
    table = positions_table(values, groups, polarity, kinds)
    own = table[table["council"] == council.pk].merge(
        values[["kpi", "council", "period_end", "label", "exact", "source"]], on=["kpi", "council", "period_end"]
    )
    sources = dict(BenchmarkSource.choices)
    result: dict[int, list[Position]] = {}
    for row in own.sort_values(["kpi", "period_end"]).itertuples(index=False):
        average = row.neighbour_average
        result.setdefault(row.kpi, []).append(
            Position(
                kpi_id=row.kpi,
                data_period_label=row.label,
                period_end=row.period_end,
                source=sources.get(row.source, row.source),
                group_kind=kinds[row.kpi],
                value=row.exact,
                group_rank=_int(row.group_rank),
                group_count=_int(row.group_count),
                group_quartile=_int(row.group_quartile),
                neighbour_average=None if pd.isna(average) else Decimal(repr(float(average))),
                neighbour_count=int(row.neighbour_count),
                national_rank=_int(row.national_rank),
                national_count=int(row.national_count),
                national_quartile=_int(row.national_quartile),
            )
        )
    return result


def benchmark_positions(
    kpi_ids: Iterable[int],
    council: Council | None = None,
    *,
    polarities: dict[int, str] | None = None,
    until: datetime.date | None = None,
) -> dict[int, Position]:
    """The council's position in the latest data period it has a published value for, for each
    KPI with benchmark data: what the card, the KPI page, the scorecard and the PDF show."""
    history = benchmark_history(kpi_ids, council, polarities=polarities, until=until)
    return {kpi_id: positions[-1] for kpi_id, positions in history.items()}


def neighbour_averages(history: list[Position]) -> dict[str, Decimal]:
    """The neighbours' average in each data period, by the period's label: the line on the
    KPI's trend chart, beside the council's own figures for the same periods."""
    return {p.data_period_label: p.neighbour_average for p in history if p.neighbour_average is not None}


def position_content(position: Position | None, written: Callable[[Decimal], str]) -> dict:
    """A position as a report's content stores it, written out ("3rd of 16 ..."), so the card,
    the PDF and the published page show the same words from the content alone."""
    if position is None:
        return {}
    return {
        "text": position.text(written),
        "rank_text": position.rank_text(),
        "short_text": position.short_text(),
        "national_short_text": position.national_short_text(),
        "national_text": position.national_text(),
        "average_text": position.average_text(written),
        "average_value_text": "" if position.neighbour_average is None else written(position.neighbour_average),
        "data_period_label": position.data_period_label,
        "source": position.source,
        "group_quartile": position.group_quartile,
        "national_quartile": position.national_quartile,
    }


__all__ = [
    "GroupKind",
    "Position",
    "benchmark_history",
    "benchmark_positions",
    "ordinal",
    "neighbour_averages",
    "position_content",
    "positions_table",
    "this_council",
]
