"""The whole-table downloads stream: a CSV is written a chunk of rows at a time as it is
sent, so a web process holds one chunk however many rows there are (82,000 returns raised a
worker's memory by 683 MB when the file was built whole; issue 16). What is written is what
the downloads wrote before they streamed, row for row."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kpis.models import KpiReturn
from kpis.views import tabular
from tests.querycount import assert_flat
from tests.test_query_counts import grow_history, grow_kpis

RETURNS = reverse("kpis:returns-export", kwargs={"fmt": "csv"})
DICTIONARY = reverse("kpis:dictionary-export", kwargs={"fmt": "csv"})

# As the downloads wrote them before they streamed (captured from that code, test world below).
RETURNS_SEEN_BY_CMT = (
    "kpi_code,kpi_title,period,data_period,value,target,rag,direction,state,commentary\r\n"
    "GROW-0,Grown KPI 0,2025/26 Q2,2025/26 Q2,12.0000,10.0000,Red,Worsening,Submitted,\r\n"
    "GROW-1,Grown KPI 1,2025/26 Q2,2025/26 Q2,12.0000,10.0000,Red,Worsening,Submitted,\r\n"
    "GROW-2,Grown KPI 2,2025/26 Q2,2025/26 Q2,12.0000,10.0000,Red,Worsening,Submitted,\r\n"
    "S1-01,Cases closed in time (Service One),2025/26 Q2,2025/26 Q2,50.0000,,"
    'Data only,No earlier value,Submitted,"\'=SUM(A1), ""quoted"""\r\n'
    "S2-01,Cases closed in time (Service Two),2025/26 Q2,2025/26 Q2,,,No value,No earlier value,Not started,\r\n"
    "GROW-0,Grown KPI 0,2025/26 Q1,2025/26 Q1,11.0000,,Data only,No earlier value,Approved,\r\n"
    "GROW-1,Grown KPI 1,2025/26 Q1,2025/26 Q1,11.0000,,Data only,No earlier value,Approved,\r\n"
    "GROW-2,Grown KPI 2,2025/26 Q1,2025/26 Q1,11.0000,,Data only,No earlier value,Approved,\r\n"
    "S2-01,Cases closed in time (Service Two),2024/25 Q4,2024/25 Q4,64.0000,62.0000,Green,Improving,Approved,\r\n"
    "S2-01,Cases closed in time (Service Two),2024/25 Q3,2024/25 Q3,63.0000,62.0000,Green,Improving,Approved,\r\n"
    "S2-01,Cases closed in time (Service Two),2024/25 Q2,2024/25 Q2,62.0000,62.0000,Green,Improving,Approved,\r\n"
    "S2-01,Cases closed in time (Service Two),2024/25 Q1,2024/25 Q1,61.0000,62.0000,"
    "Red,No earlier value,Approved,\r\n"
)
RETURNS_SEEN_BY_SERVICE_LEAD = (
    "kpi_code,kpi_title,period,data_period,value,target,rag,direction,state,commentary\r\n"
    "GROW-0,Grown KPI 0,2025/26 Q2,2025/26 Q2,12.0000,10.0000,Red,Worsening,Submitted,\r\n"
    "GROW-1,Grown KPI 1,2025/26 Q2,2025/26 Q2,12.0000,10.0000,Red,Worsening,Submitted,\r\n"
    "GROW-2,Grown KPI 2,2025/26 Q2,2025/26 Q2,12.0000,10.0000,Red,Worsening,Submitted,\r\n"
    "S1-01,Cases closed in time (Service One),2025/26 Q2,2025/26 Q2,50.0000,,"
    'Data only,No earlier value,Submitted,"\'=SUM(A1), ""quoted"""\r\n'
    "GROW-0,Grown KPI 0,2025/26 Q1,2025/26 Q1,11.0000,,Data only,No earlier value,Approved,\r\n"
    "GROW-1,Grown KPI 1,2025/26 Q1,2025/26 Q1,11.0000,,Data only,No earlier value,Approved,\r\n"
    "GROW-2,Grown KPI 2,2025/26 Q1,2025/26 Q1,11.0000,,Data only,No earlier value,Approved,\r\n"
)
DICTIONARY_SEEN_BY_CMT = (
    "code,title,definition,owning_service,owner,frequency,data_period_type,unit,"
    "polarity,decimal_places,tolerance_type,tolerance_amount,portfolio,is_council_plan_measure\r\n"
    "GROW-0,Grown KPI 0,x,S1,service_lead,quarterly,quarter,number,lower,1,none,,,no\r\n"
    "GROW-1,Grown KPI 1,x,S1,service_lead,quarterly,quarter,number,lower,1,none,,,yes\r\n"
    "GROW-2,Grown KPI 2,x,S1,service_lead,quarterly,quarter,number,lower,1,none,,,no\r\n"
    "S1-01,Cases closed in time (Service One),"
    "Share of cases closed within 20 working days,S1,service_lead,quarterly,quarter,percentage,higher,1,none,,,no\r\n"
    "S2-01,Cases closed in time (Service Two),"
    "Share of cases closed within 20 working days,S2,s2.person,quarterly,quarter,percentage,higher,1,none,,,no\r\n"
)


