"""Escalations to CMT, their updates, and decisions not to escalate a KPI Red twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.querysets import RestrictedQuerySet
from kpis.models.dictionary import (
    Kpi,
)
from kpis.models.periods import (
    ReportingPeriod,
)


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


class EscalationUpdateKind(models.TextChoices):
    UPDATE = "update", "Update"
    DECISION = "decision", "CMT decision"
    REQUEST = "request", "CMT asked for an update"


class EscalationUpdate(models.Model):
    """One entry in an escalation's story: an update from the service or its lead, CMT's
    decision, or CMT asking for an update."""

    kind = models.CharField(max_length=10, choices=EscalationUpdateKind.choices, default=EscalationUpdateKind.UPDATE)
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
