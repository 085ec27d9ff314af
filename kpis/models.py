"""The KPI data dictionary, reporting periods, targets, returns and escalations."""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.querysets import RestrictedQuerySet
from kpis.calendar import add_working_days, first_working_day_after, quarter_bounds
from kpis.results import Polarity, ToleranceType

# --- Choices --------------------------------------------------------------------------------


class Unit(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage (0-100)"
    NUMBER = "number", "Number"
    RATE = "rate", "Rate per N"
    CURRENCY = "currency", "Currency (£)"
    DAYS = "days", "Days"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class DataPeriodType(models.TextChoices):
    FINANCIAL_YEAR = "financial_year", "Financial year"
    ACADEMIC_YEAR = "academic_year", "Academic year"
    CALENDAR_YEAR = "calendar_year", "Calendar year"
    QUARTER = "quarter", "Quarter"
    MONTH = "month", "Month"
    ROLLING_12 = "rolling_12", "Rolling 12 months"
    AS_AT = "as_at", "As at a date"


class CumulativeBasis(models.TextChoices):
    NONE = "none", "Not cumulative"
    FINANCIAL_YTD = "financial_ytd", "Financial year to date (resets each April)"
    SINCE_DATE = "since_date", "Since a start date"


class QuarterRule(models.TextChoices):
    LAST_MONTH = "last_month", "The quarter's last month"
    SUM = "sum", "Sum of the three months"
    RATIO_OF_SUMS = "ratio_of_sums", "Sum of numerators over sum of denominators"


POLARITY_CHOICES = [
    (Polarity.HIGHER_IS_BETTER.value, "Higher is better"),
    (Polarity.LOWER_IS_BETTER.value, "Lower is better"),
    (Polarity.NONE.value, "None (data only)"),
]
TOLERANCE_CHOICES = [
    (ToleranceType.NONE.value, "No tolerance (Green or Red only)"),
    (ToleranceType.ABSOLUTE.value, "Absolute, in the KPI's unit"),
    (ToleranceType.RELATIVE.value, "Relative, percent of the target"),
]


# --- Reporting periods ------------------------------------------------------------------------


class PeriodState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open for returns"
    CLOSED = "closed", "Closed"
    DRAFT_REPORT = "draft_report", "Draft report"
    PUBLISHED = "published", "Published"


class ReportingPeriodQuerySet(models.QuerySet):
    def current_open(self):
        return self.filter(state=PeriodState.OPEN).order_by("-year", "-quarter").first()

    def current_or_latest(self):
        """The open period, or else the latest one: where an escalation is recorded."""
        return self.current_open() or self.order_by("-year", "-quarter").first()


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

    def previous(self) -> tuple[int, int]:
        return (self.year, self.quarter - 1) if self.quarter > 1 else (self.year - 1, 4)


# --- The data dictionary -----------------------------------------------------------------------


class KpiQuerySet(RestrictedQuerySet):
    scope_path = "owning_service__path"

    def owned_by(self, user) -> KpiQuerySet:
        return self.filter(Q(owner=user) | Q(deputy=user))


class Kpi(models.Model):
    """One measure in the data dictionary. What it means lives here; how it is calculated
    (which can change) lives in its versions."""

    code = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=300)
    definition = models.TextField()
    why_it_matters = models.TextField(blank=True)
    source_system = models.CharField(max_length=200, blank=True)
    owning_service = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="kpis")
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="owned_kpis")
    deputy = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="deputised_kpis"
    )
    portfolio = models.CharField(max_length=200, blank=True, help_text="The Cabinet portfolio it reports to.")
    benchmark_source = models.CharField(max_length=300, blank=True)
    is_statutory = models.BooleanField(default=False)
    is_council_plan_measure = models.BooleanField(default=False)
    council_plan_nodes = models.ManyToManyField("planning.PlanNode", blank=True, related_name="kpis")
    objectives = models.ManyToManyField("planning.Objective", blank=True, related_name="kpis")
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.QUARTERLY)
    data_period_type = models.CharField(max_length=20, choices=DataPeriodType.choices, default=DataPeriodType.QUARTER)
    annual_reporting_quarter = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="For annual KPIs: the quarter whose report carries the new figure.",
    )
    decimal_places = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(4)])
    tolerance_type = models.CharField(max_length=10, choices=TOLERANCE_CHOICES, default=ToleranceType.NONE.value)
    tolerance_amount = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    allows_over_100 = models.BooleanField(default=False, help_text="A percentage that can exceed 100.")
    end_of_plan_target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    end_of_plan_target_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = KpiQuerySet.as_manager()

    #: What a performance admin sets on a KPI (forms, services and imports share this list);
    #: the code is fixed once made, and the definition lives in versions.
    EDITABLE_FIELDS = (
        "title",
        "definition",
        "why_it_matters",
        "owning_service",
        "owner",
        "deputy",
        "portfolio",
        "source_system",
        "benchmark_source",
        "frequency",
        "data_period_type",
        "annual_reporting_quarter",
        "decimal_places",
        "tolerance_type",
        "tolerance_amount",
        "allows_over_100",
        "is_statutory",
        "is_council_plan_measure",
        "end_of_plan_target",
        "end_of_plan_target_date",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "KPI"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        if self.tolerance_type != ToleranceType.NONE.value and self.tolerance_amount is None:
            raise ValidationError({"tolerance_amount": "Give the tolerance, or choose no tolerance."})
        if self.tolerance_amount is not None and self.tolerance_amount < 0:
            raise ValidationError({"tolerance_amount": "A tolerance cannot be negative."})

    @property
    def is_monthly(self) -> bool:
        """Entered a month at a time; each quarterly return holds its three months."""
        return self.frequency == Frequency.MONTHLY

    def version_for(self, day: datetime.date) -> KpiVersion | None:
        """The definition in force on a day (the latest version effective on or before it)."""
        versions = sorted(self.versions.all(), key=lambda v: v.effective_from, reverse=True)
        return next((v for v in versions if v.effective_from <= day), versions[-1] if versions else None)


class KpiVersion(models.Model):
    """How a KPI is calculated from a given period. Changing the method, polarity, unit or
    cumulative basis makes a new version; the old one is kept, and values either side of
    the change are "not comparable"."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField(help_text="The first day of the first period it applies to.")
    calculation_method = models.TextField()
    is_ratio = models.BooleanField(default=False, help_text="Entered as a numerator and a denominator.")
    numerator_label = models.CharField(max_length=200, blank=True)
    denominator_label = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.NUMBER)
    rate_per = models.PositiveIntegerField(null=True, blank=True, help_text="For a rate: per how many (e.g. 10,000).")
    polarity = models.CharField(max_length=8, choices=POLARITY_CHOICES, default=Polarity.HIGHER_IS_BETTER.value)
    cumulative_basis = models.CharField(max_length=16, choices=CumulativeBasis.choices, default=CumulativeBasis.NONE)
    cumulative_since = models.DateField(null=True, blank=True)
    quarter_rule = models.CharField(max_length=16, choices=QuarterRule.choices, default=QuarterRule.LAST_MONTH)
    change_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kpi_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "number"], name="kpi_version_number_unique"),
            models.UniqueConstraint(fields=["kpi", "effective_from"], name="kpi_version_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} v{self.number} from {self.effective_from:%d %b %Y}"

    #: What a version of the definition holds; a new version must change at least one of them.
    #: Forms, services and the API share this list.
    DEFINITION_FIELDS = (
        "calculation_method",
        "is_ratio",
        "numerator_label",
        "denominator_label",
        "unit",
        "rate_per",
        "polarity",
        "cumulative_basis",
        "cumulative_since",
        "quarter_rule",
    )

    def clean(self) -> None:
        if self.unit == Unit.RATE and not self.rate_per:
            raise ValidationError({"rate_per": "Say per how many the rate is (for example 10,000)."})
        if self.cumulative_basis == CumulativeBasis.SINCE_DATE and not self.cumulative_since:
            raise ValidationError({"cumulative_since": "Give the date the count runs from."})
        if self.is_ratio and not (self.numerator_label and self.denominator_label):
            raise ValidationError({"numerator_label": "Name the numerator and the denominator of the ratio."})
        if self.quarter_rule == QuarterRule.RATIO_OF_SUMS and not self.is_ratio:
            raise ValidationError(
                {"quarter_rule": "Only a ratio (numerator and denominator) can add up its numerators and denominators."}
            )
        if self.quarter_rule == QuarterRule.SUM and (self.is_ratio or self.is_cumulative):
            raise ValidationError(
                {
                    "quarter_rule": "A ratio or a cumulative figure cannot be summed over months: "
                    "use the quarter's last month"
                    + (", or the sum of numerators over the sum of denominators." if self.is_ratio else ".")
                }
            )

    @property
    def is_cumulative(self) -> bool:
        return self.cumulative_basis != CumulativeBasis.NONE


class Target(models.Model):
    """A KPI's target for the period ending on ``for_date``. Cumulative KPIs have
    year-to-date targets for each quarter; the end-of-plan target lives on the KPI."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets")
    for_date = models.DateField(help_text="The last day of the period the target is for.")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    is_year_to_date = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True, help_text="Where the target comes from.")

    class Meta:
        ordering = ["kpi_id", "for_date"]
        constraints = [models.UniqueConstraint(fields=["kpi", "for_date"], name="one_target_per_kpi_per_date")]

    def __str__(self) -> str:
        return f"{self.kpi.code} target {self.value} for {self.for_date:%d %b %Y}"


