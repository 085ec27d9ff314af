"""Reading and writing tables (CSV and Excel) safely.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could run
as a formula when a spreadsheet opens the file, so it is prefixed with an apostrophe. Numbers
stay numbers.
"""

from __future__ import annotations

import csv
import io

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
