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

from accounts.querysets import RestrictedQuerySet
from planning.risk_scores import IMPACT_CHOICES, LIKELIHOOD_CHOICES, band, score_text

MIN_LEVELS = 3
#: Deeper than this, a tree stops being a plan people can read on a page.
MAX_LEVELS = 6


class CouncilPlanQuerySet(RestrictedQuerySet):
    """Council Plans belong to the whole council (no unit scope)."""

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
        if len(names) > MAX_LEVELS:
            raise ValidationError({"level_names": f"A Council Plan has at most {MAX_LEVELS} levels."})
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


# --- Directorate, service and team plans ---------------------------------------------------


def financial_year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """The financial year that starts in April of ``year``: 1 April to 31 March."""
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


def financial_year_label(year: int) -> str:
    return f"{year}/{str(year + 1)[-2:]}"


def financial_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


class UnitPlanQuerySet(RestrictedQuerySet):
    """Plans are held by their unit: read by every member of staff (``view_plans``), kept by
    the roles over the unit and by the unit's own head (``edit_plans``)."""

    scope_path = "unit__path"


class UnitPlan(models.Model):
    """A directorate plan ("plan on a page"), service plan or team plan for one financial year.

    No set template: a title, a summary, objectives, the KPIs that measure them and key risks.
    """

    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField(help_text="The financial year starting in April of this year.")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)

    objects = UnitPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit__path"]
        verbose_name = "plan"
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_plan_per_unit_per_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return {"directorate": "Directorate plan", "service": "Service plan", "team": "Team plan"}.get(
            self.unit.kind, "Plan"
        )

    @property
    def year_label(self) -> str:
        return financial_year_label(self.year)

    @property
    def start_date(self) -> datetime.date:
        return financial_year_bounds(self.year)[0]

    @property
    def end_date(self) -> datetime.date:
        return financial_year_bounds(self.year)[1]


class ObjectiveStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    COMPLETE = "complete", "Complete"


class ObjectiveQuerySet(RestrictedQuerySet):
    scope_path = "plan__unit__path"

    def overdue(self, today: datetime.date | None = None) -> ObjectiveQuerySet:
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today).exclude(status=ObjectiveStatus.COMPLETE)

    def unlinked(self) -> ObjectiveQuerySet:
        return self.filter(council_plan_node__isnull=True, parent_objective__isnull=True)


