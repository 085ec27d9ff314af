"""Reading and writing tables (CSV and Excel) safely.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could run
as a formula when a spreadsheet opens the file, so it is prefixed with an apostrophe. Numbers
stay numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from openpyxl import Workbook, load_workbook

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def safe_text(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def xlsx_bytes(header: list[str], rows: list[list], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([safe_text(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_table(uploaded) -> tuple[list[str], list[dict]]:
    """Header names (lower-cased) and rows as dicts, from an uploaded CSV or .xlsx file."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValueError("The file is larger than 5 MB")
    name = (uploaded.name or "").lower()
    data = uploaded.read()
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as problem:  # openpyxl raises many types for a broken file
            raise ValueError("The file could not be read as an Excel workbook") from problem
        values = [
            ["" if cell is None else str(cell) for cell in row] for row in workbook.active.iter_rows(values_only=True)
        ]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as problem:
            raise ValueError("The CSV file must be saved as UTF-8") from problem
        values = list(csv.reader(io.StringIO(text)))
    else:
        raise ValueError("Upload a .csv or .xlsx file")
    if not values:
        raise ValueError("The file is empty")
    header = [cell.strip().lower() for cell in values[0]]
    rows = [dict(zip(header, row, strict=False)) for row in values[1:]]
    return header, rows


@dataclass
class RowProblem:
    """One thing wrong with an uploaded file: the spreadsheet row (the header is row 1)."""

    row: int
    column: str
    message: str


def read_with_columns(uploaded, required: list[str]) -> tuple[list[str], list[dict], list[RowProblem]]:
    """Header, rows and any file-level problem (unreadable, or required columns missing)."""
    try:
        header, rows = read_table(uploaded)
    except ValueError as problem:
        return [], [], [RowProblem(1, "", str(problem))]
    missing = [name for name in required if name not in header]
    if missing:
        return header, [], [RowProblem(1, ", ".join(missing), f"Missing column(s): {', '.join(missing)}")]
    return header, rows, []


def download(fmt: str, name: str, header: list[str], rows: list[list]) -> HttpResponse:
    """A CSV or Excel download of a table, with formula-like text neutralised."""
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(header, rows, title=name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([[safe_text(value) for value in row] for row in rows])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        raise Http404("Choose csv or xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
