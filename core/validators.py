"""Rules on dates that several forms and services share, so each says the same thing."""

from __future__ import annotations

import datetime

from django.utils import timezone

DATE_IN_THE_PAST = "Enter a date that is today or later"


def today_or_later(day: datetime.date | None) -> str | None:
    """A date something is due by cannot already have gone: the message, or None. Today is
    the council's (``Europe/London``), not the server's."""
    if day is not None and day < timezone.localdate():
        return DATE_IN_THE_PAST
    return None
