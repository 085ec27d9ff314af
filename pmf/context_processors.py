"""Values every page needs: the service and council names, the CSP nonce, the navigation."""

from __future__ import annotations

from django.conf import settings


def service(request) -> dict:
    from accounts.policy import role_assignments
    from pmf.navigation import navigation_for

    return {
        "service_name": settings.SERVICE_NAME,
        "council_name": settings.COUNCIL_NAME,
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "navigation": navigation_for(request),
        "user_role_labels": [str(a) for a in role_assignments(getattr(request, "user", None))],
    }
