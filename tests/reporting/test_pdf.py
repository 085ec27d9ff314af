"""The point-in-time PDF dashboards, read back as a reader and a screen reader would: the
figures in the text, the tags and the charts' descriptions in the structure tree."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from core.charts import describe
from reporting.content import build, chart_from
from reporting.pdf import chart_images, pack_html, priority_html, render_pack, render_priority
from tests.reporting.conftest import SCRIPT


@pytest.fixture
def draft(reported):
    return build(reported["period"], kind="draft", status_label="Draft for CMT")


@pytest.fixture
def published(reported):
    return build(reported["period"], kind="published", status_label="Published to Cabinet 14 January 2026")


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def priority(content: dict, code: str) -> dict:
    return next(p for p in content["priorities"] if p["code"] == code)


def structure_elements(data: bytes) -> list:
    """Every element of the PDF's structure tree, depth first."""
    root = PdfReader(io.BytesIO(data)).trailer["/Root"]
    found, stack = [], [root["/StructTreeRoot"].get_object()]
    while stack:
        node = stack.pop()
        if "/S" in node:
            found.append(node)
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if hasattr(kid, "get") and kid.get("/Type") != "/OBJR":
                stack.append(kid)
    return found


@pytest.mark.parametrize("code", ["P1", "P2"])
def test_a_priority_pdf_shows_each_of_its_kpis_value_and_rag(draft, code):
    text = "\n".join(pages(render_priority(draft, code)))
    for kpi in priority(draft, code)["kpis"]:
        assert kpi["code"] in text
        assert kpi["value_text"] in text
        assert kpi["rag_label"] in text
    other = "P2" if code == "P1" else "P1"
    assert not any(kpi["code"] in text for kpi in priority(draft, other)["kpis"])
    assert "2025/26 Q2" in text
    assert "Draft for CMT" in text


def test_the_pack_has_a_cover_then_contents_with_each_priority_s_page_number(draft):
    """Cover, contents, then the summary, the exceptions and the scorecard, each where the
    contents says, and then each priority's detail on the page the contents gives."""
    text = pages(render_pack(draft))
    cover = contents = text[0]  # the contents sits under the cover, on the first page
    for heading in ("Executive summary", "Exceptions", "Scorecard"):
        listed = re.search(rf"{heading}[ .]*(\d+)", contents)
        assert listed, heading
        assert text[int(listed[1]) - 1].lstrip().startswith(heading), heading
    scorecard = int(re.search(r"Scorecard[ .]*(\d+)", contents)[1])
    assert "Quarterly performance report" in cover
    assert draft["council"] in cover
    assert draft["period"]["label"] in cover
    assert "Draft for CMT" in cover
    assert re.search(r"As at \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", cover)
    assert "Contents" in contents
    for section in draft["priorities"]:
        listed = re.search(rf"{section['code']} {re.escape(section['title'])}[ .]*(\d+)", contents)
        assert listed, section["code"]
        first_kpi = section["kpis"][0]["code"]
        page = next(number for number, page in enumerate(text, start=1) if number > scorecard and first_kpi in page)
        assert int(listed[1]) == page
    assert 4 <= len(text) <= 10
    assert all(re.search(rf"Page {n} of {len(text)}", page) for n, page in enumerate(text, start=1))


def test_every_page_carries_the_council_period_and_status_in_its_footer(draft):
    for page in pages(render_pack(draft)):
        assert f"{draft['council']} · 2025/26 Q2 · Draft for CMT" in page


def test_the_pdf_is_tagged_and_each_chart_has_its_description_as_alt_text(draft):
    data = render_priority(draft, "P1")
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert PdfReader(io.BytesIO(data)).metadata.title.endswith("2025/26 Q2")
    elements = structure_elements(data)
    figures = [e for e in elements if e["/S"] == "/Figure"]
    charted = [kpi for kpi in priority(draft, "P1")["kpis"] if kpi["chart"]["points"]]
    assert [str(f["/Alt"]) for f in figures] == [describe(chart_from(kpi)) for kpi in charted]
    tags = {str(e["/S"]) for e in elements}
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD"} <= tags


def test_a_draft_says_draft_on_every_page(draft):
    text = pages(render_pack(draft))
    assert all("DRAFT" in page for page in text)


def test_a_published_report_has_no_draft_watermark(published):
    text = pages(render_pack(published))
    assert not any("DRAFT" in page for page in text)
    assert "Published to Cabinet 14 January 2026" in text[0]


def test_commentary_and_narrative_are_shown_as_text_never_as_markup(draft):
    priority(draft, "P1")["narrative"] = "First line\nSecond line <b>not bold</b>"
    html = priority_html(draft, "P1")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Better than planned" in html
    assert "First line<br>Second line &lt;b&gt;not bold&lt;/b&gt;" in html
    text = "\n".join(pages(render_priority(draft, "P1")))
    assert SCRIPT in text
    assert "Second line <b>not bold</b>" in text


def test_a_kpi_with_no_data_says_no_data_yet_instead_of_a_chart(draft):
    charts = chart_images(draft)
    assert charts["NODATA"].src is None
    html = priority_html(draft, "P1", charts)
    no_data = html[html.index("NODATA") : html.index("S1-01")]
    assert "No data yet" in no_data
    assert "<img" not in no_data
    text = "\n".join(pages(render_priority(draft, "P1", charts)))
    assert "No data yet" in text


