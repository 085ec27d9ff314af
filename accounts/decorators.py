"""The capability check that runs before a view body, beside the policy it asks."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.policy import Capability, has_capability


def requires(capability: Capability):
    """Refuse (403) a signed-in user whose roles do not grant ``capability`` anywhere.

    Scope is the queryset's job: the view then reads through ``restrict(user, capability)`` so an
    object outside the user's scope is a 404, and its existence is not disclosed.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied(f"Your roles do not include '{capability.value}'.")
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorator
