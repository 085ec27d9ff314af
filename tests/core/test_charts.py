"""Trend charts: the words, the table, the plotly.js spec and the SVG say the same thing, in the
same colours and shapes."""

import base64
import json
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import matplotlib
import pytest

from core.charts import (
    ACTUAL,
    AXIS_COLOUR,
    NEIGHBOURS,
    PRINT_FONTS,
    SLANTED_SPACING_PX,
    TARGET,
    TEXT_COLOUR,
    TableRow,
    TrendChart,
    TrendPoint,
    _Layout,  # private, and tested here
    categories,
    chart_content,
    chart_from_content,
    describe,
    drawing,
    plotly_spec,
    positions,
    svg,
    svg_data_uri,
    table_rows,
    value_axis,
)


def chart(*points, places=1, prefix="", suffix="%") -> TrendChart:
    """A chart from (label, actual, target) triples, numbers as strings."""
    return TrendChart(
        title="Cases closed in time",
        points=tuple(
            TrendPoint(label, None if actual is None else Decimal(actual), None if target is None else Decimal(target))
            for label, actual, target in points
        ),
        decimal_places=places,
        prefix=prefix,
        suffix=suffix,
        axis_title="Percentage",
    )


def quarters(values, target=None):
    labels = [f"{2023 + i // 4}/{24 + i // 4} Q{i % 4 + 1}" for i in range(len(values))]
    return chart(*((label, value, target) for label, value in zip(labels, values, strict=True)))


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
RISING = quarters(["72", "74.2", None, "79", "81.45", "78", "80", "80.5", "81", "81.5"], target="80")


# --- describe -----------------------------------------------------------------------------------


def test_describe_says_where_it_started_and_ended_and_against_the_target():
    assert describe(RISING) == (
        "Rose from 72.0% in 2023/24 Q1 to 81.5% in 2025/26 Q2 over 10 periods. No value for 2023/24 Q3. "
        "The latest is above its target of 80.0%."
    )


def test_describe_falling_and_below_target():
    falling = chart(("2023/24", "90", "85"), ("2024/25", "84.96", "85"), places=1)
    assert describe(falling) == (
        "Fell from 90.0% in 2023/24 to 85.0% in 2024/25 over 2 periods. The latest is on its target of 85.0%."
    )


def test_describe_compares_values_rounded_half_up_as_shown():
    # 72.04 and 71.96 both show as 72.0; 2.25 shows as 2.3 (half-up), not 2.2 (half-even).
    assert describe(chart(("A", "72.04", None), ("B", "71.96", None))).startswith("Unchanged at 72.0% from A to B")
    assert describe(chart(("A", "2.25", None), ("B", "2.3", None))).startswith("Unchanged at 2.3% from A to B")


def test_describe_with_no_data():
    assert describe(chart()) == "No data yet."
    assert describe(chart(("2024/25 Q1", None, "80"))) == "No data yet."


def test_describe_one_value():
    assert describe(chart(("2024/25 Q1", "12", None), places=0, prefix="£", suffix="")) == (
        "£12 in 2024/25 Q1, the only value so far."
    )


def test_describe_without_targets_says_nothing_of_them():
    assert "target" not in describe(quarters(["1", "2", "3"]))


def test_describe_latest_without_a_target():
    assert describe(chart(("A", "1", "2"), ("B", "3", None))).endswith("The latest period has no target.")


def test_describe_counts_periods_from_the_first_value_to_the_last():
    text = describe(chart(("A", None, None), ("B", "1", None), ("C", "2", None), ("D", None, None)))
    assert text == "Rose from 1.0% in B to 2.0% in C over 2 periods."


def test_describe_names_a_few_gaps_and_counts_many():
    assert "No value for B or C." in describe(
        chart(("A", "1", None), ("B", None, None), ("C", None, None), ("D", "2", None))
    )
    assert "4 periods have no value." in describe(quarters(["1", None, None, None, None, "2"]))


# --- table_rows ---------------------------------------------------------------------------------