class Benchmark(models.Model):
    """A comparator value (England, region, statistical neighbours) for a data period."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="benchmarks")
    data_period_label = models.CharField(max_length=60)
    period_end = models.DateField()
    comparator = models.CharField(max_length=120, help_text="For example England, West Midlands, neighbours' average.")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kpi_id", "-period_end", "comparator"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period_end", "comparator"], name="one_benchmark_per_comparator")
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.comparator} {self.data_period_label}"


# --- Returns -------------------------------------------------------------------------------------


class ReturnState(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    NOT_AVAILABLE = "not_available", "Not available"


class KpiReturnQuerySet(RestrictedQuerySet):
    """Returns are held by their KPI's owning service."""

    scope_path = "kpi__owning_service__path"

    def reached_without_role(self, user, capability) -> Q | None:
        """A KPI's owner and deputy see and enter its returns whatever their roles; anyone
        may read a published figure. Nothing else of a return reaches a person outside the
        scope of their roles: not an approved figure in a period still being reported."""
        from accounts.policy import Capability

        owned = Q(kpi__owner=user) | Q(kpi__deputy=user)
        if capability == Capability.VIEW_RETURNS:
            return owned | self.published_q()
        if capability == Capability.ENTER_RETURNS:
            return owned
        return None

    @staticmethod
    def published_q() -> Q:
        """Approved figures the council has published: in a published period, or history
        loaded from reports published before this service (a historic period once closed)."""
        return Q(state=ReturnState.APPROVED) & (
            Q(period__state=PeriodState.PUBLISHED)
            | Q(period__historic=True, period__state__in=[PeriodState.CLOSED, PeriodState.DRAFT_REPORT])
        )

    def published(self) -> KpiReturnQuerySet:
        return self.filter(self.published_q())

    def owned_by(self, user) -> KpiReturnQuerySet:
        return self.filter(Q(kpi__owner=user) | Q(kpi__deputy=user))


