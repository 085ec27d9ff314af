"""The base of every admin page: reachable only by performance admins, and read-only.

Changes to governed data go through the services (which check the rules and write the audit
log); the admin is for looking things up. It sits in ``accounts``, beside the policy it
asks, so every app's admin can use it without reaching up a layer.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.policy import Capability, has_capability


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, don't touch: every governed model is registered through this."""

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, Capability.USE_ADMIN)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return has_capability(request.user, Capability.USE_ADMIN)
