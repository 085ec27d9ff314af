"""Helpers every app's services share."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.policy import Capability, can


def require(user, capability: Capability, unit=None) -> None:
    """The service's own check, whatever view or task called it (authorisation twice). The
    system actor passes; ``None`` is refused like anyone without the capability."""
    if not can(user, capability, unit):
        raise PermissionDenied(f"Not allowed: {capability.value}" + (f" for {unit}" if unit is not None else ""))


def apply_changes(instance, changes: dict, allowed: set[str]) -> dict:
    """Set only the named fields; refuse any other (a typo must not be silently ignored)."""
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"Cannot change {sorted(unknown)} here")
    for name, value in changes.items():
        setattr(instance, name, value)
    return changes