@pytest.fixture
def filled(world):
    """Three more KPIs with a submitted and an approved return, a year of approved history
    for Service Two's KPI, and commentary a spreadsheet would run as a formula."""
    grow_kpis(world, 3)()
    grow_history(world.kpis["s2"], [(2024, 1), (2024, 2), (2024, 3), (2024, 4)])()
    KpiReturn.objects.filter(pk=world.kpis["return_s1"].pk).update(
        state="submitted", value=50, commentary='=SUM(A1), "quoted"'
    )
    return world


def _streamed_text(response) -> str:
    assert response.status_code == 200
    assert response.streaming, "the download was built whole before it was sent"
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("cmt", RETURNS_SEEN_BY_CMT), ("service_lead", RETURNS_SEEN_BY_SERVICE_LEAD)],
    ids=["cmt", "service_lead"],
)
def test_every_return_you_can_see_is_streamed_as_before(filled, clients, persona, expected):
    response = clients[persona].get(RETURNS)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="returns.csv"'
    assert _streamed_text(response) == expected


def test_returns_judged_a_chunk_at_a_time_are_judged_as_a_whole(filled, clients, monkeypatch):
    """Each chunk of returns is judged on its own: a return compared with one in another chunk
    (Service Two's quarters, two to a chunk here) is judged as it was in one piece."""
    monkeypatch.setattr(tabular, "RETURNS_CHUNK", 2)
    assert _streamed_text(clients["cmt"].get(RETURNS)) == RETURNS_SEEN_BY_CMT


def test_the_data_dictionary_is_streamed_as_before(filled, clients):
    response = clients["cmt"].get(DICTIONARY)
    assert response["Content-Disposition"] == 'attachment; filename="data-dictionary.csv"'
    assert _streamed_text(response) == DICTIONARY_SEEN_BY_CMT


def _downloaded(client, url):
    def action():
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)  # the queries run as the file is sent

    return action


def test_every_return_export_is_flat_as_returns_grow(world, clients):
    KpiReturn.objects.filter(pk=world.kpis["return_s1"].pk).update(state="approved", value=50)
    # the session, user and roles (6 with the session's save), the returns, their history, their targets
    assert_flat(_downloaded(clients["cmt"], RETURNS), grow_kpis(world), pinned=9)


def test_the_data_dictionary_export_is_flat_as_kpis_grow(world, clients):
    # the session, user and roles (6 with the session's save), the KPIs, their definitions
    assert_flat(_downloaded(clients["cmt"], DICTIONARY), grow_kpis(world), pinned=8)


def test_an_excel_of_too_many_rows_is_refused_politely(filled, clients, monkeypatch):
    from core import tabular as core_tabular

    monkeypatch.setattr(core_tabular, "MAX_EXCEL_ROWS", 5)
    response = clients["cmt"].get(reverse("kpis:returns-export", kwargs={"fmt": "xlsx"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "too many rows for Excel" in page
    assert f'href="{RETURNS}' in page  # the CSV of the same rows


def test_every_return_as_excel_is_refused_before_a_return_is_read(filled, clients, monkeypatch):
    """The returns are counted first: no return is read or judged for a file that is refused,
    and the CSV offered keeps the filters asked for."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core import tabular as core_tabular

    monkeypatch.setattr(core_tabular, "MAX_EXCEL_ROWS", 5)
    with CaptureQueriesContext(connection) as queries:
        response = clients["cmt"].get(reverse("kpis:returns-export", kwargs={"fmt": "xlsx"}) + "?state=approved")
    assert "too many rows for Excel" in response.content.decode()
    assert f'href="{RETURNS}?state=approved"' in response.content.decode()
    read = [q["sql"] for q in queries.captured_queries if "kpis_kpireturn" in q["sql"]]
    assert len(read) == 1
    assert read[0].startswith("SELECT COUNT(*)")


def test_an_excel_too_long_is_refused_when_its_rows_are_not_counted_first(filled, clients, monkeypatch):
    from core import tabular as core_tabular

    monkeypatch.setattr(core_tabular, "MAX_EXCEL_ROWS", 2)
    response = clients["cmt"].get(reverse("kpis:dictionary-export", kwargs={"fmt": "xlsx"}))
    assert "too many rows for Excel" in response.content.decode()
    assert f'href="{DICTIONARY}"' in response.content.decode()


def test_an_excel_within_the_limit_is_the_same_rows(filled, clients):
    response = clients["cmt"].get(reverse("kpis:returns-export", kwargs={"fmt": "xlsx"}))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [[("" if cell is None else str(cell)) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == tabular.RETURN_COLUMNS
    assert len(rows) == RETURNS_SEEN_BY_CMT.count("\r\n")
    assert rows[4][-1] == '\'=SUM(A1), "quoted"'


def test_the_risk_register_is_streamed(world, clients):
    from tests.conftest import _risk

    _risk(world.s1, "=HYPERLINK(1)", 2, 3)
    response = clients["performance_admin"].get(reverse("planning:risk-export", kwargs={"fmt": "csv"}))
    text = _streamed_text(response)
    assert "'=HYPERLINK(1)" in text
