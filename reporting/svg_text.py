"""WeasyPrint paints a simple SVG ``<text>`` as one run of text, not letter by letter.

WeasyPrint 70 lays out and draws every character of SVG text on its own, so that per-glyph
``x``, ``dx`` or ``rotate`` lists can place each one. A trend chart has two dozen labels and
none of those lists, and painting them a letter at a time was a third of a whole pack's time
(docs/adr/0013). Upstream has the same fix proposed for correctness, since shaping letters one
by one also breaks ligatures and combining accents (Kozea/WeasyPrint#2249).

``install`` puts ``text`` below in WeasyPrint's table of SVG tags. It draws the whole text as
one Pango run when the element has no per-glyph positioning or spacing, exactly as
WeasyPrint would place its first letter, and hands everything else to WeasyPrint's own
function. It installs only over the WeasyPrint function it was written against: after an
upgrade it does nothing, and ``tests/reporting/test_svg_text.py`` fails until someone has
checked whether it is still needed.

The body follows ``weasyprint.svg.text.text`` (BSD-3-Clause, Copyright (c) 2011-2026, Simon
Sapin and contributors) with the per-letter loop reduced to a single run.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import logging
from math import inf

logger = logging.getLogger(__name__)

#: SHA-256 of the source of the WeasyPrint function this replaces, as released in 70.0.
UPSTREAM_SHA256 = "67a30c3e181b4a8002350771928b86b26dfef05b2706d0b3c6b46943e41af61b"
#: Attributes that place or space glyphs one by one: text with any of them is WeasyPrint's to draw.
PER_GLYPH = ("dx", "dy", "rotate", "letter-spacing", "textLength")


def upstream():
    """WeasyPrint's own SVG text function (its module's name is shadowed by the function)."""
    return importlib.import_module("weasyprint.svg.text").text


def upstream_sha256() -> str:
    return hashlib.sha256(inspect.getsource(upstream()).encode()).hexdigest()


@functools.cache
def install() -> bool:
    """Use ``text`` for SVG text in every PDF this process renders; True if it is in use.
    Decided once a process: every render calls it."""
    if upstream_sha256() != UPSTREAM_SHA256:
        logger.warning("WeasyPrint's SVG text drawing has changed: drawing chart text letter by letter")
        return False
    import weasyprint.svg as svg_module

    for tag, drawer in list(svg_module.TAGS.items()):
        if drawer is svg_module.text:
            svg_module.TAGS[tag] = text
    svg_module.text = text  # WeasyPrint compares table entries with this name to spot text
    return True


def is_simple(node) -> bool:
    """A ``<text>`` at one position, with nothing that places its letters one by one (any
    ``<tspan>`` in it WeasyPrint draws after it, from where this leaves the cursor)."""
    if node.tag != "text" or not node.text or node.get("direction") == "rtl":
        return False
    if any(node.get(name) for name in PER_GLYPH):
        return False
    return all(len(node.attrib.get(axis, "0").split()) == 1 for axis in ("x", "y"))


def text(svg, node, font_size):
    """Draw a text node: simple ones as one run, the rest by WeasyPrint."""
    if not is_simple(node):
        upstream()(svg, node, font_size)
        return

    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(node.attrib["x"], font_size, svg.inner_width) if "x" in node.attrib else svg.cursor_position[0]
    y = size(node.attrib["y"], font_size, svg.inner_height) if "y" in node.attrib else svg.cursor_position[1]
    if "x" in node.attrib:
        svg.cursor_d_position[0] = 0
    if "y" in node.attrib:
        svg.cursor_d_position[1] = 0
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _baseline_shift(node, font_size, height)
    svg.cursor_position = x + width, y
    corners = ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height))
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, corners)

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    box = _TextBox(layout, style, baseline)
    emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(d=-1, e=x_position, f=y_position))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


class _TextBox:
    """What ``draw_first_line`` reads of a text box."""

    def __init__(self, pango_layout, style, baseline):
        self.pango_layout, self.style, self.baseline = pango_layout, style, baseline

    @property
    def text(self):
        return self.pango_layout.text


def _style(svg, node, font_size) -> dict:
    """The font WeasyPrint would choose for this node (its own function's first lines)."""
    from weasyprint.css.properties import INITIAL_VALUES

    style = importlib.import_module("weasyprint.svg.text").Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    weight = node.get("font-weight", 400)
    if weight == "normal":
        weight = 400
    elif weight == "bold":
        weight = 700
    else:
        try:
            weight = int(weight)
        except ValueError:
            weight = 400
    style["font_weight"] = weight
    return style


def _baseline_shift(node, font_size, height) -> float:
    """WeasyPrint's vertical alignment for ``display-anchor`` and ``dominant-baseline``."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    display_anchor = node.get("display-anchor")
    alignment = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return -height / 2
    if display_anchor == "top":
        return 0
    if display_anchor == "bottom":
        return -height
    if alignment in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if alignment in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if alignment in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0
