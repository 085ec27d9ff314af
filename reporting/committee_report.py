"""The committee report: the cover report that takes a period's performance to Cabinet, as a
Word document (python-docx), rendered from the report's content dict alone.

Councils take performance to Cabinet as a committee report in Word: officers add the
financial, legal, equality and risk implications and their contact details before it goes
to the meeting. This module writes everything the frozen content can say (purpose,
recommendations, the summary, the exceptions and the decisions sought) and leaves headed
places, each with a sentence saying what belongs there, for the officer to complete.

Like ``reporting.pdf`` it reads nothing from the database, so rendering a published snapshot
again gives the same document; and it gives the same bytes (ADR 0019): the document's dates
are the content's ``as_at`` and the Word file's zip entries carry that time too, where
python-docx would stamp the moment of saving. The document is built to be accessible: Word's
own heading styles, tables with a header row that repeats across pages, a language, a title.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from reporting.content import digest
from reporting.pdf import DIRECTION_SYMBOLS, RAG_SYMBOLS, as_at_text

#: Said under each heading the officer completes, so an unfinished report is plain to see.
TO_COMPLETE = "To be completed by the report author"
#: What the officer writes under each implications heading.
IMPLICATIONS = [
    ("Financial implications", "the financial implications of the performance reported and of the actions proposed"),
    ("Legal implications", "the legal implications, including any statutory duty the exceptions bear on"),
    (
        "Equality implications",
        "the equality implications, and whether the actions proposed need an equality impact assessment",
    ),
    ("Risk implications", "the risks the exceptions raise, and how they are recorded in the corporate risk register"),
]
TEXT_COLOUR = RGBColor(0x0B, 0x0C, 0x0C)
#: A4 portrait with 25 mm margins each side.
PAGE_WIDTH, PAGE_HEIGHT, SIDE_MARGIN = Mm(210), Mm(297), Mm(25)
TEXT_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN
LANGUAGE = "en-GB"


def render_committee_report(content: dict) -> bytes:
    """The committee report for a period's report, as the bytes of a .docx file."""
    document = Document()
    _set_up(document, content)
    report = _Report(document, content)
    report.title_block()
    report.purpose()
    report.recommendations()
    report.summary()
    report.exceptions()
    report.decisions()
    report.for_the_officer()
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue(), _moment(content))


def committee_report_title(content: dict) -> str:
    return f"Quarterly performance report to Cabinet, {content['period']['label']}"


# --- The document --------------------------------------------------------------------------


