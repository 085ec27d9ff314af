"""Quarterly reports: priority narratives, snapshots of what a report shows, and their files.

A snapshot holds everything the report shows (``reporting.content``) as one JSON document
with its SHA-256. A draft snapshot is rebuilt as often as CMT asks; a published one, and the
files rendered from it (the PDFs and the committee report), never change: the models refuse,
and PostgreSQL triggers refuse whatever the application does (migrations 0002, 0004 and
0005). A published snapshot's files are the ones its content lists (``planned_files``), each
stored once by the worker; nothing else can be added.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.querysets import RestrictedQuerySet


class Frozen(Exception):
    """A published snapshot or one of its files was asked to change."""


class FileAlreadyStored(Frozen):
    """A published report already has this file: another worker stored it first."""


class SnapshotKind(models.TextChoices):
    DRAFT = "draft", "Draft for CMT"
    PUBLISHED = "published", "Published"


class SnapshotQuerySet(RestrictedQuerySet):
    """Reports belong to the whole council: drafts for the people who read drafts, published
    reports for everyone who reads them, whichever of the two capabilities is asked for."""

    def published(self) -> SnapshotQuerySet:
        return self.filter(kind=SnapshotKind.PUBLISHED)

    def restrict(self, user, capability) -> SnapshotQuerySet:
        from accounts.policy import Capability, has_capability

        if has_capability(user, Capability.VIEW_DRAFT_REPORTS):
            return super().restrict(user, Capability.VIEW_DRAFT_REPORTS)
        return super().restrict(user, Capability.VIEW_PUBLISHED_REPORTS).published()


class Snapshot(models.Model):
    period = models.ForeignKey("kpis.ReportingPeriod", on_delete=models.PROTECT, related_name="snapshots")
    kind = models.CharField(max_length=10, choices=SnapshotKind.choices)
    as_at = models.DateTimeField(help_text="When the figures were read.")
    status_label = models.CharField(
        max_length=120, help_text='"Draft for CMT", "Published to Cabinet 14 January 2026".'
    )
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-period__year", "-period__quarter", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"], condition=Q(kind="published"), name="one_published_snapshot_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period.label} {self.get_kind_display().lower()} ({self.as_at:%d %b %Y %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk and Snapshot.objects.filter(pk=self.pk, kind=SnapshotKind.PUBLISHED).exists():
            raise Frozen("A published snapshot cannot be changed.")
        if self.pk and self.is_published:
            raise Frozen("A snapshot is published when it is created: a draft cannot become the published report.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise Frozen("A published snapshot cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.kind == SnapshotKind.PUBLISHED


class FileKind(models.TextChoices):
    PRIORITY = "priority", "Priority dashboard"
    PACK = "pack", "Whole pack"
    COMMITTEE = "committee", "Committee report"


#: The committee report's key: one per report, like the pack's.
COMMITTEE_REPORT_KEY = "committee-report"
#: What each kind of file is, for the download and the lists.
FILE_FORMATS = {
    FileKind.PRIORITY: ("pdf", "application/pdf", "PDF"),
    FileKind.PACK: ("pdf", "application/pdf", "PDF"),
    FileKind.COMMITTEE: (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document",
    ),
}


def planned_files(content: dict) -> list[tuple[str, str, str]]:
    """(kind, key, title) for each file a snapshot has: a PDF per priority, the pack, and the
    committee report (a Word document) for content that holds the summary and exceptions it
    is written from, which a report made before they existed does not. The content decides,
    so a published report's files are fixed when it is; the trigger of migration 0005 reads
    the same rules from the stored content."""
    label = content["period"]["label"]
    files = [(FileKind.PRIORITY, p["code"], f"{p['code']} {p['title']}") for p in content["priorities"]]
    files.append((FileKind.PACK, "pack", f"The whole {label} pack"))
    if "summary" in content and "exceptions" in content:
        files.append((FileKind.COMMITTEE, COMMITTEE_REPORT_KEY, f"The committee report to Cabinet, {label}"))
    return files


class ReportFile(models.Model):
    """One file rendered from a snapshot: a priority's dashboard or the whole pack (PDFs), or
    the committee report (a Word document). The bytes are in ``pdf``, named for the files it
    first held."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=FileKind.choices)
    key = models.CharField(max_length=40, help_text="The priority's code, or 'pack'.")
    title = models.CharField(max_length=400)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    render_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    # What the application's database role may do here (core's grant_app_role): store a file
    # and remove a draft's, never change one.
    app_role_grants = ("SELECT", "INSERT", "DELETE")

    class Meta:
        ordering = ["snapshot_id", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "key"], name="one_file_per_key_per_snapshot")]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.title}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise Frozen("A report's PDF is never changed; build a new draft instead.")
        if self.snapshot.is_published:
            self._refuse_unless_missing()
        super().save(*args, **kwargs)

    def _refuse_unless_missing(self) -> None:
        """A published report takes only the files its content lists that it does not have
        yet: the worker's, while it renders them. Once they are all stored, nothing more."""
        planned = {key: kind for kind, key, _title in planned_files(self.snapshot.content)}
        if planned.get(self.key) != self.kind:
            raise Frozen(
                f"The published report has no '{self.key}' file ({self.kind}): its files are the priorities, "
                "the pack and the committee report its content lists."
            )
        if ReportFile.objects.filter(snapshot_id=self.snapshot_id, key=self.key).exists():
            raise FileAlreadyStored(
                f"The published report already has its '{self.key}' file; a published report's files never change."
            )

    def delete(self, *args, **kwargs):
        if self.snapshot.is_published:
            raise Frozen("A published report's PDF cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def filename(self) -> str:
        period = self.snapshot.period.label.replace("/", "-").replace(" ", "-")
        status = "DRAFT-" if not self.snapshot.is_published else ""
        return f"{status}{period}-{self.key}.{FILE_FORMATS[self.kind][0]}"

    @property
    def content_type(self) -> str:
        return FILE_FORMATS[self.kind][1]

    @property
    def format_label(self) -> str:
        """ "PDF" or "Word document", as the lists of files say."""
        return FILE_FORMATS[self.kind][2]


class BuildState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class PdfBuild(models.Model):
    """The progress of rendering a snapshot's PDFs in the worker, for the page to poll."""

    snapshot = models.OneToOneField(Snapshot, on_delete=models.CASCADE, related_name="build")
    state = models.CharField(max_length=10, choices=BuildState.choices, default=BuildState.QUEUED)
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.snapshot}: {self.get_state_display().lower()}"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class PriorityNarrative(models.Model):
    """The performance admin's narrative for one Council Plan priority in a period's report."""

    period = models.ForeignKey("kpis.ReportingPeriod", on_delete=models.PROTECT, related_name="narratives")
    node = models.ForeignKey("planning.PlanNode", on_delete=models.PROTECT, related_name="narratives")
    text = models.TextField()
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period_id", "node_id"]
        constraints = [models.UniqueConstraint(fields=["period", "node"], name="one_narrative_per_priority")]

    def __str__(self) -> str:
        return f"{self.period.label} narrative for {self.node.code}"


