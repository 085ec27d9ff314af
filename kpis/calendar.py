"""Financial quarters and working days (England and Wales bank holidays, offline)."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March."""
    start_month = {1: 4, 2: 7, 3: 10, 4: 1}[quarter]
    start_year = year + 1 if quarter == 4 else year
    start = datetime.date(start_year, start_month, 1)
    end_month = start_month + 2
    next_month = datetime.date(start_year + (end_month // 12), end_month % 12 + 1, 1)
    return start, next_month - datetime.timedelta(days=1)


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    england = holidays.country_holidays("GB", subdiv="ENG", years=[year])
    wales = holidays.country_holidays("GB", subdiv="WLS", years=[year])
    return frozenset(england) | frozenset(wales)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The working day ``count`` working days after ``day``."""
    current = day
    remaining = count
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    """The working day ``count`` working days before ``day``."""
    current = day
    remaining = count
    while remaining > 0:
        current -= datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def first_working_day_after(day: datetime.date) -> datetime.date:
    return add_working_days(day, 1)
