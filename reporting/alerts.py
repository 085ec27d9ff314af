"""Telling people at once when something happens to their work (docs/adr/0023).

A service emits an event (``core.events``) in the transaction of its change; ``on_event``
writes it to the outbox in that same transaction; the worker runs ``reporting.tasks.tell``,
which calls ``deliver``. Each person concerned gets one ``Alert`` per event (a unique key),
shown in the app and emailed at once if they chose "at once" (the default), and a line in
their daily message either way. A message delivered twice finds the alerts made and tells
nobody again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from core.events import Kind
from kpis.models import Escalation, KpiReturn
from reporting import notifications
from reporting.models import Alert, NotificationPreference, Timing
from reporting.outbox import enqueue

logger = logging.getLogger(__name__)

TASK = "reporting.tasks.tell"


def on_event(kind: str, *, key: str, **data) -> None:
    """The listener: the event becomes an outbox message, in the change's transaction."""
    enqueue(TASK, kind=kind, key=key, **data)


@dataclass(frozen=True)
class Telling:
    text: str
    link: str
    people: list[User]


def _service_people(kpi) -> set[int]:
    """Who enters the KPI's returns: its owner and deputy, and the service's leads."""
    ids = {kpi.owner_id, kpi.deputy_id}
    ids |= set(
        RoleAssignment.objects.filter(role=Role.SERVICE_LEAD, org_unit_id=kpi.owning_service_id).values_list(
            "user_id", flat=True
        )
    )
    return ids


def _directorate_leads(kpi) -> set[int]:
    return set(
        RoleAssignment.objects.filter(role=Role.DIRECTORATE_LEAD, org_unit_id=kpi.owning_service.parent_id).values_list(
            "user_id", flat=True
        )
    )


def _return_telling(kind: str, data: dict) -> Telling:
    kpi_return = KpiReturn.objects.select_related("kpi__owning_service", "period").get(pk=data["return_id"])
    kpi, period = kpi_return.kpi, kpi_return.period
    name = f"{kpi.code} {kpi.title} ({period.label})"
    people = _service_people(kpi) | {kpi_return.submitted_by_id}
    if kind == Kind.RETURN_SENT_BACK:
        text = f"Sent back: {name}. What needs to change: {kpi_return.returned_reason}"
        link = reverse("kpis:return-edit", args=[kpi_return.pk])
    elif kind == Kind.RETURN_APPROVED:
        text = f"Approved: {name}"
        link = reverse("kpis:kpi-detail", args=[kpi.code])
    else:
        revision = kpi_return.revisions.order_by("-pk").first()
        why = f": {revision.reason}" if revision else ""
        text = f"Published figure revised: {name}{why}"
        link = reverse("kpis:kpi-detail", args=[kpi.code])
        people |= _directorate_leads(kpi) | {kpi_return.approved_by_id}
    return Telling(text, link, _active(people))


def _escalation_telling(kind: str, data: dict) -> Telling:
    escalation = Escalation.objects.select_related("kpi__owning_service", "period").get(pk=data["escalation_id"])
    kpi = escalation.kpi
    name = f"{kpi.code} {kpi.title} ({escalation.period.label})"
    people = {escalation.owner_id, escalation.raised_by_id, kpi.owner_id}
    note = data.get("note", "")
    if kind == Kind.ESCALATION_RAISED:
        text = f"Escalated to CMT: {name}"
        people |= set(RoleAssignment.objects.filter(role=Role.CMT).values_list("user_id", flat=True))
    elif kind == Kind.ESCALATION_DECIDED:
        text = f"CMT decision on the escalation of {name}: {note}"
    elif kind == Kind.ESCALATION_UPDATE_ASKED:
        text = f"CMT asks for an update on the escalation of {name}: {note}"
    else:
        text = f"Escalation closed: {name}. Resolution: {escalation.resolution}"
    return Telling(text, reverse("kpis:escalation-detail", args=[escalation.pk]), _active(people))


def _active(ids: set) -> list[User]:
    return list(User.objects.filter(pk__in=ids - {None}, is_active=True).order_by("pk"))


TELLINGS = {
    Kind.RETURN_SENT_BACK: _return_telling,
    Kind.RETURN_APPROVED: _return_telling,
    Kind.RETURN_REVISED: _return_telling,
    Kind.ESCALATION_RAISED: _escalation_telling,
    Kind.ESCALATION_DECIDED: _escalation_telling,
    Kind.ESCALATION_UPDATE_ASKED: _escalation_telling,
    Kind.ESCALATION_CLOSED: _escalation_telling,
}


def timing_of(user) -> str:
    """The person's choice; at once unless they chose the daily message."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.timing if preference else Timing.IMMEDIATE


def deliver(*, kind: str, key: str, by: int | None = None, **data) -> int:
    """Tell everyone the event concerns except the person who made it; the number told now.
    Each person in their own transaction, their alert locked and made once: a failure (the
    mail server down) leaves that person untold, and the retry tells only them."""
    telling = TELLINGS[kind](kind, data)
    told = 0
    for person in telling.people:
        if person.pk == by:
            continue
        with transaction.atomic():
            alert, made = Alert.objects.select_for_update().get_or_create(
                user=person,
                key=key,
                defaults={
                    "text": telling.text[:400],
                    "link": telling.link,
                    "immediate": timing_of(person) == Timing.IMMEDIATE,
                },
            )
            if made:
                notifications.add(person, timezone.localdate(), [(alert.text, alert.link)])
            if alert.immediate and alert.emailed_at is None:
                if person.email:
                    send_mail(f"Performance: {alert.text[:150]}", _body(person, alert), None, [person.email])
                alert.emailed_at = timezone.now()
                alert.save(update_fields=["emailed_at"])
                told += 1
    return told


def _body(person, alert: Alert) -> str:
    base = getattr(settings, "PMF_BASE_URL", "").rstrip("/")
    lines = [f"Hello {person.display_name},", "", alert.text]
    if alert.link:
        lines += ["", f"{base}{alert.link}"]
    lines += [
        "",
        "You chose to hear of this at once; you can choose the daily message instead under Your notifications.",
        "",
        f"{settings.COUNCIL_NAME} {settings.SERVICE_NAME}",
    ]
    return "\n".join(lines)


@transaction.atomic
def notification_preference_set(*, by, timing: str) -> NotificationPreference:
    """A person's own choice of when to hear of events; audited like any change of record."""
    from audit.models import Action
    from audit.services import audit_record, model_snapshot

    if timing not in Timing.values:
        raise ValueError(f"Unknown timing {timing!r}")
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=by)
    before = model_snapshot(preference, fields=["timing"])
    preference.timing, preference.updated_at = timing, timezone.now()
    preference.full_clean()
    preference.save()
    audit_record(
        actor=by,
        action=Action.UPDATE,
        instance=preference,
        before=before,
        after=model_snapshot(preference, fields=["timing"]),
    )
    return preference
