"""Benchmarking against other councils: ranks, quartiles and neighbour averages worked out by
hand, the publishers' layouts imported all or nothing, and a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kpis.benchmarking import benchmark_history, benchmark_positions, ordinal, positions_table
from kpis.imports import KINDS, apply_import, check_file
from kpis.imports_benchmarks import period_end
from kpis.models import (
    Benchmark,
    BenchmarkIndicator,
    BenchmarkValue,
    ComparatorGroup,
    Council,
    DataPeriodType,
    GroupKind,
    Kpi,
)
from tests.querycount import assert_flat

Y1, Y2 = datetime.date(2023, 3, 31), datetime.date(2024, 3, 31)


def _table(values: dict, polarity: dict) -> pd.DataFrame:
    """``values``: {(kpi, period_end): {council: value}}; council "A"'s group is B, C and D."""
    rows = [(kpi, council, end, value) for (kpi, end), by in values.items() for council, value in by.items()]
    frame = pd.DataFrame(rows, columns=["kpi", "council", "period_end", "value"])
    groups = pd.DataFrame([("A", "nn", m) for m in "BCD"], columns=["council", "kind", "member"])
    kinds = pd.Series(dict.fromkeys(polarity, "nn"))
    table = positions_table(frame, groups, pd.Series(polarity), kinds)
    return table.set_index(["kpi", "period_end", "council"])


def test_higher_is_better_ties_share_the_best_rank_and_the_average_leaves_the_council_out():
    # Nationally: E 90 (1st), B 80 (2nd), A and C 70 (both 3rd), D 60 (5th) of 5.
    # Among A's neighbours (A, B, C, D): B 1st, A and C both 2nd, D 4th of 4.
    table = _table({("k", Y1): {"A": 70, "B": 80, "C": 70, "D": 60, "E": 90}}, {"k": "higher"})
    a = table.loc[("k", Y1, "A")]
    assert (a.national_rank, a.national_count, a.national_quartile) == (3, 5, 3)  # ceil(4*3/5) = 3
    assert (a.group_rank, a.group_count, a.group_quartile) == (2, 4, 2)  # ceil(4*2/4) = 2
    assert a.neighbour_average == pytest.approx((80 + 70 + 60) / 3)
    assert a.neighbour_count == 3
    assert table.loc[("k", Y1, "C")].national_rank == 3  # the tie
    assert table.loc[("k", Y1, "D")].national_rank == 5  # placed after both tied councils


def test_lower_is_better_ranks_the_smallest_first():
    values = {("k", Y1): {"A": 50, "B": 80, "C": 70, "D": 60, "E": 90}}
    lower = _table(values, {"k": "lower"}).loc[("k", Y1, "A")]
    higher = _table(values, {"k": "higher"}).loc[("k", Y1, "A")]
    assert (lower.group_rank, lower.group_quartile, lower.national_rank, lower.national_quartile) == (1, 1, 1, 1)
    assert (higher.group_rank, higher.group_quartile, higher.national_rank, higher.national_quartile) == (4, 4, 5, 4)


def test_each_period_counts_only_the_councils_with_a_value_and_no_polarity_is_not_ranked():
    table = _table(
        {
            ("k", Y1): {"A": 1, "B": 2, "C": 3, "D": 4},
            ("k", Y2): {"A": 5, "B": 6},  # C and D published nothing for the second year
            ("none", Y1): {"A": 1, "B": 3, "C": 5},
        },
        {"k": "lower", "none": "none"},
    )
    second = table.loc[("k", Y2, "A")]
    assert (second.group_rank, second.group_count, second.neighbour_average) == (1, 2, 6)
    unranked = table.loc[("none", Y1, "A")]
    assert pd.isna(unranked.group_rank)
    assert pd.isna(unranked.national_rank)
    assert unranked.neighbour_average == 4
    assert pd.isna(table.loc[("k", Y1, "B")].group_rank)  # B has no group of its own: national only


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "23rd",
        "101st",
        "111th",
    ]


@pytest.mark.parametrize(
    ("published", "kind", "end"),
    [
        ("2022-23", DataPeriodType.FINANCIAL_YEAR, datetime.date(2023, 3, 31)),
        ("2016-17 (OT)", DataPeriodType.FINANCIAL_YEAR, datetime.date(2017, 3, 31)),
        ("2025", DataPeriodType.FINANCIAL_YEAR, datetime.date(2025, 3, 31)),
        ("2018 (Rev)", DataPeriodType.ACADEMIC_YEAR, datetime.date(2018, 8, 31)),
        ("2018/19", DataPeriodType.ACADEMIC_YEAR, datetime.date(2019, 8, 31)),
        ("2017", DataPeriodType.CALENDAR_YEAR, datetime.date(2017, 12, 31)),
        ("2014-16", DataPeriodType.CALENDAR_YEAR, datetime.date(2016, 12, 31)),
        ("2021/22 Q1 - 2025/26 Q3", DataPeriodType.QUARTER, datetime.date(2025, 12, 31)),
        ("2024/25 Q4", DataPeriodType.QUARTER, datetime.date(2025, 3, 31)),
    ],
)
def test_a_publishers_period_is_read_as_the_kpis_data_period(published, kind, end):
    assert period_end(published, Kpi(data_period_type=kind)) == end