def test_table_rows_format_values_and_say_no_data_for_missing_ones():
    money = chart(
        ("2023/24", "1234.5", None),
        ("2024/25", "-250", "1000"),
        ("2025/26", None, None),
        places=0,
        prefix="£",
        suffix="",
    )
    assert table_rows(money) == [
        TableRow("2023/24", "£1,235", "no data"),
        TableRow("2024/25", "-£250", "£1,000"),
        TableRow("2025/26", "no data", "no data"),
    ]


# --- categories ---------------------------------------------------------------------------------


def test_categories_split_quarters_into_years_and_parts():
    along = categories(RISING)
    assert along.items[:5] == ["Q1", "Q2", "Q3", "Q4", "Q1"]
    assert [(group.label, group.first, group.last) for group in along.groups] == [
        ("2023/24", 0, 3),
        ("2024/25", 4, 7),
        ("2025/26", 8, 9),
    ]
    assert along.title == "Data period"


def test_categories_keep_mixed_year_to_date_labels_whole():
    mixed = chart(("2024/25 Q1", "1", None), ("2024/25 Q2 year to date", "2", None))
    assert categories(mixed).items == ["2024/25 Q1", "2024/25 Q2 year to date"]
    assert categories(mixed).groups == []


@pytest.mark.parametrize(
    ("labels", "items", "title"),
    [
        (["2022/23 outturn", "2023/24 outturn"], ["2022/23", "2023/24"], "Data period (outturn)"),
        (["2022/23 academic year", "2023/24 academic year"], ["2022/23", "2023/24"], "Data period (academic year)"),
        (["2023 calendar year", "2024 calendar year"], ["2023", "2024"], "Data period (calendar year)"),
        (["2022/23 outturn", "2023 calendar year"], ["2022/23 outturn", "2023 calendar year"], "Data period"),
    ],
)
def test_categories_say_the_kind_of_year_once_when_every_point_shares_it(labels, items, title):
    along = categories(chart(*((label, "1", None) for label in labels)))
    assert (along.items, along.groups, along.title) == (items, [], title)


def test_categories_keep_outturns_and_dates_whole():
    along = categories(chart(("2023/24 outturn", "1", None), ("As at 31 Mar 2025", "2", None)))
    assert along.items == ["2023/24 outturn", "As at 31 Mar 2025"]
    assert along.groups == []


# --- value_axis ---------------------------------------------------------------------------------


def test_value_axis_has_a_few_round_values_inside_its_range():
    axis = value_axis(RISING)  # 72 to 81.45
    assert axis.low < Decimal(72)
    assert axis.high > Decimal("81.45")
    assert 2 <= len(axis.ticks) <= 5
    assert all(axis.low <= tick <= axis.high for tick in axis.ticks)
    steps = {b - a for a, b in zip(axis.ticks, axis.ticks[1:], strict=False)}
    assert len(steps) == 1
    assert axis.labels[0].endswith("%")


def test_value_axis_never_repeats_a_label_on_a_flat_line():
    flat = chart(("2023/24 outturn", "5", "5"), ("2024/25 outturn", "5", "5"), places=0, suffix="")
    axis = value_axis(flat)
    assert axis.labels == ["4", "5", "6"]


def test_value_axis_steps_are_at_least_a_shown_decimal_place():
    narrow = chart(("A", "10.1", None), ("B", "10.4", None), places=1, prefix="£", suffix="")
    axis = value_axis(narrow)
    assert len(set(axis.labels)) == len(axis.labels)
    assert all(tick == round(tick, 1) for tick in axis.ticks)


def test_value_axis_writes_money_with_its_sign_before_the_pound():
    axis = value_axis(chart(("A", "-1500", None), ("B", "2500", None), places=0, prefix="£", suffix=""))
    assert "-£1,000" in axis.labels
    assert "£2,000" in axis.labels


# --- plotly_spec --------------------------------------------------------------------------------


def test_plotly_spec_is_plain_json_with_gaps_as_null():
    spec = json.loads(json.dumps(plotly_spec(RISING)))  # Decimals would not serialise
    actual, target = spec["data"]
    assert actual["y"][:3] == [72.0, 74.2, None]
    assert actual["connectgaps"] is False
    assert target["y"] == [80.0] * 10


