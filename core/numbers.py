"""Number rules every app shares: rounding as people expect, how a figure is written, and
small-number suppression."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Counts about identifiable people below this are shown as "fewer than 5".
SMALL_NUMBER = 5


def round_half_up(value, places: int) -> Decimal:
    """Round as people do (2.5 → 3, −2.5 → −3), not as banks do."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def figure_text(value, decimal_places: int, prefix: str = "", suffix: str = "") -> str:
    """A figure as people read it, the one way every page, chart, export and PDF writes one:
    rounded half-up to the KPI's places, thousands separated, the sign before the unit
    ("-£1,200", "72.5%"). A value that rounds to nothing has no sign ("0.0", never "-0.0")."""
    rounded = round_half_up(value, decimal_places)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{prefix}{abs(rounded):,.{decimal_places}f}{suffix}"


def exact_text(value: Decimal | None) -> str | None:
    """A figure exactly, in plain notation without trailing zeros ("82.5", "1200"), as a
    report's content stores it, so reading it back gives the same number."""
    return None if value is None else f"{Decimal(value).normalize():f}"


def exact_decimal(text: str | None) -> Decimal | None:
    """The figure ``exact_text`` wrote."""
    return None if text is None else Decimal(text)


def small_count_label(count: int) -> str:
    """A count about people, with anything below 5 shown as "fewer than 5"."""
    return "fewer than 5" if count < SMALL_NUMBER else str(count)


def record_id(text: str | None) -> int | None:
    """A record's id from an address or a form (``?period=12``), or None when the text is not
    one: digits of any script that Python reads as a number (``"²"`` is not), short enough for
    the database's integer column, so no filter value can make a query fail."""
    if not text or not text.isdecimal() or len(text) > 9:
        return None
    return int(text)