# --- With the database ---------------------------------------------------------------------------


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("data.csv", text.encode(), content_type="text/csv")


def _import(world, slug: str, text: str) -> int:
    checked = check_file(KINDS[slug], upload(text))
    assert not checked.problems, checked.problems
    return apply_import(by=world.people["performance_admin"], kind=KINDS[slug], checked=checked)


COUNCILS = (
    "gss-code,nice-name,region,local-authority-type\n"
    "E08000030,Walsall,West Midlands,MD\nE08000027,Dudley,West Midlands,MD\n"
    "E08000028,Sandwell,West Midlands,MD\nE08000031,Wolverhampton,West Midlands,MD\n"
    "E06000015,Derby,East Midlands,UA\n"
)
GROUPS = (
    "council_code,group_kind,member_code,source\n"
    "E08000030,nearest_neighbours,E08000027,Oflog NN.json\n"
    "E08000030,nearest_neighbours,E08000028,Oflog NN.json\n"
    "E08000030,nearest_neighbours,E08000031,Oflog NN.json\n"
)
OFLOG_HEADER = "Financial year,Local authority code,Local authority name,Code,Value,MEDIAN\n"


@pytest.fixture
def benchmarked(world):
    """Walsall with three nearest neighbours; S1-01 compared on Oflog's ASC5 (higher is better)."""
    from kpis.services.benchmarking import council_mark_own

    _import(world, "councils", COUNCILS)
    _import(world, "comparator_groups", GROUPS)
    _import(world, "benchmark_indicators", "source,indicator_code,kpi_code\noflog,ASC5,S1-01\n")
    council_mark_own(by=world.people["performance_admin"], council=Council.objects.get(gss_code="E08000030"))
    rows = (
        OFLOG_HEADER
        + "2021-22,E08000030,Walsall,ASC5,70,70\n2021-22,E08000027,Dudley,ASC5,80,70\n"
        "2022-23,E08000030,Walsall,ASC5,75.0,74\n2022-23,E08000027,Dudley,ASC5,80,74\n"
        "2022-23,E08000028,Sandwell,ASC5,75,74\n2022-23,E08000031,Wolverhampton,ASC5,64.6,74\n"
        "2022-23,E06000015,Derby,ASC5,90,74\n"
        "2022-23,E08000030,Walsall,ASC9,12,12\n"  # not mapped to a KPI: read, not stored
        "2022-23,E08000028,Sandwell,ASC5,NA,74\n".replace("E08000028,Sandwell,ASC5,NA", "E08000028,Sandwell,ASC6,NA")
    )
    assert _import(world, "benchmark_oflog", rows) == 7
    return world


def test_oflog_values_give_the_councils_position_in_words(benchmarked):
    kpi = benchmarked.kpis["s1"]
    position = benchmark_positions([kpi.pk])[kpi.pk]
    # 2022/23: Derby 90, Dudley 80, Walsall and Sandwell 75, Wolverhampton 64.6.
    assert (position.group_rank, position.group_count, position.group_quartile) == (2, 4, 2)
    assert (position.national_rank, position.national_count, position.national_quartile) == (3, 5, 3)
    assert position.neighbour_average == pytest.approx(Decimal("73.2"))  # (80 + 75 + 64.6) / 3
    assert position.data_period_label == "2022/23 Q4"
    text = position.text(lambda value: f"{value:.1f}%")
    assert text == (
        "2nd of 4 among nearest neighbours (second quartile), 2022/23 Q4; nearest neighbours' average 73.2%; Oflog"
    )
    history = benchmark_history([kpi.pk])[kpi.pk]
    assert [p.data_period_label for p in history] == ["2021/22 Q4", "2022/23 Q4"]
    assert (history[0].group_rank, history[0].group_count) == (2, 2)


def test_positions_take_four_queries_however_many_councils_and_periods(benchmarked):
    kpi = benchmarked.kpis["s1"]

    def grow():
        more = [f"{year}-{str(year + 1)[-2:]},E06000015,Derby,ASC5,{year - 1900},70\n" for year in range(2010, 2020)]
        _import(benchmarked, "benchmark_oflog", OFLOG_HEADER + "".join(more))

    assert_flat(lambda: benchmark_positions([kpi.pk, benchmarked.kpis["s2"].pk]), grow, pinned=4)


