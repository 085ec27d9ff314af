"""Properties (hypothesis): any text in a value cell, in a CSV, in an Excel file or typed into
the return form, gets the same verdict everywhere, never a server error, and a refused file
writes nothing at all."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.number_input import NumberError, read_number
from kpis.models import KpiReturn, ReportingPeriod

PROFILE = settings(
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NOTATIONS = [
    "1,234",
    "12,5",
    "1e3",
    "1E-2",
    "NaN",
    "nan",
    "sNaN",
    "inf",
    "-Infinity",
    "-0",
    "0.0",
    "+5",
    ".5",
    "5.",
    "-12.3",
    "150",
    "100",
    "99.95",
    "77.5",
    "1" * 30,
    "12345678901234.5",
    "١٢",
    "٣.٥",
    "=A1*2",
    "=1+1",
    "\x00",
    "5\x00",
    "1_000",
    "1 234",
    "£5",
    "5%",
    " 42 ",
    "",
    "   ",
]
CELL_TEXT = st.one_of(
    st.sampled_from(NOTATIONS),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="0123456789,.-+eE =\x00١٢", max_size=12),
)
HEADER = ["kpi_code", "year", "quarter", "data_period_label", "data_period_end", "value"]


def csv_file(rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return SimpleUploadedFile("values.csv", buffer.getvalue().encode())


def xlsx_file(rows: list[list[str]]) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("values.xlsx", buffer.getvalue())


def figures() -> dict:
    return dict(KpiReturn.objects.filter(period__year=2024).values_list("kpi__code", "value"))


def import_verdict(client, upload) -> bool:
    before = figures()
    response = client.post(reverse("kpis:import-upload", kwargs={"kind": "values"}), {"file": upload})
    assert response.status_code in {302, 400}, response.status_code
    if response.status_code == 400:
        assert figures() == before  # nothing of a refused file is written, not even its good row
    return response.status_code == 302


def form_verdict(client, world, text: str) -> bool:
    kpi_return = KpiReturn.objects.get(pk=world.kpis["return_s1"].pk)
    response = client.post(
        reverse("kpis:return-edit", kwargs={"pk": kpi_return.pk}),
        {
            "action": "save",
            "revision": kpi_return.revision,
            "value": text,
            "commentary": "c",
            "confirm_unusual": "True",
            "show_confirm": "1",
        },
    )
    assert response.status_code in {200, 302}, response.status_code
    return response.status_code == 302


def test_any_value_text_gets_the_same_verdict_from_the_form_and_both_kinds_of_file(world, clients):
    ReportingPeriod.objects.create(year=2024, quarter=2, state="closed", **ReportingPeriod.default_dates(2024, 2))
    admin, lead = clients["performance_admin"], clients["service_lead"]
    counter = iter(range(10**6))

    @PROFILE
    @given(text=CELL_TEXT)
    def check(text: str) -> None:
        good = str(Decimal(next(counter) % 100))  # changes every time, so a partial write would show
        rows = [
            ["S2-01", "2024", "2", "2024/25 Q2", "2024-09-30", good],
            ["S1-01", "2024", "2", "2024/25 Q2", "2024-09-30", text],
        ]
        try:
            blank = read_number(text) is None
        except NumberError:
            blank = False
        by_form = form_verdict(lead, world, text)
        by_csv = import_verdict(admin, csv_file(rows))
        if blank:  # a draft may be saved without its figure; history cannot
            assert (by_form, by_csv) == (True, False)
            return
        assert by_csv == by_form, text
        if ILLEGAL_CHARACTERS_RE.search(text) is None:  # Excel cannot hold control characters
            assert import_verdict(admin, xlsx_file(rows)) == by_form, text

    check()


def test_any_target_text_gets_the_same_verdict_from_the_target_form_and_the_targets_import(world, clients):
    from kpis.models import Target

    admin = clients["performance_admin"]
    counter = iter(range(10**6))

    def targets() -> dict:
        return dict(Target.objects.values_list("kpi__code", "value"))

    @PROFILE
    @given(text=CELL_TEXT)
    def check(text: str) -> None:
        good = str(Decimal(next(counter) % 100))
        buffer = io.StringIO()
        csv.writer(buffer).writerows(
            [["kpi_code", "for_date", "value"], ["S2-01", "2025-09-30", good], ["S1-01", "2025-09-30", text]]
        )
        before = targets()
        response = admin.post(
            reverse("kpis:import-upload", kwargs={"kind": "targets"}),
            {"file": SimpleUploadedFile("targets.csv", buffer.getvalue().encode())},
        )
        assert response.status_code in {302, 400}
        if response.status_code == 400:
            assert targets() == before
        page = admin.post(
            reverse("kpis:kpi-target-add", kwargs={"code": "S1-01"}), {"for_date": "2025-12-31", "value": text}
        )
        assert page.status_code in {200, 302}
        assert (page.status_code == 302) == (response.status_code == 302), text

    check()
