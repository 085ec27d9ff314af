from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from privacy.models import RetentionRun


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    """When retention last ran and how much of each kind it deleted (counts only)."""

    list_display = ["ran_at", "deleted"]