def test_plotly_spec_is_static_responsive_and_labelled():
    spec = plotly_spec(RISING)
    assert spec["config"]["displayModeBar"] is False
    assert spec["config"]["responsive"] is True
    layout = spec["layout"]
    assert layout["xaxis"]["title"]["text"] == "Data period"
    assert layout["yaxis"]["title"]["text"] == "Percentage"
    assert layout["yaxis"]["ticktext"] == value_axis(RISING).labels
    assert layout["yaxis"]["tickvals"] == [float(tick) for tick in value_axis(RISING).ticks]
    assert layout["xaxis"]["fixedrange"] is layout["yaxis"]["fixedrange"] is True
    assert layout["showlegend"] is True
    assert [trace["name"] for trace in spec["data"]] == ["Actual", "Target"]


def test_plotly_spec_groups_quarters_under_their_years_and_hovers_the_whole_label():
    spec = plotly_spec(RISING)
    actual, _ = spec["data"]
    axis = spec["layout"]["xaxis"]
    assert actual["x"] == axis["tickvals"] == list(range(10))
    assert axis["ticktext"][:5] == ["Q1", "Q2", "Q3", "Q4", "Q1"]
    years = spec["layout"]["annotations"]
    assert [(year["text"], year["x"]) for year in years] == [("2023/24", 1.5), ("2024/25", 5.5), ("2025/26", 8.5)]
    assert [rule["x0"] for rule in spec["layout"]["shapes"]] == [3.5, 7.5]  # between the years
    assert actual["customdata"][:2] == ["2023/24 Q1", "2023/24 Q2"]
    assert actual["hovertemplate"].startswith("%{customdata}<br>Actual: ")


def plotted_x(spec: dict) -> list[float]:
    """Where plotly.js places the actual line's points along the bottom. A number axis puts
    them at their x; a multicategory axis sorts its (year, part) pairs by the order each year
    and then each part first appears (plotly.js 4, ``setupMultiCategory``), one place each."""
    x = spec["data"][0]["x"]
    if spec["layout"]["xaxis"]["type"] != "multicategory":
        return [float(value) for value in x]
    pairs = list(zip(*x, strict=True))
    first_seen = [{value: index for index, value in reversed(list(enumerate(level)))} for level in x]
    order = sorted(set(pairs), key=lambda pair: (first_seen[0][pair[0]], first_seen[1][pair[1]]))
    return [float(order.index(pair)) for pair in pairs]


def ph01_trend() -> tuple[TrendChart, list[str]]:
    """The demo's NHS Health Checks (PH-01): quarterly, financial year to date, the last twelve
    approved values as the dashboard charts them, with their real labels and period ends."""
    from reporting.selectors import TREND_LENGTH

    kpis = json.loads((Path(__file__).resolve().parents[2] / "demo/data/kpis.json").read_text())
    history = next(kpi for kpi in kpis if kpi["code"] == "PH-01")["history"]
    shown = sorted(history, key=lambda row: row["period_end"])[-TREND_LENGTH:]
    points = [(row["data_period_label"], str(row["value"]), None) for row in shown]
    return chart(*points), [row["period_end"] for row in shown]


def test_plotly_spec_places_quarterly_year_to_date_figures_in_time_order():
    """PH-01's chart starts at a Q4 (2022/23): every point still sits right of the one before."""
    ytd, ends = ph01_trend()
    assert ytd.points[0].label == "2022/23 Q4 year to date"
    assert ends == sorted(ends)
    xs = plotted_x(plotly_spec(ytd))
    assert xs == sorted(xs), xs
    assert len(set(xs)) == len(xs), xs
    assert xs == [float(place) for place in positions(ytd)]


def test_svg_places_quarterly_year_to_date_figures_in_time_order():
    ytd, _ = ph01_trend()
    xs = line_xs(svg(ytd, 640, 360), ACTUAL.colour)
    assert len(xs) == len(ytd.points)
    assert xs == sorted(xs)
    assert len(set(xs)) == len(xs)