class KpiReturn(models.Model):
    """One KPI's figure for one reporting period (labelled with its own data period), with
    commentary, actions and a data quality note, moving through the return workflow
    (``kpis.workflow``). ``revision`` goes up on every save, so two people editing the same
    return cannot silently overwrite each other."""

    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="returns")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="returns")
    version = models.ForeignKey(KpiVersion, on_delete=models.PROTECT, related_name="returns")
    data_period_label = models.CharField(max_length=60)
    data_period_start = models.DateField()
    data_period_end = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    commentary = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    data_quality_note = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=ReturnState.choices, default=ReturnState.NOT_STARTED)
    not_available_reason = models.TextField(blank=True)
    expected_date = models.DateField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    late_allowed = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = KpiReturnQuerySet.as_manager()

    class Meta:
        ordering = ["period_id", "kpi__code"]
        verbose_name = "return"
        constraints = [models.UniqueConstraint(fields=["kpi", "period"], name="one_return_per_kpi_per_period")]
        indexes = [models.Index(fields=["period", "state"], name="return_period_state_idx")]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.period.label}"

    @property
    def no_eligible_cases(self) -> bool:
        return self.version.is_ratio and self.denominator == 0


class MonthlyFigure(models.Model):
    """One month of a monthly KPI's quarterly return. The return's own value is the quarter's
    figure, made from its months by the version's quarter rule (``kpis.monthly``)."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="months")
    month = models.DateField(help_text="The first day of the month.")
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["kpi_return_id", "month"]
        constraints = [models.UniqueConstraint(fields=["kpi_return", "month"], name="one_figure_per_month")]

    def __str__(self) -> str:
        return f"{self.kpi_return} {self.month:%b %Y}"


class Breakdown(models.Model):
    """A way a KPI's figure is split into categories, such as by ward or by a protected
    characteristic (for the Equality Act duty). Returns hold a value per category."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="breakdowns")
    name = models.CharField(max_length=100, help_text="For example Ward, or Ethnic group.")
    categories = ArrayField(models.CharField(max_length=120), help_text="The categories, in the order shown.")

    class Meta:
        ordering = ["kpi_id", "name"]
        constraints = [models.UniqueConstraint(fields=["kpi", "name"], name="one_breakdown_name_per_kpi")]

    def __str__(self) -> str:
        return f"{self.kpi.code} by {self.name.lower()}"


