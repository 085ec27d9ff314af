"""The Django admin, reachable only by performance admins and read-only for governed data.

Changes to governed data go through the services (which check the rules and write the audit
log); the admin is for looking things up.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.policy import Capability, has_capability


def _admin_site_has_permission(request) -> bool:
    return request.user.is_active and has_capability(request.user, Capability.USE_ADMIN)


admin.site.has_permission = _admin_site_has_permission
admin.site.site_header = "Performance administration (read-only)"
admin.site.site_title = "Performance administration"
