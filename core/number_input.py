"""How a typed or imported number is read: one rule for every form and every import.

A figure reaches the app as text, from a form field or a CSV/Excel cell. Reading it two ways
is how "12,5" once became 125 in an import while the form refused it. So both go through
``read_number``:

- digits 0 to 9 only, an optional sign, and a full stop for decimals ("82.5", "-3", ".5");
- a comma only as a thousands separator in groups of three ("1,234" or "1,234,567.5"); any
  other comma is taken for a decimal comma and refused ("12,5": use a full stop);
- no exponent ("1e3"), no NaN or infinity, no formula ("=A1*2"), no other scripts' digits;
- at most ``MAX_WHOLE_DIGITS`` digits before the decimal point, which is what the database
  holds (18 digits, 4 of them decimals).

How many decimals a figure may have is the KPI's rule (``kpis.validation.check_value``), not
this one, so the message names the KPI's places rather than the column's four.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal

from django import forms
from django.core.exceptions import ValidationError

#: The database stores every figure as DECIMAL(18, 4).
MAX_DIGITS = 18
MAX_DECIMAL_PLACES = 4
MAX_WHOLE_DIGITS = MAX_DIGITS - MAX_DECIMAL_PLACES

_PLAIN = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[+-]?\.[0-9]+", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+", re.ASCII)
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+", re.ASCII)
_NOT_FINITE = {"nan", "snan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity", "+nan", "-nan"}
#: Excel keeps 15 significant digits; a float read from a cell is rounded to them, as Excel shows it.
_EXCEL = Context(prec=15)


class NumberError(ValueError):
    """Text that is not a number by the house rule; the message says what to type instead."""


def _shown(text: str) -> str:
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable if len(printable) <= 40 else printable[:37] + "…"


def read_number(text: str) -> Decimal | None:
    """The number in ``text``, None for an empty cell, or NumberError saying what is wrong."""
    stripped = str(text).strip()
    if not stripped:
        return None
    shown = _shown(stripped)
    if stripped.lower() in _NOT_FINITE:
        raise NumberError(f"“{shown}” is not a number: enter a figure, or leave it empty")
    if stripped.startswith("="):
        raise NumberError(f"“{shown}” is a formula: enter the figure itself")
    if _PLAIN.fullmatch(stripped) is None:
        if _DECIMAL_COMMA.fullmatch(stripped):
            raise NumberError(
                f"“{shown}” has a decimal comma: use a full stop for decimals, like {stripped.replace(',', '.')}"
            )
        if _EXPONENT.fullmatch(stripped):
            raise NumberError(f"“{shown}” is in exponent notation: write the number in full, like 1000 not 1e3")
        raise NumberError(f"Enter a number, like 82.5: use the digits 0 to 9 and a full stop (not “{shown}”)")
    value = Decimal(stripped.replace(",", ""))  # exact: no context, so nothing is rounded
    if value.is_zero():
        return value.copy_abs()  # -0 is 0
    if value.adjusted() >= MAX_WHOLE_DIGITS:
        raise NumberError(f"“{shown}” is too large: at most {MAX_WHOLE_DIGITS} digits before the decimal point")
    return value


def excel_number(value: float | int, *, percent: bool = False) -> str:
    """The text of a numeric Excel cell as Excel shows it: an int as it is, a float to Excel's
    15 significant digits, and a cell formatted as a percentage as the percentage it shows
    (0.852 shown as 85.2% is read as 85.2), exactly, in plain notation."""
    number = Decimal(value) if isinstance(value, int) else _EXCEL.create_decimal(repr(value))
    if percent:
        number = number.scaleb(2)
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class NumberField(forms.DecimalField):
    """A figure typed into a form, read by ``read_number``. It does not count decimals: the KPI's
    own rule does (``kpis.validation.check_value``), so the message matches the KPI's hint."""

    widget = forms.TextInput  # a browser's number input refuses "1,234" and rounds to its step

    def __init__(self, *args, **kwargs):
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        super().__init__(*args, max_digits=None, decimal_places=None, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return read_number(str(value))
        except NumberError as error:
            raise ValidationError(str(error), code="invalid") from None

    def validate(self, value):
        forms.Field.validate(self, value)

    def widget_attrs(self, widget):
        return {**forms.Field.widget_attrs(self, widget), "inputmode": "decimal", "spellcheck": "false"}


__all__ = ["MAX_DECIMAL_PLACES", "NumberError", "NumberField", "excel_number", "read_number"]
