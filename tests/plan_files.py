"""A realistic Council Plan as a spreadsheet, made the same way every time.

Five priorities, four outcomes under each and three markers of success under each outcome
(5 + 20 + 60 rows), in the layout ``planning.imports`` reads: ``code``, ``parent_code``,
``level``, ``title``, ``description``, one row per part of the plan, depth first as a
performance team writes it. Used by the import tests and by the end-to-end test of a council
moving in.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

COLUMNS = ["code", "parent_code", "level", "title", "description"]
LEVELS = ("Priority", "Outcome", "Marker of success")

#: What the importing page's form (and the command's options) take besides the file.
DETAILS = {
    "title": "Our Council Plan 2025-29",
    "start_date": "2025-04-01",
    "end_date": "2029-03-31",
    "vision_label": "Vision",
    "vision": "A borough where everyone has the chance to thrive.",
    "description": "Adopted by Council in March 2025.",
}

PRIORITIES = (
    ("Economy", "A fair and growing local economy"),
    ("People", "People live healthy, independent lives"),
    ("Children", "Children and young people get the best start"),
    ("Communities", "Safe, connected and resilient communities"),
    ("Council", "A well-run council that listens"),
)
OUTCOMES = {
    "Economy": (
        "More residents in good, secure work",
        "Town centres that people want to visit",
        "Businesses start, stay and grow here",
        "Skills that match local jobs",
    ),
    "People": (
        "Adults are supported to stay at home",
        "Fewer people live with preventable ill health",
        "Carers get the help they need",
        "People in crisis are helped quickly",
    ),
    "Children": (
        "Children are safe from harm",
        "Every child is ready for school",
        "Young people leave school with good qualifications",
        "Children in care have stable homes",
    ),
    "Communities": (
        "Streets are clean and green",
        "People feel safe where they live",
        "Homes are decent and affordable",
        "Waste is reduced and recycled",
    ),
    "Council": (
        "Residents can reach us easily online",
        "Our budget is balanced and spent well",
        "Our workforce is skilled and motivated",
        "Complaints are resolved first time",
    ),
}
MARKERS = (
    "The measure improves year on year",
    "We match or beat the England average",
    "Residents say things are getting better",
)


def plan_rows(*, levels: tuple[str, str, str] = LEVELS) -> list[dict]:
    """The 85 rows of the plan, depth first, with the council's own level names."""
    rows: list[dict] = []
    for p, (theme, priority) in enumerate(PRIORITIES, start=1):
        p_code = f"P{p}"
        rows.append(_row(p_code, "", levels[0], priority, f"What we will do for {theme.lower()}."))
        for o, outcome in enumerate(OUTCOMES[theme], start=1):
            o_code = f"{p_code}.O{o}"
            rows.append(_row(o_code, p_code, levels[1], outcome, ""))
            for m, marker in enumerate(MARKERS, start=1):
                rows.append(_row(f"{o_code}.M{m}", o_code, levels[2], f"{outcome}: {marker.lower()}", ""))
    return rows


def _row(code: str, parent_code: str, level: str, title: str, description: str) -> dict:
    return {"code": code, "parent_code": parent_code, "level": level, "title": title, "description": description}


def plan_csv(rows: list[dict] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(plan_rows() if rows is None else rows)
    return buffer.getvalue().encode()


def plan_xlsx(rows: list[dict] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Council Plan"
    sheet.append(COLUMNS)
    for row in plan_rows() if rows is None else rows:
        sheet.append([row[name] or None for name in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def command_args(path, username: str, **details) -> list[str]:
    """``call_command(*command_args(...))`` for ``import_council_plan`` with ``DETAILS``
    (or the details given instead)."""
    values = {**DETAILS, **details}
    return [
        "import_council_plan",
        str(path),
        "--as",
        username,
        "--title",
        values["title"],
        "--start",
        values["start_date"],
        "--end",
        values["end_date"],
        "--vision",
        values["vision"],
        "--vision-label",
        values["vision_label"],
        "--description",
        values["description"],
    ]
