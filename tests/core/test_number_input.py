"""Worked examples of the one rule that reads a typed or imported number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.number_input import NumberError, excel_number, read_number
from kpis.validation import places_problem


@pytest.mark.parametrize(
    ("text", "number"),
    [("82.5", "82.5"), (" -3 ", "-3"), (".5", "0.5"), ("1,234", "1234"), ("1,234,567.25", "1234567.25"), ("-0", "0")],
)
def test_numbers_it_reads(text, number):
    assert read_number(text) == Decimal(number)


@pytest.mark.parametrize("text", ["12,5", "1,23", "1e3", "NaN", "-inf", "١٢", "=1+1", "1 234", "5%", "\x00", "1" * 15])
def test_numbers_it_refuses(text):
    with pytest.raises(NumberError):
        read_number(text)


def test_nothing_is_rounded_on_the_way_in():
    value = read_number("1.0000000000000000000000000000001")
    assert places_problem(value, 4) == "Give the value to at most 4 decimal places"
    assert places_problem(read_number("12.50"), 1) is None


@pytest.mark.parametrize(
    ("value", "percent", "text"),
    [
        (0.852, True, "85.2"),
        (0.852, False, "0.852"),
        (85, False, "85"),
        (0.1 + 0.2, False, "0.3"),
        (1e-05, False, "0.00001"),
    ],
)
def test_an_excel_number_reads_as_excel_shows_it(value, percent, text):
    assert excel_number(value, percent=percent) == text


def test_a_huge_excel_number_is_refused_as_too_large_not_unreadable():
    with pytest.raises(NumberError, match="too large"):
        read_number(excel_number(1e300))
