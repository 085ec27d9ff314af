"""The audit log. Rows are only ever inserted: a PostgreSQL trigger refuses UPDATE and DELETE.

The actor is stored by id and name rather than as a foreign key so that removing a person
never rewrites or cascades into history.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils import timezone


class Action(StrEnum):
    """Every kind of change the log records, one name each. The stored text is the value, so
    rows written before this list existed read the same; a service cannot invent a new word
    by a typo (``audit_record`` takes only these)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REORDER = "reorder"
    RETIRE = "retire"
    # A return's workflow (kpis.workflow) and what happens beside it.
    RETURN_SAVE = "return:save"
    RETURN_SUBMIT = "return:submit"
    RETURN_APPROVE = "return:approve"
    RETURN_SEND_BACK = "return:send_back"
    RETURN_MARK_NOT_AVAILABLE = "return:mark_not_available"
    RETURN_BACKFILL = "return:backfill"
    RETURN_BACKFILL_NOT_AVAILABLE = "return:backfill_not_available"
    RETURN_REVISE = "return:revise"
    RETURN_ALLOW_LATE = "return:allow_late"
    # A period's lifecycle: the state it moved to.
    PERIOD_OPEN = "period:open"
    PERIOD_CLOSED = "period:closed"
    PERIOD_DRAFT_REPORT = "period:draft_report"
    PERIOD_PUBLISHED = "period:published"
    REPORT_DRAFT = "report:draft"
    REPORT_PUBLISH = "report:publish"
    ESCALATION_RAISE = "escalation:raise"
    ESCALATION_UPDATE = "escalation:update"
    ESCALATION_CLOSE = "escalation:close"
    ESCALATION_DECIDE = "escalation:decide"
    ESCALATION_ASK_UPDATE = "escalation:ask_update"
    RED_RUN_NOT_ESCALATED = "red_run:not_escalated"
    # Personal data (privacy): a retention run's counts, and who exported whose data.
    RETENTION_APPLY = "retention:apply"
    SUBJECT_ACCESS_EXPORT = "subject_access:export"
    # The risk register: a risk moved one register up, or reviewed by its owner.
    RISK_ESCALATE = "risk:escalate"
    RISK_REVIEW = "risk:review"


class AuditEventQuerySet(models.QuerySet):
    def search(self, *, object_type: str = "", object_id: str = "", actor: str = "", date_from=None, date_to=None):
        qs = self
        if object_type:
            qs = qs.filter(object_type=object_type)
        if object_id:
            qs = qs.filter(object_id=object_id)
        if actor:
            qs = qs.filter(actor_name__icontains=actor)
        if date_from:
            qs = qs.filter(at__date__gte=date_from)
        if date_to:
            qs = qs.filter(at__date__lte=date_to)
        return qs


class AuditEvent(models.Model):
    """One change to governed data, written by the service that made it, in its transaction."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    correlation_id = models.CharField(
        max_length=100, blank=True, help_text="The request or Celery task that made the change."
    )

    objects = AuditEventQuerySet.as_manager()

    # What the application's database role may do here (core's grant_app_role): add and read,
    # never change or remove, behind the trigger of migration 0002.
    app_role_grants = ("SELECT", "INSERT")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action} {self.object_repr}"

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]
