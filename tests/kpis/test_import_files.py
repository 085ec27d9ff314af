"""Uploaded files: size and row limits checked before the work, Excel read as a stream and as
Excel shows it (percentages, formulas without a saved result)."""

from __future__ import annotations

import io
import time
import zipfile
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.tabular import MAX_ROWS, MAX_UNCOMPRESSED_BYTES, read_with_columns
from kpis.models import Benchmark, Target

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def xlsx_with_rows(rows: int, *, dimension: bool) -> bytes:
    """A minimal workbook whose one sheet holds ``rows`` rows of one number, zipped small."""
    body = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(1, rows + 1))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="A1:A{rows}"/>' if dimension else "")
        + f"<sheetData>{body}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    # The fastest compression: the repeated rows shrink as well at level 1 as at 9 (under 5 MB)
    # in a tenth of the time.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def timed_refusal(name: str, data: bytes) -> tuple[list, float]:
    upload = SimpleUploadedFile(name, data)
    started = time.perf_counter()
    _, rows, problems = read_with_columns(upload, ["value"])
    return problems, time.perf_counter() - started


def test_a_small_workbook_that_expands_to_a_million_rows_is_refused_in_under_a_second():
    for dimension in (True, False):  # with the sheet's declared size, and without (read as a stream)
        data = xlsx_with_rows(1_000_000, dimension=dimension)
        assert len(data) < 5 * 1024 * 1024
        problems, elapsed = timed_refusal("big.xlsx", data)
        assert [p.message for p in problems] == [
            f"The file has more than {MAX_ROWS:,} rows; split it into files of at most {MAX_ROWS:,} rows"
        ]
        assert elapsed < 1.0, (dimension, elapsed)


def test_a_workbook_that_unzips_beyond_the_limit_is_refused_before_it_is_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (MAX_UNCOMPRESSED_BYTES + 1))
    problems, elapsed = timed_refusal("bomb.xlsx", buffer.getvalue())
    assert "expands to more than 50 MB" in problems[0].message
    assert elapsed < 1.0


def test_a_csv_with_too_many_rows_is_refused():
    problems, elapsed = timed_refusal("long.csv", b"value\n" + b"1\n" * (MAX_ROWS + 1))
    assert [p.message for p in problems] == [
        f"The file has more than {MAX_ROWS:,} rows; split it into files of at most {MAX_ROWS:,} rows"
    ]
    assert elapsed < 1.0
    _, rows, problems = read_with_columns(SimpleUploadedFile("ok.csv", b"value\n" + b"1\n" * MAX_ROWS), ["value"])
    assert (len(rows), problems) == (MAX_ROWS, [])


def test_a_csv_over_the_byte_limit_is_refused():
    problems, _ = timed_refusal("huge.csv", b"value\n" + b"1" * (5 * 1024 * 1024))
    assert problems[0].message == "The file is larger than 5 MB"


# --- Excel as Excel shows it -------------------------------------------------------------------


def workbook_bytes(header: list[str], row: list, formats: dict[int, str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.append(row)
    for column, number_format in (formats or {}).items():
        sheet.cell(row=2, column=column).number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_cell_formatted_as_a_percentage_is_read_as_the_percentage_it_shows(world, clients):
    data = workbook_bytes(["kpi_code", "for_date", "value"], ["S1-01", "2025-09-30", 0.852], {3: "0.0%"})
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "targets"}), {"file": SimpleUploadedFile("t.xlsx", data)}
    )
    assert response.status_code == 302, response.context["checked"].problems
    assert Target.objects.get().value == Decimal("85.2")


def test_a_formula_with_no_saved_result_says_so(world, clients):
    data = workbook_bytes(
        ["kpi_code", "data_period_label", "period_end", "comparator", "value"],
        ["S1-01", "2024/25", "2025-03-31", "England", "=B7*2"],
    )
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "benchmarks"}), {"file": SimpleUploadedFile("b.xlsx", data)}
    )
    assert response.status_code == 400
    [problem] = response.context["checked"].problems
    assert (problem.row, problem.column) == (2, "value")
    assert problem.message == (
        "The cell is a formula with no saved result; open and save the file in Excel, or paste values"
    )
    assert not Benchmark.objects.exists()