def test_small_counts_in_a_breakdown_are_suppressed_with_the_cell_the_total_would_give_them_back_by(draft):
    text = "\n".join(pages(render_priority(draft, "P2")))
    # One row of categories, then one row of their values, in the same order: North's 3 is
    # below 5 and South's 12 would give it away from the total, so both are suppressed.
    assert re.search(r"North\s+South\s+suppressed\s+suppressed", text)
    assert "12" not in text[text.index("By ward") :][:80]
    assert "fewer than 5 people are suppressed" in " ".join(text.split())


def test_the_same_content_renders_to_the_same_bytes_with_or_without_shared_charts(draft):
    charts = chart_images(draft)
    first = render_priority(draft, "P2")
    assert render_priority(draft, "P2", charts) == first
    assert pack_html(draft, charts) == pack_html(draft)


def test_an_unknown_priority_is_refused(draft):
    with pytest.raises(KeyError):
        priority_html(draft, "P9")


def test_the_pack_opens_with_the_summary_and_the_exceptions_with_their_commentary(reported):
    """Read from the PDF's own text: the council's RAG counts, the KPI whose RAG changed, and
    the Red KPI's exception with its commentary, actions and escalation."""
    from decimal import Decimal

    from kpis.models import Target

    Target.objects.filter(kpi=reported["s1"], for_date=reported["period"].end).update(value=Decimal("90"))
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    text = pages(render_pack(content))
    summary = next(page for page in text if page.lstrip().startswith("Executive summary"))
    assert "4 KPIs across the Council Plan's priorities, each counted once" in summary
    assert re.search(r"S1-01 .*Green.*Red", summary.replace("\n", " "))
    exceptions = next(page for page in text if page.lstrip().startswith("Exceptions"))
    flat = " ".join(exceptions.split())
    assert "S1-01" in flat
    assert "Red" in flat
    assert "Better than planned" in flat  # the commentary
    assert "Recovery plan" in flat  # the escalation's actions
    assert "overdue" in flat
    scorecard = next(page for page in text if page.lstrip().startswith("Scorecard"))
    assert all(code in scorecard for code in ("S1-01", "S2-01", "CNT-01", "NODATA"))


def test_the_exceptions_list_the_risks_linked_to_each_red_kpi_and_older_packs_still_render(world, reported):
    """Read from the PDF's text: the open risk linked to the Red KPI, with its current score
    in words, owner and review date. A report built before the register (its exceptions
    hold no "risks") renders as it did."""
    from decimal import Decimal

    from kpis.models import Target
    from tests.reporting.test_content import _linked_risk

    Target.objects.filter(kpi=reported["s1"], for_date=reported["period"].end).update(value=Decimal("90"))
    risk = _linked_risk(world, reported["s1"], "Recruitment falls short", 4, 3)
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    exceptions = " ".join(next(p for p in pages(render_pack(content)) if p.lstrip().startswith("Exceptions")).split())
    assert f"{risk.reference} Recruitment falls short" in exceptions
    assert "12 High" in exceptions
    assert world.people["service_lead"].display_name in exceptions
    assert "31 January 2026" in exceptions

    for exception in content["exceptions"]:
        del exception["risks"]
    older = " ".join(next(p for p in pages(render_pack(content)) if p.lstrip().startswith("Exceptions")).split())
    assert "S1-01" in older
    assert "Recruitment falls short" not in older


def test_the_pack_draws_spc_into_the_trend_chart_and_says_the_limits(world, reported):
    """Where SPC applies the PDF's trend chart carries the mean, the process limits and the
    special causes, the chart's alt text says the limits, and the detail says the variation,
    the assurance and the limits in words beside it, all from ``kpis.spc``'s numbers."""
    from kpis import spc
    from tests.reporting.conftest import SPC_VALUES, spc_measure

    spc_measure(world, reported)
    content = build(reported["period"], kind="draft", status_label="Draft for CMT")
    data = render_pack(content)
    text = re.sub(r"\s+", " ", " ".join(pages(data)))
    lower, upper = spc.process_limits([spc.exact(v) for v in SPC_VALUES])
    limits = f"{spc.as_decimal(lower, 1)}% to {spc.as_decimal(upper, 1)}%"
    assert "SPC: Special cause: concerning" in text
    assert f"Process limits {limits}" in text
    alts = [str(e["/Alt"]) for e in structure_elements(data) if e["/S"] == "/Figure"]
    spc_alt = next(alt for alt in alts if "Statistical process control" in alt)
    assert f"process limits {limits}" in spc_alt
    assert "marked as special causes, the latest 2025/26 Q1 (concerning)" in spc_alt
    # The chart itself draws them: the legend names each line and mark, with short names beside the figures.
    chart = chart_images(content)["SPC-01"]
    import base64

    drawn = base64.b64decode(chart.src.split(",", 1)[1]).decode()
    for words in ("Mean", "Process limits", "Concerning"):
        assert f">{words}<" in drawn


def test_a_priority_follows_on_the_page_where_the_one_before_ends(draft):
    """In the detail a priority starts where the one before ends when the page has room (here
    both fit on one page), rather than each forcing a page; the contents still gives each
    priority's page (see the contents test)."""
    text = pages(render_pack(draft))
    scorecard = next(n for n, page in enumerate(text) if page.lstrip().startswith("Scorecard"))
    detail = text[scorecard + 1 :]
    first, second = draft["priorities"][:2]
    on = [
        next(n for n, page in enumerate(detail) if f"{p['code']} {p['title']}" in " ".join(page.split()))
        for p in (first, second)
    ]
    assert on == [0, 0]