def test_an_unknown_council_means_nothing_is_imported(benchmarked):
    before = BenchmarkValue.objects.count()
    checked = check_file(
        KINDS["benchmark_oflog"],
        upload(OFLOG_HEADER + "2023-24,E08000030,Walsall,ASC5,71,70\n2023-24,E09999999,Nowhere,ASC5,1,1\n"),
    )
    assert [(p.row, p.column) for p in checked.problems] == [(3, "local authority code")]
    with pytest.raises(ValueError, match="nothing was imported"):
        apply_import(by=benchmarked.people["performance_admin"], kind=KINDS["benchmark_oflog"], checked=checked)
    assert BenchmarkValue.objects.count() == before


def test_lait_rows_for_england_and_the_region_become_the_kpis_comparators(benchmarked):
    _import(
        benchmarked,
        "benchmark_indicators",
        "source,indicator_code,kpi_code,group_kind\ndfe_lait,ReReferral,S2-01,statistical_neighbours\n",
    )
    text = (
        "Short Desc,Data item,Years,LA and Regions,Values,LA Number,Region\n"
        "ReReferral,Re-referrals,2025,Walsall,19.7,335,West Midlands\n"
        "ReReferral,Re-referrals,2025,Sandwell,21.0,333,West Midlands\n"
        "ReReferral,Re-referrals,2025,England,22.4,,\n"
        "ReReferral,Re-referrals,2025,West Midlands,21.9,,\n"
        "RTA,Road accidents,2014-16,Walsall,20.9,335,West Midlands\n"
    )
    assert _import(benchmarked, "benchmark_lait", text) == 4
    kpi = benchmarked.kpis["s2"]
    assert set(Benchmark.objects.filter(kpi=kpi).values_list("comparator", "value")) == {
        ("England", Decimal("22.4")),
        ("West Midlands", Decimal("21.9")),
    }
    assert BenchmarkValue.objects.filter(indicator__kpi=kpi, period_end=datetime.date(2025, 3, 31)).count() == 2


def test_fingertips_skips_wards_and_repeats_are_reported(benchmarked):
    _import(benchmarked, "benchmark_indicators", "source,indicator_code,kpi_code\nfingertips,Smoking (APS),S2-01\n")
    header = "area_code,area_name,area_type,period,indicator,measure,unit,value,compared_to_England,inequality\n"
    good = (
        header + "E92000001,England,Country,2023,Smoking (APS),Percentage,Persons,11.9,Not compared,NA\n"
        "E08000030,Walsall,District,2023,Smoking (APS),Percentage,Persons,14.6,Worse,NA\n"
        "E05000001,Some ward,Electoral Wards (2024),2023,Smoking (APS),Percentage,Persons,10,Similar,NA\n"
        "E08000027,Dudley,District,2023,Smoking (APS),Percentage,Persons,NA,Not compared,NA\n"
    )
    assert _import(benchmarked, "benchmark_fingertips", good) == 2
    repeated = good + "E08000030,Walsall,District,2023,Smoking (APS),Percentage,Persons,14.0,Worse,NA\n"
    checked = check_file(KINDS["benchmark_fingertips"], upload(repeated))
    assert [(p.row, p.message) for p in checked.problems] == [(6, "Repeats row 3")]


def test_groups_are_replaced_by_the_file_and_the_council_itself_is_left_out(benchmarked):
    group = ComparatorGroup.objects.get(council__gss_code="E08000030", kind=GroupKind.NEAREST_NEIGHBOURS)
    assert group.members.count() == 3
    header = "council_code,group_kind,member_code\n"
    _import(
        benchmarked,
        "comparator_groups",
        header + "E08000030,nearest_neighbours,E08000030\nE08000030,nearest_neighbours,E06000015\n",
    )
    assert list(group.members.values_list("gss_code", flat=True)) == ["E06000015"]
    checked = check_file(KINDS["comparator_groups"], upload(header + "E08000030,region,E09999999\n"))
    assert checked.problems[0].column == "member_code"
    assert BenchmarkIndicator.objects.get(code="ASC5").kpi.code == "S1-01"


def test_a_kpi_is_compared_on_one_indicator(benchmarked):
    checked = check_file(
        KINDS["benchmark_indicators"], upload("source,indicator_code,kpi_code\noflog,ASC2,S1-01\noflog,ASC5,S1-01\n")
    )
    assert [(p.row, p.column, p.message) for p in checked.problems] == [
        (2, "kpi_code", "S1-01 is already compared on Oflog ASC5; a KPI is compared on one indicator")
    ]


def test_a_council_without_a_group_is_ranked_nationally(benchmarked):
    from kpis.services.benchmarking import council_mark_own

    kpi = benchmarked.kpis["s1"]
    derby = Council.objects.get(gss_code="E06000015")
    council_mark_own(by=benchmarked.people["performance_admin"], council=derby)
    position = benchmark_positions([kpi.pk])[kpi.pk]
    assert position.group_rank is None
    assert position.text(str) == "1st of 5 councils with data (top quartile), 2022/23 Q4; Oflog"
