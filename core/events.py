"""Things that happened, told to whoever listens, inside the transaction that made them.

A service low in the layers (a return sent back in ``kpis``) must tell people, and telling
people belongs to a layer above it (``reporting``: the outbox, the alerts, the digest). The
service names what happened here, in its own transaction, next to its audit record; the
listener (registered when its app is ready) writes what the telling needs, in that same
transaction, so the event is kept exactly when the change is. No listener decides anything
about the change itself: that stays in the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import transaction

Listener = Callable[..., None]
_listeners: list[Listener] = []


class Kind:
    """The events, one name each."""

    RETURN_SENT_BACK = "return_sent_back"
    RETURN_APPROVED = "return_approved"
    RETURN_REVISED = "return_revised"
    ESCALATION_RAISED = "escalation_raised"
    ESCALATION_DECIDED = "escalation_decided"
    ESCALATION_UPDATE_ASKED = "escalation_update_asked"
    ESCALATION_CLOSED = "escalation_closed"


def listen(listener: Listener) -> None:
    """Call ``listener(kind, key=..., **data)`` for every event from now on (once each)."""
    if listener not in _listeners:
        _listeners.append(listener)


def emit(kind: str, **data) -> str:
    """Tell the listeners; refused outside a transaction, since an event written apart from
    its change could outlive a change that rolled back. ``data`` holds ids (JSON), and the
    event's key makes each event one of a kind, so a second delivery can be recognised."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An event is emitted inside the transaction of the change it reports.")
    key = uuid.uuid4().hex
    for listener in _listeners:
        listener(kind, key=key, **data)
    return key
