"""Reporting periods: one financial quarter's cycle, its dates the single source of truth."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from kpis.calendar import add_working_days, first_working_day_after, quarter_bounds


class PeriodState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open for returns"
    CLOSED = "closed", "Closed"
    DRAFT_REPORT = "draft_report", "Draft report"
    PUBLISHED = "published", "Published"


#: The states in which a historic period's figures are shown as published (once closed).
HISTORY_SHOWN = (PeriodState.CLOSED, PeriodState.DRAFT_REPORT)


class ReportingPeriodQuerySet(models.QuerySet):
    def current_open(self):
        return self.filter(state=PeriodState.OPEN).order_by("-year", "-quarter").first()

    def opened(self):
        """Periods that have opened (or hold history): the ones a page offers to read. A
        scheduled period has no figures yet; offering it shows an empty dashboard."""
        return self.exclude(state=PeriodState.SCHEDULED)

    def current_or_latest(self):
        """The open period, or else the latest one that has opened: where an escalation is
        recorded, and what a dashboard shows first."""
        return self.current_open() or self.opened().order_by("-year", "-quarter").first()


class ReportingPeriod(models.Model):
    """One financial quarter's reporting cycle. Its dates are the single source of truth: set
    by default from working days and editable by a performance admin."""

    year = models.PositiveSmallIntegerField(help_text="The financial year starting in April of this year.")
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    state = models.CharField(max_length=16, choices=PeriodState.choices, default=PeriodState.SCHEDULED)
    opens_on = models.DateField()
    return_deadline = models.DateField()
    review_deadline = models.DateField()
    publish_on = models.DateField(null=True, blank=True)
    historic = models.BooleanField(
        default=False, help_text="Made to hold history reported before this service; the cycle leaves it alone."
    )

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="one_period_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_one_to_four"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.year}/{str(self.year + 1)[-2:]} Q{self.quarter}"

    @property
    def start(self) -> datetime.date:
        return quarter_bounds(self.year, self.quarter)[0]

    @property
    def end(self) -> datetime.date:
        return quarter_bounds(self.year, self.quarter)[1]

    @classmethod
    def default_dates(cls, year: int, quarter: int) -> dict:
        """Open on the first working day after the quarter ends; returns due 15 working days
        later; review due 5 working days after that."""
        end = quarter_bounds(year, quarter)[1]
        opens = first_working_day_after(end)
        returns_due = add_working_days(opens, 15)
        return {"opens_on": opens, "return_deadline": returns_due, "review_deadline": add_working_days(returns_due, 5)}

    def clean(self) -> None:
        if self.opens_on and self.return_deadline and self.return_deadline < self.opens_on:
            raise ValidationError({"return_deadline": "The return deadline must be on or after the opening date."})
        if self.return_deadline and self.review_deadline and self.review_deadline < self.return_deadline:
            raise ValidationError({"review_deadline": "The review deadline must be on or after the return deadline."})

    @property
    def figures_published(self) -> bool:
        """Do this period's approved figures count as published: its report is published, or
        it holds history loaded from reports published before this service (a historic period
        once closed)? Everyone reads such figures, and they change only by a revision."""
        return self.state == PeriodState.PUBLISHED or (self.historic and self.state in HISTORY_SHOWN)

    @staticmethod
    def figures_published_q(prefix: str = "") -> Q:
        """``figures_published`` as a filter, for periods reached through ``prefix``."""
        return Q(**{f"{prefix}state": PeriodState.PUBLISHED}) | Q(
            **{f"{prefix}historic": True, f"{prefix}state__in": HISTORY_SHOWN}
        )

    def previous(self) -> tuple[int, int]:
        return (self.year, self.quarter - 1) if self.quarter > 1 else (self.year - 1, 4)
