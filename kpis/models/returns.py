"""Returns: one KPI's figure for one reporting period, its months and breakdown cells, and
revisions after publication."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.querysets import RestrictedQuerySet
from kpis.models.dictionary import (
    Kpi,
    KpiVersion,
)
from kpis.models.periods import (
    ReportingPeriod,
)


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
        """A KPI's owner and deputy see and enter its returns whatever their roles."""
        from accounts.policy import Capability

        if capability in (Capability.VIEW_RETURNS, Capability.ENTER_RETURNS):
            return Q(kpi__owner=user) | Q(kpi__deputy=user)
        return None

    def restrict(self, user, capability) -> KpiReturnQuerySet:
        """As every queryset, and for reading (``view_returns``) published figures too: anyone
        signed in may read those. Nothing else of a return reaches a person outside the scope
        of their roles: not an approved figure in a period still being reported."""
        from accounts.policy import Capability

        live = self.live_to(user, capability)
        if capability != Capability.VIEW_RETURNS or not getattr(user, "is_authenticated", False):
            return live
        return live | self.published()

    def live_to(self, user, capability=None) -> KpiReturnQuerySet:
        """The returns this person reads live, not only as published figures: within the scope
        of their roles, or of a KPI they own or deputise."""
        from accounts.policy import Capability

        return super().restrict(user, capability or Capability.VIEW_RETURNS)

    @staticmethod
    def published_q() -> Q:
        """Approved figures the council has published (``ReportingPeriod.figures_published``)."""
        return Q(state=ReturnState.APPROVED) & ReportingPeriod.figures_published_q("period__")

    def published(self) -> KpiReturnQuerySet:
        return self.filter(self.published_q())

    def owned_by(self, user) -> KpiReturnQuerySet:
        return self.filter(Q(kpi__owner=user) | Q(kpi__deputy=user))


class KpiReturn(models.Model):
    """One KPI's figure for one reporting period (labelled with its own data period), with
    commentary, actions, a data quality note and attestation, moving through the return workflow
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
    #: The service lead's attestation against the six dimensions of the data quality policy
    #: (``kpis.data_quality``): ``{dimension: {"met": bool, "why": str}}``; empty: not attested.
    data_quality = models.JSONField(default=dict, blank=True)
    #: The directorate lead's own data quality check, recorded when approving.
    review_quality_checked = models.BooleanField(default=False)
    review_quality_note = models.TextField(blank=True)
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
        indexes = [
            models.Index(fields=["period", "state"], name="return_period_state_idx"),
            # The API's list, newest first: read from the index, not a sort of every return.
            models.Index(fields=["-data_period_end"], name="return_period_end_idx"),
        ]

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
    holds_counts = models.BooleanField(
        default=False,
        help_text="Each category holds a count of people (such as checks received in the ward), not the KPI's "
        "own measure. Counts are suppressed below 5 wherever they are published (ADR 0022).",
    )

    class Meta:
        ordering = ["kpi_id", "name"]
        constraints = [models.UniqueConstraint(fields=["kpi", "name"], name="one_breakdown_name_per_kpi")]

    def __str__(self) -> str:
        return f"{self.kpi.code} by {self.name.lower()}"

    def counts_people(self, unit: str, values) -> bool:
        """Are this breakdown's values counts of people, to be suppressed when published? Those
        it says are, and a count KPI's cells that are whole numbers (ADR 0022)."""
        from core.suppression import is_count
        from kpis.models.choices import Unit

        return self.holds_counts or (unit == Unit.NUMBER and is_count(values))


class BreakdownValue(models.Model):
    """One category's value in a return. Published, counts are suppressed below 5, with the
    secondary suppression that keeps a total from giving one back (``kpis.breakdowns``)."""

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