class BreakdownValue(models.Model):
    """One category's value in a return. Published, a count below 5 shows as "fewer than 5"."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="breakdown_values")
    breakdown = models.ForeignKey(Breakdown, on_delete=models.PROTECT, related_name="values")
    category = models.CharField(max_length=120)
    value = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["kpi_return_id", "breakdown_id", "category"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_return", "breakdown", "category"], name="one_value_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.kpi_return} {self.breakdown.name}: {self.category}"


class ReturnRevision(models.Model):
    """A figure changed after its report was published (performance admins only, with a
    reason). The published report keeps the old figure; the next report shows both."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.PROTECT, related_name="revisions")
    old_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    new_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    reason = models.TextField()
    revised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    revised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["revised_at"]

    def __str__(self) -> str:
        return f"{self.kpi_return} revised {self.revised_at:%d %b %Y}"


# --- Escalations -------------------------------------------------------------------------------


class EscalationQuerySet(RestrictedQuerySet):
    scope_path = "kpi__owning_service__path"

    def open(self) -> EscalationQuerySet:
        return self.filter(closed_at__isnull=True)


class Escalation(models.Model):
    """A KPI escalated to CMT by a directorate lead: the concern, the actions, who owns them
    and by when. It stays open until closed with a resolution."""

    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="escalations")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="escalations")
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    actions = models.TextField()
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="owned_escalations")
    due_date = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["closed_at", "-raised_at"]

    def __str__(self) -> str:
        return f"Escalation of {self.kpi.code} ({self.period.label})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class EscalationUpdate(models.Model):
    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="updates")
    note = models.TextField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Update on {self.escalation}"


class RedRunDecision(models.Model):
    """A KPI Red two periods running must be escalated, or the lead records why not."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="red_run_decisions")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kpi", "period"], name="one_red_run_decision")]

    def __str__(self) -> str:
        return f"Not escalating {self.kpi.code} in {self.period.label}"