# --- The quarterly cycle -------------------------------------------------------------------


class StepState(models.TextChoices):
    WAITING = "waiting", "Waiting"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Not needed"
    FAILED = "failed", "Failed"


class CycleStep(models.Model):
    """One step of a period's cycle (``reporting.cycle``): when it is due, and what happened.
    Its unique key makes each step happen once, however many ticks or workers try."""

    period = models.ForeignKey("kpis.ReportingPeriod", on_delete=models.CASCADE, related_name="cycle_steps")
    key = models.CharField(max_length=40, help_text="open, remind-5, remind-1, close, chase:<date>, ...")
    due_at = models.DateTimeField()
    due_fixed = models.BooleanField(
        default=False, help_text="Set by hand (the demo's compressed cycle); not recomputed from the period's dates."
    )
    state = models.CharField(max_length=10, choices=StepState.choices, default=StepState.WAITING)
    done_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["period_id", "due_at", "key"]
        constraints = [models.UniqueConstraint(fields=["period", "key"], name="one_step_per_key_per_period")]

    def __str__(self) -> str:
        return f"{self.period.label} {self.key}"


class Notification(models.Model):
    """One person's message for one day, listing everything outstanding for them: never one
    message per KPI. Shown in the app, and emailed once."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    day = models.DateField()
    subject = models.CharField(max_length=200)
    items = models.JSONField(default=list, help_text="Lines, each [text, link].")
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_notification_per_person_per_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}: {self.subject}"


class OutboxMessage(models.Model):
    """Work for the worker, written in the same transaction as the change that needs it, so
    a change saves while Redis is down and the work is sent when it is back (the tick drains
    what is left)."""

    task = models.CharField(max_length=120)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["sent_at"], name="outbox_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs}"


class Timing(models.TextChoices):
    IMMEDIATE = "immediate", "At once, in the app and by email, and in the daily message"
    DAILY = "daily", "Only in the daily message"


class NotificationPreference(models.Model):
    """How a person wants to hear of things that happen to their work (a return sent back,
    approved or revised, an escalation): at once, or only in the daily message. No row means
    at once: these events hold work up until someone acts."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="notification_preference")
    timing = models.CharField(max_length=10, choices=Timing.choices, default=Timing.IMMEDIATE)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}: {self.timing}"


class Alert(models.Model):
    """One event told to one person (``reporting.alerts``). Its key (the event's) is unique per
    person, so a message delivered twice tells nobody twice; ``emailed_at`` says it was sent."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="alerts")
    key = models.CharField(max_length=64, help_text="The event's key (core.events).")
    text = models.CharField(max_length=400)
    link = models.CharField(max_length=400, blank=True)
    immediate = models.BooleanField(help_text="Told at once; otherwise only in the daily message.")
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_alert_per_person_per_event")]

    def __str__(self) -> str:
        return f"{self.user}: {self.text}"
