"""Run the open period's remaining cycle in the next few minutes, so a newcomer watching the
demo sees reminders arrive (under var/mail and on their notifications page), the period
close, the draft report appear, and the report published."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.policy import SYSTEM
from kpis.models import ReportingPeriod
from kpis.services.periods import period_update_dates
from reporting.cycle import ORDER, sync_steps
from reporting.models import CycleStep, StepState


class Command(BaseCommand):
    help = "Compress the open period's remaining cycle steps into the next few minutes (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("--minutes-apart", type=float, default=1.0)

    @transaction.atomic
    def handle(self, *args, minutes_apart: float, **options):
        period = ReportingPeriod.objects.current_open()
        if period is None:
            raise CommandError("No period is open.")
        if not period.publish_on:
            period = period_update_dates(by=SYSTEM, period=period, publish_on=period.review_deadline)
        steps = [s for s in sync_steps(period) if s.state == StepState.WAITING]
        steps.sort(key=lambda s: (ORDER.index(s.key.split(":", 1)[0]), s.due_at))
        kept, seen = [], set()
        for step in steps:
            kind = step.key.split(":", 1)[0]
            if kind in {"chase", "review"} and kind in seen:
                CycleStep.objects.filter(pk=step.pk).update(
                    state=StepState.SKIPPED, summary="Not needed: the demo's cycle is compressed", due_fixed=True
                )
                continue
            seen.add(kind)
            kept.append(step)
        start = timezone.now()
        for index, step in enumerate(kept, start=1):
            due = start + datetime.timedelta(minutes=minutes_apart * index)
            CycleStep.objects.filter(pk=step.pk).update(due_at=due, due_fixed=True)
            self.stdout.write(f"{due:%H:%M:%S}  {step.key}")
        minutes = minutes_apart * len(kept)
        self.stdout.write(
            f"The {period.label} cycle runs over the next {minutes:.0f} minute{'s' if round(minutes) != 1 else ''}."
        )