class _Report:
    """The committee report's sections in order, each numbered as committee reports number
    their paragraphs (3.1, 3.2), so members can refer to one at the meeting."""

    def __init__(self, document, content: dict):
        self.document = document
        self.content = content
        self.summary_content = content["summary"]
        self.items = content["exceptions"]
        self.period = content["period"]["label"]
        self.section = 0
        self.paragraph_number = 0

    # Building blocks

    def heading(self, text: str) -> None:
        """A numbered section: Heading 1."""
        self.section += 1
        self.paragraph_number = 0
        self.document.add_heading(f"{self.section}. {text}", level=1)

    def numbered(self, text: str = "", *, bold_start: str = "") -> None:
        """A numbered paragraph of the current section."""
        self.paragraph_number += 1
        paragraph = self.document.add_paragraph(f"{self.section}.{self.paragraph_number}\t")
        paragraph.paragraph_format.left_indent = Mm(12)
        paragraph.paragraph_format.first_line_indent = Mm(-12)
        if bold_start:
            paragraph.add_run(bold_start).bold = True
        paragraph.add_run(text)

    def labelled(self, label: str, text: str) -> None:
        paragraph = self.document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(text)

    def to_complete(self, what: str) -> None:
        paragraph = self.document.add_paragraph()
        run = paragraph.add_run(f"[{TO_COMPLETE}: {what}.]")
        run.italic = True

    def text_block(self, text: str, empty: str) -> None:
        """Text as written in a return, a paragraph per line; ``empty`` said in bold when
        there is none, as the PDF does."""
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            self.document.add_paragraph().add_run(empty).bold = True
            return
        for line in lines:
            self.document.add_paragraph(line)

    def table(self, caption: str, header: list[str], rows: list[list[str]], *, row_headers: bool = True) -> None:
        """A real table: a header row that Word repeats on each page, the first column bold
        as the row's header, and a caption given to Word as the table's title (alt text)."""
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        _describe_table(table, caption)
        first = table.rows[0]
        _repeat_as_header(first)
        for cell, text in zip(first.cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for row in rows:
            cells = table.add_row().cells
            for index, (cell, text) in enumerate(zip(cells, row, strict=True)):
                run = cell.paragraphs[0].add_run(text)
                run.bold = row_headers and index == 0
        # The row headers (a KPI's or a priority's name) get twice a figure's width.
        weights = [2 if row_headers and index == 0 and len(header) > 2 else 1 for index in range(len(header))]
        for column, weight in zip(table.columns, weights, strict=True):
            width = int(TEXT_WIDTH * weight / sum(weights))
            column.width = width
            for cell in column.cells:
                cell.width = width

    # Sections

    def title_block(self) -> None:
        content = self.content
        council = self.document.add_paragraph()
        council.add_run(content["council"]).bold = True
        self.document.add_heading(committee_report_title(content), level=0)
        self.labelled("Report to", "Cabinet")
        self.labelled("Date of meeting", f"[{TO_COMPLETE}]")
        self.labelled("Report of", f"[{TO_COMPLETE}: the director presenting the report]")
        self.labelled("Status", content["status_label"])
        if content["plan"]:
            self.labelled("Council Plan", content["plan"])
        self.labelled("Figures as at", as_at_text(content["as_at"]))
        if content["kind"] == "draft":
            warning = self.document.add_paragraph()
            warning.add_run(
                "DRAFT for CMT: the figures may change before the report is published to Cabinet."
            ).bold = True

    def purpose(self) -> None:
        self.heading("Purpose of the report")
        plan = f" against the {self.content['plan']}" if self.content["plan"] else ""
        self.numbered(
            f"This report sets out the council's performance{plan} for {self.period}: how its key "
            "performance indicators (KPIs) stand against their targets, how they have moved since the "
            "previous period, the exceptions that need Cabinet's attention and what is being done about them."
        )
        self.numbered(
            f"The figures are those of the {self.period} performance report as it stood on "
            f"{as_at_text(self.content['as_at'])}. The performance pack published with it gives every KPI's "
            "figures, trend, commentary and actions in full."
        )

    def recommendations(self) -> None:
        self.heading("Recommendations")
        self.document.add_paragraph("Cabinet is recommended to:")
        self.numbered(f"note the council's performance for {self.period}, summarised in section 3;")
        if self.items:
            count = len(self.items)
            self.numbered(
                f"note the {count} exception{_s(count)} set out in section 4 and the actions being taken on "
                f"{'them' if count > 1 else 'it'};"
            )
        else:
            self.numbered("note that no KPI is Red and no Council Plan measure worsened this period;")
        self.numbered("make the decisions sought in section 5.")

    def summary(self) -> None:
        summary = self.summary_content
        self.heading("Summary of performance")
        counts = ", ".join(f"{count} {label}" for _rag, label, count in summary["rag"])
        escalations = len(summary["escalations"])
        self.numbered(
            f"{summary['kpis']} KPI{_s(summary['kpis'])} {'are' if summary['kpis'] != 1 else 'is'} reported "
            f"against the Council Plan's priorities, each counted once: {counts}. On the previous period, "
            f"{summary['improving']} improved, {summary['no_change']} did not change and {summary['worsening']} "
            f"worsened. {_open_escalations(escalations)}"
        )
        self.document.add_heading("RAG status by priority", level=2)
        rag_header = [f"{RAG_SYMBOLS.get(rag, '')} {label}".strip() for rag, label, _count in summary["rag"]]
        rows = [["The council", str(summary["kpis"]), *[str(count) for _r, _l, count in summary["rag"]]]]
        for priority in self.content["priorities"]:
            rows.append(
                [
                    f"{priority['code']} {priority['title']}",
                    str(len(priority["kpis"])),
                    *[str(count) for _r, _l, count in priority["summary"]],
                ]
            )
        self.table("KPIs by RAG status, for the council and each priority", ["Priority", "KPIs", *rag_header], rows)

        self.document.add_heading("Direction of travel", level=2)
        self.table(
            "KPIs by direction of travel on the previous period",
            ["Direction of travel on the previous period", "KPIs"],
            [
                [f"{DIRECTION_SYMBOLS['improving']} Improving", str(summary["improving"])],
                [f"{DIRECTION_SYMBOLS['no_change']} No change", str(summary["no_change"])],
                [f"{DIRECTION_SYMBOLS['worsening']} Worsening", str(summary["worsening"])],
            ],
        )

        self.document.add_heading("RAG changed since the previous period", level=2)
        if summary["changed"]:
            self.table(
                "KPIs whose RAG status changed since the previous period",
                ["KPI", "Was", "Now"],
                [
                    [
                        f"{c['code']} {c['title']}",
                        _rag_text(c["from"], c["from_label"]),
                        _rag_text(c["to"], c["to_label"]),
                    ]
                    for c in summary["changed"]
                ],
            )
        else:
            self.document.add_paragraph("No KPI's RAG status changed since the previous period.")

        self.document.add_heading("Open escalations", level=2)
        if summary["escalations"]:
            self.table(
                "Open escalations",
                ["KPI", "Owner", "Due", "Status"],
                [[f"{e['code']} {e['title']}", e["owner"], e["due"], e["status"]] for e in summary["escalations"]],
            )
        else:
            self.document.add_paragraph("No escalations are open.")

    def exceptions(self) -> None:
        self.heading("Exceptions")
        self.numbered(
            "Every Red KPI (the longest-running first) and every Council Plan measure that worsened on the "
            "previous period, with what the service says about it and the actions it is taking."
        )
        if not self.items:
            self.document.add_paragraph(
                "No exceptions this period: no KPI is Red and no Council Plan measure worsened."
            )
        for item in self.items:
            self.exception(item)

    def exception(self, item: dict) -> None:
        kpi = item["kpi"]
        self.document.add_heading(f"{item['code']} {kpi['title']}", level=2)
        self.labelled("Why it is an exception", "; ".join(item["reasons"]))
        if item["priorities"]:
            titles = {p["code"]: p["title"] for p in self.content["priorities"]}
            named = [f"{code} {titles.get(code, '')}".strip() for code in item["priorities"]]
            self.labelled(f"Council Plan priorit{'ies' if len(named) > 1 else 'y'}", "; ".join(named))
        if item["owner"]:
            self.labelled("Owner", item["owner"])
        value = kpi["value_text"] + (f" ({kpi['data_period_label']})" if kpi["data_period_label"] else "")
        if kpi["out_of_date_text"]:
            value += ". Out of date"
        escalation = item["escalation"]
        self.table(
            f"{item['code']}: figure, target, RAG status, direction and escalation",
            ["Value", "Target", "RAG status", "Since the previous period", "Escalation"],
            [
                [
                    value,
                    kpi["target_text"],
                    _rag_text(kpi["rag"], kpi["rag_label"]),
                    f"{DIRECTION_SYMBOLS.get(kpi['direction'], '')} "
                    f"{kpi['direction_text'] or kpi['direction_label']}".strip(),
                    f"{escalation['status']}: {escalation['owner']}, due {escalation['due']}"
                    if escalation
                    else "Not escalated",
                ]
            ],
            row_headers=False,
        )
        self.document.add_heading("Commentary", level=3)
        self.text_block(kpi["commentary"], "No commentary given.")
        self.document.add_heading("Actions", level=3)
        self.text_block(kpi["actions"], "No actions given.")
        if escalation:
            self.document.add_heading("Escalation", level=3)
            self.labelled("Status", f"{escalation['status']}, due {escalation['due']}")
            self.labelled("Owner", escalation["owner"])
            if escalation["reason"]:
                self.labelled("Why it was escalated", escalation["reason"])
            if escalation["actions"]:
                self.labelled("Actions agreed", escalation["actions"])

    def decisions(self) -> None:
        """What Cabinet is asked to decide follows from the exceptions: whether the escalated
        actions are enough, and whether a KPI Red two periods running and not escalated
        should be."""
        self.heading("Decisions sought")
        decisions = []
        for item in self.items:
            escalation = item["escalation"]
            name = f"{item['code']} {item['kpi']['title']}"
            if escalation:
                decisions.append(
                    f"whether the actions on {name} (escalated to {escalation['owner']}, due {escalation['due']}, "
                    f"{escalation['status'].lower()}) are enough, or what more Cabinet asks of the service;"
                )
            elif "Red two periods running" in item["reasons"]:
                decisions.append(f"whether {name}, Red two periods running and not escalated, should be escalated;")
        if not decisions:
            self.numbered(
                "No decision is sought on any one KPI this period: no exception is escalated or Red two "
                "periods running without an escalation. Cabinet is asked to note the report."
            )
            return
        self.document.add_paragraph("Cabinet is asked to decide:")
        for decision in decisions:
            self.numbered(decision)
        self.numbered("whether any other exception in section 4 needs further action.")

    def for_the_officer(self) -> None:
        for heading, what in IMPLICATIONS:
            self.heading(heading)
            self.to_complete(what)
        self.heading("Background papers")
        self.numbered(f"The {self.period} performance pack (PDF), published with this report.")
        self.numbered(
            "The report's frozen content, from which this report and the pack were made: "
            f"SHA-256 {digest(self.content)}."
        )
        self.to_complete("any other papers relied on in writing this report")
        self.heading("Contact officer")
        for label in ("Name", "Job title", "Email", "Telephone"):
            self.labelled(label, f"[{TO_COMPLETE}]")


def _rag_text(rag: str, label: str) -> str:
    """RAG in words with its shape, never colour alone (WCAG 1.4.1), as the PDF writes it."""
    return f"{RAG_SYMBOLS.get(rag, '')} {label}".strip()


def _open_escalations(count: int) -> str:
    if count == 0:
        return "No escalation is open."
    return f"{count} escalation{_s(count)} {'are' if count != 1 else 'is'} open."


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# --- Word's settings: page, styles, properties -----------------------------------------------


def _moment(content: dict) -> datetime.datetime:
    return datetime.datetime.fromisoformat(content["as_at"])


def _set_up(document, content: dict) -> None:
    """A4 portrait, Arial in near-black, British English, and properties that say what the
    document is and when its figures are from (not when it happened to be saved)."""
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = SIDE_MARGIN
    section.top_margin = section.bottom_margin = Mm(20)
    status = "DRAFT for CMT" if content["kind"] == "draft" else content["status_label"]
    section.header.paragraphs[0].text = f"{content['council']}: {committee_report_title(content)}. {status}"
    _page_number(section.footer.paragraphs[0])

    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    normal.font.color.rgb = TEXT_COLOUR
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
        style = styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = TEXT_COLOUR
        style.font.bold = True
        _theme_fonts_off(style.element)
    _theme_fonts_off(normal.element)
    _language(document)
    # The template's thumbnail is a picture of python-docx's own blank page, not this report.
    package_rels = document.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rel_id]

    moment = _moment(content).astimezone(datetime.UTC).replace(tzinfo=None)
    properties = document.core_properties
    properties.title = committee_report_title(content)
    properties.subject = f"{content['council']}: performance for {content['period']['label']}"
    properties.author = content["council"]
    properties.last_modified_by = content["council"]
    properties.comments = content["status_label"]
    properties.keywords = "performance; Cabinet; committee report"
    properties.language = LANGUAGE
    properties.revision = 1
    properties.created = moment
    properties.modified = moment


