from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from accounts.models import OrgUnit, RoleAssignment, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = [
        "username",
        "employee_number",
        "first_name",
        "last_name",
        "job_title",
        "org_unit",
        "line_manager",
        "is_active",
    ]
    search_fields = ["username", "employee_number", "first_name", "last_name", "email"]
    list_filter = ["is_active", "org_unit__kind"]
    exclude = ["password"]


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "parent", "head", "is_active"]
    search_fields = ["name", "code"]
    list_filter = ["kind", "is_active"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "org_unit", "portfolio"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name", "org_unit__name"]