class Objective(models.Model):
    """A SMART objective in a plan, with one upward link: to a Council Plan node, or to an
    objective of a unit above. It may also contribute to objectives of other directorates."""

    plan = models.ForeignKey(UnitPlan, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="owned_objectives")
    start_date = models.DateField()
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=ObjectiveStatus.choices, default=ObjectiveStatus.NOT_STARTED)
    council_plan_node = models.ForeignKey(
        PlanNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objectives",
        verbose_name="Council Plan link",
    )
    parent_objective = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="child_objectives",
        verbose_name="objective above",
    )
    contributes_to = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="contributors", verbose_name="contributes to"
    )
    order = models.PositiveIntegerField(default=0)

    objects = ObjectiveQuerySet.as_manager()

    #: What a person may set on an objective (forms, services and the API share this list).
    EDITABLE_FIELDS = (
        "title",
        "description",
        "owner",
        "start_date",
        "due_date",
        "status",
        "council_plan_node",
        "parent_objective",
    )

    class Meta:
        ordering = ["plan_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(council_plan_node__isnull=True) | Q(parent_objective__isnull=True),
                name="objective_has_one_upward_link",
            ),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("start_date")), name="objective_dates_ordered"),
        ]
        indexes = [models.Index(fields=["due_date", "status"], name="objective_due_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_constraints(self):
        """Leave the two check constraints to the database: ``planning.services.plans``
        states both rules next to their fields, which a bare constraint message cannot."""
        checked_elsewhere = {"objective_has_one_upward_link", "objective_dates_ordered"}
        return [
            (model, [c for c in constraints if c.name not in checked_elsewhere])
            for model, constraints in super().get_constraints()
        ]

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.status != ObjectiveStatus.COMPLETE and self.due_date < (today or timezone.localdate())


class ProgressUpdate(models.Model):
    """A dated note on how an objective is going, with its status at the time."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="progress_updates")
    date = models.DateField()
    note = models.TextField()
    status = models.CharField(max_length=16, choices=ObjectiveStatus.choices)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.get_status_display()}"


class RiskLevel(models.TextChoices):
    """Which register a risk sits in; it follows the kind of unit that holds the register."""

    CORPORATE = "corporate", "Corporate"
    DIRECTORATE = "directorate", "Directorate"
    SERVICE = "service", "Service"


#: The register each kind of unit keeps (teams keep none: their risks are their service's).
LEVEL_OF_KIND = {"council": RiskLevel.CORPORATE, "directorate": RiskLevel.DIRECTORATE, "service": RiskLevel.SERVICE}


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class RiskQuerySet(RestrictedQuerySet):
    """Risks are held by the unit whose register they sit in; the risk's owner reads their own
    risks wherever they sit (a reminder to review one must lead somewhere they can open)."""

    scope_path = "unit__path"

    def reached_without_role(self, user, capability) -> Q | None:
        from accounts.policy import Capability

        return Q(owner=user) if capability == Capability.VIEW_RISKS else None

    def open(self) -> RiskQuerySet:
        return self.filter(status=RiskStatus.OPEN)

    def review_overdue(self, today: datetime.date | None = None) -> RiskQuerySet:
        """Open risks whose review date has passed: the cycle reminds their owners."""
        return self.open().filter(review_date__lt=today or timezone.localdate())


def _score_field(verbose_name: str, choices) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(verbose_name, choices=choices)


class Risk(models.Model):
    """A risk in the council's register: corporate (held by the council), directorate or
    service, described as cause, event and effect and scored likelihood × impact on the
    5 × 5 matrix three times: before any control (inherent), now (current) and where the
    actions should bring it (target). A service risk can be escalated to its directorate's
    register and on to the corporate register; it stays the same row, so its history, links
    and actions travel with it (``RiskEscalation`` records each step)."""

    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="risks", verbose_name="register"
    )
    title = models.CharField(max_length=200)
    cause = models.TextField(blank=True, help_text="Because of… (what could bring it about).")
    event = models.TextField(help_text="There is a risk that… (what might happen).")
    effect = models.TextField(blank=True, help_text="Which would lead to… (the consequences).")
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    inherent_likelihood = _score_field("inherent likelihood", LIKELIHOOD_CHOICES)
    inherent_impact = _score_field("inherent impact", IMPACT_CHOICES)
    current_likelihood = _score_field("current likelihood", LIKELIHOOD_CHOICES)
    current_impact = _score_field("current impact", IMPACT_CHOICES)
    target_likelihood = _score_field("target likelihood", LIKELIHOOD_CHOICES)
    target_impact = _score_field("target impact", IMPACT_CHOICES)
    controls = models.TextField(blank=True, help_text="What is already in place that reduces the risk.")
    review_date = models.DateField(null=True, blank=True, help_text="When the owner next reviews it.")
    last_reviewed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="risks")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RiskQuerySet.as_manager()

    #: What a person may set on a risk (forms, services, imports and the API share this list).
    EDITABLE_FIELDS = (
        "title",
        "cause",
        "event",
        "effect",
        "owner",
        "inherent_likelihood",
        "inherent_impact",
        "current_likelihood",
        "current_impact",
        "target_likelihood",
        "target_impact",
        "controls",
        "review_date",
        "status",
    )

    class Meta:
        ordering = ["unit__path", "-current_likelihood", "-current_impact", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    inherent_likelihood__gte=1,
                    inherent_likelihood__lte=5,
                    inherent_impact__gte=1,
                    inherent_impact__lte=5,
                    current_likelihood__gte=1,
                    current_likelihood__lte=5,
                    current_impact__gte=1,
                    current_impact__lte=5,
                    target_likelihood__gte=1,
                    target_likelihood__lte=5,
                    target_impact__gte=1,
                    target_impact__lte=5,
                ),
                name="risk_scores_one_to_five",
            )
        ]
        indexes = [models.Index(fields=["status", "review_date"], name="risk_status_review_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"R{self.pk}"

    @property
    def level(self) -> RiskLevel | None:
        return LEVEL_OF_KIND.get(self.unit.kind)

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def current_score(self) -> int:
        return self.current_likelihood * self.current_impact

    @property
    def target_score(self) -> int:
        return self.target_likelihood * self.target_impact

    @property
    def score(self) -> int:
        """The current score: what the register ranks by."""
        return self.current_score

    @property
    def inherent_text(self) -> str:
        return score_text(self.inherent_likelihood, self.inherent_impact)

    @property
    def current_text(self) -> str:
        return score_text(self.current_likelihood, self.current_impact)

    @property
    def target_text(self) -> str:
        return score_text(self.target_likelihood, self.target_impact)

    @property
    def current_band(self) -> str:
        return band(self.current_score).value

    def review_overdue(self, today: datetime.date | None = None) -> bool:
        return (
            self.status == RiskStatus.OPEN
            and self.review_date is not None
            and self.review_date < (today or timezone.localdate())
        )


class RiskAction(models.Model):
    """Something someone will do, by a date, to bring a risk down towards its target."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.description[:80]

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.completed_on is None and self.due_date < (today or timezone.localdate())


class RiskEscalation(models.Model):
    """One step up the registers (service → directorate → corporate), with who and why. The
    risk itself moves; these rows are its trail, read on the risk's page."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="escalations")
    from_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    escalated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["escalated_at", "id"]

    def __str__(self) -> str:
        return f"{self.risk_id}: {self.from_unit_id} → {self.to_unit_id}"


# --- Continuous Improvement Conversation objectives -------------------------------------------


class CicObjectiveQuerySet(models.QuerySet):
    def readable_by(self, user) -> CicObjectiveQuerySet:
        """Only the employee and their line management chain may read the text: not admins."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        from accounts.models import User

        return self.filter(employee__in=User.objects.managed_by(user, include_self=True))


class CicObjective(models.Model):
    """An employee's objective from their Continuous Improvement Conversation, linked to a team
    or service objective. Its words are private to the employee and their line management;
    everyone else sees only counts, and the audit log records only that it changed."""

    employee = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="cic_objectives")
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="cic_objectives")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ObjectiveStatus.choices, default=ObjectiveStatus.NOT_STARTED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CicObjectiveQuerySet.as_manager()

    #: Never copied into the audit log.
    audit_exclude = frozenset({"title", "description"})

    class Meta:
        ordering = ["employee_id", "created_at", "id"]
        verbose_name = "CIC objective"
        indexes = [models.Index(fields=["objective"], name="cic_objective_link_idx")]

    def __str__(self) -> str:
        # Deliberately not the title: str() reaches logs, the admin and the audit record.
        return f"CIC objective {self.pk} of {self.employee_id}"


class CicProgressNote(models.Model):
    """A dated progress note on a CIC objective, as private as the objective."""

    cic_objective = models.ForeignKey(CicObjective, on_delete=models.CASCADE, related_name="notes")
    date = models.DateField()
    note = models.TextField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")

    audit_exclude = frozenset({"note"})

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "CIC progress note"

    def __str__(self) -> str:
        return f"CIC progress note {self.pk}"
