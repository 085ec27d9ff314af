"""Reading and writing tables (CSV and Excel) safely.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could run
as a formula when a spreadsheet opens the file, so it is prefixed with an apostrophe. Numbers
stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice, zip_longest

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from openpyxl import Workbook, load_workbook

from core.number_input import excel_number

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Limits on an uploaded table: its size as uploaded, an Excel file's size once unzipped, and
#: the rows below the header. Larger loads are split into several files.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20_000
#: An Excel download is built whole before its first byte is sent (a workbook is a zip), so it
#: is kept to what a web process builds in a few seconds; a larger table is a CSV, which streams.
MAX_EXCEL_ROWS = 20_000
#: Rows written to a streamed CSV between two sends.
CSV_ROWS_A_SEND = 500


def safe_text(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


class TooManyRowsForExcel(ValueError):
    """A table longer than ``MAX_EXCEL_ROWS``: offered as a CSV instead."""


def xlsx_bytes(header: list[str], rows: Iterable[list], *, title: str = "Sheet1") -> bytes:
    """A workbook of one sheet in openpyxl's write-only mode (it keeps no cell objects). The
    rows, at most ``MAX_EXCEL_ROWS``, are read before the workbook is started, so a longer
    table is refused before any of it is written (a write-only workbook left unfinished
    leaves its temporary file behind)."""
    rows = list(islice(rows, MAX_EXCEL_ROWS + 1))
    if len(rows) > MAX_EXCEL_ROWS:
        raise TooManyRowsForExcel
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([safe_text(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Line:
    """A file-like object ``csv.writer`` writes to, keeping what it wrote until it is taken."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """A CSV of the table, ``CSV_ROWS_A_SEND`` rows at a time, so only those rows (and what the
    row source holds) are in memory however long the table is."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_text(value) for value in row])
        if count % CSV_ROWS_A_SEND == 0:
            yield line.take()
    yield line.take()


class UnreadableCell(str):
    """A cell that holds nothing the app can read, with the reason; as text it is empty."""

    problem: str

    def __new__(cls, problem: str):
        cell = super().__new__(cls, "")
        cell.problem = problem
        return cell


#: What an import says of an Excel formula whose result was never saved in the file (a file
#: written by a program, not by Excel): the formula cannot be worked out here.
FORMULA_WITHOUT_RESULT = "is a formula with no saved result; open and save the file in Excel, or paste values"


def _too_many_rows() -> ValueError:
    return ValueError(f"The file has more than {MAX_ROWS:,} rows; split it into files of at most {MAX_ROWS:,} rows")


def _is_percent_format(number_format: str | None) -> bool:
    """A number format that shows the value times 100 with a % sign ("0.0%"), not a literal
    "%" in quotes or after a backslash."""
    if not number_format:
        return False
    unquoted = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in unquoted


