"""What every import shares: reading cells, checking a whole file row by row, applying it all or
nothing.

An import is an ``ImportKind``: its columns (each with the parser that reads its cells), a key
that says which rows repeat one another, the context its checks read once per file, a check of
each row as a whole, and the service calls that apply the checked rows. ``check_file`` reports
every problem with its row number and column; ``apply_import`` applies only a file with none, in
one transaction. The cell parsers read numbers, dates and yes/no exactly as the forms do, so a
value a form refuses is refused in a file, with the same words.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.policy import Capability
from core.number_input import NumberError, read_number
from core.tabular import RowProblem, UnreadableCell, read_with_columns


class CellError(ValueError):
    """A cell that cannot be read; the message says what it should be."""


def text(value: str) -> str:
    """A text cell as written, without a NUL byte (PostgreSQL cannot store one)."""
    if "\x00" in value:
        raise CellError("The cell holds a NUL byte, which text cannot hold; remove it")
    return value.strip()


def number(value: str) -> Decimal:
    """A figure, read exactly as the forms read it (``core.number_input.read_number``)."""
    try:
        parsed = read_number(value)
    except NumberError as error:
        raise CellError(str(error)) from None
    if parsed is None:
        raise CellError("Enter a value")
    return parsed


def optional_number(value: str) -> Decimal | None:
    return number(value) if value.strip() else None


def date(value: str) -> datetime.date:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a date, no time zone
        except ValueError:
            continue
    raise CellError(f"“{value}” is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def yes_no(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"yes", "y", "true", "1"}:
        return True
    if lowered in {"no", "n", "false", "0", ""}:
        return False
    raise CellError(f"“{value}” should be yes or no")


def whole_number(value: str) -> int:
    value = value.strip()
    if not re.fullmatch(r"[0-9]{1,9}", value, re.ASCII):
        raise CellError(f"“{value}” is not a whole number")
    return int(value)


def choice(options: list[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in options:
            raise CellError(f"“{value}” should be one of: {', '.join(options)}")
        return value

    return parse


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], object]
    required: bool = True
    help: str = ""
    example: str = ""  # the template's example row
    #: The column must be in the file, but a cell may be empty (a figure a publisher left out).
    blank_ok: bool = False


@dataclass
class Checked:
    rows: list[dict] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportKind:
    slug: str
    title: str
    columns: tuple[Column, ...]
    check_row: Callable[[dict, dict], str | None]  # (row, context) -> "column: problem" with the row as a whole
    apply: Callable[..., int]  # (by=, rows=) -> rows applied, through the audited services
    description: str
    key: Callable[[dict], tuple]  # rows with the same key repeat one another
    context: Callable[[], dict] = dict  # what the row checks read, once per file
    capability: Capability = Capability.MANAGE_KPIS  # who may apply it
    #: Errors the services raise when a row checked a moment ago is refused on applying it.
    refusals: tuple[type[Exception], ...] = (ValidationError,)
    #: The check of the rows together, after each has passed its own: a tree's parents (on any
    #: row), circles, depths. Gets the rows that passed and the context, which holds the file's
    #: header as ``columns``; returns the problems, each on its row.
    check_rows: Callable[[list[dict], dict], list[RowProblem]] | None = None
    #: What a row with the key of an earlier row is told (``first``: that row; the row's cells).
    repeat_message: str = "Repeats row {first}"

    def template_csv(self) -> str:
        lines = [",".join(column.name for column in self.columns)]
        if any(column.example for column in self.columns):
            lines.append(",".join(_csv_cell(column.example) for column in self.columns))
        return "\n".join(lines) + "\n"


def _csv_cell(value: str) -> str:
    if any(mark in value for mark in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def check_file(kind: ImportKind, uploaded) -> Checked:
    """Every row read and checked; nothing written."""
    result = Checked()
    header, raw_rows, result.problems = read_with_columns(uploaded, [c.name for c in kind.columns if c.required])
    if result.problems:
        return result
    context = kind.context()
    context["columns"] = header
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(raw_rows, start=2):
        cells = {name: (raw.get(name) or "").strip() for name in header}
        unreadable = {name: cell.problem for name, cell in raw.items() if isinstance(cell, UnreadableCell)}
        if not any(cells.values()) and not unreadable:
            continue
        row: dict = {"_row": number}
        bad = False
        for column in kind.columns:
            value = cells.get(column.name, "")
            if column.name in unreadable:
                result.problems.append(RowProblem(number, column.name, f"The cell {unreadable[column.name]}"))
                bad = True
                continue
            if not value:
                if column.required and not column.blank_ok:
                    result.problems.append(RowProblem(number, column.name, "Enter a value"))
                    bad = True
                row[column.name] = None
                continue
            try:
                row[column.name] = column.parse(value)
            except CellError as error:
                result.problems.append(RowProblem(number, column.name, str(error)))
                bad = True
        if bad:
            continue
        key = kind.key(row)
        if key in seen:
            message = kind.repeat_message.format(first=seen[key], **row)
            result.problems.append(RowProblem(number, kind.columns[0].name, message))
            continue
        seen[key] = number
        problem = kind.check_row(row, context)
        if problem:
            column, message = problem.split(": ", 1) if ": " in problem else ("", problem)
            result.problems.append(RowProblem(number, column, message))
            continue
        result.rows.append(row)
    if kind.check_rows is not None:
        result.problems.extend(kind.check_rows(result.rows, context))
        result.problems.sort(key=lambda problem: problem.row)  # stable: a row's problems stay in order
    return result


class ImportRefused(ValueError):
    """A checked file that a service refused while applying it; nothing of it was saved."""


@transaction.atomic
def apply_import(*, by, kind: ImportKind, checked: Checked) -> int:
    """All of it or none: refuses a file with problems, and rolls back if any row fails."""
    from core.services import require

    require(by, kind.capability)
    if checked.problems:
        raise ValueError("The file has problems; nothing was imported.")
    try:
        return kind.apply(by=by, rows=checked.rows)
    except kind.refusals as refused:
        # Checked a moment ago, refused now: something changed in between (a period published,
        # a return submitted). The services' own checks hold; the whole file rolls back.
        messages = refused.messages if isinstance(refused, ValidationError) else [str(refused)]
        raise ImportRefused(f"Nothing was imported: {'; '.join(messages)}") from refused


def check_and_apply(*, by, kind: ImportKind, uploaded) -> tuple[Checked, int | None]:
    """What every import page does with an upload: check the whole file, and apply it only if
    every row passed. The checked rows and any problems (a refusal while applying is one, on
    row 1: nothing was saved) come back for the row-by-row report, with the count applied, or
    None when nothing was."""
    checked = check_file(kind, uploaded)
    if checked.problems:
        return checked, None
    try:
        return checked, apply_import(by=by, kind=kind, checked=checked)
    except ImportRefused as refused:
        checked.problems.append(RowProblem(1, "", str(refused)))
        return checked, None
