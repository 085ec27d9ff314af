"""When each leaver was switched off, so retention can count from it.

People already switched off get the time the audit log recorded it (the HR import's
"left" record), or, where the log has none, the time of this migration: the clock starts
now rather than guessing an earlier date and deleting too soon.
"""

from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    now = timezone.now()
    for person in User.objects.filter(is_active=False, deactivated_at__isnull=True):
        left = (
            AuditEvent.objects.filter(object_type="accounts.user", object_id=str(person.pk), after__is_active=False)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        person.deactivated_at = left or now
        person.save(update_fields=["deactivated_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_employee_number"),
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="deactivated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