def _excel_text(shown, written) -> str:
    """A cell as text: the value Excel shows, a percentage as the percentage it shows."""
    value = shown.value
    if value is None:
        if getattr(written, "data_type", None) == "f":
            return UnreadableCell(FORMULA_WITHOUT_RESULT)
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return excel_number(value, percent=_is_percent_format(getattr(shown, "number_format", None)))
    return str(value)


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _more_rows_than(archive: zipfile.ZipFile, name: str, limit: int) -> bool:
    """Does a sheet hold more than ``limit`` rows? Counted from the unzipping stream, stopping
    at the first row too many: openpyxl, asked for a sheet's size when the file does not
    declare it, reads the whole sheet first (13 seconds for a million rows)."""
    count, tail = 0, b""
    with archive.open(name) as stream:
        while chunk := stream.read(1 << 16):
            window = tail + chunk
            count += sum(1 for match in _ROW_TAG.finditer(window) if match.end() > len(tail))
            if count > limit:
                return True
            tail = window[-64:]
    return False


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    """The first sheet's rows, streamed. The archive's expanded size and the sheet's declared
    size are checked before any row is read, so a small file that expands to a million rows
    is refused at once. The workbook is read twice side by side (values, then formulas) to
    tell an empty cell from a formula Excel never worked out; both are streams."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
            if expanded > MAX_UNCOMPRESSED_BYTES:
                raise ValueError(
                    f"The workbook expands to more than {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB; "
                    f"split it into files of at most {MAX_ROWS:,} rows"
                )
            sheets = [name for name in archive.namelist() if "worksheets/" in name and name.endswith(".xml")]
            if any(_more_rows_than(archive, sheet, MAX_ROWS + 1) for sheet in sheets):
                raise _too_many_rows()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as problem:
        raise ValueError("The file could not be read as an Excel workbook") from problem
    try:
        shown_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        written_book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        shown_sheet, written_sheet = shown_book.active, written_book.active
        if (shown_sheet.max_row or 0) > MAX_ROWS + 1:  # the sheet's own <dimension>, read without the rows
            raise _too_many_rows()
        for sheet in (shown_sheet, written_sheet):
            sheet.reset_dimensions()  # a declared size can also be too small: read every row there is
        for shown_row, written_row in zip(shown_sheet.iter_rows(), written_sheet.iter_rows(), strict=False):
            yield [_excel_text(shown, written) for shown, written in zip_longest(shown_row, written_row)]
    except ValueError:
        raise
    except Exception as problem:  # openpyxl raises many types for a broken file
        raise ValueError("The file could not be read as an Excel workbook") from problem


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise ValueError("The CSV file must be saved as UTF-8") from problem
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error as problem:
        raise ValueError(f"The CSV file could not be read: {problem}") from problem


def read_table(uploaded) -> tuple[list[str], list[dict]]:
    """Header names (lower-cased) and rows as dicts, from an uploaded CSV or .xlsx file.
    Refuses a file over ``MAX_UPLOAD_BYTES``, an Excel file that expands beyond
    ``MAX_UNCOMPRESSED_BYTES``, and more than ``MAX_ROWS`` rows below the header (blank rows
    count), reading no further than the first row too many."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValueError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    name = (uploaded.name or "").lower()
    if name.endswith(".xlsx"):
        source = _xlsx_rows(uploaded.read())
    elif name.endswith(".csv"):
        source = _csv_rows(uploaded.read())
    else:
        raise ValueError("Upload a .csv or .xlsx file")
    values = []
    for row in source:
        if len(values) > MAX_ROWS:
            raise _too_many_rows()
        values.append(row)
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


def download(
    request, fmt: str, name: str, header: list[str], rows: Iterable[list], *, count: int | None = None
) -> HttpResponse:
    """A CSV or Excel download of a table, with formula-like text neutralised. ``rows`` may be
    a generator: a CSV is streamed as it is read (the 82,000 returns of the largest council
    held 683 MB when built whole; issue 16), so the rows are read after this returns, as the
    file is sent. An Excel file longer than ``MAX_EXCEL_ROWS`` is refused with a page that
    offers the same rows as a CSV; ``count``, the number of rows when the view can ask the
    database cheaply, refuses it before a row is read (every return as Excel took 4.6 s to be
    refused at the largest councils when the rows were read up to the limit)."""
    if fmt == "xlsx":
        try:
            if count is not None and count > MAX_EXCEL_ROWS:
                raise TooManyRowsForExcel
            content = xlsx_bytes(header, rows, title=name)
        except TooManyRowsForExcel:
            csv_url = request.path.removesuffix(".xlsx") + ".csv"
            if request.GET:
                csv_url += "?" + request.GET.urlencode()
            return render(
                request,
                "errors/too_many_rows_for_excel.html",
                {"csv_url": csv_url, "limit": f"{MAX_EXCEL_ROWS:,}"},
            )
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    elif fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    else:
        raise Http404("Choose csv or xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
