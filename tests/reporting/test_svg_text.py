"""SVG text in PDFs drawn as whole runs (reporting.svg_text, ADR 0013): what WeasyPrint's own
function would draw, in one text-showing operation instead of one per letter, and only over
the WeasyPrint it was written against."""

from __future__ import annotations

import base64
import io
import re
import zlib

import pytest
from pypdf import PdfReader

from reporting import svg_text
from reporting.pdf import write_pdf

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="60pt" viewBox="0 0 300 60">
  <text x="10" y="20" style="font-size: 10px; font-family: 'Liberation Sans', sans-serif">Data period</text>
  <text x="10" y="40" dx="0 2 2 2 2" style="font-size: 10px; font-family: 'Liberation Sans', sans-serif">Spaced</text>
</svg>"""


def pdf_of(svg: str) -> bytes:
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return write_pdf(f'<html lang="en-GB"><title>t</title><body><img src="{uri}" alt="Two labels"></body></html>')


def text_showings(data: bytes) -> int:
    """How many text-showing operators (Tj, TJ) the PDF's content streams hold."""
    raw = data.decode("latin-1")
    count = 0
    for match in re.finditer(r"stream\r?\n(.*?)\r?\nendstream", raw, flags=re.S):
        body = match.group(1).encode("latin-1")
        try:
            body = zlib.decompress(body)
        except zlib.error:
            continue
        count += len(re.findall(rb"\bT[jJ]\b", body))
    return count


def test_it_was_written_against_the_installed_weasyprint():
    """If this fails, WeasyPrint's SVG text drawing has changed: check whether it now shapes
    whole runs itself (then delete reporting/svg_text.py), else compare the new function with
    ours and update UPSTREAM_SHA256."""
    assert svg_text.upstream_sha256() == svg_text.UPSTREAM_SHA256
    assert svg_text.install()


def test_a_simple_label_is_one_run_and_a_spaced_one_stays_letter_by_letter():
    data = pdf_of(SVG)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Data period" in text
    assert "Spaced" in text.replace(" ", "")
    # "Data period" once, "Spaced" six times: WeasyPrint's own drawing for the dx list.
    assert text_showings(data) == 1 + len("Spaced")


class FakeNode(dict):
    """What ``is_simple`` reads of WeasyPrint's SVG node: tag, text, attributes."""

    def __init__(self, tag="text", text="Q1", **attrib):
        super().__init__(attrib)
        self.tag, self.text, self.attrib = tag, text, attrib


@pytest.mark.parametrize(
    ("node", "simple"),
    [
        (FakeNode(x="1", y="2"), True),
        (FakeNode(), True),
        (FakeNode(x="1 2 3"), False),
        (FakeNode(dx="1"), False),
        (FakeNode(rotate="10"), False),
        (FakeNode(**{"letter-spacing": "2"}), False),
        (FakeNode(textLength="40"), False),
        (FakeNode(direction="rtl"), False),
        (FakeNode(tag="tspan"), False),
        (FakeNode(text=""), False),
    ],
)
def test_only_text_at_one_position_with_no_per_letter_placing_is_simple(node, simple):
    assert svg_text.is_simple(node) is simple