def test_plotly_spec_writes_other_periods_whole():
    spec = plotly_spec(chart(("As at 31 Mar 2024", "1", None), ("As at 31 Mar 2025", "2", None)))
    assert spec["data"][0]["x"] == [0, 1]
    assert spec["layout"]["xaxis"]["ticktext"] == ["As at 31 Mar 2024", "As at 31 Mar 2025"]
    assert spec["layout"]["annotations"] == spec["layout"]["shapes"] == []


def test_plotly_spec_says_the_kind_of_year_once():
    spec = plotly_spec(chart(("2023/24 outturn", "1", None), ("2024/25 outturn", "2", None)))
    assert spec["layout"]["xaxis"]["ticktext"] == ["2023/24", "2024/25"]
    assert spec["data"][0]["customdata"] == ["2023/24 outturn", "2024/25 outturn"]
    assert spec["layout"]["xaxis"]["title"]["text"] == "Data period (outturn)"


def test_plotly_spec_tells_the_lines_apart_without_colour():
    actual, target = plotly_spec(RISING)["data"]
    assert (actual["line"]["dash"], actual["marker"]["symbol"]) == ("solid", "circle")
    assert (target["line"]["dash"], target["marker"]["symbol"]) == ("6px,4px", "diamond")


def test_plotly_spec_has_no_target_line_when_there_are_no_targets():
    assert [trace["name"] for trace in plotly_spec(quarters(["1", "2"]))["data"]] == ["Actual"]


# --- svg ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drawn() -> str:
    return svg(RISING, 640, 360)


def test_svg_is_an_embeddable_element_of_the_size_asked(drawn):
    assert drawn.startswith("<svg")
    assert "<?xml" not in drawn
    assert "<!DOCTYPE" not in drawn
    assert 'viewBox="0 0 480 270"' in drawn  # 640 × 360 CSS pixels, in points


def line_xs(drawn: str, colour: str) -> list[float]:
    """The x of each vertex of a line drawn in ``colour``, in the order the line runs (the first
    such path is the plot's line; the legend's sample comes after it)."""
    path = re.search(rf'<path d="([^"]*)" style="fill: none; stroke: {colour}', drawn).group(1)
    return [float(x) for x in re.findall(r"[ML] ([\d.]+) [\d.]+", path)]


def texts(drawn: str) -> list[str]:
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", drawn)


def test_svg_keeps_labels_as_text_not_outlines(drawn):
    for label in ("Q1", "2023/24", "2024/25", "Data period", "Percentage", "Actual", "Target"):
        assert label in texts(drawn)
    assert any(re.fullmatch(r"\d+\.\d%", text) for text in texts(drawn))  # the value axis, with its unit
    assert '<use xlink:href="#DejaVuSans' not in drawn  # glyphs drawn as paths would be <use>d
    assert "font-family: 'Arial', 'Liberation Sans', 'DejaVu Sans', sans-serif" in drawn


def test_svg_and_plotly_spec_use_the_same_colours_and_dashes(drawn):
    spec = plotly_spec(RISING)
    for trace in spec["data"]:
        assert f"stroke: {trace['line']['color']}" in drawn
        assert f"fill: {trace['marker']['color']}" in drawn
    assert {trace["line"]["color"] for trace in spec["data"]} == {ACTUAL.colour, TARGET.colour}
    assert "stroke-dasharray: 4.5,3" in drawn  # 6px and 4px, in points
    assert f"fill: {TEXT_COLOUR}" in drawn
    assert spec["layout"]["font"]["color"] == TEXT_COLOUR


def test_svg_is_the_same_every_time(drawn):
    """A published PDF's checksum must be reproducible, so no dates and no random ids."""
    assert svg(RISING, 640, 360) == drawn


def test_svg_writes_each_year_once_under_its_quarters(drawn):
    assert texts(drawn).count("2023/24") == 1
    assert texts(drawn).count("Q1") == 3  # 2023/24 Q1 to 2025/26 Q2
    assert "2023/24 Q1" not in texts(drawn)


