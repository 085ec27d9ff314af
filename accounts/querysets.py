"""One scoping primitive for every read: ``Model.objects.restrict(user, capability)``.

In the spirit of NetBox's ``RestrictedQuerySet.restrict(user, action)``: a page, a partial,
an export and an API response all ask the model's queryset for the rows a person may use a
capability on, and nothing else decides scope. ``accounts.policy`` says who holds which
capability where; a model's queryset says only which unit holds each row (``scope_path``)
and which rows a person reaches beyond their roles (``reached_without_role``: a KPI's owner
and its returns); returns add published figures for every reader (``KpiReturnQuerySet``).
"""

from __future__ import annotations

from typing import ClassVar, Self

from django.db import models
from django.db.models import Q


def within_paths_q(paths: list[str], field: str = "path") -> Q:
    """A filter matching any unit at or below one of ``paths`` (materialised paths)."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what one person may see or change."""

    #: The lookup to the materialised path of the unit that holds a row, e.g.
    #: ``"kpi__owning_service__path"``; None when rows belong to the whole council.
    scope_path: ClassVar[str | None] = None

    def restrict(self, user, capability) -> Self:
        """The rows on which ``user`` may use ``capability``: everything for a council-wide
        grant, the subtrees of their scoped roles, the units they head where the grant
        extends to heads (that unit only), and whatever the model lets people reach without
        a role. Nobody signed out, or inactive, reaches anything."""
        from accounts.policy import scope_of

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        extra = self.reached_without_role(user, capability)
        scope = scope_of(user, capability)
        if scope is None:
            return self.filter(extra) if extra is not None else self.none()
        if scope.council_wide or self.scope_path is None:
            return self
        condition = self._scope_q(scope)
        if extra is not None:
            condition |= extra
        return self.filter(condition)

    def within(self, scope) -> Self:
        """The rows inside ``scope`` (``accounts.policy.Scope``, or None for nowhere), for
        what is shared by everyone with that scope (a cached dashboard, ADR 0025). Equal to
        ``restrict`` for a model whose rows nobody reaches without a role."""
        if scope is None:
            return self.none()
        if scope.council_wide or self.scope_path is None:
            return self
        return self.filter(self._scope_q(scope))

    def _scope_q(self, scope) -> Q:
        condition = within_paths_q(scope.subtrees, self.scope_path)
        if scope.units:
            condition |= Q(**{f"{self.scope_path}__in": scope.units})
        return condition

    def reached_without_role(self, user, capability) -> Q | None:
        """Rows this person may use the capability on whatever their roles say; None: none."""
        return None
