"""The correlation id that ties audit records to the request or Celery task that wrote them.

Set by ``pmf.middleware.RequestIdMiddleware`` for web requests and by the Celery
``task_prerun`` signal for tasks; read by ``audit.services`` when it writes a record.
"""

from __future__ import annotations

import contextvars

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_correlation_id", default=None)


def bind_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)


def current_correlation_id() -> str:
    return _correlation_id.get() or ""