def rules_and_part_labels(drawn: str) -> tuple[list[float], float]:
    """The tops of the rules between years (SVG y grows downwards) and the lowest baseline of
    the labels under the points."""
    axis_path = re.search(rf'<path d="([^"]*)" style="fill: none; stroke: {AXIS_COLOUR}', drawn).group(1)
    moves = [float(y) for y in re.findall(r"M [\d.]+ ([\d.]+)", axis_path)][1:]  # the first is the axes
    parts = [float(y) for y, text in re.findall(r'y="([\d.]+)"[^>]*>([A-Z][a-z]{2}|Q\d)</text>', drawn)]
    return moves, max(parts)


def test_svg_keeps_the_rules_between_years_clear_of_thinned_labels():
    labels = [f"{MONTHS[(i + 3) % 12]} {2022 + (i + 3) // 12}" for i in range(40)]
    drawn = svg(chart(*((label, str(i % 7), None) for i, label in enumerate(labels))), 491, 240)
    tops, lowest_label = rules_and_part_labels(drawn)
    assert len(tops) == 3  # 2022 | 2023 | 2024 | 2025
    assert all(top > lowest_label for top in tops)
    tops, lowest_label = rules_and_part_labels(svg(RISING, 491, 240))  # every label written
    assert all(top < lowest_label for top in tops)


def test_svg_says_year_to_date_once_in_the_axis_title():
    ytd = chart(("2024/25 Q1 year to date", "10", "12"), ("2024/25 Q2 year to date", "21", "24"))
    assert "Data period (year to date)" in texts(svg(ytd))
    assert "Q2" in texts(svg(ytd))


def test_svg_groups_months_under_their_calendar_years():
    months = chart(("Nov 2025", "10", None), ("Dec 2025", "11", None), ("Jan 2026", "12", None))
    assert {"Nov", "Dec", "Jan", "2025", "2026"} <= set(texts(svg(months)))


def test_svg_writes_other_periods_whole_and_spaced_apart():
    many = chart(*((f"12 months to {month} 2025", str(i), None) for i, month in enumerate(MONTHS)))
    written = [text for text in texts(svg(many, 491, 240)) if text.startswith("12 months")]
    assert 1 < len(written) < len(MONTHS)  # sloping, and only as many as fit without touching


def test_svg_layout_keeps_sloping_labels_apart():
    along = categories(chart(*((f"As at 1 {month} 2025", str(i), None) for i, month in enumerate(MONTHS))))
    layout = _Layout.work_out(along, ["100.0%"], 491, 240)
    assert layout.slanted
    assert layout.plot_width_px / len(MONTHS) * layout.label_step >= SLANTED_SPACING_PX


def test_labels_are_measured_in_the_font_the_pdf_paints_them_in():
    """WeasyPrint paints chart labels in fontconfig's choice for PRINT_FONTS (Liberation Sans
    where Arial is absent, installed by the run command); matplotlib must measure them in the
    same font, or centred labels drift off their points."""
    from matplotlib import font_manager

    with drawing():
        path = font_manager.findfont(font_manager.FontProperties())
    assert font_manager.get_font(path).family_name in PRINT_FONTS[:2]


def test_svg_needs_no_clip_paths_and_carries_no_metadata(drawn):
    assert "<clipPath" not in drawn
    assert "<metadata" not in drawn


def test_svg_without_data_says_so():
    assert re.search(r"<text\b[^>]*>No data yet</text>", svg(chart(("A", None, "1"))))


def test_svg_data_uri_carries_the_svg():
    uri = svg_data_uri(RISING, 320, 200)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg(RISING, 320, 200)


