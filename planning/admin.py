from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from planning.models import CouncilPlan, PlanNode


@admin.register(CouncilPlan)
class CouncilPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "start_date", "end_date", "is_demo"]


@admin.register(PlanNode)
class PlanNodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "plan", "depth", "retired_at"]
    list_filter = ["plan", "depth"]
    search_fields = ["code", "title"]
