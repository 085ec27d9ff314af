"""The KPI data dictionary: each measure, its versions (how it is calculated), targets and
benchmarks."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.querysets import RestrictedQuerySet
from kpis.models.choices import (
    POLARITY_CHOICES,
    TOLERANCE_CHOICES,
    CumulativeBasis,
    DataPeriodType,
    Frequency,
    QuarterRule,
    Unit,
)
from kpis.results import Polarity, ToleranceType


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
    #: The risks in the register that threaten this KPI (kept from the risk's side: the link
    #: sits here only because the KPI app builds on planning, not the other way round).
    risks = models.ManyToManyField("planning.Risk", blank=True, related_name="kpis")
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