def _theme_fonts_off(style_element) -> None:
    """Drop the theme font references, which Word prefers to the named font."""
    fonts = style_element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
    if fonts is None:
        return
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), "Arial")


def _language(document) -> None:
    """British English for the spell checker and screen readers, on the document defaults."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    properties = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.append(language)
    language.set(qn("w:val"), LANGUAGE)


def _page_number(paragraph) -> None:
    """ "Page 3" in the footer: a PAGE field, its parts in runs of their own as Word writes
    them, with "1" as the result shown until Word lays the pages out."""
    paragraph.add_run("Page ")
    for part in ("begin", " PAGE ", "separate", "1", "end"):
        run = paragraph.add_run()
        if part == "1":
            run.text = part
        elif part == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = part
            run._r.append(instruction)
        else:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), part)
            run._r.append(field)


def _repeat_as_header(row) -> None:
    """Mark a table's first row as its header row: Word repeats it on each page and screen
    readers announce it with each cell."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _describe_table(table, caption: str) -> None:
    """The table's title and description (Word's alt text for tables)."""
    properties = table._tbl.tblPr
    for tag, text in (("w:tblCaption", caption), ("w:tblDescription", caption)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), text)
        properties.append(element)


# --- The same bytes each time ----------------------------------------------------------------


def fixed_zip(data: bytes, moment: datetime.datetime) -> bytes:
    """The .docx again with every entry stamped ``moment`` (the content's as_at, as the
    wall-clock time it was written with), in the same order and compression. python-docx
    stamps each entry with the time it saved, the only thing that would make two renderings
    of one content differ."""
    stamp = moment.replace(tzinfo=None).timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
