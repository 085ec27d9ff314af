"""Reading the report's files back as a reader would: the PDF's text (pypdf), and the Word
document's paragraphs and tables in the order Word shows them (python-docx)."""

from __future__ import annotations

import io

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_blocks(data: bytes) -> list[tuple[str, str]]:
    """(style, text) for each paragraph of the body, in order; a table is ("table", its rows
    as lines, cells joined by " | ")."""
    document = Document(io.BytesIO(data))
    blocks = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            blocks.append((block.style.name, block.text))
        elif isinstance(block, Table):
            lines = [" | ".join(cell.text for cell in row.cells) for row in block.rows]
            blocks.append(("table", "\n".join(lines)))
    return blocks


def docx_text(data: bytes) -> str:
    return "\n".join(text for _style, text in docx_blocks(data))
