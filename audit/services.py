"""Writing the audit log. Services call these inside their own transaction, never signals:
the quarterly cycle changes data from Celery too, and a signal would miss bulk writes."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable

from django.db import models, transaction

from audit.context import current_correlation_id
from audit.models import Action, AuditEvent

#: Field names never copied into the log whatever the model says.
ALWAYS_EXCLUDED = frozenset({"password"})


class AuditOutsideTransaction(RuntimeError):
    """An audit record must commit or roll back with the change it describes."""


def model_snapshot(instance: models.Model, *, fields: Iterable[str] | None = None) -> dict:
    """A JSON-safe picture of a model's own fields, without secrets or private text.

    A model lists fields that must never reach the log (passwords, CIC objective text) in
    ``audit_exclude``; those are left out here, whoever calls.
    """
    excluded = ALWAYS_EXCLUDED | set(getattr(instance, "audit_exclude", ()))
    wanted = set(fields) if fields is not None else None
    snapshot: dict = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded or (wanted is not None and field.name not in wanted):
            continue
        value = getattr(instance, field.attname)
        snapshot[field.name] = _json_safe(value)
    return snapshot


def _json_safe(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return value


def _object_type(instance_or_model) -> str:
    return instance_or_model._meta.label_lower


def _actor_fields(actor) -> dict:
    if actor is None:
        raise TypeError("An audit record needs an actor: the person, or accounts.policy.SYSTEM for the system.")
    if not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_name": "system"}
    return {"actor_id": actor.pk, "actor_name": actor.get_full_name() or actor.get_username()}


def _require_action(action) -> None:
    if not isinstance(action, Action):
        raise TypeError(f"Audit actions are audit.models.Action members, not {action!r}.")


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction("audit_record must be called inside the service's transaction.atomic() block.")


#: Called, once, after each transaction that wrote audit records commits.
_after_commit: list[Callable[[], None]] = []


def after_audited_commit(listener: Callable[[], None]) -> None:
    """Call ``listener()`` after every commit that recorded a change (once per transaction,
    however many records it wrote). The audit log is how every change to governed data is
    known, so what must follow any change (the dashboards' cache warmed, ADR 0025) hangs
    here; a listener may not fail the change, which has already committed."""
    if listener not in _after_commit:
        _after_commit.append(listener)


def _tell_after_commit() -> None:
    connection = transaction.get_connection()
    if any(func is _committed for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_committed, robust=True)


def _committed() -> None:
    for listener in _after_commit:
        listener()


def audit_record(
    *,
    actor,
    action: Action,
    instance: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    object_repr: str | None = None,
) -> AuditEvent:
    """Record one change to ``instance`` by ``actor`` (a person, or ``SYSTEM``)."""
    _require_action(action)
    _require_transaction()
    _tell_after_commit()
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        action=action,
        object_type=_object_type(instance),
        object_id=str(instance.pk),
        object_repr=(object_repr if object_repr is not None else str(instance))[:300],
        before=before,
        after=after,
        reason=reason,
        correlation_id=current_correlation_id(),
    )


def audit_saved(*, actor, instance: models.Model, before: dict | None, reason: str = "") -> AuditEvent:
    """Record a create-or-update: ``before`` is the snapshot taken before the change, or None
    when the instance is new."""
    return audit_record(
        actor=actor,
        action=Action.UPDATE if before else Action.CREATE,
        instance=instance,
        before=before,
        after=model_snapshot(instance),
        reason=reason,
    )


def audit_record_many(
    *, actor, action: Action, changes: Iterable[tuple[models.Model, dict | None, dict | None]], reason: str = ""
) -> list[AuditEvent]:
    """Record many changes in one INSERT, for services that write many rows at once."""
    _require_action(action)
    _require_transaction()
    _tell_after_commit()
    actor_fields = _actor_fields(actor)
    correlation_id = current_correlation_id()
    events = [
        AuditEvent(
            **actor_fields,
            action=action,
            object_type=_object_type(instance),
            object_id=str(instance.pk),
            object_repr=str(instance)[:300],
            before=before,
            after=after,
            reason=reason,
            correlation_id=correlation_id,
        )
        for instance, before, after in changes
    ]
    return AuditEvent.objects.bulk_create(events)
