"""Council Plans: the top of the golden thread.

A Council Plan has a vision (or aim) and a tree of strategic levels whose names the council
chooses (Walsall 2022-25: Priority → Outcome → Marker of Success). Plans, objectives and
KPIs hang off its nodes.
"""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

MIN_LEVELS = 3


class CouncilPlanQuerySet(models.QuerySet):
    def visible_to(self, user) -> CouncilPlanQuerySet:
        """Council Plans are published documents: every signed-in person may read them."""
        from accounts.policy import Capability, has_capability

        return self if has_capability(user, Capability.VIEW_COUNCIL_PLAN) else self.none()

    def current(self, today: datetime.date | None = None) -> CouncilPlan | None:
        today = today or timezone.localdate()
        return self.filter(start_date__lte=today, end_date__gte=today).order_by("-start_date").first()


class CouncilPlan(models.Model):
    """One Council Plan for a run of years, e.g. 2022-25 or 2025-29."""

    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    vision_label = models.CharField(
        max_length=40, default="Vision", help_text="What the council calls its headline: Vision, Aim, Mission."
    )
    vision = models.TextField()
    level_names = ArrayField(
        models.CharField(max_length=60),
        help_text="Names of the strategic levels from the top down, e.g. Priority, Outcome, Marker of Success.",
    )
    description = models.TextField(blank=True, help_text="Where the plan comes from; whether it is a demo.")
    is_demo = models.BooleanField(default=False)

    objects = CouncilPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="council_plan_dates_ordered"),
            models.UniqueConstraint(fields=["title"], name="unique_council_plan_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "The plan must end after it starts."})
        names = [name.strip() for name in (self.level_names or [])]
        if len(names) < MIN_LEVELS:
            raise ValidationError({"level_names": f"Give at least {MIN_LEVELS} level names, from the top down."})
        if any(not name for name in names) or len({n.lower() for n in names}) != len(names):
            raise ValidationError({"level_names": "Each level needs its own, different name."})

    @property
    def period_label(self) -> str:
        return f"{self.start_date.year}-{str(self.end_date.year)[-2:]}"

    def is_read_only(self, today: datetime.date | None = None) -> bool:
        """A plan whose period has ended is kept as a record and cannot be edited."""
        return self.end_date < (today or timezone.localdate())

    def level_name(self, depth: int) -> str:
        return self.level_names[depth] if depth < len(self.level_names) else f"Level {depth + 1}"


class PlanNodeQuerySet(models.QuerySet):
    def active(self) -> PlanNodeQuerySet:
        return self.filter(retired_at__isnull=True)

    def priorities(self) -> PlanNodeQuerySet:
        return self.filter(depth=0)


class PlanNode(models.Model):
    """A node in a Council Plan's tree: a priority, an outcome, a marker of success..."""

    plan = models.ForeignKey(CouncilPlan, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=400)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    retired_at = models.DateField(null=True, blank=True)

    objects = PlanNodeQuerySet.as_manager()

    class Meta:
        ordering = ["plan_id", "depth", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_plan_node_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        self.depth = self.parent.depth + 1 if self.parent_id else 0
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.parent_id:
            if self.parent.plan_id != self.plan_id:
                raise ValidationError({"parent": "The parent must belong to the same Council Plan."})
            if self.parent.retired_at:
                raise ValidationError({"parent": "The parent has been retired; choose a current one."})
        depth = self.parent.depth + 1 if self.parent_id else 0
        if self.plan_id and depth >= len(self.plan.level_names):
            raise ValidationError({"parent": f"This plan has only {len(self.plan.level_names)} levels."})

    @property
    def level_name(self) -> str:
        return self.plan.level_name(self.depth)