def test_svg_leaves_matplotlib_settings_as_it_found_them_even_in_threads(drawn):
    before = matplotlib.rcParams["svg.fonttype"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawings = list(pool.map(lambda _: svg(RISING, 640, 360), range(8)))
    assert set(drawings) == {drawn}
    assert matplotlib.rcParams["svg.fonttype"] == before


# --- the style ----------------------------------------------------------------------------------


def contrast_with_white(colour: str) -> float:
    """WCAG 2.2 contrast ratio of a #rrggbb colour against white."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize(
    ("colour", "minimum"),
    [(ACTUAL.colour, 3), (TARGET.colour, 3), (NEIGHBOURS.colour, 3), (AXIS_COLOUR, 3), (TEXT_COLOUR, 4.5)],
)
def test_colours_pass_wcag_contrast_against_white(colour, minimum):
    assert contrast_with_white(colour) >= minimum


def _xmr(marked=((0, "concerning"), (5, "improving"), (6, "neither"))):
    from core.charts import XmrChart, XmrSegment

    points = tuple(TrendPoint(f"2024/25 Q{q % 4 + 1}", Decimal(70 + q), Decimal(72)) for q in range(8))
    trend = TrendChart("XmR", points, decimal_places=1, suffix="%", axis_title="Percentage")
    segments = (XmrSegment(0, 4, Decimal("71.5"), Decimal(65), Decimal(78)), XmrSegment(4, 8, Decimal("75.5")))
    return XmrChart(trend, segments, marked)


def test_the_xmr_chart_names_every_line_and_each_kind_of_special_cause_once():
    from core.charts import xmr_svg

    drawn = xmr_svg(_xmr())
    for name in ("Value", "Mean", "Process limits", "Target", "Special cause: concerning", "Special cause: improving"):
        assert drawn.count(f">{name}<") == 1
    assert ">Special cause<" in drawn  # neither better nor worse
    assert xmr_svg(_xmr()) == drawn  # the same chart, the same bytes
    plain = xmr_svg(_xmr(marked=()))
    assert "Special cause" not in plain
    # Each kind of special cause is its own path of shapes, on top of the values' circles.
    assert drawn.count("<path") == plain.count("<path") + 3 + 3  # three marks and three legend samples


def test_the_xmr_axis_reaches_the_process_limits():
    from core.charts import xmr_svg

    drawn = xmr_svg(_xmr())
    # The values alone run 70% to 77%, labelled 70.0% to 76.0%; the lower limit is 65%.
    assert [label for label in ("65.0%", "70.0%", "75.0%", "72.0%") if f">{label}<" in drawn] == [
        "65.0%",
        "70.0%",
        "75.0%",
    ]


WITH_NEIGHBOURS = TrendChart(
    title="ASC-01",
    points=(
        TrendPoint("2020/21 outturn", Decimal("55.0"), None, Decimal("70.1")),
        TrendPoint("2021/22 outturn", Decimal("65.4"), None, None),
        TrendPoint("2022/23 outturn", Decimal("75.0"), None, Decimal("74.75")),
    ),
    decimal_places=1,
    suffix="%",
)


def test_the_neighbours_average_is_a_third_line_in_words_table_and_both_drawings():
    assert describe(WITH_NEIGHBOURS).endswith("A second line shows the neighbours' average, 74.8% in 2022/23 outturn.")
    assert [row.neighbours for row in table_rows(WITH_NEIGHBOURS)] == ["70.1%", "no data", "74.8%"]
    spec = plotly_spec(WITH_NEIGHBOURS)
    assert [trace["name"] for trace in spec["data"]] == ["Actual", "Neighbours' average"]
    assert spec["data"][1]["y"] == [70.1, None, 74.75]
    assert spec["data"][1]["x"] == spec["data"][0]["x"]  # the same periods, in time order
    drawn = svg(WITH_NEIGHBOURS, 640, 360)
    assert "Neighbours' average" in texts(drawn)  # in the legend
    line = re.search(rf'<path d="([^"]*)" style="fill: none; stroke-dasharray: [^"]*stroke: {NEIGHBOURS.colour}', drawn)
    xs = [float(x) for x in re.findall(r"[ML] ([\d.]+) [\d.]+", line.group(1))]
    assert len(xs) == 2  # the two periods with an average, left to right
    assert xs == sorted(xs)


def test_a_chart_stored_with_or_without_the_neighbours_reads_back():
    stored = chart_content(WITH_NEIGHBOURS)
    assert stored["points"][0] == ["2020/21 outturn", "55", None, "70.1"]
    assert chart_from_content(stored) == WITH_NEIGHBOURS
    without = TrendChart(title="t", points=(TrendPoint("2024/25 Q1", Decimal("1"), Decimal("2")),))
    assert chart_content(without)["points"] == [["2024/25 Q1", "1", "2"]]  # as stored before
    assert chart_from_content(chart_content(without)) == without
