"""What a retention run removed, by kind: the row its audit record points to."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RetentionRun(models.Model):
    """One run of the retention rules (``privacy.retention``): when, the periods it used and
    how many of each kind it deleted. Counts only, never whose data: the point of deleting is
    that nothing about those people is kept, here or in the audit log."""

    ran_at = models.DateTimeField(default=timezone.now)
    periods = models.JSONField(default=dict, help_text="Retention period of each kind, in days.")
    deleted = models.JSONField(default=dict, help_text="How many of each kind were deleted.")

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run {self.ran_at:%Y-%m-%d %H:%M}"
